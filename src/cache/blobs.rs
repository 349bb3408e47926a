//! What a step may do with the cache: read blobs by content hash. Steps get
//! this view, not the store, so they cannot reach records, paths or writes,
//! and a remote tier can later sit behind these two calls.

use std::fs::File;

use super::key::ContentHash;
use super::store::Store;

/// Read-only access to blobs by content hash. Each call fails with the hash
/// when the blob is missing or does not match it (the executor rebuilds it).
#[derive(Clone, Copy)]
pub struct Blobs<'a> {
    store: &'a Store,
}

impl<'a> Blobs<'a> {
    pub fn of(store: &'a Store) -> Blobs<'a> {
        Blobs { store }
    }

    /// A small blob's bytes, checked against its hash.
    pub fn read(&self, hash: &ContentHash) -> Result<Vec<u8>, ContentHash> {
        self.store.read_verified(hash)
    }

    /// A blob for streaming, checked against its hash first.
    pub fn open(&self, hash: &ContentHash) -> Result<File, ContentHash> {
        self.store.open_verified(hash)
    }
}
