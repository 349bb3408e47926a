//! `mp3`: the normalised mix encoded by LAME, CBR or VBR, with a LAME tag
//! (encoder delay and padding) so players trim to the exact length. Tags and
//! chapters are a separate step, so a title change does not re-encode.
//!
//! LAME puts a placeholder frame (a frame header and zeros) first in the
//! stream and fills it in only on request: `lame_get_lametag_frame`, which
//! knows its size only after the last frame, so the placeholder is
//! overwritten once the stream is complete.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};

use mp3lame_encoder::{
    Bitrate, Builder, FlushGap, InterleavedPcm, Mode, MonoPcm, Quality, VbrMode,
};
use serde::{Deserialize, Serialize};

use crate::audio::blocks::{BlockReader, SampleFormat};
use crate::cache::ContentHash;
use crate::config::Mp3Mode;
use crate::step::{Step, StepError, Tools};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Mp3Input {
    pub pcm: ContentHash,
    pub sample_rate: u32,
    pub channels: u16,
    pub mode: Mp3Mode,
}

pub struct Mp3;

fn bitrate(kbps: u32) -> Bitrate {
    match kbps {
        8 => Bitrate::Kbps8,
        16 => Bitrate::Kbps16,
        24 => Bitrate::Kbps24,
        32 => Bitrate::Kbps32,
        40 => Bitrate::Kbps40,
        48 => Bitrate::Kbps48,
        64 => Bitrate::Kbps64,
        80 => Bitrate::Kbps80,
        96 => Bitrate::Kbps96,
        112 => Bitrate::Kbps112,
        128 => Bitrate::Kbps128,
        160 => Bitrate::Kbps160,
        192 => Bitrate::Kbps192,
        224 => Bitrate::Kbps224,
        256 => Bitrate::Kbps256,
        _ => Bitrate::Kbps320,
    }
}

fn quality(q: u32) -> Quality {
    match q {
        0 => Quality::Best,
        1 => Quality::SecondBest,
        2 => Quality::NearBest,
        3 => Quality::VeryNice,
        4 => Quality::Nice,
        5 => Quality::Good,
        6 => Quality::Decent,
        7 => Quality::Ok,
        8 => Quality::SecondWorst,
        _ => Quality::Worst,
    }
}

impl Step for Mp3 {
    const KIND: &'static str = "mp3";
    // 3: LAME encodes at the mix's own rate (it chose a lower one for low
    // bitrates: 32 kHz for 48 kbps at 44.1 kHz).
    const VERSION: u32 = 3;
    type Input = Mp3Input;

    fn run(input: &Mp3Input, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let lame = |e: &dyn std::fmt::Debug| StepError::Failed(format!("LAME: {e:?}"));
        let mut builder =
            Builder::new().ok_or_else(|| StepError::Failed("LAME could not start".into()))?;
        builder
            .set_num_channels(input.channels as u8)
            .map_err(|e| lame(&e))?;
        builder
            .set_sample_rate(input.sample_rate)
            .map_err(|e| lame(&e))?;
        // Left to itself, LAME resamples to a rate it prefers for low
        // bitrates; the outputs keep the mix's rate (the config allows only
        // bitrates that rate can carry).
        builder
            .set_output_sample_rate(std::num::NonZeroU32::new(input.sample_rate))
            .map_err(|e| lame(&e))?;
        // LAME reads a second channel unless told the stream is mono.
        let mode = if input.channels == 1 {
            Mode::Mono
        } else {
            Mode::JointStereo
        };
        builder.set_mode(mode).map_err(|e| lame(&e))?;
        builder.set_quality(Quality::Good).map_err(|e| lame(&e))?;
        match input.mode {
            Mp3Mode::CbrKbps(kbps) => builder.set_brate(bitrate(kbps)).map_err(|e| lame(&e))?,
            Mp3Mode::VbrQuality(q) => {
                builder.set_vbr_mode(VbrMode::Mtrh).map_err(|e| lame(&e))?;
                builder.set_vbr_quality(quality(q)).map_err(|e| lame(&e))?;
            }
        }
        builder.set_to_write_vbr_tag(true).map_err(|e| lame(&e))?;
        let mut encoder = builder.build().map_err(|e| lame(&e))?;

        let pcm = tools
            .blobs
            .open(&input.pcm)
            .map_err(StepError::CorruptInput)?;
        let mut reader = BlockReader::new(pcm, SampleFormat::F32, input.channels);
        let (mut block, mut encoded) = (Vec::new(), Vec::new());
        while reader.next_block(&mut block)? > 0 {
            encoded.clear();
            // LAME writes into the spare capacity: its documented worst case.
            encoded.reserve(block.len() * 5 / 4 + 7200);
            if input.channels == 1 {
                encoder
                    .encode_to_vec(MonoPcm(&block[..]), &mut encoded)
                    .map_err(|e| lame(&e))?;
            } else {
                encoder
                    .encode_to_vec(InterleavedPcm(&block[..]), &mut encoded)
                    .map_err(|e| lame(&e))?;
            }
            out.write_all(&encoded)?;
        }
        encoded.clear();
        encoded.reserve(7200);
        // `lame_encode_flush` pads and encodes the samples LAME still holds
        // and records that padding for the tag; the "no gap" flush would
        // drop them (the last ~50 ms of speech) and leave the padding unknown.
        encoder
            .flush_to_vec::<FlushGap>(&mut encoded)
            .map_err(|e| lame(&e))?;
        out.write_all(&encoded)?;

        let mut tag = Vec::with_capacity(encoder.lame_tag_size());
        if encoder.lame_tag_encode_to_vec(&mut tag).is_none() {
            return Err(StepError::Failed("LAME wrote no LAME tag".into()));
        }
        out.seek(SeekFrom::Start(0))?;
        out.write_all(&tag)?;
        Ok(())
    }
}
