using Resonance.LoadTest;

namespace Resonance.Tests.LoadTest;

/// <summary>The flags added for the real-time comparison: --workload, --server-pid, --update-hz, --source-addresses.</summary>
public class LoadOptionsWorkloadTests
{
    private static LoadOptions Parse(params string[] args)
    {
        var o = LoadOptions.Parse(args, out string? error, out bool help);
        Assert.False(help);
        Assert.True(o is not null, error);
        return o!;
    }

    private static string ParseError(params string[] args)
    {
        Assert.Null(LoadOptions.Parse(args, out string? error, out _));
        return error!;
    }

    [Fact]
    public void Defaults_are_the_mix_workload_without_server_sampling()
    {
        var o = Parse();
        Assert.Equal(Workload.Mix, o.Workload);
        Assert.Null(o.ServerPid);
        Assert.Equal(10, o.UpdateHz);
        Assert.Equal(1, o.SourceAddresses);
        Assert.True(o.SendsEventsAndMemories);
        Assert.Equal((o.MinHz, o.MaxHz, o.HeartbeatSeconds), (o.StreamMinHz, o.StreamMaxHz, o.EffectiveHeartbeatSeconds));
    }

    [Fact]
    public void App_rate_fixes_the_apps_schedule_whatever_the_mix_options_say()
    {
        var o = Parse("--workload", "app-rate", "--min-hz", "3", "--max-hz", "9", "--heartbeat", "1");
        Assert.Equal(Workload.AppRate, o.Workload);
        Assert.Equal(0.5, o.StreamMinHz);
        Assert.Equal(0.5, o.StreamMaxHz);
        Assert.Equal(10, o.EffectiveHeartbeatSeconds);
        Assert.False(o.SendsEventsAndMemories);
        Assert.Equal(Workload.Mix, Parse("--workload", "mix").Workload);
    }

    [Fact]
    public void Server_pid_update_hz_and_source_addresses_are_parsed_and_bounded()
    {
        var o = Parse("--server-pid", "4242", "--update-hz", "30", "--source-addresses", "4");
        Assert.Equal(4242, o.ServerPid);
        Assert.Equal(30, o.UpdateHz);
        Assert.Equal(4, o.SourceAddresses);
        Assert.Contains("--workload", ParseError("--workload", "burst"));
        Assert.Contains("--server-pid", ParseError("--server-pid", "0"));
        Assert.Contains("--update-hz", ParseError("--update-hz", "-1"));
        Assert.Contains("--source-addresses", ParseError("--source-addresses", "255"));
        Assert.Contains("needs a value", ParseError("--server-pid"));
    }

    [Fact]
    public void Usage_documents_the_new_flags()
    {
        foreach (var flag in new[] { "--workload", "app-rate", "--server-pid", "--update-hz", "--source-addresses" })
            Assert.Contains(flag, LoadOptions.Usage);
    }
}
