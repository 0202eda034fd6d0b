using Microsoft.Extensions.Options;
using Resonance.Grains.Field;
using Resonance.Grains.Hosting;
using Resonance.Grains.Privacy;
using Resonance.Grains.Routing;
using Resonance.Grains.Spaces;

namespace Resonance.Grains.Nodes;

/// <summary>
/// A participant or a memory node. It keeps the node's state and, on every change, hands the cells its footprint
/// reaches (its own and at most 8 neighbours) the new state. A participant's changes go through the silo's
/// <see cref="CellChangeRouter"/> and it never waits for the cells (it re-streams at up to 10 Hz and lives in memory);
/// a memory node is persisted, its content sealed under the owner's data key (plaintext only in this activation's
/// memory), and it waits until its cells have stored it before it answers. A participant whose subject opted out of the
/// collective is kept but never routed to cells.
/// </summary>
public sealed class NodeGrain(
    [PersistentState("node", ResonanceStorage.Name)] IPersistentState<NodeState> state,
    CellChangeRouter router,
    SpaceDirectory spaces,
    GrainReferences refs,
    SubjectKeys keys,
    IOptions<ResonanceFieldOptions> options) : Grain, INodeGrain
{
    /// <summary>A memory node's content in plaintext (never in <see cref="NodeState"/>).</summary>
    private string? _content;
    /// <summary>The subject's collective preference, asked once per activation (null: not asked yet).</summary>
    private bool? _collective;

    private readonly (int Cx, int Cy)[] _before = new (int, int)[9];
    private readonly (int Cx, int Cy)[] _after = new (int, int)[9];
    /// <summary>The phase-locked partners' ids as sent with every change (rebuilt only when the set changes).</summary>
    private Guid[] _lockedIds = [];

    /// <summary>
    /// The node as stored, with a streaming participant's newest pose applied: a snapshot is built from the pose only
    /// when the node is read, not on every update (see <see cref="ParticipantPose"/>).
    /// </summary>
    private NodeSnapshot? Current
    {
        get
        {
            if (_poseAhead)
            {
                _poseAhead = false;
                // Null only if the state was replaced under the pose (a cleared record): nothing to apply it to then.
                if (state.State.Snapshot is { } stored) state.State.Snapshot = _pose.ApplyTo(stored);
            }
            return state.State.Snapshot;
        }
    }

    /// <summary>A live participant's newest pose; ahead of the stored snapshot while <see cref="_poseAhead"/>.</summary>
    private ParticipantPose _pose;
    private Guid _id;
    private bool _poseAhead;

    /// <summary>The pose the node last had (from the snapshot when none is ahead of it), null before its first state.</summary>
    private ParticipantPose? LastPose => _poseAhead ? _pose : state.State.Snapshot is { } node ? ParticipantPose.Of(node) : null;

    private void SetSnapshot(NodeSnapshot? node)
    {
        _poseAhead = false;
        state.State.Snapshot = node;
    }

    private void SetPose(in ParticipantPose pose)
    {
        _pose = pose;
        _poseAhead = true;
    }

    /// <summary>The space grain of the last space asked for (a node lives in one space at a time).</summary>
    private (string Id, ISpaceGrain Grain)? _space;

    private ISpaceGrain SpaceOf(string id)
    {
        if (_space is { } known && known.Id == id) return known.Grain;
        var grain = refs.Space(id);
        _space = (id, grain);
        return grain;
    }

    /// <summary>The node as callers see it: with its memory content.</summary>
    private NodeSnapshot? Visible => Current is { } node && _content is not null ? node with { Content = _content } : Current;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _id = this.GetPrimaryKey();
        GrainMetrics.Activated("node");
        if (Current is { Kind: NodeKind.Memory, Owner: { } owner } node)
        {
            if (state.State.SealedContent is { } sealedContent)
                _content = await keys.GetAsync(owner, cancellationToken) is { } key ? key.Open(node.Id, sealedContent) : null;
            else if (node.Content is not null)
                await SealLegacyContent(node, owner);
        }
        // A stored memory node whose cells missed it (the process died between the two writes, before the node was
        // confirmed) is put back into the field when it is next activated; the cells ignore it when they have it.
        if (Current is { Kind: NodeKind.Memory, Live: true } memory && SpaceId.IsValid(memory.Space))
        {
            try
            {
                Route(await spaces.GetAsync(memory.Space), null, memory);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A repair only: the node still serves; the next activation tries again.
            }
        }
        await base.OnActivateAsync(cancellationToken);
    }

    /// <summary>State an earlier version wrote holds the content in plaintext: seal it and write the state back.</summary>
    private async Task SealLegacyContent(NodeSnapshot node, Guid owner)
    {
        _content = node.Content;
        var key = await keys.GetOrCreateAsync(owner);
        SetSnapshot(node with { Content = null });
        state.State.SealedContent = key?.Seal(node.Id, _content!);
        if (key is null) _content = null;
        await state.WriteStateAsync();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        GrainMetrics.Deactivated("node");
        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    public async Task UpdateParticipant(string space, ParticipantUpdate update)
    {
        CheckSpaceId(space);
        var geometry = await spaces.GetAsync(space);
        NodeValidation.Participant(update, geometry);
        // Kind, space and liveness are the stored snapshot's (a pose never changes them): no snapshot is built here.
        var stored = state.State.Snapshot;
        if (stored is { Kind: NodeKind.Memory, Live: true })
            throw new InvalidOperationException($"Node {this.GetPrimaryKey()} is a memory node, not a participant.");
        if (stored is { Live: true } && stored.Space != space)
            await LeaveCells(Current!);

        // Read again: LeaveCells has replaced the snapshot when the space changed.
        var samePlace = state.State.Snapshot is { Live: true } live && live.Space == space;
        var previous = LastPose;
        (double x, double y) = update.X is { } ux && update.Y is { } uy ? (ux, uy)
            : samePlace ? (previous!.Value.X, previous.Value.Y)
            : NodePlacement.FromId(this.GetPrimaryKey(), geometry.Config.Width, geometry.Config.Height);
        var next = new ParticipantPose
        {
            X = x,
            Y = y,
            Strength = update.Amplitude,
            Resonance = update.Resonance ?? update.Amplitude,
            Frequency = update.Frequency,
            Phase = Phase.Normalize(update.Phase ?? previous?.Phase ?? 0),
            QuantumFactor = update.QuantumFactor ?? previous?.QuantumFactor,
            Intent = ParticipantPose.IntentAfter(previous?.Intent, update.ConsciousnessIntent),
            Version = NextVersion(previous?.Version),
            UpdatedUtc = DateTime.UtcNow,
        };
        if (samePlace) SetPose(next);
        else SetSnapshot(next.ApplyTo(new NodeSnapshot { Id = this.GetPrimaryKey(), Kind = NodeKind.Participant, Space = space, Live = true }));
        if (update.Session is { } session) _session = session;
        if (await IsCollectiveAsync(update.Subject))
            RouteTo(geometry, space, samePlace ? (previous!.Value.X, previous.Value.Y) : null, ToChange(next, NodeChangeOp.Upsert), live: true, router, null);
        WatchStaleness();
    }

    public async Task SetCollective(bool collective)
    {
        bool was = _collective ?? true;
        _collective = collective;
        if (was == collective || Current is not { Live: true, Kind: NodeKind.Participant } node) return;
        var geometry = await spaces.GetAsync(node.Space);
        if (collective)
        {
            // Stored as well as sent: a later touch carries this version, and cells ignore changes older than what they hold.
            var back = node with { Version = NextVersion(node.Version) };
            SetSnapshot(back);
            Route(geometry, null, back);
            return;
        }
        // Out of the cells (field sum, resonance, coherence, pair detection) but still a live participant of its session.
        var gone = node with { Version = NextVersion(node.Version) };
        SetSnapshot(gone);
        int n = geometry.AffectedCells(node.X, node.Y, _before);
        for (int k = 0; k < n; k++)
            router.Enqueue(geometry.CellKey(node.Space, _before[k].Cx, _before[k].Cy), ToChange(gone, NodeChangeOp.Remove));
        await BreakAll(node.Space);
    }

    private bool Solo => _collective == false;

    /// <summary>
    /// The subject's preference, asked once per activation. An anonymous participant (no subject) has none to follow.
    /// When the subject's grain cannot be read (its storage is down) the participant streams as before and asks again
    /// with its next update, so an outage of the database never stops the field.
    /// </summary>
    private async ValueTask<bool> IsCollectiveAsync(Guid? subjectId)
    {
        if (_collective is { } known) return known;
        if (subjectId is not { } subject) return true;
        try
        {
            _collective = await GrainFactory.GetGrain<ISubjectGrain>(subject).IsCollective();
            return _collective.Value;
        }
        catch (Exception e) when (e is not ArgumentException)
        {
            return true;
        }
    }

    private IDisposable? _staleWatch;
    private Guid? _session;

    public Task Leave(Guid session) => _session is { } current && current != session ? Task.CompletedTask : Remove();

    /// <summary>
    /// A participant whose client vanished without a goodbye (a crashed gateway) is dropped by its cells once stale; this
    /// watch makes the node itself leave too, so its pairs break and both sides' clients are told.
    /// </summary>
    private void WatchStaleness()
    {
        if (_staleWatch is not null) return;
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, options.Value.ParticipantStaleAfter.Ticks / 2));
        _staleWatch = this.RegisterGrainTimer(async () =>
        {
            if (state.State.Snapshot is { Live: true, Kind: NodeKind.Participant } && IsStale(LastPose!.Value.UpdatedUtc)) await Remove();
        }, new GrainTimerCreationOptions { DueTime = period, Period = period, KeepAlive = true });
    }

    public Task Apply(string space, ParticipantCommand command)
    {
        // A session's leave is its last word and replaces its own update. A leave of another session is moot once this
        // update makes the streaming session current (Leave ignores superseded sessions), so the update alone is applied.
        if (command.Update is { } update && update.Session != command.LeaveSession) return UpdateParticipant(space, update);
        if (command.LeaveSession is { } leaving) return Leave(leaving);
        return command.Touch ? Touch() : Task.CompletedTask;
    }

    public async Task Touch()
    {
        if (state.State.Snapshot is not { Live: true, Kind: NodeKind.Participant } node) return;
        var geometry = await spaces.GetAsync(node.Space);
        var touched = LastPose!.Value;
        touched.UpdatedUtc = DateTime.UtcNow;
        SetPose(touched);
        if (Solo) return;
        int n = geometry.AffectedCells(touched.X, touched.Y, _after);
        var change = ToChange(touched, NodeChangeOp.Touch);
        for (int k = 0; k < n; k++)
            router.Enqueue(geometry.CellKey(node.Space, _after[k].Cx, _after[k].Cy), change);
    }

    public async Task<NodeSnapshot> Crystallize(string space, MemoryUpdate update)
    {
        CheckSpaceId(space);
        var geometry = await spaces.GetAsync(space);
        NodeValidation.Memory(update, geometry);
        var previous = Current;
        if (previous is { Kind: NodeKind.Participant, Live: true })
            throw new InvalidOperationException($"Node {this.GetPrimaryKey()} is a participant, not a memory node.");
        if (previous is { Kind: NodeKind.Memory, Live: true } && previous.Owner != update.Owner)
            throw new UnauthorizedAccessException($"Memory node {this.GetPrimaryKey()} belongs to another user.");
        if (previous is { Live: true } && previous.Space != space)
            await LeaveCells(previous);
        var left = Current;

        var next = new NodeSnapshot
        {
            Id = this.GetPrimaryKey(),
            Kind = NodeKind.Memory,
            Space = space,
            X = update.X,
            Y = update.Y,
            Strength = update.Influence,
            Frequency = update.Harmonic,
            Phase = 0,
            Owner = update.Owner,
            Archetype = update.Archetype,
            Public = update.Public,
            Version = NextVersion(previous?.Version),
            UpdatedUtc = DateTime.UtcNow,
            Live = true,
        };
        // The owner lists the node before it is stored, so a node is never stored unlisted (erasure finds it); an erased
        // owner refuses. The index is asked once per node, not on every update.
        if (!state.State.Indexed || previous?.Owner != update.Owner)
        {
            await GrainFactory.GetGrain<ISubjectGrain>(update.Owner).AddMemory(next.Id, space);
            state.State.Indexed = true;
        }
        byte[]? sealedContent = null;
        if (update.Content is { } content)
        {
            var key = await keys.GetOrCreateAsync(update.Owner)
                ?? throw new InvalidOperationException($"User {update.Owner} is erased; no memory is stored for it.");
            sealedContent = key.Seal(next.Id, content);
        }
        SetSnapshot(next);
        var leftSealed = state.State.SealedContent;
        var leftContent = _content;
        state.State.SealedContent = sealedContent;
        _content = update.Content;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not stored, so not changed: the node does not look crystallised to the next caller.
            SetSnapshot(left);
            state.State.SealedContent = leftSealed;
            _content = leftContent;
            throw;
        }
        await RouteDurably(geometry, previous is { Live: true } && previous.Space == space ? previous : null, next);
        return next with { Content = _content };
    }

    public async Task Dissolve(Guid owner)
    {
        if (Current is not { Kind: NodeKind.Memory, Live: true } node)
            throw new KeyNotFoundException($"There is no memory node {this.GetPrimaryKey()}.");
        if (node.Owner != owner)
            throw new UnauthorizedAccessException($"Memory node {this.GetPrimaryKey()} belongs to another user.");
        await LeaveCells(node);
        // Gone from storage too, not kept as a tombstone: the cells' removal carries the version that supersedes it.
        await state.ClearStateAsync();
        _poseAhead = false;
        _content = null;
        await GrainFactory.GetGrain<ISubjectGrain>(owner).RemoveMemory(node.Id);
        DeactivateOnIdle();
    }

    public async Task Remove()
    {
        _staleWatch?.Dispose();
        _staleWatch = null;
        if (Current is not { Live: true } node)
        {
            // Nothing to remove (e.g. a session that left before its first update was applied): do not stay active.
            if (Current is not { Kind: NodeKind.Memory }) DeactivateOnIdle();
            return;
        }
        await LeaveCells(node);
        await BreakAll(node.Space);
        if (node.Kind == NodeKind.Memory)
        {
            await state.WriteStateAsync();
            if (node.Owner is { } owner) _ = GrainFactory.GetGrain<ISubjectGrain>(owner).RemoveMemory(node.Id);
        }
        else
            DeactivateOnIdle();
    }

    public async Task Erase()
    {
        _staleWatch?.Dispose();
        _staleWatch = null;
        if (Current is { Live: true } node)
        {
            await LeaveCells(node);
            await BreakAll(node.Space);
        }
        _content = null;
        // Deletes the stored row (DeleteStateOnClear); a participant has none.
        if (state.RecordExists) await state.ClearStateAsync();
        else state.State = new NodeState();
        _poseAhead = false;
        DeactivateOnIdle();
    }

    public Task<NodeSnapshot?> GetSnapshot()
    {
        var node = Visible;
        // A participant silent for longer than the stale period has been dropped by its cells.
        if (node is { Kind: NodeKind.Participant, Live: true } && DateTime.UtcNow - node.UpdatedUtc > options.Value.ParticipantStaleAfter)
            node = node with { Live = false };
        return Task.FromResult(node);
    }

    /// <summary>Explicit pairs (consent on both sides) carry full strength and a 1:1 ratio.</summary>
    private static EntangledPair ExplicitPair(Guid a, Guid b) => EntangledPair.Create(a, b, "1:1", 1.0, EntangledPair.ExplicitType);

    public async Task<EntanglementState> RequestEntanglement(Guid target)
    {
        var me = this.GetPrimaryKey();
        if (target == me) throw new ArgumentException("A node cannot entangle with itself.");
        if (Current is not { Live: true, Kind: NodeKind.Participant } node)
            throw new InvalidOperationException($"Node {me} is not a live participant.");
        if (Solo) throw new InvalidOperationException("This participant opted out of the collective: it does not entangle.");
        if (state.State.Partners.Contains(target)) return EntanglementState.Formed;
        // Recorded before asking: if the target asks for us at the same moment, its offer (interleaved) sees our consent.
        state.State.Requested.Add(target);
        bool formed;
        try
        {
            formed = await refs.Node(target).OfferEntanglement(me, node.Space);
        }
        catch
        {
            state.State.Requested.Remove(target);
            throw;
        }
        var space = SpaceOf(node.Space);
        if (formed)
        {
            state.State.Requested.Remove(target);
            state.State.Partners.Add(target);
            await space.PairChanged(ExplicitPair(me, target), formed: true);
            return EntanglementState.Formed;
        }
        await space.Notify(new EntanglementNotice(target, me, EntanglementState.Requested, 0));
        return EntanglementState.Requested;
    }

    public Task<bool> OfferEntanglement(Guid from, string space)
    {
        if (Current is not { Live: true, Kind: NodeKind.Participant } node || node.Space != space || Solo
            || DateTime.UtcNow - node.UpdatedUtc > options.Value.ParticipantStaleAfter)
            throw new KeyNotFoundException($"Node {this.GetPrimaryKey()} is not a live participant of space '{space}'.");
        if (state.State.Partners.Contains(from)) return Task.FromResult(true);
        if (!state.State.Requested.Remove(from)) return Task.FromResult(false);
        state.State.Partners.Add(from);
        return Task.FromResult(true);
    }

    public async Task BreakEntanglement(Guid partner)
    {
        var me = this.GetPrimaryKey();
        bool wasPartner = state.State.Partners.Remove(partner);
        state.State.Requested.Remove(partner);
        if (!wasPartner) return;
        await refs.Node(partner).ForgetPartner(me);
        if (Current is { } node)
            await SpaceOf(node.Space).PairChanged(ExplicitPair(me, partner), formed: false);
    }

    public Task ForgetPartner(Guid from)
    {
        state.State.Partners.Remove(from);
        state.State.Requested.Remove(from);
        return Task.CompletedTask;
    }

    public Task<Guid[]> GetPartners() => Task.FromResult(state.State.Partners.Union(state.State.Locked.Keys).ToArray());

    public async Task<bool> LockChanged(EntangledPair pair, bool formed)
    {
        var me = this.GetPrimaryKey();
        if (!pair.Involves(me) || pair.Node1 == pair.Node2) throw new ArgumentException($"Pair {pair.Node1}/{pair.Node2} does not pair node {me} with another.");
        var partnerId = pair.PartnerOf(me);
        var partner = refs.Node(partnerId);
        if (formed)
        {
            // A node that left (or went stale) takes no new partners; nor does one that holds this lock already.
            if (state.State.Locked.ContainsKey(partnerId)) return true;
            if (Current is not { Live: true, Kind: NodeKind.Participant } node || IsStale(node.UpdatedUtc) || Solo) return false;
            if (state.State.Locked.Count >= options.Value.Entanglement.MaxPartnersPerNode) return false;
            if (!await partner.AcceptLock(me, node.Space, pair.Ratio, pair.Strength)) return false;
            state.State.Locked[partnerId] = new LockedPartner(partner, pair.Ratio, pair.Strength);
            _lockedIds = [.. state.State.Locked.Keys];
            await SpaceOf(node.Space).PairChanged(pair, formed: true);
            return true;
        }
        else
        {
            if (state.State.Locked.Remove(partnerId)) _lockedIds = [.. state.State.Locked.Keys];
            await partner.ReleaseLock(me);
            // Told even when this side had no record (a reactivated participant): the space ignores a break it does not know.
            if (Current is { } node)
                await SpaceOf(node.Space).PairChanged(pair, formed: false);
            return false;
        }
    }

    public Task<bool> AcceptLock(Guid from, string space, string ratio, double strength)
    {
        if (Current is not { Live: true, Kind: NodeKind.Participant } node || node.Space != space || IsStale(node.UpdatedUtc) || Solo)
            return Task.FromResult(false);
        if (!state.State.Locked.ContainsKey(from) && state.State.Locked.Count >= options.Value.Entanglement.MaxPartnersPerNode)
            return Task.FromResult(false);
        state.State.Locked[from] = new LockedPartner(refs.Node(from), ratio, strength);
        _lockedIds = [.. state.State.Locked.Keys];
        return Task.FromResult(true);
    }

    public Task ReleaseLock(Guid from)
    {
        if (state.State.Locked.Remove(from)) _lockedIds = [.. state.State.Locked.Keys];
        return Task.CompletedTask;
    }

    private bool IsStale(DateTime updatedUtc) => DateTime.UtcNow - updatedUtc > options.Value.ParticipantStaleAfter;

    /// <summary>Leaving breaks every pair; both sides are told through the space.</summary>
    private async Task BreakAll(string spaceId)
    {
        var me = this.GetPrimaryKey();
        var partners = state.State.Partners.ToArray();
        var locked = state.State.Locked.ToArray();
        state.State.Partners.Clear();
        state.State.Requested.Clear();
        state.State.Locked.Clear();
        _lockedIds = [];
        if (partners.Length == 0 && locked.Length == 0) return;
        var space = SpaceOf(spaceId);
        await Task.WhenAll(partners.Select(async p =>
        {
            await refs.Node(p).ForgetPartner(me);
            await space.PairChanged(ExplicitPair(me, p), formed: false);
        }).Concat(locked.Select(async l =>
        {
            await l.Value.Partner.ReleaseLock(me);
            await space.PairChanged(EntangledPair.Create(me, l.Key, l.Value.Ratio, l.Value.Strength, EntangledPair.PlvType), formed: false);
        })));
    }

    private async Task LeaveCells(NodeSnapshot node)
    {
        var geometry = await spaces.GetAsync(node.Space);
        var gone = node with { Live = false, Version = NextVersion(node.Version), UpdatedUtc = DateTime.UtcNow };
        SetSnapshot(gone);
        if (node.Kind == NodeKind.Memory) await RouteDurably(geometry, node, gone);
        else Route(geometry, node, gone);
    }

    /// <summary>Upserts the new state into every cell it reaches and removes it from cells it no longer reaches.</summary>
    private void Route(SpaceGeometry geometry, NodeSnapshot? before, NodeSnapshot after) => RouteTo(geometry, before, after, router, null);

    /// <summary>
    /// A memory node's cells apply (and persist) its change before the node answers: once a client holds the
    /// confirmation, a crash cannot leave the node out of the field. Participants go through the router instead.
    /// </summary>
    private Task RouteDurably(SpaceGeometry geometry, NodeSnapshot? before, NodeSnapshot after)
    {
        var calls = new List<Task>(18);
        RouteTo(geometry, before, after, null, calls);
        return Task.WhenAll(calls);
    }

    private void RouteTo(SpaceGeometry geometry, NodeSnapshot? before, NodeSnapshot after, CellChangeRouter? via, List<Task>? calls) =>
        RouteTo(geometry, after.Space, before is null ? null : (before.X, before.Y), ToChange(after, NodeChangeOp.Upsert), after.Live, via, calls);

    /// <summary>
    /// Sends <paramref name="upsert"/> (the node's new state, at its position) to the cells it reaches when
    /// <paramref name="live"/>, and its removal to the cells reached from <paramref name="before"/> that it no longer
    /// reaches. Each change goes to the router, or (memory nodes) straight to its cell with the call added to
    /// <paramref name="calls"/>.
    /// </summary>
    private void RouteTo(SpaceGeometry geometry, string space, (double X, double Y)? before, NodeChange upsert, bool live,
        CellChangeRouter? via, List<Task>? calls)
    {
        int nb = before is { } b ? geometry.AffectedCells(b.X, b.Y, _before) : 0;
        int na = live ? geometry.AffectedCells(upsert.X, upsert.Y, _after) : 0;
        for (int k = 0; k < na; k++)
            Send(geometry.CellKey(space, _after[k].Cx, _after[k].Cy), upsert);
        if (nb == 0) return;
        var remove = upsert with { Op = NodeChangeOp.Remove };
        for (int k = 0; k < nb; k++)
            if (Array.IndexOf(_after, _before[k], 0, na) < 0)
                Send(geometry.CellKey(space, _before[k].Cx, _before[k].Cy), remove);

        void Send(string cell, in NodeChange change)
        {
            if (via is not null) via.Enqueue(cell, change);
            else calls!.Add(refs.Cell(cell).ApplyChanges(new[] { change }));
        }
    }

    /// <summary>
    /// Versions grow across activations too (a participant is not persisted, and cells keep tombstones of removed
    /// nodes): the clock's ticks, or one more than the last version when the clock has not moved on.
    /// </summary>
    private static long NextVersion(long? previous) => Math.Max((previous ?? 0) + 1, DateTime.UtcNow.Ticks);

    private NodeChange ToChange(NodeSnapshot node, NodeChangeOp op) =>
        new(node.Id, node.Version, op, node.Kind, node.X, node.Y, node.Strength, node.Phase, node.Resonance, LockedIds,
            node.Kind == NodeKind.Participant ? node.Frequency : 0);

    private NodeChange ToChange(in ParticipantPose pose, NodeChangeOp op) =>
        new(_id, pose.Version, op, NodeKind.Participant, pose.X, pose.Y, pose.Strength, pose.Phase, pose.Resonance, LockedIds, pose.Frequency);

    private Guid[]? LockedIds => _lockedIds.Length == 0 ? null : _lockedIds;

    private static void CheckSpaceId(string space)
    {
        if (!SpaceId.IsValid(space)) throw new ArgumentException($"Space id '{space}' is invalid (expected [a-z0-9-]{{1,64}}).");
    }
}
