use clap::Parser;

use pod::cli::{CacheCommand, Cli, Command};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let exit = match &cli.command {
        Command::Build(args) => pod::ops::build(args),
        Command::Status(args) => pod::ops::status(args),
        Command::Watch(args) => pod::ops::watch(args),
        Command::Clean(args) => pod::ops::clean(args),
        Command::Cache(CacheCommand::Stats(args)) => pod::ops::cache_stats(args),
        Command::Cache(CacheCommand::Ls(args)) => pod::ops::cache_ls(args),
        Command::Cache(CacheCommand::Verify(args)) => pod::ops::cache_verify(args),
        Command::New(args) => pod::ops::new(args),
        Command::Completions(args) => pod::ops::completions(args),
        Command::Man(args) => pod::ops::man(args),
    };
    exit.into()
}
