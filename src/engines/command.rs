//! The `command` engine: any program the user names, run once per text part.
//! `command = ["my-tts", "--voice", "{voice}", "--out", "{output}"]`: the
//! text goes on stdin unless a word holds `{text}`; the speech comes back as
//! audio on stdout unless a word holds `{output}` (a file pod names). The
//! program's content hash and the voice's `version` are in the key, so a
//! new program re-synthesises its sentences and nothing else.
//!
//! The program runs in the project root with only `PATH` set, so nothing
//! but the step's input and the program itself reaches it (DESIGN.md,
//! invariant 1).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::settings::{Kind, Setting};
use super::{Engine, EngineError, Route, SettingValue, Setup, Speaker, Speech, VoiceSettings};

pub struct CommandEngine;
pub const COMMAND: CommandEngine = CommandEngine;

/// What a command's words may ask pod to fill in.
const PLACEHOLDERS: &[&str] = &["{text}", "{output}", "{voice}"];

const SETTINGS: &[Setting] = &[
    Setting {
        key: "command",
        kind: Kind::Program {
            check: check_command,
        },
    },
    Setting {
        key: "voice",
        kind: Kind::Name {
            default: "",
            check: super::settings::one_line,
        },
    },
    Setting {
        key: "version",
        kind: Kind::Name {
            default: "",
            check: super::settings::one_line,
        },
    },
];

fn check_command(words: &[String]) -> Result<(), String> {
    match super::program::unknown_placeholder(words, PLACEHOLDERS) {
        Some(placeholder) => Err(format!(
            "unknown placeholder `{placeholder}`; pod fills in {}",
            PLACEHOLDERS.join(", ")
        )),
        None => Ok(()),
    }
}

impl Engine for CommandEngine {
    fn name(&self) -> &'static str {
        "command"
    }

    fn settings(&self) -> &'static [Setting] {
        SETTINGS
    }

    /// How pod runs commands; the program's own identity is its content
    /// hash and the voice's `version`, both voice settings.
    fn version(&self) -> String {
        "command 1".to_string()
    }

    fn start(&self, setup: &Setup) -> Result<Box<dyn Speaker>, EngineError> {
        Ok(Box::new(Commands {
            project_root: setup.project_root.to_path_buf(),
            timeout: setup.options.timeout,
        }))
    }
}

struct Commands {
    project_root: PathBuf,
    timeout: Option<Duration>,
}

impl Speaker for Commands {
    fn speak(
        &self,
        voice: &VoiceSettings,
        _route: &Route,
        text: &str,
    ) -> Result<Speech, EngineError> {
        let Some(SettingValue::Program { command, .. }) = voice.get("command") else {
            return Err(EngineError::Failed(
                "voice setting `command` is missing".to_string(),
            ));
        };
        let voice_name = super::text(voice, "voice")?;
        let scratch = tempfile::tempdir()
            .map_err(|e| EngineError::Failed(format!("cannot make a temporary folder: {e}")))?;
        let output_file = scratch.path().join("speech.wav");
        let output_path = output_file.to_string_lossy();
        let fill = |word: &str| {
            word.replace("{voice}", voice_name)
                .replace("{output}", &output_path)
                .replace("{text}", text)
        };
        let text_as_word = command.iter().any(|w| w.contains("{text}"));
        let output_as_file = command.iter().any(|w| w.contains("{output}"));
        let program =
            super::program::for_command(&command[0], &self.project_root).ok_or_else(|| {
                EngineError::Unavailable(format!(
                    "the command engine's program `{}` is not on PATH",
                    command[0]
                ))
            })?;
        let mut child = Command::new(&program)
            .args(command[1..].iter().map(|w| fill(w)))
            .current_dir(&self.project_root)
            .env_clear()
            .envs(std::env::var_os("PATH").map(|p| ("PATH", p)))
            .stdin(if text_as_word {
                Stdio::null()
            } else {
                Stdio::piped()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                EngineError::Unavailable(format!("cannot run `{}`: {e}", program.display()))
            })?;
        // Written and read from threads, so neither full pipe can block the
        // program while pod waits for the other.
        let writer = child.stdin.take().map(|mut stdin| {
            let owned = text.to_string();
            std::thread::spawn(move || stdin.write_all(owned.as_bytes()))
        });
        let stdout = drain(child.stdout.take().expect("stdout is piped"));
        let stderr = drain(child.stderr.take().expect("stderr is piped"));
        let status = wait(&mut child, self.timeout)
            .map_err(|e| EngineError::Failed(format!("`{}` on {text:?}: {e}", command[0])))?;
        let stdout = stdout.join().expect("the reader does not panic");
        let stderr = stderr.join().expect("the reader does not panic");
        if !status.success() {
            return Err(EngineError::Failed(format!(
                "`{}` failed on {text:?} ({status}){}",
                command[0],
                super::program::last_words(&stderr)
            )));
        }
        if let Some(writer) = writer {
            // A program that exits happily without reading all its input
            // has still spoken; only a failed write with a failure matters.
            let _ = writer.join().expect("the writer does not panic");
        }
        let audio = if output_as_file {
            std::fs::read(&output_file).map_err(|e| {
                EngineError::Failed(format!(
                    "`{}` wrote no {{output}} file for {text:?}: {e}",
                    command[0]
                ))
            })?
        } else {
            stdout
        };
        let where_ = if output_as_file { "{output}" } else { "stdout" };
        super::audio::speech(audio).map_err(|e| {
            EngineError::Failed(format!(
                "`{}` wrote no audio pod can read to {where_} for {text:?}: {e}",
                command[0]
            ))
        })
    }
}

fn drain(mut from: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = from.read_to_end(&mut bytes);
        bytes
    })
}

/// Waits for the program, killing it after `timeout`.
fn wait(
    child: &mut std::process::Child,
    timeout: Option<Duration>,
) -> Result<std::process::ExitStatus, String> {
    let Some(timeout) = timeout else {
        return child.wait().map_err(|e| e.to_string());
    };
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "still running after {} s (engines.command.timeout), so pod stopped it",
                timeout.as_secs_f64()
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pods_placeholders_are_accepted() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_command(&words(&["tts", "--out", "{output}", "{text}"])).is_ok());
        assert!(check_command(&words(&["tts", "--voice={voice}"])).is_ok());
        // Braces that are not placeholders are the program's business.
        assert!(check_command(&words(&["jq", "{.a}", "{", "x}"])).is_ok());
        let error = check_command(&words(&["tts", "{outptu}"])).unwrap_err();
        assert!(error.contains("unknown placeholder `{outptu}`"), "{error}");
    }
}
