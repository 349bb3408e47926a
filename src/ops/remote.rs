//! Which remote cache a build uses: `--remote` (or `POD_REMOTE_CACHE`) over
//! `[cache] remote`, unless `--no-remote`; the credentials and signing key
//! read from the variables podcast.toml names.

use std::time::Duration;

use crate::cache::{Auth, Remote, RemoteSettings};
use crate::cli::RemoteArgs;
use crate::config::{AuthScheme, Config, check_remote_url};
use crate::diagnostic::Diagnostic;

/// What the command line says about the remote.
#[derive(Debug, Clone, Default)]
pub struct RemoteChoice {
    pub url: Option<String>,
    pub off: bool,
    pub read_only: bool,
}

impl From<&RemoteArgs> for RemoteChoice {
    fn from(args: &RemoteArgs) -> RemoteChoice {
        RemoteChoice {
            url: args.remote.clone().filter(|u| !u.trim().is_empty()),
            off: args.no_remote,
            read_only: args.remote_read_only,
        }
    }
}

/// The remote this build talks to, if any, and what the user should know
/// about it (a named variable that is not set).
pub fn open(
    choice: &RemoteChoice,
    config: Option<&Config>,
) -> Result<(Option<Remote>, Vec<Diagnostic>), Diagnostic> {
    let settings = config.map(|c| c.remote.clone()).unwrap_or_default();
    if choice.off {
        return Ok((None, Vec::new()));
    }
    let url = match (&choice.url, &settings.url) {
        (Some(url), _) => {
            check_remote_url(url).map_err(|why| {
                Diagnostic::error(why).with_help("set by --remote or POD_REMOTE_CACHE")
            })?;
            url.clone()
        }
        (None, Some(url)) => url.value.clone(),
        (None, None) => return Ok((None, Vec::new())),
    };
    let mut warnings = Vec::new();
    let mut read_only = choice.read_only || settings.read_only;
    let mut secret = |name: &str, what: &str| match std::env::var(name) {
        Ok(value) if !value.is_empty() => Some(value),
        _ => {
            warnings.push(Diagnostic::warning(format!(
                "cache.{what} names `{name}`, which is not set; {}",
                if what == "token_env" {
                    "using the remote cache without credentials"
                } else {
                    "remote records are not checked and this build uploads nothing"
                }
            )));
            None
        }
    };
    let auth = settings
        .token_env
        .as_ref()
        .and_then(|name| secret(&name.value, "token_env"))
        .map(|token| match settings.auth {
            AuthScheme::Bearer => Auth::Bearer(token),
            AuthScheme::Basic => Auth::Basic(token),
        });
    let signing_key = match &settings.signing_key_env {
        Some(name) => {
            let key = secret(&name.value, "signing_key_env");
            // Unsigned uploads would be ignored by every reader that has the key.
            read_only |= key.is_none();
            key.map(String::into_bytes)
        }
        None => None,
    };
    let remote = Remote::new(RemoteSettings {
        url,
        read_only,
        auth,
        signing_key,
        timeout: Duration::from_secs(u64::from(settings.timeout_secs)),
    });
    Ok((Some(remote), warnings))
}
