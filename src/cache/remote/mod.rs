//! The shared remote cache: `ac/<key>` and `cas/<hash>` over plain HTTP
//! GET, HEAD and PUT, so any WebDAV location (nginx's `dav_methods PUT`)
//! serves it. The local store stays the source of truth for a build: a
//! remote hit is downloaded into it, every blob re-hashed on arrival, and
//! the remote is only ever a faster way to fill it. A remote that fails is
//! worked around, never a reason for a build to fail.

mod envelope;
mod health;

use std::fs;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use health::{Health, Said};

use super::key::ActionKey;
use super::store::{ActionRecord, BlobRef, RecordHead, Store};

/// A remote record is an envelope around a small JSON document.
const MAX_RECORD_BYTES: u64 = 64 << 20;

#[derive(Clone)]
pub struct RemoteSettings {
    /// Ends with `/`; `ac/` and `cas/` are under it.
    pub url: String,
    /// Read, never write (untrusted builds such as pull requests).
    pub read_only: bool,
    pub auth: Option<Auth>,
    /// HMAC key for action records (`signing_key_env`).
    pub signing_key: Option<Vec<u8>>,
    /// For connecting and for the server's answer to start.
    pub timeout: Duration,
}

/// Credentials, from the environment only: never in keys, records or messages.
#[derive(Clone)]
pub enum Auth {
    Bearer(String),
    /// `user:password`.
    Basic(String),
}

impl Auth {
    fn header(&self) -> String {
        use base64::Engine as _;
        match self {
            Auth::Bearer(token) => format!("Bearer {token}"),
            Auth::Basic(pair) => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            ),
        }
    }

    fn secret(&self) -> &str {
        match self {
            Auth::Bearer(secret) | Auth::Basic(secret) => secret,
        }
    }
}

/// What one build did with the remote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RemoteCounts {
    pub hits: u64,
    pub downloaded: u64,
    pub uploaded: u64,
    /// Records or blobs refused: bad signature, bytes not matching their hash.
    pub rejected: u64,
}

pub struct Remote {
    settings: RemoteSettings,
    agent: ureq::Agent,
    health: Health,
    hits: AtomicU64,
    downloaded: AtomicU64,
    uploaded: AtomicU64,
    rejected: AtomicU64,
    /// One line about refused records is enough.
    said_refused: std::sync::Once,
}

/// How a request went wrong.
enum Fault {
    /// Transport error, timeout, 5xx or an unexpected status: worth a retry later.
    Down(String),
    /// 401 or 403: nothing will work with these credentials.
    Denied(u16),
}

