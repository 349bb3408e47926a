//! Media files (music, intro, outro, `[sound]`, cover) and where they were
//! named: imported into the cache by content, and located for errors.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cache::{ContentHash, Store};
use crate::diagnostic::{Diagnostic, Location};
use crate::paths::display;

/// Where a media file was named, for errors.
#[derive(Debug, Clone)]
pub enum Origin {
    Config(Option<Location>),
    Script {
        file: PathBuf,
        line: u32,
        column: u32,
    },
}

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

/// Checks, before anything runs, that an audio file (music, intro, outro,
/// `[sound]`) is in a format pod can decode: a wrong file is the user's to
/// fix, so it is a located error in their words rather than a failed step.
pub fn check_audio(file: &Path, origin: &Origin) -> Result<(), Diagnostic> {
    use symphonia::core::codecs::{CODEC_TYPE_NULL, DecoderOptions};
    use symphonia::core::formats::FormatOptions;
    use symphonia::core::io::MediaSourceStream;
    use symphonia::core::meta::MetadataOptions;
    use symphonia::core::probe::Hint;

    let opened = fs::File::open(file).map_err(|e| media_error(file, origin, &e.to_string()))?;
    let source = MediaSourceStream::new(Box::new(opened), Default::default());
    let problem = |what: &str| {
        locate(
            Diagnostic::error(format!("`{}` {what}", display(file))),
            origin,
        )
        .with_help("use a WAV, FLAC, MP3, Ogg Vorbis or M4A/AAC file")
    };
    let not_audio = || problem("is not an audio file pod can read");
    let probed = symphonia::default::get_probe()
        .format(
            &Hint::new(),
            source,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .map_err(|_| not_audio())?;
    let track = probed
        .format
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or_else(|| problem("has no audio track"))?;
    symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|_| problem("holds audio in a codec pod cannot decode"))?;
    Ok(())
}

/// Hashes a media file without copying it (for `pod status` and reachability).
pub fn media_hash(file: &Path, origin: &Origin) -> Result<ContentHash, Diagnostic> {
    crate::cache::hash_file(file)
        .map(|(hash, _)| hash)
        .map_err(|e| media_error(file, origin, &e.to_string()))
}

pub fn media_error(file: &Path, origin: &Origin, why: &str) -> Diagnostic {
    locate(
        Diagnostic::error(format!("media file `{}`: {why}", display(file))),
        origin,
    )
}

/// Points `diag` at where the media file was named.
fn locate(diag: Diagnostic, origin: &Origin) -> Diagnostic {
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
    // Scripts are parsed without a byte-order mark; columns count without it.
    let text: Arc<str> = Arc::from(crate::diagnostic::strip_bom(
        &fs::read_to_string(file).ok()?,
    ));
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
