//! What `ac/<key>` holds on the remote: the local action record's exact
//! bytes, and an HMAC-SHA256 over the key and those bytes when the writer
//! has the signing key. Readers with the key ignore records without a valid
//! signature, so a writer without it cannot poison the cache; blobs need no
//! signature, as their names are their hashes.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::cache::key::ActionKey;

/// Bumped if the envelope's meaning changes.
const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Envelope {
    pod_remote_record: u32,
    /// The record as the writer stored it locally (a JSON document, as text,
    /// so the signed bytes are exactly the bytes read back).
    record: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hmac_sha256: Option<String>,
}

/// Why a remote record was not used.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Not an envelope pod wrote.
    Unreadable,
    /// Unsigned, or signed with another key, while this build has one.
    Unsigned,
    BadSignature,
}

pub fn seal(key: &ActionKey, record: &[u8], signing_key: Option<&[u8]>) -> Vec<u8> {
    let record = String::from_utf8_lossy(record).into_owned();
    let hmac_sha256 = signing_key.map(|k| hex::encode(mac(k, key, record.as_bytes())));
    serde_json::to_vec(&Envelope {
        pod_remote_record: FORMAT,
        record,
        hmac_sha256,
    })
    .expect("an envelope serialises")
}

/// The record's bytes, if the envelope is readable and, when this build
/// has a signing key, signed with it.
pub fn open(key: &ActionKey, bytes: &[u8], signing_key: Option<&[u8]>) -> Result<Vec<u8>, Refused> {
    let envelope: Envelope = serde_json::from_slice(bytes).map_err(|_| Refused::Unreadable)?;
    if envelope.pod_remote_record != FORMAT {
        return Err(Refused::Unreadable);
    }
    if let Some(signing_key) = signing_key {
        let Some(signature) = envelope.hmac_sha256 else {
            return Err(Refused::Unsigned);
        };
        let signature = hex::decode(signature).map_err(|_| Refused::BadSignature)?;
        let mut check = new_mac(signing_key);
        check.update(&key.0);
        check.update(envelope.record.as_bytes());
        check
            .verify_slice(&signature)
            .map_err(|_| Refused::BadSignature)?;
    }
    Ok(envelope.record.into_bytes())
}

fn new_mac(signing_key: &[u8]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(signing_key).expect("HMAC takes keys of any length")
}

fn mac(signing_key: &[u8], key: &ActionKey, record: &[u8]) -> Vec<u8> {
    let mut mac = new_mac(signing_key);
    mac.update(&key.0);
    mac.update(record);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: ActionKey = ActionKey([7; 32]);

    #[test]
    fn a_sealed_record_opens_with_its_key_and_no_other() {
        let record = br#"{"kind":"tts"}"#;
        let sealed = seal(&KEY, record, Some(b"secret"));
        assert_eq!(open(&KEY, &sealed, Some(b"secret")).unwrap(), record);
        assert_eq!(
            open(&KEY, &sealed, Some(b"other")),
            Err(Refused::BadSignature)
        );
        // The signature covers the key: the same record under another key is refused.
        assert_eq!(
            open(&ActionKey([8; 32]), &sealed, Some(b"secret")),
            Err(Refused::BadSignature)
        );
        // A reader without a key does not check.
        assert_eq!(open(&KEY, &sealed, None).unwrap(), record);
    }

    #[test]
    fn unsigned_and_tampered_records_are_refused_by_a_signing_reader() {
        let unsigned = seal(&KEY, b"{}", None);
        assert_eq!(open(&KEY, &unsigned, Some(b"k")), Err(Refused::Unsigned));
        let sealed = String::from_utf8(seal(&KEY, br#"{"a":1}"#, Some(b"k"))).unwrap();
        let tampered = sealed.replace(r#"\"a\":1"#, r#"\"a\":2"#);
        assert_ne!(sealed, tampered);
        assert_eq!(
            open(&KEY, tampered.as_bytes(), Some(b"k")),
            Err(Refused::BadSignature)
        );
        assert_eq!(open(&KEY, b"<html>", None), Err(Refused::Unreadable));
    }
}
