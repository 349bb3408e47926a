//! ISO BMFF box primitives shared by the audio MP4 writer, its text
//! tracks and the video's movie writer.

pub(crate) fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(&(body.len() as u32 + 8).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    out
}

pub(crate) fn full(kind: &[u8; 4], version: u8, flags: u32, body: &[u8]) -> Vec<u8> {
    let mut inner = vec![version];
    inner.extend_from_slice(&flags.to_be_bytes()[1..]);
    inner.extend_from_slice(body);
    boxed(kind, &inner)
}

pub(crate) fn concat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

pub(crate) const MATRIX: [u32; 9] = [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000];

pub(crate) fn be32(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_be_bytes()).collect()
}

/// A handler box: what a track holds (`soun`, `vide`, `text`, `sbtl`).
pub(crate) fn hdlr(kind: &[u8; 4], name: &str) -> Vec<u8> {
    full(
        b"hdlr",
        0,
        0,
        &concat(&[
            be32(&[0]),
            kind.to_vec(),
            vec![0; 12],
            format!("{name}\0").into_bytes(),
        ]),
    )
}

/// Data is in this file.
pub(crate) fn dinf() -> Vec<u8> {
    boxed(
        b"dinf",
        &full(
            b"dref",
            0,
            0,
            &concat(&[be32(&[1]), full(b"url ", 0, 1, &[])]),
        ),
    )
}
