using Esen.Cli;

return EsenCommandLine.Create().Parse(args).Invoke();
