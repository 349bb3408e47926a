//! `avatar`: one chapter's background video from `[video] avatar_command`,
//! an external program (a talking head, say) given the cover image and the
//! chapter's speech. Keyed by the program's content, its words and exactly
//! what it is given, so it runs again only when one of those changes; its
//! output must be an MP4 with H.264 video, checked here so a bad file is
//! named at this step and never cached.

use std::fs::File;
use std::io::Write;
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use super::heard::{HeardAt, HeardPlayer};
use crate::cache::ContentHash;
use crate::step::{Announce, Step, StepError, Tools};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AvatarInput {
    /// The words as written, placeholders unfilled.
    pub command: Vec<String>,
    /// The program's content.
    pub program: ContentHash,
    /// The cover, as the `image` step stored it (PNG), when the words
    /// pass `{image}`.
    pub image: Option<ContentHash>,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub sample_rate: u32,
    pub channels: u16,
    /// How long the chapter lasts, in frames of `sample_rate`.
    pub frames: u64,
    /// The chapter's speech and sounds, from its start.
    pub heard: Vec<HeardAt>,
}

pub struct Avatar;

impl Step for Avatar {
    const KIND: &'static str = "avatar";
    const VERSION: u32 = 1;
    const ANNOUNCE: Announce = Announce::Status("Animating");
    type Input = AvatarInput;

    fn run(input: &AvatarInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        if input.frames == 0 {
            // A chapter of no length (two headings in a row) shows nothing:
            // no program runs, and the segment draws no frame.
            return Ok(());
        }
        let failed = |what: String| StepError::Failed(format!("video.avatar_command: {what}"));
        let scratch =
            tempfile::tempdir().map_err(|e| failed(format!("no temporary folder: {e}")))?;
        let image = scratch.path().join("image.png");
        if let Some(hash) = &input.image {
            let bytes = tools.blobs.read(hash).map_err(StepError::CorruptInput)?;
            std::fs::write(&image, bytes).map_err(|e| failed(format!("writing the image: {e}")))?;
        }
        let audio = scratch.path().join("audio.wav");
        write_speech(input, tools, &audio)?;
        let output = scratch.path().join("avatar.mp4");
        let fill = |word: &str| {
            word.replace("{image}", &image.to_string_lossy())
                .replace("{audio}", &audio.to_string_lossy())
                .replace("{output}", &output.to_string_lossy())
                .replace("{width}", &input.width.to_string())
                .replace("{height}", &input.height.to_string())
                .replace("{fps}", &input.fps.to_string())
        };
        let root = tools.engines.project_root();
        let name = &input.command[0];
        let program = crate::engines::program::for_command(name, root)
            .ok_or_else(|| failed(format!("`{name}` is not on PATH")))?;
        let ran = Command::new(&program)
            .args(input.command[1..].iter().map(|w| fill(w)))
            .current_dir(root)
            .env_clear()
            .envs(std::env::var_os("PATH").map(|p| ("PATH", p)))
            .stdin(Stdio::null())
            .output()
            .map_err(|e| failed(format!("cannot run `{}`: {e}", program.display())))?;
        if !ran.status.success() {
            return Err(failed(format!(
                "`{name}` failed ({}){}",
                ran.status,
                crate::engines::program::last_words(&ran.stderr)
            )));
        }
        let video = std::fs::read(&output)
            .map_err(|e| failed(format!("`{name}` wrote no {{output}} file: {e}")))?;
        crate::video::avatar::check(&video).map_err(|e| {
            failed(format!(
                "`{name}` wrote a file pod cannot show ({e}); it must be an MP4 with H.264 video"
            ))
        })?;
        out.write_all(&video)?;
        Ok(())
    }
}

/// The chapter's speech as a 16-bit mono WAV at the output rate.
fn write_speech(
    input: &AvatarInput,
    tools: &Tools,
    path: &std::path::Path,
) -> Result<(), StepError> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: input.sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let failed = |e: hound::Error| StepError::Failed(format!("writing the chapter's audio: {e}"));
    let mut wav = hound::WavWriter::create(path, spec).map_err(failed)?;
    let mut player = HeardPlayer::new(&input.heard, input.sample_rate, input.channels, tools);
    let mut error = None;
    player.play_to(input.frames, |block| {
        for &s in block {
            if error.is_none()
                && let Err(e) = wav.write_sample((s.clamp(-1.0, 1.0) * 32767.0).round() as i16)
            {
                error = Some(e);
            }
        }
    })?;
    if let Some(e) = error {
        return Err(failed(e));
    }
    wav.finalize().map_err(failed)
}
