namespace Resonance.Grains.Hosting;

/// <summary>
/// References to the grains of the hot paths (nodes, cells, spaces). <c>IGrainFactory.GetGrain&lt;T&gt;(key)</c> resolves
/// T's grain interface type on every call (custom-attribute reflection and type-name formatting); in a dense space that
/// was about a tenth of the silo's CPU. This resolves each interface once and builds references from the grain id.
/// </summary>
public sealed class GrainReferences(IGrainFactory grains)
{
    private readonly Lazy<Kind<INodeGrain>> _node = new(() => new Kind<INodeGrain>(grains, grains.GetGrain<INodeGrain>(Guid.Empty)));
    private readonly Lazy<Kind<ICellGrain>> _cell = new(() => new Kind<ICellGrain>(grains, grains.GetGrain<ICellGrain>("-/0/0")));
    private readonly Lazy<Kind<ISpaceGrain>> _space = new(() => new Kind<ISpaceGrain>(grains, grains.GetGrain<ISpaceGrain>("-")));

    public INodeGrain Node(Guid id) => _node.Value.Get(GrainIdKeyExtensions.CreateGuidKey(id));

    public ICellGrain Cell(string key) => _cell.Value.Get(IdSpan.Create(key));

    public ISpaceGrain Space(string id) => _space.Value.Get(IdSpan.Create(id));

    private sealed class Kind<T>(IGrainFactory grains, T probe) where T : IAddressable
    {
        private readonly GrainType _type = probe.GetGrainId().Type;
        private readonly GrainInterfaceType _interface = ((GrainReference)(object)probe).InterfaceType;

        public T Get(IdSpan key) => (T)grains.GetGrain(GrainId.Create(_type, key), _interface);
    }
}
