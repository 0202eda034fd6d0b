using Resonance.Grains;
using Resonance.Grains.Field;

namespace Resonance.Tests.Cluster;

/// <summary>
/// A random workload of joins, moves, re-weights and leaves of participants and crystallise / move / delete of memory
/// nodes, applied to the cluster with many nodes in flight at once (each node's own operations stay in order), while
/// keeping the expected state of every node for the reference.
/// </summary>
public sealed class Workload(IGrainFactory grains, string space, double width, double height, int seed)
{
    private readonly Random _random = new(seed);
    private readonly Dictionary<Guid, Expected> _nodes = [];

    public sealed record Expected(NodeKind Kind, double X, double Y, double Strength, double Phase, double Resonance, Guid Owner);

    public IReadOnlyDictionary<Guid, Expected> Nodes => _nodes;

    public List<FieldSource> Sources() => [.. _nodes.Values.Select(n => new FieldSource(n.X, n.Y, n.Strength, n.Phase))];

    public async Task Run(int rounds, int perRound)
    {
        for (int round = 0; round < rounds; round++)
        {
            var busy = new HashSet<Guid>();
            var calls = new List<Task>();
            for (int k = 0; k < perRound; k++)
                calls.Add(Step(busy));
            await Task.WhenAll(calls);
        }
    }

    private Task Step(HashSet<Guid> busy)
    {
        var participants = _nodes.Where(n => n.Value.Kind == NodeKind.Participant && !busy.Contains(n.Key)).Select(n => n.Key).ToList();
        var memories = _nodes.Where(n => n.Value.Kind == NodeKind.Memory && !busy.Contains(n.Key)).Select(n => n.Key).ToList();
        int roll = _random.Next(100);
        if (roll < 25 || participants.Count == 0) return JoinParticipant(busy);
        if (roll < 45) return MoveParticipant(Pick(participants), busy, smallStep: _random.Next(2) == 0);
        if (roll < 55) return ReweightParticipant(Pick(participants), busy);
        if (roll < 65) return Leave(Pick(participants), busy);
        if (roll < 80 || memories.Count == 0) return Crystallize(Guid.NewGuid(), Guid.NewGuid(), busy);
        var memory = Pick(memories);
        return roll < 92 ? Crystallize(memory, _nodes[memory].Owner, busy) : Leave(memory, busy);
    }

    private Guid Pick(List<Guid> ids) => ids[_random.Next(ids.Count)];

    private (double X, double Y) RandomPosition()
    {
        // Bias some nodes onto cell seams and edges, where mistakes show.
        double Coord(double size) => _random.Next(4) switch
        {
            0 => Math.Min(size - 1e-6, Math.Round(_random.NextDouble() * size / 10) * 10),
            1 => _random.NextDouble() * 0.5,
            _ => _random.NextDouble() * size,
        };
        return (Coord(width), Coord(height));
    }

    private Task JoinParticipant(HashSet<Guid> busy)
    {
        var id = Guid.NewGuid();
        busy.Add(id);
        var (x, y) = RandomPosition();
        return SendParticipant(id, x, y, _random.NextDouble(), _random.NextDouble() * 2 * Math.PI, _random.NextDouble());
    }

    private Task MoveParticipant(Guid id, HashSet<Guid> busy, bool smallStep)
    {
        busy.Add(id);
        var n = _nodes[id];
        var (x, y) = smallStep
            ? (Math.Clamp(n.X + _random.NextDouble() * 4 - 2, 0, width - 1e-6), Math.Clamp(n.Y + _random.NextDouble() * 4 - 2, 0, height - 1e-6))
            : RandomPosition();
        return SendParticipant(id, x, y, n.Strength, _random.NextDouble() * 2 * Math.PI, n.Resonance);
    }

    private Task ReweightParticipant(Guid id, HashSet<Guid> busy)
    {
        busy.Add(id);
        var n = _nodes[id];
        return SendParticipant(id, n.X, n.Y, _random.NextDouble(), n.Phase, _random.NextDouble());
    }

    private Task SendParticipant(Guid id, double x, double y, double amplitude, double phase, double resonance)
    {
        _nodes[id] = new Expected(NodeKind.Participant, x, y, amplitude, phase, resonance, Guid.Empty);
        return grains.GetGrain<INodeGrain>(id).UpdateParticipant(space, new ParticipantUpdate
        {
            Frequency = 1 + _random.NextDouble() * 10,
            Amplitude = amplitude,
            Phase = phase,
            X = x,
            Y = y,
            Resonance = resonance,
        });
    }

    private Task Crystallize(Guid id, Guid owner, HashSet<Guid> busy)
    {
        busy.Add(id);
        var (x, y) = RandomPosition();
        double influence = _random.NextDouble();
        _nodes[id] = new Expected(NodeKind.Memory, x, y, influence, 0, 0, owner);
        return grains.GetGrain<INodeGrain>(id).Crystallize(space, new MemoryUpdate { Owner = owner, X = x, Y = y, Influence = influence, Harmonic = 7.83 });
    }

    private Task Leave(Guid id, HashSet<Guid> busy)
    {
        busy.Add(id);
        _nodes.Remove(id);
        return grains.GetGrain<INodeGrain>(id).Remove();
    }
}
