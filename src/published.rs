//! The ledger of published outputs: `cache/published/<file>.json` records
//! what pod last copied to `out/<file>`. It lets a no-op build copy nothing,
//! and it is how pod knows which files in `out/` it wrote: pod deletes only
//! those (DESIGN rule 9).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cache::ContentHash;
use crate::config::Format;
use crate::project::TargetLayout;

/// What was last copied to a published path. An output is fresh when the
/// file still has the size and modification time it had then.
#[derive(Serialize, Deserialize)]
struct Manifest {
    hash: ContentHash,
    size: u64,
    modified_ns: u128,
}

/// Whether `path` still holds what pod last published there as `hash`.
pub fn is_fresh(path: &Path, manifest: &Path, hash: &ContentHash) -> bool {
    let Ok(meta) = fs::metadata(path) else {
        return false;
    };
    let Ok(bytes) = fs::read(manifest) else {
        return false;
    };
    let Ok(record) = serde_json::from_slice::<Manifest>(&bytes) else {
        return false;
    };
    record.hash == *hash && record.size == meta.len() && record.modified_ns == modified_ns(&meta)
}

/// Records that `path` was just published with `hash` (written atomically via `tmp`).
pub fn record(path: &Path, manifest: &Path, hash: &ContentHash, tmp: &Path) -> io::Result<()> {
    let meta = fs::metadata(path)?;
    let record = Manifest {
        hash: *hash,
        size: meta.len(),
        modified_ns: modified_ns(&meta),
    };
    let mut temp = tempfile::NamedTempFile::new_in(tmp)?;
    temp.write_all(&serde_json::to_vec(&record)?)?;
    temp.persist(manifest).map_err(|e| e.error)?;
    Ok(())
}

fn modified_ns(meta: &fs::Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
}

/// The manifest of a show-level output (`feed.xml`): kept apart from the
/// episodes' so no episode id or format is read into its name.
pub fn show_manifest(layout: &TargetLayout, name: &str) -> PathBuf {
    layout.published().join("show").join(format!("{name}.json"))
}

/// One output pod published: `out/<episode>.<extension>` and its manifest.
#[derive(Debug, Clone)]
pub struct PublishedFile {
    pub episode: String,
    pub format: Format,
    /// In `out/`; it may since have been deleted by hand.
    pub output: PathBuf,
    pub manifest: PathBuf,
}

/// Every output the ledger says pod published, sorted by file name.
pub fn list(layout: &TargetLayout) -> Vec<PublishedFile> {
    let mut files = Vec::new();
    let Ok(entries) = fs::read_dir(layout.published()) else {
        return files;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(output_name) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
            continue;
        };
        let Some((episode, format)) = split_output_name(output_name) else {
            continue;
        };
        files.push(PublishedFile {
            episode: episode.to_string(),
            format,
            output: layout.outputs().join(output_name),
            manifest: entry.path(),
        });
    }
    files.sort_by(|a, b| a.output.cmp(&b.output));
    files
}

/// `<episode>.<extension>` -> (episode, format). Episode ids may hold dots
/// and some extensions do too (`transcript.json`), so the longest known
/// extension wins.
fn split_output_name(name: &str) -> Option<(&str, Format)> {
    Format::ALL
        .iter()
        .filter_map(|&format| {
            let episode = name.strip_suffix(format.extension())?.strip_suffix('.')?;
            (!episode.is_empty()).then_some((episode, format))
        })
        .min_by_key(|(episode, _)| episode.len())
}

/// Published outputs the project no longer makes: their episode is gone,
/// or (for an episode in `formats`) its format is no longer asked for.
/// `episodes` are the ids the project has; `formats` the formats of the
/// episodes whose formats are known.
pub fn stale<'a>(
    layout: &TargetLayout,
    episodes: &[String],
    formats: impl Fn(&str) -> Option<&'a [Format]>,
) -> Vec<PublishedFile> {
    list(layout)
        .into_iter()
        .filter(|file| {
            !episodes.contains(&file.episode)
                || formats(&file.episode).is_some_and(|f| !f.contains(&file.format))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names_split_at_the_longest_extension() {
        assert_eq!(split_output_name("ep1.wav"), Some(("ep1", Format::Wav)));
        assert_eq!(
            split_output_name("ep.1.transcript.json"),
            Some(("ep.1", Format::Transcript))
        );
        assert_eq!(
            split_output_name("a.chapters.json"),
            Some(("a", Format::Chapters))
        );
        assert_eq!(split_output_name("notes.txt"), None);
        assert_eq!(split_output_name(".wav"), None);
    }
}
