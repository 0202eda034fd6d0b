using System.Diagnostics;

namespace Resonance.Gateway.Sessions;

/// <summary>
/// The stream the session's <see cref="System.Net.WebSockets.WebSocket"/> protocol reader runs on: reads come from the
/// upgraded connection; the reader's own writes (pongs, keep-alive pings, close frames) join the session's writer as
/// reliable messages, so they are ordered with everything else the session sends and never interleave with a frame.
/// </summary>
public sealed class ControlFrameStream(Stream transport, Func<OutboundMessage, bool> enqueue) : Stream
{
    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        transport.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        transport.ReadAsync(buffer, offset, count, cancellationToken);

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
