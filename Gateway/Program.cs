using Resonance.Gateway.Hosting;

// The embedded default co-hosts a silo, so `dotnet run --project Gateway` runs everything in one process.
GatewayApp.UseInlineSocketCompletions(args);
GatewayApp.Build(args).Run();
