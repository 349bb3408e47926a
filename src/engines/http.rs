//! The `http` engine: any server that speaks OpenAI's speech API,
//! `POST {url}/v1/audio/speech` (OpenAI itself, Kokoro-FastAPI,
//! openedai-speech, LocalAI). What changes the sound (model, voice, speed,
//! instructions, format) is in the key; where the server is (`url`) and the
//! name of the variable holding the API key (`api_key_env`) are route
//! settings, kept out of it, so moving a server re-bills nothing. The key
//! itself is read from the environment when a request is sent and never
//! written anywhere: errors have it blanked out in case a server echoes it.

use std::time::Duration;

use serde::Serialize;

use super::settings::{Kind, Setting};
use super::{Engine, EngineError, Route, Setup, Speaker, Speech, VoiceSettings};

pub struct HttpEngine;
pub const HTTP: HttpEngine = HttpEngine;

/// OpenAI refuses longer inputs; longer text is sent in pieces and joined.
const MAX_INPUT_CHARS: usize = 4096;
/// One request may take this long unless `[engines.http] timeout` says.
const TIMEOUT: Duration = Duration::from_secs(120);
/// Requests at once unless `[engines.http] max_concurrent` says.
const MAX_CONCURRENT: usize = 4;
/// The largest answer pod reads: ten minutes of 48 kHz 32-bit stereo.
const MAX_AUDIO_BYTES: u64 = 256 << 20;
/// OpenAI's `pcm` format: raw signed 16-bit mono at this rate.
const PCM_RATE: u32 = 24_000;
/// Formats pod can decode; `opus` and `aac` it cannot.
const FORMATS: &[&str] = &["wav", "pcm", "flac", "mp3"];

const SETTINGS: &[Setting] = &[
    Setting {
        key: "url",
        kind: Kind::Route {
            default: "https://api.openai.com",
            check: check_url,
        },
    },
    Setting {
        key: "api_key_env",
        kind: Kind::Route {
            default: "",
            check: check_variable,
        },
    },
    Setting {
        key: "model",
        kind: Kind::Name {
            default: "tts-1",
            check: super::settings::one_line,
        },
    },
    Setting {
        key: "voice",
        kind: Kind::Name {
            default: "alloy",
            check: super::settings::one_line,
        },
    },
    Setting {
        key: "speed",
        kind: Kind::Decimal {
            min: 0.25,
            max: 4.0,
            default: 1.0,
            unit: "",
        },
    },
    Setting {
        key: "instructions",
        kind: Kind::Name {
            default: "",
            check: |_| Ok(()),
        },
    },
    Setting {
        key: "response_format",
        kind: Kind::Name {
            default: "wav",
            check: check_format,
        },
    },
];

fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !url.contains(char::is_whitespace) => Ok(()),
        _ => Err(format!(
            "url {url:?} is not an http:// or https:// address of a server"
        )),
    }
}

fn check_variable(name: &str) -> Result<(), String> {
    let valid = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if valid {
        Ok(())
    } else {
        // Not echoed: it may be the key itself, which a CI log must not show.
        Err("api_key_env must be the name of an environment variable \
             (such as \"OPENAI_API_KEY\"), not the key itself"
            .to_string())
    }
}

fn check_format(format: &str) -> Result<(), String> {
    if FORMATS.contains(&format) {
        Ok(())
    } else {
        Err(format!(
            "response_format {format:?} is not one pod can read; use one of {}",
            FORMATS.join(", ")
        ))
    }
}

impl Engine for HttpEngine {
    fn name(&self) -> &'static str {
        "http"
    }

    fn settings(&self) -> &'static [Setting] {
        SETTINGS
    }

    /// The protocol pod speaks; the server's own version cannot be asked.
    fn version(&self) -> String {
        "openai-speech 1".to_string()
    }

    fn parallel(&self) -> Option<usize> {
        Some(MAX_CONCURRENT)
    }

    fn network(&self) -> bool {
        true
    }

    fn requests_for(&self, text: &str) -> usize {
        pieces(text, MAX_INPUT_CHARS).len()
    }

    fn start(&self, setup: &Setup) -> Result<Box<dyn Speaker>, EngineError> {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(setup.options.timeout.unwrap_or(TIMEOUT)))
            .http_status_as_error(false)
            .user_agent(concat!("pod/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Box::new(Http {
            agent: config.into(),
        }))
    }
}

