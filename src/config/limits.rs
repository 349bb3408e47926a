//! The accepted values of numeric settings: one list for the checks after
//! parsing (`output`, `pauses`, inline `[pause]`) and for the wording of
//! TOML type errors (`expected`), so the two cannot disagree.

/// Longest pause any setting or inline `[pause]` may ask for.
pub const MAX_PAUSE_MS: u32 = 60_000;

pub const SAMPLE_RATES: &[u32] = &[
    8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000,
];

/// LAME's CBR bitrates, kbps.
pub const MP3_BITRATES: &[u32] = &[32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
