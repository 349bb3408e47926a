//! Voice settings as an engine declares them: each engine lists its keys with
//! their kind, range and default, and the shared check here turns what a
//! config wrote into the resolved settings that go into every `tts` key.
//! Engines know nothing of configs; errors come back naming the key, and the
//! config layer places them at the file, line and column it wrote them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::files::{Check, Companion, FileUse, Limit, Limits, Probed, ProbedFiles};
use crate::cache::ContentHash;

/// One setting an engine takes.
pub struct Setting {
    pub key: &'static str,
    pub kind: Kind,
}

pub enum Kind {
    /// A whole number in `min..=max`; `unit` is said in messages.
    Whole {
        min: u32,
        max: u32,
        default: u32,
        unit: &'static str,
    },
    /// A number in `min..=max`, fractions allowed (a speed, a scale).
    Decimal {
        min: f64,
        max: f64,
        default: f64,
        unit: &'static str,
    },
    /// A name (a voice, a variant) the engine checks itself.
    Name {
        default: &'static str,
        check: fn(&str) -> Result<(), String>,
    },
    /// A file (a voice model), named by a path relative to the project
    /// root. Unset, the setting is absent from the resolved voice (the
    /// engine's built-in data), so adding this kind changed no key. `check`
    /// judges the bytes; it runs before planning (`files::probe`), which
    /// reads the file, so planning itself only looks the result up. A
    /// `companion` is read, checked and hashed with it. A `required` file
    /// has no built-in default: unset, the voice is refused.
    File {
        check: Check,
        companion: Option<Companion>,
        required: bool,
    },
    /// A program and its arguments (`["my-tts", "--out", "{output}"]`).
    /// The program is read and hashed before planning like a file (found on
    /// PATH, or inside the project when written as a path), so a new
    /// program is a new key; the words are checked by `check`.
    Program {
        check: fn(&[String]) -> Result<(), String>,
    },
    /// Where to reach the engine, not what it says (a server's URL, the
    /// name of the variable holding an API key): resolved like a name but
    /// kept out of the key, so moving a server re-synthesises nothing.
    Route {
        default: &'static str,
        check: fn(&str) -> Result<(), String>,
    },
    /// Which implementation runs the engine (hibari's `tract` or
    /// `onnxruntime`). A backend other than `default` has its own version
    /// (`Engine::backend_version`), probed only when a voice chooses it,
    /// which stands in the key in place of the engine's: so the choice is
    /// in the key through the version, and the default's keys are the
    /// engine's as they were. The engine reads the choice from the route.
    Backend {
        default: &'static str,
        choices: &'static [&'static str],
    },
}

/// A finite number with a fraction, compared and hashed by its bits so
/// settings holding one stay `Eq` and `Hash` (planning keys on them).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Decimal(pub f64);

impl PartialEq for Decimal {
    fn eq(&self, other: &Decimal) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for Decimal {}

impl std::hash::Hash for Decimal {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state);
    }
}

/// A value as the config wrote it, before any engine looked at it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Written {
    Integer(i64),
    /// A finite floating-point number.
    Float(Decimal),
    Text(String),
    /// An array of strings.
    Words(Vec<String>),
    /// Anything else, described as serde would (`floating point \`50.5\``).
    Other(String),
}

