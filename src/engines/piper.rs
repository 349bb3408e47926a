//! The `piper` engine: Piper voices (`x.onnx` with its `x.onnx.json` next
//! to it) spoken by the `piper` program of PyPI's `piper-tts`, which the
//! user installs. It is GPL: pod runs it as a program and links none of it.
//!
//! Loading a voice takes the program about two seconds, a sentence a tenth
//! of that, so each process is kept and fed sentence after sentence: one
//! line on stdin each, written by piper as a WAV file into a directory of
//! pod's (`--output-dir`), named on stderr (`Wrote <path>`) when complete.
//! The program takes its settings on the command line, so a process speaks
//! with one voice's settings; a pool holds one per concurrent caller.
//!
//! The model and its config are in every key by content (`files`), the
//! package's version by name, and the program runs with an empty
//! environment, so nothing but the step's input reaches it (DESIGN.md,
//! invariant 1). Piper adds random noise unless both noise scales are 0:
//! a cached sentence never changes, but a clean rebuild may differ.
//!
//! `[engines.piper] timeout` bounds each sentence: a process that has not
//! named its WAV file by then is killed (a hung program would otherwise
//! hold the build forever).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::files::{self, Companion};
use super::settings::{Kind, Setting};
use super::{Engine, EngineError, Route, SettingValue, Setup, Speaker, Speech, VoiceSettings};
use crate::cache::ContentHash;
use tract_onnx::prelude::Framework;

pub struct PiperEngine;
pub const PIPER: PiperEngine = PiperEngine;

const PROGRAM: &str = "piper";
const PACKAGE: &str = "piper-tts";
/// The version a missing program has in keys: planning, `status` and
/// `clean` still work; a build that needs the program fails.
const NOT_INSTALLED: &str = "not installed";
const INSTALL: &str = "install it (`pip install piper-tts`, or `pipx install piper-tts`) \
                       or choose another engine";

/// What piper 1.8 says on stderr once a sentence's WAV file is complete.
const WROTE: &str = "Wrote ";
/// How piper 1.8 dies on a line that gives no audio (`...`): its WAV
/// writer never learnt the format. The answer is silence, not an error.
const NOTHING_SPOKEN: &str = "# channels not specified";
/// Lines of the program's other output kept to explain a failure.
const KEPT_LINES: usize = 12;

const SETTINGS: &[Setting] = &[
    // Required: piper has no built-in voice.
    Setting {
        key: "model",
        kind: Kind::File {
            check: check_model,
            companion: Some(Companion {
                suffix: ".json",
                check: check_config,
                limits: Some(speakers),
            }),
            required: true,
        },
    },
    // Below the config's `num_speakers` (`speakers`), checked in planning.
    Setting {
        key: "speaker",
        kind: Kind::Whole {
            min: 0,
            max: 9999,
            default: 0,
            unit: "a speaker id of the voice",
        },
    },
    Setting {
        key: "length_scale",
        kind: Kind::Decimal {
            min: 0.25,
            max: 4.0,
            default: 1.0,
            unit: "times each phoneme's length; above 1 is slower",
        },
    },
    // piper's own defaults for most voices.
    Setting {
        key: "noise_scale",
        kind: Kind::Decimal {
            min: 0.0,
            max: 2.0,
            default: 0.667,
            unit: "generator noise; 0 for none",
        },
    },
    Setting {
        key: "noise_w_scale",
        kind: Kind::Decimal {
            min: 0.0,
            max: 2.0,
            default: 0.8,
            unit: "phoneme width noise; 0 for none",
        },
    },
];

/// A Piper voice model: an ONNX graph taking piper's inputs. Parsing the
/// protobuf (tens of milliseconds for a medium voice) is the cheapest check
/// that refuses another model before the program loads it.
fn check_model(bytes: &[u8]) -> Result<(), String> {
    let proto = tract_onnx::onnx()
        .proto_model_for_read(&mut &*bytes)
        .map_err(|e| format!("not an ONNX model: {e}"))?;
    let graph = proto
        .graph
        .as_ref()
        .ok_or("not a Piper voice model: the file holds no ONNX graph")?;
    let inputs: Vec<&str> = graph.input.iter().map(|i| i.name.as_str()).collect();
    let needed = ["input", "input_lengths", "scales"];
    if needed.iter().all(|n| inputs.contains(n)) {
        Ok(())
    } else {
        Err(format!(
            "not a Piper voice model: it takes {inputs:?}, where a voice takes {needed:?}"
        ))
    }
}

