//! The accepted values of numeric settings: one list for the checks after
//! parsing (`output`, `pauses`, inline `[pause]`) and for the wording of
//! TOML type errors (`expected`), so the two cannot disagree.

/// Longest pause any setting or inline `[pause]` may ask for.
pub const MAX_PAUSE_MS: u32 = 60_000;

pub const SAMPLE_RATES: &[u32] = &[
    8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000,
];

/// LAME's CBR bitrates, kbps; which of them a sample rate takes is
/// `mp3_bitrates_at`.
pub const MP3_BITRATES: &[u32] = &[
    8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
];

/// The CBR bitrates (kbps) an MP3 at `sample_rate` can have: those of its
/// MPEG version (1 at 32 kHz and up, 2 at 16-24 kHz, 2.5 below), whose
/// frames also hold the LAME tag that gapless playback needs. Any other
/// bitrate LAME would silently change, or it would resample, or write no
/// tag. LAME needs a frame of its side information plus 156 bytes.
pub fn mp3_bitrates_at(sample_rate: u32, channels: u16) -> Vec<u32> {
    let (mpeg1, max) = match sample_rate {
        32_000.. => (true, 320),
        16_000.. => (false, 160),
        _ => (false, 64),
    };
    // The frame header and side information, bytes.
    let side = match (mpeg1, channels) {
        (true, 1) => 4 + 17,
        (true, _) => 4 + 32,
        (false, 1) => 4 + 9,
        (false, _) => 4 + 17,
    };
    let samples_per_frame = if mpeg1 { 1152 } else { 576 };
    MP3_BITRATES
        .iter()
        .copied()
        .filter(|&kbps| kbps <= max && (mpeg1 || kbps != 192 && kbps != 224 && kbps != 256))
        .filter(|&kbps| {
            let frame = samples_per_frame / 8 * 1000 * u64::from(kbps) / u64::from(sample_rate);
            frame >= side + 156
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::mp3_bitrates_at;

    #[test]
    fn mp3_bitrates_follow_the_mpeg_version_and_leave_room_for_the_lame_tag() {
        let lowest = |rate, channels| mp3_bitrates_at(rate, channels)[0];
        let highest = |rate, channels| *mp3_bitrates_at(rate, channels).last().unwrap();
        // MPEG-1: up to 320; a 48 kbps frame at 44.1 kHz (156 bytes) is too
        // small for the tag (177 in mono), a 64 kbps one (208) holds it.
        assert_eq!((lowest(44_100, 1), highest(44_100, 1)), (64, 320));
        assert_eq!(lowest(44_100, 2), 64);
        assert_eq!(lowest(32_000, 1), 40);
        // MPEG-2: up to 160, no 192-256.
        assert_eq!((lowest(22_050, 1), highest(22_050, 1)), (64, 160));
        assert_eq!(lowest(16_000, 1), 40);
        assert!(!mp3_bitrates_at(24_000, 1).contains(&192));
        // MPEG-2.5: up to 64.
        assert_eq!((lowest(8_000, 1), highest(8_000, 1)), (24, 64));
    }
}
