//! One function per command.

mod build;
mod cache;
mod clean;
mod completions;
mod human;
mod man;
mod new;
mod partition;
mod remote;
mod status;
mod watch;

pub use build::build;
pub use cache::{cache_ls, cache_stats, cache_verify};
pub use clean::clean;
pub use completions::completions;
pub use man::man;
pub use new::new;
pub use status::status;
pub use watch::watch;

/// How a command ended: 0 success, 1 build failed, 2 usage or configuration error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success,
    Failed,
    Usage,
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> std::process::ExitCode {
        std::process::ExitCode::from(match exit {
            Exit::Success => 0,
            Exit::Failed => 1,
            Exit::Usage => 2,
        })
    }
}

pub(crate) fn verbosity(args: &crate::cli::OutputArgs) -> crate::report::Verbosity {
    use crate::report::Verbosity;
    if args.quiet {
        Verbosity::Quiet
    } else if args.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    }
}
