//! Everything the user sees while pod works: cargo-style status lines and
//! diagnostics on stderr, a progress bar on a terminal, or JSON lines on
//! stdout for machines.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use crate::diagnostic::{Diagnostic, Severity};
use crate::message::{self, BuildPlan, Message};
use anstyle::{AnsiColor, Style};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MessageFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

pub struct Reporter {
    format: MessageFormat,
    verbosity: Verbosity,
    progress: Mutex<Option<ProgressBar>>,
    stdout: Mutex<()>,
    /// Run just before a build prints its final message (see `on_build_finished`).
    finishing: Mutex<Option<Box<dyn Fn() + Send>>>,
}

const GREEN: Style = AnsiColor::Green.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const RED: Style = AnsiColor::Red.on_default().bold();
const CYAN: Style = AnsiColor::Cyan.on_default().bold();

impl Reporter {
    pub fn new(format: MessageFormat, verbosity: Verbosity) -> Reporter {
        Reporter {
            format,
            verbosity,
            progress: Mutex::new(None),
            stdout: Mutex::new(()),
            finishing: Mutex::new(None),
        }
    }

    /// Registers `hook` to run when a build has done all its work and is
    /// about to print its final message. `pod watch` uses it so that a
    /// Ctrl-C arriving once that message is out counts as between builds.
    pub fn on_build_finished(&self, hook: impl Fn() + Send + 'static) {
        *self.finishing.lock().expect("hook lock") = Some(Box::new(hook));
    }

    /// Called by a build right before its final message.
    pub fn build_finished(&self) {
        if let Some(hook) = self.finishing.lock().expect("hook lock").as_ref() {
            hook();
        }
    }

    pub fn format(&self) -> MessageFormat {
        self.format
    }

    /// A progress bar, only for a person watching a terminal (never in CI,
    /// never with `-q`). Its total is also a `build-plan` JSON message, so
    /// a test can check it against the steps the build then reports.
    pub fn start_progress(&self, total: u64, label: &str) {
        self.json(&Message::BuildPlan(BuildPlan { steps: total }));
        let interactive = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        if !interactive || self.verbosity == Verbosity::Quiet || total == 0 {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>12.cyan.bold} [{bar:27}] {pos}/{len} {wide_msg}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(label.to_string());
        *self.progress.lock().expect("progress lock") = Some(bar);
    }

    pub fn advance(&self, message: &str) {
        if let Some(bar) = self.progress.lock().expect("progress lock").as_ref() {
            bar.set_message(message.to_string());
            bar.inc(1);
        }
    }

    pub fn finish_progress(&self) {
        if let Some(bar) = self.progress.lock().expect("progress lock").take() {
            bar.finish_and_clear();
        }
    }

    /// `   Assembling ep1` in cargo's style.
    pub fn status(&self, verb: &str, message: &str) {
        if self.verbosity >= Verbosity::Normal {
            self.line(&format!("{GREEN}{verb:>12}{GREEN:#} {message}"));
        }
    }

    /// A status line shown only with `-v`.
    pub fn verbose_status(&self, verb: &str, message: &str) {
        if self.verbosity >= Verbosity::Verbose {
            self.line(&format!("{CYAN}{verb:>12}{CYAN:#} {message}"));
        }
    }

    /// Errors always show; warnings unless `-q`. JSON mode puts both on stdout.
    pub fn diagnostic(&self, diag: &Diagnostic) {
        match self.format {
            MessageFormat::Json => {
                let loc = diag.location.as_ref();
                let body = message::Diagnostic {
                    message: diag.message.clone(),
                    help: diag.help.clone(),
                    file: loc.map(|l| l.file.display().to_string()),
                    line: loc.map(|l| l.line as u64),
                    column: loc.map(|l| l.column as u64),
                };
                self.json(&match diag.severity {
                    Severity::Error => Message::Error(body),
                    Severity::Warning => Message::Warning(body),
                });
            }
            MessageFormat::Human => {
                if diag.severity == Severity::Warning && self.verbosity == Verbosity::Quiet {
                    return;
                }
                let rendered = diag.render();
                let styled = match diag.severity {
                    Severity::Error => rendered.replacen("error", &format!("{RED}error{RED:#}"), 1),
                    Severity::Warning => {
                        rendered.replacen("warning", &format!("{YELLOW}warning{YELLOW:#}"), 1)
                    }
                };
                self.line(styled.trim_end());
            }
        }
    }

    /// One JSON message on stdout (JSON mode only).
    pub fn json(&self, message: &Message) {
        if self.format != MessageFormat::Json {
            return;
        }
        let _guard = self.stdout.lock().expect("stdout lock");
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", message.to_line());
        let _ = out.flush();
    }

    fn line(&self, text: &str) {
        let progress = self.progress.lock().expect("progress lock");
        match progress.as_ref() {
            Some(bar) => bar.suspend(|| anstream::eprintln!("{text}")),
            None => anstream::eprintln!("{text}"),
        }
    }
}