impl Written {
    pub fn from_toml(value: &toml::Value) -> Written {
        match value {
            toml::Value::Integer(i) => Written::Integer(*i),
            toml::Value::String(s) => Written::Text(s.clone()),
            toml::Value::Float(f) if !f.is_finite() => {
                Written::Other(format!("floating point `{f}`"))
            }
            toml::Value::Float(f) => Written::Float(Decimal(*f)),
            toml::Value::Boolean(b) => Written::Other(format!("boolean `{b}`")),
            toml::Value::Datetime(d) => Written::Other(format!("datetime `{d}`")),
            toml::Value::Array(items) => items
                .iter()
                .map(|item| item.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .map_or_else(
                    || Written::Other("an array of other things than strings".into()),
                    Written::Words,
                ),
            toml::Value::Table(_) => Written::Other("a table".into()),
        }
    }

    fn describe(&self) -> String {
        match self {
            Written::Integer(i) => format!("integer `{i}`"),
            Written::Float(f) => format!("floating point `{}`", f.0),
            Written::Text(s) => format!("string {s:?}"),
            Written::Words(_) => "an array".to_string(),
            Written::Other(what) => what.clone(),
        }
    }
}

/// A resolved setting: serialised bare (`175`, `"en-us"`), so the key and
/// `--explain` read `voice.rate 175 -> 180`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SettingValue {
    Whole(u32),
    Decimal(Decimal),
    Text(String),
    /// A file by its path as written (relative to the project root, so a
    /// key means the same on every machine) and its content: new bytes,
    /// new key (DESIGN.md invariant 2); `--explain` reads
    /// `voice.model.blake3 1a2b3c4d… -> 5e6f7a8b…`.
    File {
        path: String,
        blake3: ContentHash,
    },
    /// A program's words as written and the program's content
    /// (`voice.command.blake3 … -> …`).
    Program {
        command: Vec<String>,
        blake3: ContentHash,
    },
}

/// Every setting of one engine, resolved (defaults filled in).
pub type VoiceSettings = BTreeMap<String, SettingValue>;

/// A voice's route settings (`Kind::Route`), by key: what the engine needs
/// to reach its server, kept out of every key.
pub type Route = BTreeMap<String, String>;

/// What `resolve` makes of a voice: the settings that go into the key and
/// the route that does not.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Resolved {
    pub settings: VoiceSettings,
    pub route: Route,
    /// A backend other than the engine's default (`Kind::Backend`): its
    /// version is the voice's (`super::version_key`).
    pub backend: Option<String>,
}

/// Why a written setting was refused, and which part of it to point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingError {
    pub key: String,
    /// Point at the key (unknown keys) rather than its value.
    pub at_key: bool,
    pub message: String,
    pub help: Option<String>,
}