/// What pod reads of a voice's `.onnx.json`.
struct VoiceConfig {
    sample_rate: u32,
    num_speakers: u32,
}

fn voice_config(bytes: &[u8]) -> Result<VoiceConfig, String> {
    let json: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not a Piper voice config: {e}"))?;
    let number = |pointer: &str| {
        json.pointer(pointer)
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                format!(
                    "not a Piper voice config: `{}` is not a positive whole number",
                    pointer[1..].replace('/', ".")
                )
            })
    };
    Ok(VoiceConfig {
        sample_rate: number("/audio/sample_rate")?,
        num_speakers: number("/num_speakers")?,
    })
}

fn check_config(bytes: &[u8]) -> Result<(), String> {
    voice_config(bytes).map(|_| ())
}

/// A voice's `speaker` must be below its config's `num_speakers`.
fn speakers(config: &[u8]) -> Vec<(&'static str, u32)> {
    voice_config(config)
        .map(|c| vec![("speaker", c.num_speakers)])
        .unwrap_or_default()
}

impl Engine for PiperEngine {
    fn name(&self) -> &'static str {
        "piper"
    }

    fn settings(&self) -> &'static [Setting] {
        SETTINGS
    }

    /// `piper-tts 1.8.0`, asked of the Python the program runs on: the
    /// program itself has no `--version`.
    fn version(&self) -> String {
        let Some(program) = find_program() else {
            return NOT_INSTALLED.to_string();
        };
        let ask = format!(
            "import importlib.metadata as m; print(m.version({PACKAGE:?}))",
            PACKAGE = PACKAGE
        );
        for python in pythons(&program) {
            if let Some(out) = super::program::ask(&python, &["-c", &ask])
                && out.status.success()
            {
                let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
                if !version.is_empty() {
                    return format!("{PACKAGE} {version}");
                }
            }
        }
        format!("{PACKAGE} unknown")
    }

    fn start(&self, setup: &Setup) -> Result<Box<dyn Speaker>, EngineError> {
        let (data_root, project_root) = (setup.data_root, setup.project_root);
        let program = find_program().ok_or_else(|| {
            EngineError::Unavailable(format!("the `{PROGRAM}` program is not on PATH; {INSTALL}"))
        })?;
        Ok(Box::new(Piper {
            program,
            data_root: data_root.to_path_buf(),
            project_root: project_root.to_path_buf(),
            voices: Mutex::new(HashMap::new()),
            idle: Mutex::new(Vec::new()),
            timeout: setup.options.timeout,
        }))
    }
}

/// The program on PATH, as an absolute path (it then runs without PATH).
fn find_program() -> Option<PathBuf> {
    super::program::on_path(PROGRAM)
}

/// The Pythons `program` may run on, likeliest first: its `#!` line's
/// (pip's scripts), then one next to it (a virtualenv's `bin`, pyenv's
/// shims), after following symlinks (pipx links into its virtualenv).
fn pythons(program: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let real = std::fs::canonicalize(program).unwrap_or_else(|_| program.to_path_buf());
    if let Ok(bytes) = std::fs::read(&real) {
        let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
        if let Some(shebang) = String::from_utf8_lossy(first).strip_prefix("#!") {
            let interpreter = PathBuf::from(shebang.split_whitespace().next().unwrap_or(""));
            let is_python = interpreter
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("python"));
            if interpreter.is_absolute() && is_python {
                found.push(interpreter);
            }
        }
    }
    for dir in [real.parent(), program.parent()].into_iter().flatten() {
        for name in ["python3", "python"] {
            let candidate = dir.join(name);
            if super::program::is_executable(&candidate) && !found.contains(&candidate) {
                found.push(candidate);
            }
        }
    }
    found
}

/// A voice's files as planning hashed them, read again once per build.
struct VoiceFiles {
    model: PathBuf,
    config: PathBuf,
    sample_rate: u32,
    num_speakers: u32,
}

type Checked = OnceLock<Result<Arc<VoiceFiles>, String>>;

