//! Voice settings: a layer as written (show, named voice, front matter), the
//! resolved voice a sentence is spoken with, and the name transcripts give
//! the speaker (kept out of the resolved voice, so renaming a speaker
//! re-synthesises nothing).
//!
//! `engine` and `name` are the config's; every other key belongs to the
//! engine, which declares, checks and defaults it (`engines::settings`).
//! Layers merge key by key before the engine looks, so a named voice that
//! switches engine is checked against its own engine's keys.

use std::collections::BTreeMap;

use super::schema::RawVoice;
use super::source::{SourceText, Sourced};
use crate::diagnostic::Diagnostic;
use crate::engines::files::ProbedFiles;
use crate::engines::settings::Route;
use crate::engines::{self, EngineId, VoiceSettings, Written};

/// Keys of a voice table that are not the engine's.
const CONFIG_KEYS: &[&str] = &["engine", "name"];

/// One `[voice]` or `[voices.NAME]` table; unset keys inherit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct VoiceLayer {
    pub engine: Option<Sourced<String>>,
    /// The speaker's name in transcripts; `""` leaves its lines unlabelled.
    pub name: Option<Sourced<String>>,
    /// The engine's settings as written, by key.
    pub settings: BTreeMap<String, WrittenSetting>,
}

/// An engine setting as written: where its key and its value are.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WrittenSetting {
    pub key: Sourced<String>,
    pub value: Sourced<Written>,
}

impl VoiceLayer {
    pub fn from_raw(raw: RawVoice, source: &SourceText) -> Result<VoiceLayer, Diagnostic> {
        let mut layer = VoiceLayer::default();
        for (key, value) in raw.0 {
            let key = source.sourced(key);
            let value = source.sourced(value);
            match key.value.as_str() {
                "engine" => layer.engine = Some(string(&key.value, value)?),
                "name" => layer.name = Some(string(&key.value, value)?),
                _ => {
                    let value = Sourced {
                        value: Written::from_toml(&value.value),
                        location: value.location,
                    };
                    layer
                        .settings
                        .insert(key.value.clone(), WrittenSetting { key, value });
                }
            }
        }
        if let Some(name) = &layer.name
            && (name.value.chars().any(char::is_control) || name.value.trim() != name.value)
        {
            // A line break would end a WebVTT or SRT cue early.
            return Err(
                name.error("voice name must be one line without leading or trailing spaces")
            );
        }
        if let Some(engine) = &layer.engine
            && engines::find(&engine.value).is_none()
        {
            let mut diag = engine.error(format!("unknown engine `{}`", engine.value));
            diag = match crate::diagnostic::did_you_mean(&engine.value, engines::names()) {
                Some(best) => diag.with_help(format!("did you mean `{best}`?")),
                None => diag.with_help(format!(
                    "available engines: {}",
                    engines::names().collect::<Vec<_>>().join(", ")
                )),
            };
            return Err(diag);
        }
        Ok(layer)
    }

    /// `self` over `base`: keys set here win. A layer that names another
    /// engine than its base inherits none of the base's settings: they are
    /// the other engine's keys (a guest on `espeak-ng` under a show on
    /// `hibari` takes nothing of `speed`).
    pub fn over(&self, base: &VoiceLayer) -> VoiceLayer {
        let mut settings = if self.engine.is_some() && self.engine_name() != base.engine_name() {
            BTreeMap::new()
        } else {
            base.settings.clone()
        };
        settings.extend(self.settings.clone());
        VoiceLayer {
            engine: self.engine.clone().or_else(|| base.engine.clone()),
            name: self.name.clone().or_else(|| base.name.clone()),
            settings,
        }
    }

    /// The display name this layer sets: `Some(None)` for `name = ""`.
    pub fn display_name(&self) -> Option<Option<String>> {
        self.name
            .as_ref()
            .map(|n| Some(n.value.clone()).filter(|n| !n.is_empty()))
    }

    /// What this voice's engine version is probed by (`engines::version_key`):
    /// its engine, and the backend it chose. A layer whose settings are
    /// wrong gives its engine's name; planning reports the error.
    pub fn version_key(&self) -> String {
        let name = self.engine_name();
        let backend = engines::find(name).and_then(|engine| {
            engines::settings::resolve(name, engine.settings(), &self.written(), CONFIG_KEYS, None)
                .ok()?
                .backend
        });
        engines::version_key(name, backend.as_deref())
    }

    /// The engine this layer names, or the default.
    fn engine_name(&self) -> &str {
        self.engine
            .as_ref()
            .map_or(engines::DEFAULT, |e| e.value.as_str())
    }

    /// The settings as written, for the engine to check.
    fn written(&self) -> BTreeMap<String, Written> {
        self.settings
            .iter()
            .map(|(key, setting)| (key.clone(), setting.value.value.clone()))
            .collect()
    }

    /// Has the engine check every setting and fill in its defaults; the
    /// engine's version comes from `versions`, and what its file settings
    /// hold from `files` (both probed once per build; see
    /// `engines::settings::resolve` for `None`).
    pub fn resolve(
        &self,
        versions: &BTreeMap<String, String>,
        files: Option<&ProbedFiles>,
    ) -> Result<Voice, Diagnostic> {
        let name = self.engine_name();
        let Some(engine) = engines::find(name) else {
            // `from_raw` refused unknown engines already.
            return Err(Diagnostic::error(format!("unknown engine `{name}`")));
        };
        let resolved = engines::settings::resolve(
            name,
            engine.settings(),
            &self.written(),
            CONFIG_KEYS,
            files,
        )
        .map_err(|e| {
            let mut diag = match (self.settings.get(&e.key), &self.engine) {
                (Some(place), _) if e.at_key => place.key.error(e.message),
                (Some(place), _) => place.value.error(e.message),
                // A required key nobody wrote: at the engine that needs it.
                (None, Some(engine)) => engine.error(e.message),
                (None, None) => Diagnostic::error(e.message),
            };
            if let Some(help) = e.help {
                diag = diag.with_help(help);
            }
            diag
        })?;
        Ok(Voice {
            engine: EngineId {
                name: name.to_string(),
                version: versions
                    .get(&engines::version_key(name, resolved.backend.as_deref()))
                    .cloned()
                    .unwrap_or_default(),
            },
            settings: resolved.settings,
            route: resolved.route,
        })
    }
}

/// `engine` and `name` take strings.
fn string(key: &str, value: Sourced<toml::Value>) -> Result<Sourced<String>, Diagnostic> {
    match value.value {
        toml::Value::String(s) => Ok(Sourced {
            value: s,
            location: value.location,
        }),
        other => {
            let error = Sourced {
                value: (),
                location: value.location,
            };
            Err(error.error(format!(
                "{key}: expected a string, found {}",
                other.type_str()
            )))
        }
    }
}

/// A fully resolved voice: the engine's identity and every setting it
/// speaks with. Both go into every `tts` key; the name the script uses for
/// the voice does not.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Voice {
    pub engine: EngineId,
    pub settings: VoiceSettings,
    /// Where the engine is reached (a server's URL): not in any key.
    pub route: Route,
}
