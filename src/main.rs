use clap::Parser;

use pod::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let exit = match &cli.command {
        Command::Build(args) => pod::ops::build(args),
        Command::Clean(args) => pod::ops::clean(args),
    };
    exit.into()
}
