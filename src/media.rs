//! Media files (music, intro, outro, `[sound]`, cover) and where they were
//! named: imported into the cache by content, and located for errors.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use crate::cache::{ContentHash, Store};
use crate::diagnostic::{Diagnostic, Location};
use crate::pipeline::Origin;
use crate::project::display;

/// Copies a media file into the cache, keyed by its content.
pub fn import(store: &Store, file: &Path, origin: &Origin) -> Result<ContentHash, Diagnostic> {
    let (hash, _) =
        crate::cache::hash_file(file).map_err(|e| media_error(file, origin, &e.to_string()))?;
    if store.blob_path(&hash).exists() {
        return Ok(hash);
    }
    let copied = store
        .put_blob(|out| -> std::io::Result<()> {
            std::io::copy(&mut fs::File::open(file)?, out)?;
            Ok(())
        })
        .map_err(|e| media_error(file, origin, &e.to_string()))?;
    if copied.hash != hash {
        return Err(media_error(
            file,
            origin,
            "the file changed while it was being read",
        ));
    }
    Ok(hash)
}

/// Hashes a media file without copying it (for `pod status` and reachability).
pub fn media_hash(file: &Path, origin: &Origin) -> Result<ContentHash, Diagnostic> {
    crate::cache::hash_file(file)
        .map(|(hash, _)| hash)
        .map_err(|e| media_error(file, origin, &e.to_string()))
}

pub fn media_error(file: &Path, origin: &Origin, why: &str) -> Diagnostic {
    let diag = Diagnostic::error(format!("media file `{}`: {why}", display(file)));
    match origin {
        Origin::Config(Some(location)) => diag.at(location.clone()),
        Origin::Config(None) => diag,
        Origin::Script { file, line, column } => match location_of(file, *line, *column) {
            Some(location) => diag.at(location),
            None => diag,
        },
    }
}

/// A location in a script given by line and column, re-reading the script
/// for the snippet.
pub fn location_of(file: &Path, line: u32, column: u32) -> Option<Location> {
    let text: Arc<str> = Arc::from(fs::read_to_string(file).ok()?);
    let offset = offset_of(&text, line, column);
    Some(Location::new(file, &text, offset..offset + 1))
}

fn offset_of(text: &str, line: u32, column: u32) -> usize {
    let line_start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1) as usize)
        .map(str::len)
        .sum::<usize>();
    line_start
        + text[line_start..]
            .char_indices()
            .nth(column.saturating_sub(1) as usize)
            .map_or(0, |(i, _)| i)
}