struct Piper {
    program: PathBuf,
    data_root: PathBuf,
    project_root: PathBuf,
    /// Voices by content hash, each read and checked once.
    voices: Mutex<HashMap<ContentHash, Arc<Checked>>>,
    /// Processes no caller is using, each with the arguments it runs with.
    idle: Mutex<Vec<Process>>,
    /// How long one sentence may take (`[engines.piper] timeout`).
    timeout: Option<Duration>,
}

impl Piper {
    /// The voice `path` (model and config), which planning hashed to `hash`:
    /// other bytes now mean the files changed during the build, and
    /// speaking with them would cache audio under a key that does not
    /// describe it.
    fn voice(&self, path: &str, hash: ContentHash) -> Result<Arc<VoiceFiles>, EngineError> {
        // Held only to find the cell: threads needing other voices do not wait.
        let cell = self
            .voices
            .lock()
            .expect("voices lock")
            .entry(hash)
            .or_default()
            .clone();
        cell.get_or_init(|| {
            let model = self.project_root.join(path);
            let mut config = model.clone().into_os_string();
            config.push(".json");
            let config = PathBuf::from(config);
            let read =
                |file: &Path| std::fs::read(file).map_err(|e| format!("piper model `{path}`: {e}"));
            let (model_bytes, config_bytes) = (read(&model)?, read(&config)?);
            if files::content_hash(&model_bytes, Some(&config_bytes)) != hash {
                return Err(format!(
                    "piper model `{path}` or its `.json` changed during the build; build again"
                ));
            }
            let parsed = voice_config(&config_bytes)?;
            Ok(Arc::new(VoiceFiles {
                model,
                config,
                sample_rate: parsed.sample_rate,
                num_speakers: parsed.num_speakers,
            }))
        })
        .clone()
        .map_err(EngineError::Failed)
    }

    /// An idle process started with `args`, or a new one. Starting one
    /// stops an idle process of other arguments, if any: so no more
    /// processes live than callers speak at once.
    fn checkout(&self, args: &[String]) -> Result<Process, EngineError> {
        let stale = {
            let mut idle = self.idle.lock().expect("idle lock");
            if let Some(at) = idle.iter().position(|p| p.args == args) {
                return Ok(idle.swap_remove(at));
            }
            idle.pop()
        };
        drop(stale);
        self.spawn(args)
    }

    fn checkin(&self, process: Process) {
        self.idle.lock().expect("idle lock").push(process);
    }

    fn spawn(&self, args: &[String]) -> Result<Process, EngineError> {
        std::fs::create_dir_all(&self.data_root).map_err(|e| {
            EngineError::Unavailable(format!("cannot create `{}`: {e}", self.data_root.display()))
        })?;
        let out_dir = tempfile::Builder::new()
            .prefix("piper-")
            .tempdir_in(&self.data_root)
            .map_err(|e| {
                EngineError::Unavailable(format!(
                    "cannot create a directory in `{}`: {e}",
                    self.data_root.display()
                ))
            })?;
        let mut child = Command::new(&self.program)
            .env_clear()
            .current_dir(out_dir.path())
            .args(args)
            .arg("--output-dir")
            .arg(out_dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                EngineError::Unavailable(format!(
                    "cannot run `{}`: {e}; {INSTALL}",
                    self.program.display()
                ))
            })?;
        let stdin = child.stdin.take().expect("stdin is piped");
        // Read on a thread of its own, so a sentence can wait with a
        // deadline; the thread ends when the program closes stderr.
        let stderr = BufReader::new(child.stderr.take().expect("stderr is piped"));
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines() {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Process {
            args: args.to_vec(),
            child,
            stdin: Some(stdin),
            lines,
            out_dir,
        })
    }
}

/// The command-line arguments of a process speaking with `voice`.
fn arguments(files: &VoiceFiles, voice: &VoiceSettings) -> Result<Vec<String>, EngineError> {
    let mut args = vec![
        "--model".to_string(),
        files.model.display().to_string(),
        "--config".to_string(),
        files.config.display().to_string(),
        "--speaker".to_string(),
        super::whole(voice, "speaker")?.to_string(),
    ];
    for key in ["length_scale", "noise_scale", "noise_w_scale"] {
        args.push(format!("--{}", key.replace('_', "-")));
        // `{:?}` prints the shortest text that reads back as the same f64.
        args.push(format!("{:?}", super::decimal(voice, key)?));
    }
    Ok(args)
}

