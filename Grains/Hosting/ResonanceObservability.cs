using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Resonance.Grains.Hosting;

/// <summary>
/// Metrics and logs for the Silo and the Gateway hosts: OpenTelemetry metrics (Resonance's own meters, Orleans',
/// ASP.NET Core's and the runtime's) exported for Prometheus at <c>/metrics</c>; logs as one JSON object per line outside
/// Development (with scopes, which carry the connection and user ids), human-readable in Development.
/// </summary>
public static class ResonanceObservability
{
    /// <summary>Distinct tag sets one metric keeps (beyond it, OpenTelemetry folds new ones into an overflow point).</summary>
    public const int MetricPointsPerStream = 256;

    public static WebApplicationBuilder AddResonanceObservability(this WebApplicationBuilder builder, string serviceName, params string[] extraMeters)
    {
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(GrainMetrics.MeterName, "Microsoft.Orleans", "Microsoft.AspNetCore.Hosting",
                    "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime");
                if (extraMeters.Length > 0) metrics.AddMeter(extraMeters);
                // Every metric stream preallocates its cardinality limit's points (2,000 by default): ~140 streams held
                // 20 MB of large-object arrays, resident from the first compaction on. Ours and the frameworks' tag sets
                // stay far below 256 per stream (message types, error codes, reasons, grain types).
                metrics.AddView(_ => new MetricStreamConfiguration { CardinalityLimit = MetricPointsPerStream });
                metrics.AddPrometheusExporter();
            });

        builder.Logging.ClearProviders();
        if (builder.Environment.IsDevelopment())
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.IncludeScopes = true;
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }
        else
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
            });
        }
        return builder;
    }

    /// <summary>Maps <c>/metrics</c> (Prometheus text format).</summary>
    public static WebApplication MapResonanceMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
