//! Hashes: the key of an action and the content hash of a blob. Both are
//! blake3, shown and stored as lowercase hex.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! hash_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; 32]);

        impl $name {
            pub fn hex(&self) -> String {
                hex::encode(self.0)
            }

            pub fn from_hex(text: &str) -> Option<$name> {
                let mut bytes = [0u8; 32];
                hex::decode_to_slice(text, &mut bytes).ok()?;
                Some($name(bytes))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.hex())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), &self.hex()[..12])
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.hex())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let text = String::deserialize(d)?;
                $name::from_hex(&text).ok_or_else(|| serde::de::Error::custom("expected 64 hex digits"))
            }
        }
    };
}

hash_type!(
    /// Identifies a step execution: the hash of everything the step reads.
    ActionKey
);
hash_type!(
    /// Identifies a blob by its bytes.
    ContentHash
);

impl ContentHash {
    pub fn of(bytes: &[u8]) -> ContentHash {
        ContentHash(*blake3::hash(bytes).as_bytes())
    }
}

/// What a key is the hash of, serialised canonically (struct fields in
/// declaration order, maps sorted, no floats). The remote re-derives a
/// record's key from its input with it, so the two never drift apart.
#[derive(Serialize)]
struct KeyMaterial<'a, I> {
    kind: &'a str,
    version: u32,
    input: &'a I,
}

impl ActionKey {
    pub fn of<I: Serialize>(kind: &str, version: u32, input: &I) -> ActionKey {
        let bytes = serde_json::to_vec(&KeyMaterial {
            kind,
            version,
            input,
        })
        .expect("step inputs serialise");
        ActionKey(*blake3::hash(&bytes).as_bytes())
    }
}