/// Checks `written` against `settings` (of the engine `engine`) and fills in
/// every default. `other_keys` are keys the config itself owns (`engine`,
/// `name`), offered in did-you-mean hints. `files` holds what reading each
/// file setting found (read before planning, which reads no file); `None`
/// checks only that each is a path, and leaves it out of the result.
pub fn resolve(
    engine: &str,
    settings: &[Setting],
    written: &BTreeMap<String, Written>,
    other_keys: &[&str],
    files: Option<&ProbedFiles>,
) -> Result<Resolved, SettingError> {
    for key in written.keys() {
        if !settings.iter().any(|s| s.key == key) {
            let known = settings
                .iter()
                .map(|s| s.key)
                .chain(other_keys.iter().copied());
            let help = match crate::diagnostic::did_you_mean(key, known.clone()) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!(
                    "the `{engine}` engine's voice keys are {}",
                    quoted(&known.collect::<Vec<_>>())
                ),
            };
            return Err(SettingError {
                key: key.clone(),
                at_key: true,
                message: format!("unknown field `{key}` for a voice of the `{engine}` engine"),
                help: Some(help),
            });
        }
    }
    let mut resolved = Resolved::default();
    let mut limits = Limits::new();
    for setting in settings {
        let value = match (&setting.kind, written.get(setting.key)) {
            (Kind::Route { default, check }, value) => {
                let text = match value {
                    None => default.to_string(),
                    Some(Written::Text(text)) => text.clone(),
                    Some(other) => return Err(not_a(setting.key, "string", other)),
                };
                check(&text).map_err(|message| SettingError {
                    key: setting.key.to_string(),
                    at_key: false,
                    message,
                    help: None,
                })?;
                resolved.route.insert(setting.key.to_string(), text);
                continue;
            }
            (Kind::Backend { default, choices }, value) => {
                let name = match value {
                    None => default.to_string(),
                    Some(Written::Text(name)) if choices.contains(&name.as_str()) => name.clone(),
                    Some(Written::Text(name)) => {
                        return Err(SettingError {
                            key: setting.key.to_string(),
                            at_key: false,
                            message: format!(
                                "unknown {} `{name}` for the `{engine}` engine",
                                setting.key
                            ),
                            help: Some(
                                match crate::diagnostic::did_you_mean(name, choices.iter().copied())
                                {
                                    Some(best) => format!("did you mean `{best}`?"),
                                    None => format!("choose one of {}", quoted(choices)),
                                },
                            ),
                        });
                    }
                    Some(other) => return Err(not_a(setting.key, "string", other)),
                };
                if name != *default {
                    resolved.backend = Some(name.clone());
                }
                resolved.route.insert(setting.key.to_string(), name);
                continue;
            }
            (Kind::Program { .. }, None) => {
                return Err(SettingError {
                    key: setting.key.to_string(),
                    at_key: true,
                    message: format!(
                        "a voice of the `{engine}` engine needs `{}`, the program to run",
                        setting.key
                    ),
                    help: None,
                });
            }
            (Kind::Program { check }, Some(Written::Words(words))) => {
                let checked = match words.first() {
                    Some(program) if !program.trim().is_empty() => check(words),
                    _ => Err("the first word must be the program to run".to_string()),
                };
                checked.map_err(|message| SettingError {
                    key: setting.key.to_string(),
                    at_key: false,
                    message: format!("{}: {message}", setting.key),
                    help: None,
                })?;
                match files {
                    Some(files) => program(engine, setting.key, words, files)?,
                    None => continue,
                }
            }
            (Kind::Program { .. }, Some(other)) => {
                return Err(not_a(
                    setting.key,
                    "list of strings, the program and its arguments",
                    other,
                ));
            }
            (Kind::File { required: true, .. }, None) => {
                return Err(SettingError {
                    key: setting.key.to_string(),
                    at_key: true,
                    message: format!(
                        "a voice of the `{engine}` engine needs `{}`: the engine has no \
                         built-in voice",
                        setting.key
                    ),
                    help: Some(format!(
                        "add `{} = \"path/to/voice.onnx\"` (relative to the project root)",
                        setting.key
                    )),
                });
            }
            (Kind::File { .. }, None) => continue,
            (Kind::File { .. }, Some(Written::Text(path))) => match files {
                Some(files) => file(engine, setting.key, path, files, &mut limits)?,
                None => continue,
            },
            (Kind::File { .. }, Some(other)) => {
                return Err(not_a(setting.key, "path to a file", other));
            }
            (Kind::Whole { default, .. }, None) => SettingValue::Whole(*default),
            (Kind::Decimal { default, .. }, None) => SettingValue::Decimal(Decimal(*default)),
            (Kind::Name { default, .. }, None) => SettingValue::Text(default.to_string()),
            (Kind::Decimal { min, max, unit, .. }, Some(value)) => {
                SettingValue::Decimal(decimal(engine, setting.key, *min, *max, unit, value)?)
            }
            (Kind::Whole { min, max, unit, .. }, Some(value)) => {
                SettingValue::Whole(whole(engine, setting.key, *min, *max, unit, value)?)
            }
            (Kind::Name { check, .. }, Some(Written::Text(name))) => {
                check(name).map_err(|message| SettingError {
                    key: setting.key.to_string(),
                    at_key: false,
                    message,
                    help: None,
                })?;
                SettingValue::Text(name.clone())
            }
            (Kind::Name { .. }, Some(other)) => {
                return Err(not_a(setting.key, "name", other));
            }
        };
        resolved.settings.insert(setting.key.to_string(), value);
    }
    for (key, limit) in &limits {
        if let Some(SettingValue::Whole(value)) = resolved.settings.get(key)
            && *value >= limit.count
        {
            let Limit { count, whose } = limit;
            return Err(SettingError {
                key: key.clone(),
                // At the value when written; an unset one is its default.
                at_key: !written.contains_key(key),
                message: format!(
                    "{key} {value} is out of range: {whose} has {count} {key}{}",
                    if *count == 1 { "" } else { "s" }
                ),
                help: Some(match count {
                    0 => format!("{whose} has no {key}s"),
                    _ => format!("use a {key} from 0 to {}", count - 1),
                }),
            });
        }
    }
    Ok(resolved)
}