struct Http {
    agent: ureq::Agent,
}

#[derive(Serialize)]
struct SpeechRequest<'a> {
    model: &'a str,
    input: &'a str,
    voice: &'a str,
    response_format: &'a str,
    speed: f64,
    /// Left out when empty: older servers refuse fields they do not know.
    #[serde(skip_serializing_if = "str::is_empty")]
    instructions: &'a str,
}

impl Speaker for Http {
    fn speak(
        &self,
        voice: &VoiceSettings,
        route: &Route,
        text: &str,
    ) -> Result<Speech, EngineError> {
        let mut joined: Option<Speech> = None;
        for piece in pieces(text, MAX_INPUT_CHARS) {
            let speech = self.request(voice, route, piece)?;
            match &mut joined {
                None => joined = Some(speech),
                Some(all) if all.sample_rate == speech.sample_rate => {
                    all.samples.extend(speech.samples);
                }
                Some(all) => {
                    return Err(EngineError::Failed(format!(
                        "the server answered the pieces of a long text at {} Hz and {} Hz",
                        all.sample_rate, speech.sample_rate
                    )));
                }
            }
        }
        joined.ok_or_else(|| EngineError::Failed("no text to speak".into()))
    }
}

impl Http {
    fn request(
        &self,
        voice: &VoiceSettings,
        route: &Route,
        text: &str,
    ) -> Result<Speech, EngineError> {
        let url = format!(
            "{}/v1/audio/speech",
            route
                .get("url")
                .map_or("", String::as_str)
                .trim_end_matches('/')
        );
        let key = api_key(route)?;
        let format = super::text(voice, "response_format")?;
        let body = SpeechRequest {
            model: super::text(voice, "model")?,
            input: text,
            voice: super::text(voice, "voice")?,
            response_format: format,
            speed: super::decimal(voice, "speed")?,
            instructions: super::text(voice, "instructions")?,
        };
        let body = serde_json::to_vec(&body).expect("a request serialises");
        let mut request = self
            .agent
            .post(&url)
            .header("Content-Type", "application/json");
        if let Some(key) = &key {
            request = request.header("Authorization", &format!("Bearer {key}"));
        }
        let redact = |message: String| match &key {
            Some(key) if !key.is_empty() => message.replace(key.as_str(), "[API key]"),
            _ => message,
        };
        let mut response = request
            .send(&body[..])
            .map_err(|e| EngineError::Retryable {
                message: redact(format!("no answer from {url}: {e}")),
                after: None,
            })?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64);
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_AUDIO_BYTES)
            .read_to_vec()
            .map_err(|e| EngineError::Retryable {
                message: redact(format!("the answer from {url} broke off: {e}")),
                after: None,
            })?;
        if (200..300).contains(&status) {
            let speech = if format == "pcm" {
                pcm(&bytes)
            } else {
                super::audio::speech(bytes)
            };
            return speech.map_err(|e| {
                EngineError::Failed(redact(format!(
                    "{url} answered {status} but sent no {format} audio pod can read: {e}"
                )))
            });
        }
        let said = redact(server_message(&bytes));
        let message = format!("{url} answered {status}: {said}");
        Err(match status {
            408 | 429 | 500..=599 => EngineError::Retryable {
                message,
                after: retry_after,
            },
            401 | 403 => EngineError::Unavailable(format!(
                "{message} (the API key {} was refused)",
                match route.get("api_key_env").map(String::as_str) {
                    Some("") | None => "(none: no `api_key_env` is set)".to_string(),
                    Some(name) => format!("from ${name}"),
                }
            )),
            404 => EngineError::Unavailable(format!(
                "{message} (is `url` the server's address, without /v1?)"
            )),
            _ => EngineError::Failed(message),
        })
    }
}

