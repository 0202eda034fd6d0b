using System.Diagnostics;
using System.Text.Json;
using Resonance.Tests.Cluster;
using Resonance.Tests.Gateway;
using Resonance.Tests.Processes;

namespace Resonance.Tests.Observability;

/// <summary>The deploy/prometheus files pass promtool, and a real Prometheus scrapes a running gateway.</summary>
public sealed class PrometheusTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static string Deploy => Path.Combine(SiloProcess.RepositoryRoot(), "deploy", "prometheus");

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"{file} is missing: apt-get install -y prometheus (./test.sh does).");
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Deploy };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }

    [Fact]
    public void Promtool_accepts_the_config_the_rules_and_the_rule_unit_tests()
    {
        foreach (var args in new[] { new[] { "check", "config", "prometheus.yml" }, ["check", "rules", "alerts.yml"], ["test", "rules", "alerts_test.yml"] })
        {
            var (code, output) = Run("/usr/bin/promtool", args);
            Assert.True(code == 0, $"promtool {string.Join(' ', args)} failed: {output}");
        }
    }

    [Fact]
    public async Task A_real_prometheus_scrapes_the_gateway_and_answers_a_query_for_a_resonance_metric()
    {
        // Some traffic so the gateway's series exist.
        await using (var c = await WsClient.ConnectAsync(new Uri(fixture.Host.WebSocket + "?space=prom")))
        {
            await c.WaitForTypeAsync("connection_established");
            await c.SendAsync(new { type = "heartbeat" });
            await c.WaitForTypeAsync("heartbeat_ack");
        }

        string dir = Directory.CreateTempSubdirectory("resonance-prom-").FullName;
        int port = GatewayHost.FreePort();
        File.WriteAllText(Path.Combine(dir, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: resonance-gateway
                static_configs:
                  - targets: ["{fixture.Host.Http.Authority}"]
            """);
        var info = new ProcessStartInfo("/usr/bin/prometheus") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { $"--config.file={dir}/prometheus.yml", $"--storage.tsdb.path={dir}/data", $"--web.listen-address=127.0.0.1:{port}" })
            info.ArgumentList.Add(a);
        using var prometheus = Process.Start(info)!;
        prometheus.OutputDataReceived += (_, _) => { };
        prometheus.ErrorDataReceived += (_, _) => { };
        prometheus.BeginOutputReadLine();
        prometheus.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var result = await Eventually.Until(async () =>
            {
                try
                {
                    var body = await http.GetStringAsync($"http://127.0.0.1:{port}/api/v1/query?query=resonance_gateway_messages_out_total");
                    return JsonDocument.Parse(body).RootElement;
                }
                catch (HttpRequestException)
                {
                    return default;
                }
            }, r => r.ValueKind == JsonValueKind.Object && r.GetProperty("data").GetProperty("result").GetArrayLength() > 0,
            TimeSpan.FromSeconds(60), "Prometheus returning resonance_gateway_messages_out_total");
            var series = result.GetProperty("data").GetProperty("result")[0];
            Assert.Equal("resonance-gateway", series.GetProperty("metric").GetProperty("job").GetString());
            Assert.True(double.Parse(series.GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        }
        finally
        {
            prometheus.Kill(entireProcessTree: true);
            await prometheus.WaitForExitAsync();
            GatewayHost.DeleteData(dir);
        }
    }
}
