//! The on-disk cache: action records (`ac/`) and content-addressed blobs (`cas/`).

mod blobs;
pub mod entries;
pub mod gc;
mod index;
mod key;
mod lock;
pub mod remote;
mod store;

pub use blobs::Blobs;
pub use index::{
    BuildUsage, CharacterCounts, Counters, EntryUsage, Index, RemoteTotals, StepCounts,
};
pub use key::{ActionKey, ContentHash};
pub use lock::{FileLock, LockKind};
pub use remote::{Auth, Remote, RemoteCounts, RemoteSettings};
pub use store::{
    ActionRecord, BlobRef, BlobState, Damage, Lookup, RecordHead, Store, hash_file,
    remove_stale_temp_files,
};
