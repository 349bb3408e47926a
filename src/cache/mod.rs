//! The on-disk cache: action records (`ac/`) and content-addressed blobs (`cas/`).

mod key;
mod lock;
mod store;

pub use key::{ActionKey, ContentHash};
pub use lock::{FileLock, LockKind};
pub use store::{ActionRecord, BlobRef, BlobState, Store};
