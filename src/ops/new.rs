//! `pod new NAME`: a small project that builds as it is, with the built-in
//! voice, shaped like the demo show at the repository's root.

use std::path::Path;

use super::{Exit, verbosity};
use crate::cli::NewArgs;
use crate::diagnostic::Diagnostic;
use crate::paths;
use crate::report::{MessageFormat, Reporter};

const PODCAST_TOML: &str = r#"# `pod build` writes target/out/<episode>.mp3 and .vtt for every script in
# episodes/ (files ignored by .gitignore or .podignore are skipped).

[podcast]
title = TITLE
author = "Your Name"
language = "en"
description = "A show made with pod."
episodes = ["episodes/*.md"]   # globs relative to this file; sorted by path

[voice]
engine = "hibari"    # the voice built into pod
speed = 1.0

[voices.guest]       # lines starting `Guest:`
speed = 1.12

[pauses]
preset = "natural"

[loudness]
preset = "podcast"   # -16 LUFS integrated, -1 dBTP

[output]
sample_rate = 44100
channels = 1
formats = ["mp3", "vtt"]
"#;

const WELCOME: &str = r#"+++
title = "Welcome"
number = 1
+++

Welcome to the show. Each episode is one Markdown file.

Guest: And I speak with a second voice.
"#;

const NEXT: &str = r#"+++
title = "Editing"
number = 2
+++

# Small changes

Edit one sentence, and only that sentence is spoken again.
"#;

pub fn new(args: &NewArgs) -> Exit {
    let reporter = Reporter::new(MessageFormat::Human, verbosity(&args.output));
    match create(&args.path) {
        Ok(()) => {
            reporter.status(
                "Created",
                &format!("podcast in `{}` (2 episodes)", paths::display(&args.path)),
            );
            Exit::Success
        }
        Err(error) => {
            reporter.diagnostic(&error);
            Exit::Usage
        }
    }
}

fn create(dir: &Path) -> Result<(), Diagnostic> {
    let shown = paths::display(dir);
    // Checked before anything is written, so a refusal leaves no trace.
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Diagnostic::error(format!(
                    "destination `{shown}` already exists and is not empty"
                ))
                .with_help("choose a new directory name, or empty this one"));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(_) if dir.exists() => {
            return Err(Diagnostic::error(format!(
                "destination `{shown}` already exists and is not a directory"
            )));
        }
        Err(e) => return Err(Diagnostic::error(format!("cannot read `{shown}`: {e}"))),
    }
    let name = paths::absolute(dir)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "My Show".into());
    // A TOML string, quoted and escaped whatever the directory is called.
    let title = toml::Value::String(name).to_string();
    let files = [
        ("podcast.toml", PODCAST_TOML.replace("TITLE", &title)),
        (".gitignore", "target/\n".to_string()),
        ("episodes/01-welcome.md", WELCOME.to_string()),
        ("episodes/02-editing.md", NEXT.to_string()),
    ];
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(dir.join("episodes"))?;
        for (file, text) in &files {
            std::fs::write(dir.join(file), text)?;
        }
        Ok(())
    };
    write().map_err(|e| Diagnostic::error(format!("cannot create `{shown}`: {e}")))
}
