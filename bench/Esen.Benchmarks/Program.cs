using BenchmarkDotNet.Running;

#if DEBUG
Console.Error.WriteLine("warning: benchmarks built in Debug; run with -c Release for meaningful numbers.");
#endif

if (args is ["cputime", ..])
{
    return Esen.Benchmarks.CpuTimeKernelReport.Run(Console.Out);
}

if (args is ["solvers", ..])
{
    return Esen.Benchmarks.SolverReport.Run(args, Console.Out);
}

if (args is ["models", ..])
{
    return Esen.Benchmarks.Models.ModelLatencyComparison.Run(args, Console.Out);
}

if (args is ["reallocation", ..])
{
    return Esen.Benchmarks.ReallocationLoad.Run(args, Console.Out);
}

if (args is ["serving-server", ..])
{
    return Esen.Benchmarks.ServingLoad.Serve(Console.In, Console.Out);
}

if (args is ["serving", ..])
{
    return Esen.Benchmarks.ServingLoad.Run(args, Console.Out);
}

// Exit code 1 when a benchmark failed to build or run, so scripts notice.
var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
