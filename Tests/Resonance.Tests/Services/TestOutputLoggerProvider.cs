using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Resonance.Tests.Services;

/// <summary>
/// Writes a host's log lines (at <see cref="MinLevel"/> and above) into a test's output, so a failure shows what the
/// server said about it. Lines after the test ended are dropped (xunit refuses them).
/// </summary>
public sealed class TestOutputLoggerProvider(ITestOutputHelper output, LogLevel minLevel = LogLevel.Information) : ILoggerProvider
{
    public LogLevel MinLevel { get; } = minLevel;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private void Write(string line)
    {
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test is over.
        }
    }

    private sealed class Logger(TestOutputLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider.MinLevel && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            string line = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}";
            if (exception is not null) line += $" | {exception.GetType().Name}: {exception.Message}";
            provider.Write(line);
        }
    }
}