impl Remote {
    pub fn new(mut settings: RemoteSettings) -> Remote {
        if !settings.url.ends_with('/') {
            settings.url.push('/');
        }
        let agent = ureq::Agent::config_builder()
            .timeout_connect(Some(settings.timeout))
            .timeout_recv_response(Some(settings.timeout))
            .http_status_as_error(false)
            .user_agent(concat!("pod/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Remote {
            settings,
            agent,
            health: Health::default(),
            hits: AtomicU64::new(0),
            downloaded: AtomicU64::new(0),
            uploaded: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            said_refused: std::sync::Once::new(),
        }
    }

    pub fn url(&self) -> &str {
        &self.settings.url
    }

    pub fn writes(&self) -> bool {
        !self.settings.read_only
    }

    pub fn counts(&self) -> RemoteCounts {
        RemoteCounts {
            hits: self.hits.load(Ordering::Relaxed),
            downloaded: self.downloaded.load(Ordering::Relaxed),
            uploaded: self.uploaded.load(Ordering::Relaxed),
            rejected: self.rejected.load(Ordering::Relaxed),
        }
    }

    /// The step `kind`'s result for `key`, downloaded into `store`, or None
    /// (not there, refused, or the remote is failing: `warn` hears why).
    pub fn fetch(
        &self,
        store: &Store,
        key: &ActionKey,
        kind: &str,
        warn: &dyn Fn(String),
    ) -> Option<RecordHead> {
        if !self.health.usable() {
            return None;
        }
        let sealed = match self.get_small(&format!("ac/{}", key.hex())) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return None,
            Err(fault) => {
                self.fault(fault, warn);
                return None;
            }
        };
        let record = match envelope::open(key, &sealed, self.settings.signing_key.as_deref())
            .ok()
            .and_then(|bytes| serde_json::from_slice::<ActionRecord>(&bytes).ok())
        {
            // The record must be what its key says: same kind, and an input
            // that hashes to the key (a record filed under the wrong key,
            // by mistake or malice, is not used).
            Some(r) if r.kind == kind && ActionKey::of(&r.kind, r.version, &r.input) == *key => r,
            _ => {
                self.refused(
                    "a remote cache record was not used: unsigned, wrongly signed, or not for its key",
                    warn,
                );
                return None;
            }
        };
        let output = record.output;
        if !have_blob(store, &output) {
            match self.download(store, &output) {
                Ok(true) => {}
                Ok(false) => {
                    self.rejected.fetch_add(1, Ordering::Relaxed);
                    warn(format!(
                        "remote cache blob {} did not match its hash; rejected it, building locally",
                        &output.hash.hex()[..16]
                    ));
                    return None;
                }
                Err(fault) => {
                    self.fault(fault, warn);
                    return None;
                }
            }
        }
        if let Err(e) = store.put_record(key, &record) {
            warn(format!("could not store a remote cache record: {e}"));
            return None;
        }
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(RecordHead { output })
    }

    /// Sends a step's local result (blob unless the remote has it, then
    /// record). Does nothing for a read-only or failed remote.
    pub fn upload(&self, store: &Store, key: &ActionKey, warn: &dyn Fn(String)) {
        if self.settings.read_only || !self.health.usable() {
            return;
        }
        let Ok(record) = fs::read(store.record_file(key)) else {
            return;
        };
        let Ok(head) = serde_json::from_slice::<RecordHead>(&record) else {
            return;
        };
        let sent = self.upload_blob(store, &head.output).and_then(|()| {
            let sealed = envelope::seal(key, &record, self.settings.signing_key.as_deref());
            self.put(
                &format!("ac/{}", key.hex()),
                &sealed[..],
                sealed.len() as u64,
            )
        });
        match sent {
            Ok(()) => self.health.success(),
            Err(fault) => self.fault(fault, warn),
        }
    }

    fn upload_blob(&self, store: &Store, blob: &BlobRef) -> Result<(), Fault> {
        let path = format!("cas/{}", blob.hash.hex());
        // A blob of the right length is the right blob: readers re-hash it.
        // One of another length (a truncated upload) is replaced.
        if self.head_length(&path)? == Some(blob.size) {
            return Ok(());
        }
        let file = fs::File::open(store.blob_path(&blob.hash))
            .map_err(|e| Fault::Down(format!("reading the local blob: {e}")))?;
        self.put(&path, file, blob.size)
    }

    /// True if the blob arrived and matched its hash.
    fn download(&self, store: &Store, blob: &BlobRef) -> Result<bool, Fault> {
        // Named by a record but gone: a miss, not a fault.
        let Some(mut response) = self.get(&format!("cas/{}", blob.hash.hex()))? else {
            return Ok(false);
        };
        let mut failed = None;
        let stored = store
            .put_expected_blob(blob, |file| {
                let mut body = response
                    .body_mut()
                    .with_config()
                    .limit(blob.size + 1)
                    .reader();
                match io::copy(&mut body, file) {
                    Ok(n) => {
                        self.downloaded.fetch_add(n, Ordering::Relaxed);
                        Ok(())
                    }
                    // A connection that breaks off is a fault of the remote,
                    // told apart from a local disk error below.
                    Err(e) => {
                        failed = Some(e.to_string());
                        Ok(())
                    }
                }
            })
            .map_err(|e| Fault::Down(format!("storing a download: {e}")))?;
        match failed {
            Some(why) => Err(Fault::Down(format!("a download broke off: {why}"))),
            None => Ok(stored),
        }
    }