/// The API key, read now from the variable the voice names; `None` when it
/// names none (a local server).
fn api_key(route: &Route) -> Result<Option<String>, EngineError> {
    let name = route.get("api_key_env").map_or("", String::as_str);
    if name.is_empty() {
        return Ok(None);
    }
    match std::env::var(name) {
        Ok(key) if !key.trim().is_empty() => Ok(Some(key.trim().to_string())),
        _ => Err(EngineError::Unavailable(format!(
            "the environment variable `{name}` (api_key_env) is not set; \
             set it to the server's API key"
        ))),
    }
}

/// What a server said about an error: OpenAI's `{"error": {"message"}}`,
/// or the start of whatever it sent.
fn server_message(bytes: &[u8]) -> String {
    let json: Option<serde_json::Value> = serde_json::from_slice(bytes).ok();
    let message = json
        .as_ref()
        .and_then(|j| j.pointer("/error/message").or_else(|| j.get("detail")))
        .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_string));
    let message = message.unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned());
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if message.is_empty() {
        "(no message)".to_string()
    } else if message.chars().count() > 300 {
        format!("{}…", message.chars().take(300).collect::<String>())
    } else {
        message
    }
}

/// OpenAI's `pcm`: signed 16-bit little-endian mono at 24 kHz, no header.
fn pcm(bytes: &[u8]) -> Result<Speech, String> {
    if bytes.is_empty() || !bytes.len().is_multiple_of(2) {
        return Err(format!("{} bytes is not 16-bit PCM", bytes.len()));
    }
    Ok(Speech {
        sample_rate: PCM_RATE,
        samples: bytes
            .chunks_exact(2)
            .map(|s| i16::from_le_bytes([s[0], s[1]]))
            .collect(),
    })
}

/// `text` in pieces of at most `max` characters, cut after the last clause
/// mark (`. ! ? ; : ,`) that leaves a piece of at least half the limit, or
/// else at the last space, or else anywhere: each piece one request.
fn pieces(text: &str, max: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = text.trim();
    while rest.chars().count() > max {
        let limit = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
        let window = &rest[..limit];
        let after = |i: usize| i + window[i..].chars().next().map_or(0, char::len_utf8);
        let clause = window
            .rmatch_indices(['.', '!', '?', ';', ':', ','])
            .map(|(i, _)| after(i))
            .find(|&end| end >= limit / 2);
        let space = window.rfind(char::is_whitespace).filter(|&i| i > 0);
        let cut = clause.or(space).unwrap_or(limit);
        pieces.push(rest[..cut].trim());
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() {
        pieces.push(rest);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_at_clauses_then_spaces() {
        assert_eq!(pieces("Short.", 10), vec!["Short."]);
        let text = "One two three, four five six. Seven eight nine ten eleven.";
        let cut = pieces(text, 32);
        assert_eq!(
            cut,
            vec![
                "One two three, four five six.",
                "Seven eight nine ten eleven."
            ]
        );
        assert!(
            pieces(&"word ".repeat(50), 20)
                .iter()
                .all(|p| p.chars().count() <= 20)
        );
        let unbroken = "x".repeat(25);
        assert_eq!(pieces(&unbroken, 10).concat(), unbroken);
        let accents = "é".repeat(25);
        assert_eq!(pieces(&accents, 10).len(), 3);
    }

    #[test]
    fn a_servers_error_is_read_from_openais_shape_or_its_bytes() {
        let openai = br#"{"error": {"message": "Rate limit reached", "type": "requests"}}"#;
        assert_eq!(server_message(openai), "Rate limit reached");
        assert_eq!(
            server_message(b"<h1>Bad\n Gateway</h1>"),
            "<h1>Bad Gateway</h1>"
        );
        assert_eq!(server_message(b""), "(no message)");
    }

    #[test]
    fn keys_urls_and_formats_are_checked() {
        assert!(check_url("http://127.0.0.1:8880").is_ok());
        assert!(check_url("api.openai.com").is_err());
        assert!(check_variable("OPENAI_API_KEY").is_ok());
        assert!(check_variable("sk-abc123").is_err(), "a key is not a name");
        assert!(check_format("pcm").is_ok());
        assert!(check_format("opus").is_err());
    }
}
