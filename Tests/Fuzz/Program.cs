using Resonance.Fuzz;
return await FuzzProgram.RunAsync(args);