/// A `Kind::Name` check for free text that must stay on one line (a
/// voice name or version that is passed on as an argument or in JSON).
pub fn one_line(value: &str) -> Result<(), String> {
    if value.chars().any(char::is_control) {
        Err(format!("{value:?} must be one line"))
    } else {
        Ok(())
    }
}

/// `` `a`, `b`, `c` ``.
fn quoted(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `key: expected a {what}, found …`, at the value.
fn not_a(key: &str, what: &str, found: &Written) -> SettingError {
    SettingError {
        key: key.to_string(),
        at_key: false,
        message: format!("{key}: expected a {what}, found {}", found.describe()),
        help: None,
    }
}

/// A file setting, from what reading it before planning found; the bounds
/// the file sets on other settings go into `limits`.
fn file(
    engine: &str,
    key: &str,
    path: &str,
    files: &ProbedFiles,
    limits: &mut Limits,
) -> Result<SettingValue, SettingError> {
    let probed = probed(engine, key, path, files)?;
    limits.extend(probed.limits.clone());
    Ok(SettingValue::File {
        path: path.to_string(),
        blake3: probed.hash,
    })
}

/// A program setting, from what reading its program before planning found.
fn program(
    engine: &str,
    key: &str,
    words: &[String],
    files: &ProbedFiles,
) -> Result<SettingValue, SettingError> {
    let program = words.first().map_or("", String::as_str);
    Ok(SettingValue::Program {
        command: words.to_vec(),
        blake3: probed(engine, key, program, files)?.hash,
    })
}

/// What reading `path` (of setting `key` of `engine`) found before
/// planning.
fn probed<'a>(
    engine: &str,
    key: &str,
    path: &str,
    files: &'a ProbedFiles,
) -> Result<&'a Probed, SettingError> {
    let used = FileUse {
        engine: engine.to_string(),
        key: key.to_string(),
        path: path.to_string(),
    };
    match files.get(&used) {
        Some(Ok(probed)) => Ok(probed),
        Some(Err(refusal)) => Err(SettingError {
            key: key.to_string(),
            at_key: false,
            message: refusal.message.clone(),
            help: refusal.help.clone(),
        }),
        // The workspace reads every file a voice layer names before planning.
        None => Err(SettingError {
            key: key.to_string(),
            at_key: false,
            message: format!("{key} `{path}` was not read before planning (a bug in pod)"),
            help: None,
        }),
    }
}

fn whole(
    engine: &str,
    key: &str,
    min: u32,
    max: u32,
    unit: &str,
    value: &Written,
) -> Result<u32, SettingError> {
    let error = |message: String| SettingError {
        key: key.to_string(),
        at_key: false,
        message,
        help: None,
    };
    let unit_in_parens = if unit.is_empty() {
        String::new()
    } else {
        format!(" ({unit})")
    };
    match value {
        Written::Integer(i) => match u32::try_from(*i) {
            Ok(v) if (min..=max).contains(&v) => Ok(v),
            _ => Err(error(format!(
                "voice {key} {i} is out of range: the `{engine}` engine takes {min} to {max}{}",
                if unit.is_empty() {
                    String::new()
                } else {
                    format!(" {unit}")
                }
            ))),
        },
        other => Err(error(format!(
            "{key}: expected a whole number from {min} to {max}{unit_in_parens}, found {}",
            other.describe()
        ))),
    }
}