    /// A GET's response, None on 404; other statuses are faults.
    fn get(&self, path: &str) -> Result<Option<ureq::http::Response<ureq::Body>>, Fault> {
        let url = self.url_of(path);
        let response = self
            .request(self.agent.get(&url))
            .call()
            .map_err(|e| self.down(e))?;
        match response.status().as_u16() {
            200 => Ok(Some(response)),
            404 => Ok(None),
            status => Err(status_fault(status)),
        }
    }

    /// A small document's bytes, None on 404.
    fn get_small(&self, path: &str) -> Result<Option<Vec<u8>>, Fault> {
        let Some(mut response) = self.get(path)? else {
            self.health.success();
            return Ok(None);
        };
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_RECORD_BYTES)
            .read_to_vec()
            .map_err(|e| self.down(e))?;
        self.health.success();
        Ok(Some(bytes))
    }

    fn head_length(&self, path: &str) -> Result<Option<u64>, Fault> {
        let url = self.url_of(path);
        let response = self
            .request(self.agent.head(&url))
            .call()
            .map_err(|e| self.down(e))?;
        match response.status().as_u16() {
            200 => Ok(response
                .headers()
                .get("content-length")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())),
            404 => Ok(None),
            status => Err(status_fault(status)),
        }
    }

    fn put(&self, path: &str, body: impl ureq::AsSendBody, size: u64) -> Result<(), Fault> {
        let url = self.url_of(path);
        let response = self
            .request(self.agent.put(&url))
            .send(body)
            .map_err(|e| self.down(e))?;
        match response.status().as_u16() {
            200..=299 => {
                self.uploaded.fetch_add(size, Ordering::Relaxed);
                Ok(())
            }
            status => Err(status_fault(status)),
        }
    }

    fn request<B>(&self, request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.settings.auth {
            Some(auth) => request.header("Authorization", &auth.header()),
            None => request,
        }
    }

    fn url_of(&self, path: &str) -> String {
        format!("{}{path}", self.settings.url)
    }

    /// A transport error, with any credential scrubbed from its text.
    fn down(&self, error: ureq::Error) -> Fault {
        let mut text = error.to_string();
        if let Some(auth) = &self.settings.auth
            && !auth.secret().is_empty()
        {
            text = text.replace(auth.secret(), "[credentials]");
        }
        Fault::Down(text)
    }

    fn fault(&self, fault: Fault, warn: &dyn Fn(String)) {
        let url = &self.settings.url;
        match fault {
            Fault::Denied(status) => {
                if self.health.turn_off() {
                    warn(format!(
                        "the remote cache {url} refused pod's credentials (HTTP {status}); check the token \
                         in the variable `token_env` names; building without the remote"
                    ));
                }
            }
            Fault::Down(why) => match self.health.failure() {
                Said::First => warn(format!("remote cache {url}: {why}; building locally")),
                Said::GivingUp => warn(format!(
                    "remote cache {url} keeps failing ({why}); not using it for the rest of this build"
                )),
                Said::Nothing => {}
            },
        }
    }

    fn refused(&self, why: &str, warn: &dyn Fn(String)) {
        self.rejected.fetch_add(1, Ordering::Relaxed);
        self.said_refused.call_once(|| warn(why.to_string()));
    }
}

fn status_fault(status: u16) -> Fault {
    match status {
        401 | 403 => Fault::Denied(status),
        507 => Fault::Down("the server is out of space (HTTP 507)".to_string()),
        status => Fault::Down(format!("the server answered HTTP {status}")),
    }
}

/// Already in the local store (a download of another record, or an
/// import): nothing to fetch.
fn have_blob(store: &Store, blob: &BlobRef) -> bool {
    fs::metadata(store.blob_path(&blob.hash)).is_ok_and(|m| m.len() == blob.size)
}