impl Speaker for Piper {
    fn speak(
        &self,
        voice: &VoiceSettings,
        _route: &Route,
        text: &str,
    ) -> Result<Speech, EngineError> {
        let (path, hash) = match voice.get("model") {
            Some(SettingValue::File { path, blake3 }) => (path.as_str(), *blake3),
            _ => {
                return Err(EngineError::Failed(
                    "a piper voice needs `model` (planning checks this: a bug in pod)".into(),
                ));
            }
        };
        let files = self.voice(path, hash)?;
        let speaker = super::whole(voice, "speaker")?;
        if speaker >= files.num_speakers {
            return Err(EngineError::Failed(format!(
                "voice speaker {speaker} is out of range: piper model `{path}` has {} \
                 speaker{} (0 to {})",
                files.num_speakers,
                if files.num_speakers == 1 { "" } else { "s" },
                files.num_speakers - 1
            )));
        }
        // One line per sentence: piper reads lines, and skips blank ones.
        let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let silence = Speech {
            sample_rate: files.sample_rate,
            samples: Vec::new(),
        };
        if line.is_empty() {
            return Ok(silence);
        }
        let args = arguments(&files, voice)?;
        // A process that died (killed, out of memory) is started again once.
        let mut failure = String::new();
        for _attempt in 0..2 {
            let mut process = self.checkout(&args)?;
            match process.say(&line, self.timeout) {
                Ok(speech) => {
                    self.checkin(process);
                    if speech.sample_rate != files.sample_rate {
                        return Err(EngineError::Failed(format!(
                            "piper spoke at {} Hz where `{path}.json` says {} Hz",
                            speech.sample_rate, files.sample_rate
                        )));
                    }
                    return Ok(speech);
                }
                Err(Said::Died(why)) if why.contains(NOTHING_SPOKEN) => return Ok(silence),
                Err(Said::Died(why)) => failure = why,
                Err(Said::Unreadable(why)) => {
                    return Err(EngineError::Failed(format!("piper on {text:?}: {why}")));
                }
            }
        }
        Err(EngineError::Failed(format!(
            "piper stopped on {text:?} with model `{path}`: {failure}"
        )))
    }
}

/// Why a process gave no speech.
enum Said {
    /// It exited or closed its pipes; with what it said last.
    Died(String),
    /// It wrote something pod cannot read.
    Unreadable(String),
}

/// One running `piper` and the directory it writes its WAV files into.
struct Process {
    args: Vec<String>,
    child: Child,
    /// `None` once closed, so the program ends.
    stdin: Option<ChildStdin>,
    /// Its stderr, line by line; disconnected once it closes.
    lines: Receiver<std::io::Result<String>>,
    out_dir: tempfile::TempDir,
}

