using System.Diagnostics;

namespace Resonance.Gateway.Sessions;

/// <summary>
/// The stream the session's <see cref="System.Net.WebSockets.WebSocket"/> protocol reader runs on: reads come from the
/// upgraded connection; the reader's own writes (pongs, keep-alive pings, close frames) join the session's writer as
/// reliable messages, so they are ordered with everything else the session sends and never interleave with a frame.
/// What is read also passes the <see cref="Scanner"/>, which sees the client's pongs (the .NET WebSocket keeps them to itself).
/// </summary>
public sealed class ControlFrameStream(Stream transport, Func<OutboundMessage, bool> enqueue) : Stream
{
    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Sees every byte read before the protocol reader does (set before the first read).</summary>
    public ClientFrameScanner? Scanner { get; set; }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = transport.ReadAsync(buffer, cancellationToken);
        if (Scanner is not { } scanner) return read;
        if (read.IsCompletedSuccessfully)
        {
            int n = read.Result;
            scanner.Scan(buffer.Span[..n]);
            return new ValueTask<int>(n);
        }
        return ScanWhenRead(read, buffer, scanner);
    }

    // Pooled: a read that has to wait for the client costs no allocation either.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<int> ScanWhenRead(ValueTask<int> read, Memory<byte> buffer, ClientFrameScanner scanner)
    {
        int n = await read.ConfigureAwait(false);
        scanner.Scan(buffer.Span[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Reads are asynchronous.");

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    // The protocol reader reuses its buffer: the frame is copied (control frames are at most 127 bytes).
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.IsEmpty) return;
        if (!enqueue(new OutboundMessage(buffer.ToArray(), "control", Stopwatch.GetTimestamp())))
            throw new IOException("The client is too far behind to take a control frame.");
    }

    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
