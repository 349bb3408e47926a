//! One file per step kind.

pub mod aac;
pub mod assemble;
pub mod avatar;
pub mod chapters;
pub mod cues;
pub mod decode;
pub mod feed;
pub mod flac;
pub mod flac_tags;
pub mod heard;
pub mod html;
pub mod image;
pub mod loudness;
pub mod measure;
pub mod mix;
pub mod movie;
pub mod mp3;
pub mod mp3_tags;
pub mod mp4;
pub mod site;
pub mod srt;
pub mod thumbnail;
pub mod timeline;
pub mod transcript;
pub mod tts;
pub mod video_segment;
pub mod vtt;
pub mod wav;
pub mod youtube;

pub use assemble::{Assemble, AssembleInput, AssembleItem};
pub use tts::{Tts, TtsInput, TtsPart};
pub use wav::{Wav, WavInput};

use crate::step::Step;

/// Every step kind, as the cache and `pod clean --step` name them.
pub const KINDS: &[&str] = &[
    tts::Tts::KIND,
    decode::Decode::KIND,
    assemble::Assemble::KIND,
    timeline::TimelineStep::KIND,
    mix::Mix::KIND,
    loudness::Normalize::KIND,
    wav::Wav::KIND,
    flac::Flac::KIND,
    flac_tags::FlacTags::KIND,
    mp3::Mp3::KIND,
    mp3_tags::Mp3Tags::KIND,
    aac::Aac::KIND,
    mp4::M4a::KIND,
    mp4::M4b::KIND,
    image::Image::KIND,
    avatar::Avatar::KIND,
    video_segment::VideoSegment::KIND,
    movie::Movie::KIND,
    thumbnail::Thumbnail::KIND,
    youtube::Youtube::KIND,
    vtt::Vtt::KIND,
    srt::Srt::KIND,
    transcript::Transcript::KIND,
    chapters::Chapters::KIND,
    measure::Measure::KIND,
    feed::Feed::KIND,
    site::SitePage::KIND,
    site::SiteIndex::KIND,
];
