//! `[cache] remote`: where the shared cache is and how to talk to it. The
//! credentials themselves stay in the environment; the file only names the
//! variables, which the build reads (`ops::remote`).

use super::schema::RawCache;
use super::source::{SourceText, Sourced};
use crate::diagnostic::Diagnostic;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RemoteCache {
    /// None: no remote unless `--remote` or `POD_REMOTE_CACHE` names one.
    pub url: Option<Sourced<String>>,
    pub read_only: bool,
    pub timeout_secs: u32,
    pub token_env: Option<Sourced<String>>,
    pub auth: AuthScheme,
    pub signing_key_env: Option<Sourced<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthScheme {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: Basic`, the variable holding `user:password`.
    Basic,
}

pub const DEFAULT_TIMEOUT_SECS: u32 = 10;

impl RemoteCache {
    pub fn from_raw(raw: &RawCache, source: &SourceText) -> Result<RemoteCache, Diagnostic> {
        let url = raw.remote.clone().map(|u| source.sourced(u));
        if let Some(url) = &url {
            check_url(&url.value).map_err(|why| url.error(why))?;
        }
        let auth = match raw.auth.clone().map(|a| source.sourced(a)) {
            None => AuthScheme::Bearer,
            Some(a) if a.value == "bearer" => AuthScheme::Bearer,
            Some(a) if a.value == "basic" => AuthScheme::Basic,
            Some(a) => {
                return Err(a
                    .error(format!(
                        "cache.auth must be \"bearer\" or \"basic\", not `{}`",
                        a.value
                    ))
                    .with_help("bearer sends the token as is; basic takes `user:password`"));
            }
        };
        let timeout_secs = match raw.remote_timeout.clone().map(|t| source.sourced(t)) {
            None => DEFAULT_TIMEOUT_SECS,
            Some(t) if (1..=600).contains(&t.value) => t.value,
            Some(t) => return Err(t.error("cache.remote_timeout must be 1 to 600 seconds")),
        };
        let variable = |v: &Option<toml::Spanned<String>>, key: &str| match v.clone() {
            None => Ok(None),
            Some(v) => {
                let v = source.sourced(v);
                let valid = !v.value.is_empty()
                    && v.value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_');
                if valid {
                    Ok(Some(v))
                } else {
                    Err(v
                        .error(format!(
                            "cache.{key} names an environment variable, such as \"POD_CACHE_TOKEN\""
                        ))
                        .with_help("put the secret itself in that variable, never in podcast.toml"))
                }
            }
        };
        Ok(RemoteCache {
            url,
            read_only: raw.remote_read_only.unwrap_or(false),
            timeout_secs,
            token_env: variable(&raw.token_env, "token_env")?,
            auth,
            signing_key_env: variable(&raw.signing_key_env, "signing_key_env")?,
        })
    }
}

/// The remote must be an http(s) URL (also when given by flag or variable).
pub fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') => Ok(()),
        _ => Err(format!(
            "the remote cache `{url}` is not an http:// or https:// URL"
        )),
    }
}

impl Default for RemoteCache {
    fn default() -> RemoteCache {
        RemoteCache {
            url: None,
            read_only: false,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            token_env: None,
            auth: AuthScheme::Bearer,
            signing_key_env: None,
        }
    }
}
