//! A RIFF `LIST`/`INFO` chunk: the tags WAV players and ffmpeg read.

use crate::audio::tags::Tags;

/// The chunk (`LIST`, size, `INFO`, then one sub-chunk per tag), ready to
/// append after a WAV's `data` chunk. Text is UTF-8 (as ffmpeg writes it),
/// NUL-terminated and padded to an even length, as RIFF requires.
pub fn info_chunk(tags: &Tags) -> Vec<u8> {
    let number = tags.number.map(|n| n.to_string());
    let fields = [
        (b"INAM", Some(&tags.title)),
        (b"IPRD", Some(&tags.show)),
        (b"IART", tags.author.as_ref()),
        (b"ITRK", number.as_ref()),
        (b"ICRD", tags.date.as_ref()),
        (b"ICMT", tags.description.as_ref()),
    ];
    let mut body = b"INFO".to_vec();
    for (id, text) in fields {
        let Some(text) = text.filter(|t| !t.is_empty()) else {
            continue;
        };
        let size = text.len() + 1;
        body.extend_from_slice(id);
        body.extend_from_slice(&(size as u32).to_le_bytes());
        body.extend_from_slice(text.as_bytes());
        body.push(0);
        if size % 2 == 1 {
            body.push(0);
        }
    }
    let mut chunk = b"LIST".to_vec();
    chunk.extend_from_slice(&(body.len() as u32).to_le_bytes());
    chunk.extend_from_slice(&body);
    chunk
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tag_is_a_nul_terminated_even_sized_sub_chunk() {
        let tags = Tags {
            title: "Alpha".into(),
            show: "Show".into(),
            number: Some(12),
            ..Tags::default()
        };
        let chunk = info_chunk(&tags);
        let mut want = b"LIST".to_vec();
        want.extend_from_slice(&44u32.to_le_bytes());
        want.extend_from_slice(
            b"INFOINAM\x06\0\0\0Alpha\0IPRD\x05\0\0\0Show\0\0ITRK\x03\0\0\x0012\0\0",
        );
        assert_eq!(chunk, want);
    }
}
