namespace Resonance.Gateway.Hosting;

/// <summary>The gateway's behaviour, bound from <c>Resonance:Gateway</c> (env: <c>Resonance__Gateway__...</c>).</summary>
public sealed class GatewayOptions
{
    public const string Section = "Resonance:Gateway";

    /// <summary><c>embedded</c> (default: co-host a silo) or <c>client</c> (join separately started silos as an Orleans client).</summary>
    public string Mode { get; set; } = "embedded";

    /// <summary>Largest accepted client text message in bytes.</summary>
    public int MaxMessageBytes { get; set; } = 16 * 1024;

    /// <summary>Sustained messages per second a client may send (bursts up to twice this).</summary>
    public double MaxMessagesPerSecond { get; set; } = 50;

    /// <summary>Errors per minute a client may cause before it is closed with 1008.</summary>
    public double MaxErrorsPerMinute { get; set; } = 60;

    /// <summary>A session that sends nothing for this long is closed and its participant removed.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// WebSocket ping interval: each session is pinged as it opens and again this long after its last ping was answered
    /// (never while one is outstanding). Each ping carries a fresh payload that only a client reading its stream can echo.
    /// Zero: no pings and no pong-based liveness.
    /// </summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A session whose ping is unanswered for this long is taken for one that does not read: until it answers it gets only
    /// every <see cref="UnansweredBroadcastEvery"/>th <c>resonance_update</c> (and field frame) at first, fewer the longer
    /// it stays (<see cref="UnansweredBroadcastMaxEvery"/>), and no relayed events.
    /// </summary>
    public TimeSpan PongGrace { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How many broadcasts a session past <see cref="PongGrace"/> gets at first: 1 in this many.</summary>
    public int UnansweredBroadcastEvery { get; set; } = 10;

    /// <summary>
    /// While the session stays unanswered, the gap between the broadcasts it takes doubles after each one, from
    /// <see cref="UnansweredBroadcastEvery"/> up to this (100: one <c>resonance_update</c> in 10 s at 10 Hz).
    /// </summary>
    public int UnansweredBroadcastMaxEvery { get; set; } = 100;

    /// <summary>
    /// A session whose ping is unanswered for this long is closed with 4408 ("ping unanswered"). Not shorter: a degraded
    /// non-reader costs little, but one that is cut reconnects at once (a hostile client does), and a reconnection costs
    /// far more than a minute of degraded broadcasts (docs/benchmarks.md, "Hostile clients").
    /// </summary>
    public TimeSpan PongTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Each session's pong timeout is <see cref="PongTimeout"/> plus a random part of this, so that non-readers that came
    /// together (and reconnect as soon as they are cut) are spread out instead of coming back in one wave.
    /// </summary>
    public TimeSpan PongTimeoutSpread { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Per-client cap on queued droppable messages (frames, updates, relayed events); the oldest goes first.</summary>
    public int DroppableQueueLength { get; set; } = 8;

    /// <summary>Per-client cap on queued replies (acks, errors); a client this far behind is closed.</summary>
    public int ReliableQueueLength { get; set; } = 512;

    /// <summary>How often the gateway renews its observer subscriptions (must be below the grains' observer expiry).</summary>
    public TimeSpan SubscriptionRefresh { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Without a tick for this long the gateway assumes its subscription was lost (e.g. a silo restart) and renews it.</summary>
    public TimeSpan TickSilenceLimit { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Bytes the REST snapshot cache may hold.</summary>
    public long SnapshotCacheBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Snapshot cache time-to-live.</summary>
    public TimeSpan SnapshotCacheTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest batch accepted by <c>POST /api/events</c>.</summary>
    public int MaxEventsPerRequest { get; set; } = 1000;

    /// <summary>Where the embedded default keeps its SQLite event store (relative to the working directory).</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>How often a space's coalesced participant streams go to the cluster (one call per space per flush).</summary>
    public TimeSpan IngestFlushInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How long one attempt to append events may take before it is retried on another silo. A call in the hands of a
    /// silo that died is otherwise answered only at Orleans' response timeout (30 s); appends are idempotent on the
    /// event id, so a retry never stores an event twice.
    /// </summary>
    public TimeSpan EventAppendAttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A space hub without sessions or REST use for this long is released (it stops observing the space).</summary>
    public TimeSpan HubIdleRelease { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Run socket continuations inline on Kestrel's I/O threads instead of queueing them (Kestrel's
    /// <c>UnsafePreferInlineScheduling</c>): a broadcast's write then reaches the socket on the writing thread, without a
    /// hop per message. The gateway's handlers never block, which is what makes this safe here.
    /// </summary>
    public bool InlineSocketScheduling { get; set; } = true;

    /// <summary>
    /// On shutdown (SIGTERM), how long the gateway waits for its sessions to close after telling them to reconnect
    /// (close 1012) before it stops anyway.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a client may take to send its HTTP request headers (the WebSocket upgrade request included); Kestrel's
    /// <c>RequestHeadersTimeout</c>. A slow handshake (slowloris) is cut off after it.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an HTTP connection may sit without a request (before its first one, or between them); Kestrel's <c>KeepAliveTimeout</c>.</summary>
    public TimeSpan HttpKeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Open HTTP connections not yet upgraded (handshakes in progress, REST); Kestrel's <c>MaxConcurrentConnections</c>.
    /// Beyond it new connections are closed at once. Null: no limit.
    /// </summary>
    public long? MaxConnections { get; set; } = 10_000;

    /// <summary>Open WebSocket sessions; Kestrel's <c>MaxConcurrentUpgradedConnections</c>. Beyond it an upgrade is answered 503. Null: no limit.</summary>
    public long? MaxUpgradedConnections { get; set; } = 20_000;

    /// <summary>
    /// A write to a client that has not completed for this long (the client stopped reading and its socket buffers are
    /// full) closes the session: a non-reader costs one bounded queue for at most this long.
    /// </summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The kernel send buffer of each WebSocket connection (SO_SNDBUF; Linux reserves twice this). It bounds what a client
    /// that stops reading holds in the server's kernel (with autotuning that can reach megabytes per connection), and
    /// makes its writes block soon, so the <see cref="SendTimeout"/> finds it. 0: the system default.
    /// </summary>
    public int SocketSendBufferBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// A message whose first fragment arrived this long ago and that is still not complete (a fragmented message that
    /// never sets FIN, or a frame dribbled byte by byte) closes the session with 1008.
    /// </summary>
    public TimeSpan MessageTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A message over <see cref="MaxMessageBytes"/> is answered <c>message_too_large</c> and discarded; one that goes on
    /// past this many bytes also closes the session with 1009 (Message Too Big), so nobody streams megabytes through the
    /// discard loop.
    /// </summary>
    public int OversizeCloseBytes { get; set; } = 128 * 1024;

    /// <summary>
    /// How far Kestrel reads a connection ahead of the server (the socket transport's <c>MaxReadBufferSize</c> and
    /// Kestrel's <c>MaxRequestBufferSize</c>; both 1 MiB by default). Four messages of the largest size fit; a client that
    /// sends faster waits in its own socket buffer, and one that streams a huge message is not read a megabyte deep before
    /// it is closed. Request bodies still stream.
    /// </summary>
    public int ReadAheadBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Origins (<c>scheme://host[:port]</c>, or <c>*</c>) whose pages may open a WebSocket, besides the server's own origin
    /// and clients that send no Origin (native apps). Any other Origin is refused with 403.
    /// </summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>
    /// Concurrent WebSocket connections one client address may hold (0: no cap). Behind a proxy every client has the
    /// proxy's address: raise it there, or turn it off and cap at the proxy.
    /// </summary>
    public int MaxConnectionsPerAddress { get; set; } = 64;

    /// <summary>
    /// Open TCP connections one client address may hold, counted as they are accepted, before any HTTP is read. Beyond it
    /// a new connection is held for <see cref="RefusalHold"/> and closed unanswered. 0 (the default) means twice
    /// <see cref="MaxConnectionsPerAddress"/>: room for the address's REST connections and the upgrades it is refused.
    /// Never below <see cref="MaxConnectionsPerAddress"/>, and off when that is 0 (behind a proxy).
    /// </summary>
    public int ConnectionsPerAddress { get; set; }

    /// <summary>The TCP connection cap per address in force (0: none).</summary>
    public int EffectiveConnectionsPerAddress => MaxConnectionsPerAddress <= 0 ? 0
        : Math.Max(MaxConnectionsPerAddress, ConnectionsPerAddress > 0 ? ConnectionsPerAddress : 2 * MaxConnectionsPerAddress);

    /// <summary>
    /// How long (on average: each is spread over 0.5-1.5 times this) a connection refused for its address's cap is held
    /// before its answer (the upgrade's 429, or the close
    /// of a connection over <see cref="ConnectionsPerAddress"/>). A client that retries at once then retries at most
    /// once per held connection and hold, so a flood costs the server an accept per attempt at that rate, not its
    /// whole CPU. 0: answered at once.
    /// </summary>
    public TimeSpan RefusalHold { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Refused connections held at once, across addresses; beyond this a refusal is answered at once.</summary>
    public int MaxHeldRefusals { get; set; } = 5000;
}
