//! Episode scripts: Markdown with optional TOML front matter, parsed into
//! chapters, paragraphs, sentences and inline pauses.

mod comments;
mod front_matter;
mod parse;
mod pause;
pub mod sentences;

pub use parse::parse;

use crate::config::FrontMatter;
use crate::diagnostic::Diagnostic;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Script {
    pub front: FrontMatter,
    pub chapters: Vec<Chapter>,
    pub warnings: Vec<Diagnostic>,
}

/// A chapter starts at a heading; text before the first heading forms an
/// untitled chapter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Chapter {
    pub title: Option<String>,
    pub paragraphs: Vec<Paragraph>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Paragraph {
    /// Lower-cased name of the `[voices]` entry speaking it; `None` for the default voice.
    pub speaker: Option<String>,
    /// The speaker prefix as the script writes it (`Guest`), for transcripts.
    pub speaker_as_written: Option<String>,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Item {
    /// Spoken text: a sentence, or the part of one on one side of an inline pause.
    Speech(Sentence),
    /// `[pause ...]`: exactly this much silence.
    Pause { ms: u32 },
    /// `[sound path]`: that file, played here. The path is relative to the script.
    Sound {
        path: std::path::PathBuf,
        line: u32,
        column: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sentence {
    /// White space collapsed, Markdown emphasis removed.
    pub text: String,
    /// As written in the script (white space collapsed), for transcripts.
    pub display: String,
    pub line: u32,
    pub column: u32,
}
