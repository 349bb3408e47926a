//! `pod man`: the man page generated from the clap definitions; with
//! `--out DIR`, pod.1 and a page per command (pod-build.1, ...).

use clap::CommandFactory;

use super::Exit;
use crate::cli::{Cli, ManArgs};
use crate::diagnostic::Diagnostic;
use crate::paths;
use crate::report::{MessageFormat, Reporter, Verbosity};

pub fn man(args: &ManArgs) -> Exit {
    let reporter = Reporter::new(MessageFormat::Human, Verbosity::Normal);
    let written = match &args.out {
        None => clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()),
        Some(dir) => std::fs::create_dir_all(dir)
            .and_then(|()| clap_mangen::generate_to(Cli::command(), dir))
            .inspect(|()| {
                reporter.status("Wrote", &format!("man pages to `{}`", paths::display(dir)))
            }),
    };
    match written {
        Ok(()) => Exit::Success,
        Err(e) => {
            reporter.diagnostic(&Diagnostic::error(format!(
                "cannot write the man page: {e}"
            )));
            Exit::Failed
        }
    }
}
