//! `pod completions SHELL`: completions generated from the clap definitions,
//! so they never drift from the commands.

use clap::CommandFactory;

use super::Exit;
use crate::cli::{Cli, CompletionsArgs};

pub fn completions(args: &CompletionsArgs) -> Exit {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "pod", &mut std::io::stdout());
    Exit::Success
}