fn decimal(
    engine: &str,
    key: &str,
    min: f64,
    max: f64,
    unit: &str,
    value: &Written,
) -> Result<Decimal, SettingError> {
    let error = |message: String| SettingError {
        key: key.to_string(),
        at_key: false,
        message,
        help: None,
    };
    let unit = if unit.is_empty() {
        String::new()
    } else {
        format!(" ({unit})")
    };
    let number = match value {
        Written::Integer(i) => *i as f64,
        Written::Float(f) => f.0,
        other => {
            return Err(error(format!(
                "{key}: expected a number from {min} to {max}{unit}, found {}",
                other.describe()
            )));
        }
    };
    if (min..=max).contains(&number) {
        // `1` and `1.0` are one setting: one key.
        Ok(Decimal(number + 0.0))
    } else {
        Err(error(format!(
            "voice {key} {number} is out of range: the `{engine}` engine takes {min} to {max}{unit}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SETTINGS: &[Setting] = &[
        Setting {
            key: "rate",
            kind: Kind::Whole {
                min: 80,
                max: 450,
                default: 175,
                unit: "words per minute",
            },
        },
        Setting {
            key: "voice",
            kind: Kind::Name {
                default: "en",
                check: |v| {
                    if v == "en" || v == "de" {
                        Ok(())
                    } else {
                        Err(format!("no voice `{v}`"))
                    }
                },
            },
        },
    ];

    const SPEED: &[Setting] = &[Setting {
        key: "speed",
        kind: Kind::Decimal {
            min: 0.5,
            max: 2.0,
            default: 1.0,
            unit: "",
        },
    }];

    #[test]
    fn a_decimal_takes_whole_and_fractional_numbers_in_its_range() {
        let speed = |w: Written| resolve("e", SPEED, &written(&[("speed", w)]), &[], None);
        let one = SettingValue::Decimal(Decimal(1.0));
        assert_eq!(speed(Written::Integer(1)).unwrap().settings["speed"], one);
        assert_eq!(
            speed(Written::Float(Decimal(1.0))).unwrap().settings["speed"],
            one
        );
        assert_eq!(
            resolve("e", SPEED, &BTreeMap::new(), &[], None)
                .unwrap()
                .settings["speed"],
            one
        );
        let low = speed(Written::Float(Decimal(0.25))).unwrap_err();
        assert_eq!(
            low.message,
            "voice speed 0.25 is out of range: the `e` engine takes 0.5 to 2"
        );
        assert!(
            speed(Written::Text("x".into()))
                .unwrap_err()
                .message
                .starts_with("speed: expected a number from 0.5 to 2, found string")
        );
    }

    fn check_model(bytes: &[u8]) -> Result<(), String> {
        if bytes.is_empty() {
            Err("empty".into())
        } else {
            Ok(())
        }
    }

    const WITH_FILE: &[Setting] = &[Setting {
        key: "model",
        kind: Kind::File {
            check: check_model,
            companion: None,
            required: false,
        },
    }];

    #[test]
    fn a_file_setting_is_absent_unset_and_its_probe_when_set() {
        let unset = resolve("e", WITH_FILE, &BTreeMap::new(), &[], None).unwrap();
        assert!(
            unset.settings.is_empty(),
            "the built-in data keeps its keys"
        );
        let set = written(&[("model", Written::Text("m.onnx".into()))]);
        let used = FileUse {
            engine: "e".into(),
            key: "model".into(),
            path: "m.onnx".into(),
        };
        let hash = ContentHash::of(b"model");
        let probed = Probed {
            hash,
            limits: Limits::new(),
        };
        let files = ProbedFiles::from([(used.clone(), Ok(probed))]);
        let resolved = resolve("e", WITH_FILE, &set, &[], Some(&files)).unwrap();
        assert_eq!(
            resolved.settings["model"],
            SettingValue::File {
                path: "m.onnx".into(),
                blake3: hash
            }
        );
        let refused = super::super::files::Refusal {
            message: "no".into(),
            help: None,
        };
        let files = ProbedFiles::from([(used, Err(refused))]);
        let error = resolve("e", WITH_FILE, &set, &[], Some(&files)).unwrap_err();
        assert_eq!((error.message.as_str(), error.at_key), ("no", false));
        let number = written(&[("model", Written::Integer(3))]);
        let error = resolve("e", WITH_FILE, &number, &[], None).unwrap_err();
        assert!(error.message.contains("expected a path"), "{error:?}");
    }

    const WITH_BACKEND: &[Setting] = &[Setting {
        key: "backend",
        kind: Kind::Backend {
            default: "inside",
            choices: &["inside", "outside"],
        },
    }];

    /// The default backend leaves the key as it was: no setting, no
    /// backend of its own; the engine still learns the choice.
    #[test]
    fn a_backend_is_in_the_route_and_only_another_than_the_default_is_named() {
        let backend =
            |w: Written| resolve("e", WITH_BACKEND, &written(&[("backend", w)]), &[], None);
        for resolved in [
            resolve("e", WITH_BACKEND, &BTreeMap::new(), &[], None).unwrap(),
            backend(Written::Text("inside".into())).unwrap(),
        ] {
            assert!(resolved.settings.is_empty());
            assert_eq!(resolved.backend, None);
            assert_eq!(resolved.route["backend"], "inside");
        }
        let outside = backend(Written::Text("outside".into())).unwrap();
        assert!(outside.settings.is_empty());
        assert_eq!(outside.backend.as_deref(), Some("outside"));
        assert_eq!(outside.route["backend"], "outside");

        let typo = backend(Written::Text("outsid".into())).unwrap_err();
        assert_eq!(typo.message, "unknown backend `outsid` for the `e` engine");
        assert_eq!(typo.help.as_deref(), Some("did you mean `outside`?"));
        assert!(!typo.at_key);
        let other = backend(Written::Text("gpu".into())).unwrap_err();
        assert_eq!(
            other.help.as_deref(),
            Some("choose one of `inside`, `outside`")
        );
        let number = backend(Written::Integer(1)).unwrap_err();
        assert!(number.message.contains("expected a string"), "{number:?}");
    }

    fn written(pairs: &[(&str, Written)]) -> BTreeMap<String, Written> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn defaults_fill_every_unset_key() {
        let resolved = resolve("e", SETTINGS, &BTreeMap::new(), &[], None).unwrap();
        assert_eq!(resolved.settings["rate"], SettingValue::Whole(175));
        assert_eq!(resolved.settings["voice"], SettingValue::Text("en".into()));
    }

    #[test]
    fn an_unknown_key_suggests_the_engines_own_keys() {
        let error = resolve(
            "e",
            SETTINGS,
            &written(&[("rat", Written::Integer(1))]),
            &[],
            None,
        )
        .unwrap_err();
        assert!(error.at_key);
        assert!(
            error.message.starts_with("unknown field `rat`"),
            "{error:?}"
        );
        assert_eq!(error.help.as_deref(), Some("did you mean `rate`?"));
    }

    #[test]
    fn ranges_and_types_are_the_engines() {
        let out = resolve(
            "e",
            SETTINGS,
            &written(&[("rate", Written::Integer(79))]),
            &[],
            None,
        );
        assert!(
            out.unwrap_err()
                .message
                .contains("80 to 450 words per minute")
        );
        let negative = resolve(
            "e",
            SETTINGS,
            &written(&[("rate", Written::Integer(-5))]),
            &[],
            None,
        );
        assert!(negative.unwrap_err().message.contains("-5"));
        let text = resolve(
            "e",
            SETTINGS,
            &written(&[("rate", Written::Text("fast".into()))]),
            &[],
            None,
        );
        assert_eq!(
            text.unwrap_err().message,
            "rate: expected a whole number from 80 to 450 (words per minute), found string \"fast\""
        );
        let voice = resolve(
            "e",
            SETTINGS,
            &written(&[("voice", Written::Text("fr".into()))]),
            &[],
            None,
        );
        assert_eq!(voice.unwrap_err().message, "no voice `fr`");
    }
}