impl Process {
    /// Speaks one line: writes it, waits (until `timeout`, if any) for
    /// piper to name the finished WAV file, reads and removes it.
    fn say(&mut self, line: &str, timeout: Option<Duration>) -> Result<Speech, Said> {
        let deadline = timeout.map(|t| (Instant::now() + t, t.as_secs_f64()));
        let stdin = self.stdin.as_mut().expect("open until dropped");
        let written = stdin
            .write_all(format!("{line}\n").as_bytes())
            .and_then(|()| stdin.flush());
        let mut said: Vec<String> = Vec::new();
        if let Err(e) = written {
            return Err(self.died(said, &format!("writing to it: {e}")));
        }
        loop {
            let next = match deadline {
                Some((deadline, _)) => self
                    .lines
                    .recv_timeout(deadline.saturating_duration_since(Instant::now())),
                None => self
                    .lines
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
            };
            let out = match next {
                Ok(Ok(out)) => out,
                Ok(Err(e)) => return Err(self.died(said, &format!("reading from it: {e}"))),
                Err(RecvTimeoutError::Disconnected) => return Err(self.died(said, "it exited")),
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    let seconds = deadline.map_or(0.0, |(_, seconds)| seconds);
                    return Err(self.died(
                        said,
                        &format!(
                            "still speaking after {seconds} s (engines.piper.timeout), so pod stopped it"
                        ),
                    ));
                }
            };
            let out = out.trim_end();
            let wrote = out
                .split_once(WROTE)
                .map(|(_, file)| PathBuf::from(file))
                .filter(|file| file.starts_with(self.out_dir.path()));
            let Some(file) = wrote else {
                if said.len() == KEPT_LINES {
                    said.remove(0);
                }
                said.push(out.to_string());
                continue;
            };
            let bytes = std::fs::read(&file)
                .map_err(|e| Said::Unreadable(format!("`{}`: {e}", file.display())))?;
            // Not fatal: the directory is removed with the process.
            let _ = std::fs::remove_file(&file);
            return parse_wav(&bytes).map_err(Said::Unreadable);
        }
    }

    fn died(&mut self, said: Vec<String>, how: &str) -> Said {
        let status = self
            .child
            .wait()
            .map_or_else(|e| e.to_string(), |s| s.to_string());
        // A Python traceback's last line names the error.
        let last = said.iter().rev().find(|l| !l.trim().is_empty());
        Said::Died(match last {
            Some(last) => format!("{how} ({status}): {}", last.trim()),
            None => format!("{how} ({status})"),
        })
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Closing stdin ends the program; killing it spares the wait.
        self.stdin.take();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Mono 16-bit PCM from the WAV file piper wrote.
fn parse_wav(bytes: &[u8]) -> Result<Speech, String> {
    let reader =
        hound::WavReader::new(std::io::Cursor::new(bytes)).map_err(|e| format!("bad WAV: {e}"))?;
    let spec = reader.spec();
    if spec.channels != 1 || spec.bits_per_sample != 16 {
        return Err(format!(
            "expected mono 16-bit WAV, found {} channels of {} bits",
            spec.channels, spec.bits_per_sample
        ));
    }
    let samples = reader
        .into_samples::<i16>()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("bad WAV: {e}"))?;
    Ok(Speech {
        sample_rate: spec.sample_rate,
        samples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_voice_config_gives_its_sample_rate_and_speakers() {
        let config = voice_config(br#"{"audio": {"sample_rate": 22050}, "num_speakers": 3}"#);
        let config = config.unwrap();
        assert_eq!((config.sample_rate, config.num_speakers), (22050, 3));
        let missing = voice_config(br#"{"audio": {}, "num_speakers": 1}"#)
            .err()
            .unwrap();
        assert!(missing.contains("`audio.sample_rate`"), "{missing}");
        let zero = voice_config(br#"{"audio": {"sample_rate": 22050}, "num_speakers": 0}"#);
        assert!(zero.err().unwrap().contains("`num_speakers`"));
        assert!(voice_config(b"not json").is_err());
    }

    #[test]
    fn another_model_is_not_a_piper_voice() {
        assert!(
            check_model(b"not a model")
                .unwrap_err()
                .contains("not an ONNX model")
        );
        let hibari = include_bytes!("../../third_party/hibari/hibari.onnx");
        let error = check_model(hibari).unwrap_err();
        assert!(error.contains("not a Piper voice model"), "{error}");
    }

    #[test]
    fn the_python_of_a_pip_script_is_its_shebangs() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::TempDir::new().unwrap();
        let script = dir.path().join("piper");
        std::fs::write(&script, "#!/opt/py/bin/python3.11\nimport piper\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let python = dir.path().join("python3");
        std::fs::write(&python, "").unwrap();
        std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(
            pythons(&script),
            vec![PathBuf::from("/opt/py/bin/python3.11"), python]
        );
    }

    #[test]
    fn settings_become_the_programs_arguments() {
        let files = VoiceFiles {
            model: PathBuf::from("/p/v.onnx"),
            config: PathBuf::from("/p/v.onnx.json"),
            sample_rate: 22050,
            num_speakers: 1,
        };
        let mut voice = VoiceSettings::new();
        voice.insert("speaker".into(), SettingValue::Whole(0));
        for (key, value) in [
            ("length_scale", 1.0),
            ("noise_scale", 0.667),
            ("noise_w_scale", 0.0),
        ] {
            voice.insert(
                key.into(),
                SettingValue::Decimal(super::super::settings::Decimal(value)),
            );
        }
        assert_eq!(
            arguments(&files, &voice).unwrap().join(" "),
            "--model /p/v.onnx --config /p/v.onnx.json --speaker 0 --length-scale 1.0 \
             --noise-scale 0.667 --noise-w-scale 0.0"
        );
    }
}
