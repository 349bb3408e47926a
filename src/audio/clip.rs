//! A synthesised sentence: runs of engine audio and exact silences, at the
//! engine's own sample rate. Silences stay symbolic (milliseconds) so the
//! assembler can make them exact at any output rate.

use std::io::{self, Write};

const MAGIC: &[u8; 8] = b"PODCLIP1";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClipPart {
    Audio(Vec<i16>),
    Silence { ms: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clip {
    pub sample_rate: u32,
    pub parts: Vec<ClipPart>,
}

impl Clip {
    pub fn write(&self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(MAGIC)?;
        out.write_all(&self.sample_rate.to_le_bytes())?;
        out.write_all(&(self.parts.len() as u32).to_le_bytes())?;
        for part in &self.parts {
            match part {
                ClipPart::Audio(samples) => {
                    out.write_all(&[0])?;
                    out.write_all(&(samples.len() as u64).to_le_bytes())?;
                    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
                    out.write_all(&bytes)?;
                }
                ClipPart::Silence { ms } => {
                    out.write_all(&[1])?;
                    out.write_all(&u64::from(*ms).to_le_bytes())?;
                }
            }
        }
        Ok(())
    }

    pub fn read(bytes: &[u8]) -> Result<Clip, String> {
        let mut reader = Reader { bytes, at: 0 };
        if reader.take(8)? != MAGIC {
            return Err("not a speech clip".into());
        }
        let sample_rate = u32::from_le_bytes(reader.take(4)?.try_into().expect("4 bytes"));
        let count = u32::from_le_bytes(reader.take(4)?.try_into().expect("4 bytes"));
        let mut parts = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let tag = reader.take(1)?[0];
            let n = u64::from_le_bytes(reader.take(8)?.try_into().expect("8 bytes"));
            parts.push(match tag {
                0 => {
                    let data = reader.take(n as usize * 2)?;
                    ClipPart::Audio(
                        data.chunks_exact(2)
                            .map(|b| i16::from_le_bytes([b[0], b[1]]))
                            .collect(),
                    )
                }
                1 => ClipPart::Silence { ms: n as u32 },
                _ => return Err(format!("unknown clip part {tag}")),
            });
        }
        Ok(Clip { sample_rate, parts })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or("speech clip is truncated")?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let clip = Clip {
            sample_rate: 22050,
            parts: vec![
                ClipPart::Audio(vec![1, -2, 3]),
                ClipPart::Silence { ms: 150 },
                ClipPart::Audio(vec![i16::MIN, i16::MAX]),
            ],
        };
        let mut bytes = Vec::new();
        clip.write(&mut bytes).unwrap();
        assert_eq!(Clip::read(&bytes).unwrap(), clip);
        assert!(Clip::read(&bytes[..bytes.len() - 1]).is_err());
    }
}
