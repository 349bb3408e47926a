//! The central test (DESIGN.md invariant 3 and 4): for every leaf setting and
//! every kind of script edit, an incremental build equals a build from an
//! empty cache byte for byte, and exactly the steps that read the change run.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use crate::common::Project;
use pod::message::StepStatus;

const H: &str = "Hello there, friend."; // default voice, in a.md and b.md (one cache entry)
const S: &str = "Short one.";
const W: &str = "Welcome back; good to see you."; // guest, a.md (speed 0.9 from front matter)
const N: &str = "Note: colons matter.";
const P: &str = "After the pause.";
const PL: &str = "Plain words here.";
const G: &str = "A guest line."; // guest, b.md

struct Mutation {
    name: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    /// Sentences that must be synthesised again, and nothing else.
    tts: &'static [&'static str],
    assemble: u64,
    wav: u64,
}

const fn m(
    name: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    tts: &'static [&'static str],
    assemble: u64,
    wav: u64,
) -> Mutation {
    Mutation {
        name,
        file,
        from,
        to,
        tts,
        assemble,
        wav,
    }
}

const TOML: &str = "podcast.toml";
const A: &str = "episodes/a.md";
const B: &str = "episodes/b.md";

// `output.formats` and `build.target_dir` are exercised by the error and
// clean tests (the target directory is not an input); the engine and the
// espeak-ng and flite engines' own settings by ESPEAK_MUTATIONS and
// FLITE_MUTATIONS below.
#[rustfmt::skip]
const CONFIG_MUTATIONS: &[Mutation] = &[
    // Tags are in the WAV's INFO chunk: the WAV is rewritten, nothing re-assembled.
    m("podcast.title", TOML, "title = \"Test Show\"", "title = \"Other Show\"", &[], 0, 2),
    m("podcast.author", TOML, "author = \"Tester\"", "author = \"Someone\"", &[], 0, 2),
    m("podcast.language", TOML, "language = \"en\"", "language = \"en-GB\"", &[], 0, 0),
    m("podcast.description", TOML, "A small show", "A tiny show", &[], 0, 0),
    m("podcast.episodes", TOML, "episodes = [\"episodes/*.md\"]", "episodes = [\"episodes/a.md\"]", &[], 0, 0),
    // The guest sets its own speed.
    m("voice.speed", TOML, "speed = 1.0", "speed = 1.05", &[H, S, N, P, PL], 2, 2),
    // a.md's guest sets its own speed in front matter.
    m("voices.guest.speed", TOML, "speed = 1.15", "speed = 1.2", &[G], 1, 1),
    // Unset, the guest's speed is the show's again.
    m("voices.guest.speed", TOML, "[voices.guest]\nspeed = 1.15", "[voices.guest]", &[G], 1, 1),
    // The backend's version stands in the key for tract's; the default, written out, changes nothing.
    m("voices.guest.backend", TOML, "speed = 1.15", "speed = 1.15\nbackend = \"onnxruntime\"", &[W, G], 2, 2),
    m("voices.guest.backend", TOML, "speed = 1.15", "speed = 1.15\nbackend = \"tract\"", &[], 0, 0),
    // A display name is for transcripts only: nothing is spoken again.
    m("voices.guest.name", TOML, "speed = 1.15", "speed = 1.15\nname = \"Grace\"", &[], 0, 0),
    m("voice.name", TOML, "speed = 1.0", "speed = 1.0\nname = \"Host\"", &[], 0, 0),
    // Explicit sentence_ms and comma_ms stay; colon and semicolon pauses change.
    m("pauses.preset", TOML, "preset = \"natural\"", "preset = \"slow\"", &[N, W], 2, 2),
    // b.md sets its own sentence_ms.
    m("pauses.sentence_ms", TOML, "sentence_ms = 400", "sentence_ms = 450", &[], 1, 1),
    m("pauses.paragraph_ms", TOML, "comma_ms = 150", "comma_ms = 150\nparagraph_ms = 1000", &[], 2, 2),
    m("pauses.chapter_ms", TOML, "comma_ms = 150", "comma_ms = 150\nchapter_ms = 2500", &[], 1, 1),
    m("pauses.comma_ms", TOML, "comma_ms = 150", "comma_ms = 200", &[H], 2, 2),
    m("pauses.colon_ms", TOML, "comma_ms = 150", "comma_ms = 150\ncolon_ms = 300", &[N], 1, 1),
    m("pauses.semicolon_ms", TOML, "comma_ms = 150", "comma_ms = 150\nsemicolon_ms = 300", &[W], 1, 1),
    m("output.sample_rate", TOML, "sample_rate = 22050", "sample_rate = 44100", &[], 2, 2),
    m("output.channels", TOML, "channels = 1", "channels = 2", &[], 2, 2),
    // Garbage collection settings never change what is built.
    m("cache.retention_days", TOML, "[output]", "[cache]\nretention_days = 30\n\n[output]", &[], 0, 0),
    m("build.allow_paths", TOML, "[output]", "[build]\nallow_paths = [\"episodes\"]\n\n[output]", &[], 0, 0),
    m("cache.max_size", TOML, "[output]", "[cache]\nmax_size = \"1 GiB\"\n\n[output]", &[], 0, 0),
    // An entry re-speaks exactly the sentences that say its word.
    m("pronunciations.WORD.alias", TOML, "[output]", "[pronunciations]\nfriend = { alias = \"pal\" }\n\n[output]", &["Hello there, pal."], 2, 2),
    m("pronunciations.WORD.phonemes", TOML, "[output]", "[pronunciations]\nfriend = { phonemes = \"fɹˈind\" }\n\n[output]", &["Hello there, [friend](/fɹˈind/)."], 2, 2),
    m("pronunciations.WORD (no sentence says it)", TOML, "[output]", "[pronunciations]\nKhipu = { alias = \"Kee-poo\" }\n\n[output]", &[], 0, 0),
    m("pronunciations.WORD.case_sensitive", TOML, "[output]", "[pronunciations]\nFriend = { alias = \"pal\", case_sensitive = true }\n\n[output]", &[], 0, 0),
];

#[rustfmt::skip]
const FRONT_MATTER_MUTATIONS: &[Mutation] = &[
    m("title", A, "title = \"Alpha\"", "title = \"Alpha!\"", &[], 0, 1),
    m("number", A, "number = 1", "number = 7", &[], 0, 1),
    m("date", A, "date = 2026-01-01", "date = 2026-02-02", &[], 0, 1),
    m("description", A, "The first episode.", "The opening episode.", &[], 0, 1),
    m("voices.guest.speed", A, "speed = 0.9", "speed = 0.95", &[W], 1, 1),
    m("voices.guest.name", A, "speed = 0.9", "speed = 0.9\nname = \"Grace\"", &[], 0, 0),
    m("voices.guest.backend", A, "speed = 0.9", "speed = 0.9\nbackend = \"onnxruntime\"", &[W], 1, 1),
    // a.md's default voice only: b.md keeps its cached "Hello there, friend."
    m("voice.speed", A, "[voices.guest]", "[voice]\nspeed = 0.95\n\n[voices.guest]", &[H, S, N, P], 1, 1),
    m("pauses.sentence_ms", B, "sentence_ms = 500", "sentence_ms = 600", &[], 1, 1),
    m("pauses.comma_ms", B, "sentence_ms = 500", "sentence_ms = 500\ncomma_ms = 120", &[H], 1, 1),
    m("pauses.preset", A, "[voices.guest]", "[pauses]\npreset = \"fast\"\n\n[voices.guest]", &[N, W], 1, 1),
    // a.md's "Hello there, friend." only; b.md keeps the cached one.
    m("pronunciations.WORD.alias", A, "speed = 0.9\n+++", "speed = 0.9\n\n[pronunciations]\nfriend = { alias = \"buddy\" }\n+++", &["Hello there, buddy."], 1, 1),
];

#[rustfmt::skip]
const SCRIPT_MUTATIONS: &[Mutation] = &[
    m("change a word", A, "Short one.", "Short two.", &["Short two."], 1, 1),
    m("add a sentence", A, "Short one.", "Short one. One more here.", &["One more here."], 1, 1),
    m("remove a sentence", A, " Short one.", "", &[], 1, 1),
    m("add a paragraph", A, "After the pause.\n", "After the pause.\n\nA new paragraph.\n", &["A new paragraph."], 1, 1),
    m("remove a paragraph", A, "Guest: Welcome back; good to see you.\n\n", "", &[], 1, 1),
    m("add a chapter", A, "After the pause.\n", "After the pause.\n\n# Part three\n\nThe very end.\n", &["The very end."], 1, 1),
    m("remove a chapter", A, "# Part two\n\n", "", &[], 1, 1),
    m(
        "move a paragraph",
        A,
        "Guest: Welcome back; good to see you.\n\nNote: colons matter. [pause 300ms] After the pause.\n",
        "Note: colons matter. [pause 300ms] After the pause.\n\nGuest: Welcome back; good to see you.\n",
        &[],
        1,
        1,
    ),
    m("change a speaker", A, "Guest: Welcome back;", "Welcome back;", &[W], 1, 1),
    m("add a comment", A, "Short one.\n", "Short one.\n<!-- a note to self -->\n", &[], 0, 0),
    m("add an inline pause", A, "friend. Short", "friend. [pause 1s] Short", &[], 1, 1),
    m("change an inline pause", A, "[pause 300ms]", "[pause 0.5s]", &[], 1, 1),
];

/// The fixture, built once: every mutation starts from a copy of this cache.
fn warm() -> &'static Project {
    static WARM: OnceLock<Project> = OnceLock::new();
    WARM.get_or_init(|| {
        let project = Project::fixture();
        let build = project.build();
        assert_eq!(
            build.executed("tts"),
            7,
            "the fixture has seven distinct sentences"
        );
        project
    })
}

/// Runs every check, then fails once, listing all that broke.
fn assert_all<T>(
    items: &[T],
    name: impl Fn(&T) -> String,
    check: impl Fn(&T) -> Result<(), String>,
) {
    let failures: Vec<String> = items
        .iter()
        .filter_map(|item| {
            check(item)
                .err()
                .map(|message| format!("{}: {message}", name(item)))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "mutations that broke an invariant:\n{}",
        failures.join("\n")
    );
}

/// The fixture with the guest on the `espeak-ng` engine (the program), built
/// once: the default voice stays on hibari, so one build has both engines.
/// a.md's front matter no longer sets the guest's hibari `speed`.
fn warm_espeak() -> &'static Project {
    static WARM: OnceLock<Project> = OnceLock::new();
    WARM.get_or_init(|| {
        let project = Project::fixture();
        // `en-gb-x-rp`, not `en-gb`: espeak-ng 1.51 ignores a variant on
        // `en-gb`, and every mutation here must change the sound.
        project.edit(
            TOML,
            "[voices.guest]\nspeed = 1.15",
            "[voices.guest]\nengine = \"espeak-ng\"\nvoice = \"en-gb-x-rp\"\npitch = 40",
        );
        project.edit(A, "[voices.guest]\nspeed = 0.9\n", "");
        let build = project.build();
        assert_eq!(build.executed("tts"), 7);
        project
    })
}

/// Every setting of the espeak-ng engine, its engine switch, and a hibari
/// setting of `[voice]` it does not inherit.
#[rustfmt::skip]
const ESPEAK_MUTATIONS: &[Mutation] = &[
    // espeak-ng is sent the phonemes as `[[...]]` (hibari says no sentence with the word).
    m("pronunciations.WORD.phonemes", TOML, "[output]", "[pronunciations]\nguest = { phonemes = \"ɡˈiːst\" }\n\n[output]", &["A [[g'i:st]] line."], 1, 1),
    m("voices.guest.engine", TOML, "engine = \"espeak-ng\"\nvoice = \"en-gb-x-rp\"\npitch = 40", "engine = \"hibari\"", &[W, G], 2, 2),
    m("voices.guest.voice", TOML, "voice = \"en-gb-x-rp\"", "voice = \"en-gb-scotland\"", &[W, G], 2, 2),
    m("voices.guest.variant", TOML, "pitch = 40", "pitch = 40\nvariant = \"f3\"", &[W, G], 2, 2),
    m("voices.guest.rate", TOML, "pitch = 40", "pitch = 40\nrate = 190", &[W, G], 2, 2),
    m("voices.guest.pitch", TOML, "pitch = 40", "pitch = 45", &[W, G], 2, 2),
    m("voices.guest.volume", TOML, "pitch = 40", "pitch = 40\nvolume = 90", &[W, G], 2, 2),
    m("voices.guest.word_gap", TOML, "pitch = 40", "pitch = 40\nword_gap = 3", &[W, G], 2, 2),
    // The show's hibari `speed` is not the espeak-ng guest's to inherit.
    m("voice.speed", TOML, "speed = 1.0", "speed = 1.05", &[H, S, N, P, PL], 2, 2),
    m("voices.guest.rate", A, "description = \"The first episode.\"", "description = \"The first episode.\"\n\n[voices.guest]\nrate = 160", &[W], 1, 1),
];

/// The fixture with the guest on the `command` engine (the tests' tone
/// program), built once.
fn warm_command() -> &'static Project {
    static WARM: OnceLock<Project> = OnceLock::new();
    WARM.get_or_init(|| {
        let project = crate::command::fixture();
        project.edit(TOML, crate::command::GUEST, crate::command::GUEST_COMMAND);
        let build = project.build();
        assert_eq!(build.executed("tts"), 7);
        project
    })
}

/// The fixture with the guest on the `flite` engine (the program), built
/// once, as `warm_espeak` does for espeak-ng.
fn warm_flite() -> &'static Project {
    static WARM: OnceLock<Project> = OnceLock::new();
    WARM.get_or_init(|| {
        let project = Project::fixture();
        project.edit(
            TOML,
            "[voices.guest]\nspeed = 1.15",
            "[voices.guest]\nengine = \"flite\"\nvoice = \"kal\"\nduration_stretch = 1.1",
        );
        project.edit(A, "[voices.guest]\nspeed = 0.9\n", "");
        let build = project.build();
        assert_eq!(build.executed("tts"), 7);
        project
    })
}

/// Every setting of the command engine, the program's own bytes, and its
/// engine switch. Words that change how text and audio travel change the
/// key but not the speech: the episodes are not assembled again.
#[rustfmt::skip]
const COMMAND_MUTATIONS: &[Mutation] = &[
    m("voices.guest.engine", TOML, "engine = \"command\"\ncommand = [\"./tone.py\", \"--voice\", \"{voice}\", \"--out\", \"{output}\"]\nvoice = \"v1\"", "engine = \"hibari\"", &[W, G], 2, 2),
    m("voices.guest.command", TOML, "\"--out\", \"{output}\"", "\"--text\", \"{text}\"", &[W, G], 0, 0),
    m("voices.guest.command", TOML, "\"--voice\", \"{voice}\"", "\"--voice\", \"v2\"", &[W, G], 2, 2),
    m("the program's bytes", "tone.py", "RATE = 16000", "RATE = 16000  # unchanged", &[W, G], 0, 0),
    m("the program's sound", "tone.py", "CHAR_MS = 40", "CHAR_MS = 45", &[W, G], 2, 2),
    m("voices.guest.voice", TOML, "voice = \"v1\"", "voice = \"v3\"", &[W, G], 2, 2),
    m("voices.guest.version", TOML, "voice = \"v1\"", "voice = \"v1\"\nversion = \"2\"", &[W, G], 0, 0),
    m("engines.command.timeout", TOML, "[pauses]", "[engines.command]\ntimeout = 30\n\n[pauses]", &[], 0, 0),
    m("voices.guest.voice", B, "number = 2", "number = 2\n\n[voices.guest]\nvoice = \"v4\"", &[G], 1, 1),
];

/// Every setting of the flite engine, its engine switch, and a hibari
/// setting of `[voice]` it does not inherit.
#[rustfmt::skip]
const FLITE_MUTATIONS: &[Mutation] = &[
    m("voices.guest.engine", TOML, "engine = \"flite\"\nvoice = \"kal\"\nduration_stretch = 1.1", "engine = \"hibari\"", &[W, G], 2, 2),
    m("voices.guest.voice", TOML, "voice = \"kal\"", "voice = \"slt\"", &[W, G], 2, 2),
    m("voices.guest.duration_stretch", TOML, "duration_stretch = 1.1", "duration_stretch = 0.9", &[W, G], 2, 2),
    // Unset, the stretch is the default again.
    m("voices.guest.duration_stretch", TOML, "\nduration_stretch = 1.1", "", &[W, G], 2, 2),
    m("voice.speed", TOML, "speed = 1.0", "speed = 1.05", &[H, S, N, P, PL], 2, 2),
    m("voices.guest.voice", A, "description = \"The first episode.\"", "description = \"The first episode.\"\n\n[voices.guest]\nvoice = \"rms\"", &[W], 1, 1),
];

/// The fixture with a PLS lexicon (`names.pls`: "Khipu", which no sentence
/// says, and "pause" by its phonemes), built once.
fn warm_lexicon() -> &'static Project {
    static WARM: OnceLock<Project> = OnceLock::new();
    WARM.get_or_init(|| {
        let project = Project::fixture();
        project.write(
            LEXICON,
            &crate::pronunciations::pls(&[
                ("Khipu", "<alias>Kee-poo</alias>"),
                // Not how hibari says "pause" (pˈɔz), so the speech differs.
                ("pause", "<phoneme>pˈæz</phoneme>"),
            ]),
        );
        project.edit(
            TOML,
            "[output]",
            "[pronunciations]\nlexicons = [\"names.pls\"]\n\n[output]",
        );
        let build = project.build();
        assert_eq!(build.executed("tts"), 7);
        project
    })
}

const LEXICON: &str = "names.pls";

/// Edits of a lexicon file and of the list naming it: only the sentences
/// whose words an edit touches are spoken again.
#[rustfmt::skip]
const LEXICON_MUTATIONS: &[Mutation] = &[
    m("a lexeme no sentence says", LEXICON, "<alias>Kee-poo</alias>", "<alias>Kee-pu</alias>", &[], 0, 0),
    m("a new lexeme", LEXICON, "</lexicon>", "<lexeme><grapheme>line</grapheme><alias>lion</alias></lexeme>\n</lexicon>", &["A guest lion."], 1, 1),
    m("a lexeme's phonemes", LEXICON, "pˈæz", "pˈɑz", &["After the [pause](/pˈɑz/)."], 1, 1),
    m("a lexeme's alias, with phonemes (hibari says the phonemes)", LEXICON, "<phoneme>pˈæz</phoneme>", "<alias>paws</alias><phoneme>pˈæz</phoneme>", &[], 0, 0),
    m("pronunciations.lexicons", TOML, "lexicons = [\"names.pls\"]", "lexicons = []", &[P], 1, 1),
];

/// The fixture with a feed and a site (every episode dated, an MP3 to
/// enclose), built once.
fn warm_show() -> &'static Project {
    static WARM: OnceLock<Project> = OnceLock::new();
    WARM.get_or_init(|| {
        let project = Project::fixture();
        project.edit(
            TOML,
            "formats = [\"wav\"]",
            "formats = [\"wav\", \"mp3\"]\nmp3_bitrate = 64",
        );
        project.edit(B, "number = 2\n", "number = 2\ndate = 2026-02-01\n");
        for (name, shade) in [("media/cover.png", 40), ("media/other.png", 200)] {
            let path = project.path(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            image::RgbImage::from_pixel(1400, 1400, image::Rgb([shade, 60, 90]))
                .save(path)
                .unwrap();
        }
        let mut toml = project.read(TOML);
        toml.push_str(
            "\n[feed]\nbase_url = \"https://cdn.example.com/show/\"\nimage = \"media/cover.png\"\n\
             categories = [\"Technology\"]\nexplicit = false\ntype = \"episodic\"\n\
             owner = { name = \"Tess\", email = \"tess@example.com\" }\nlocked = true\n\
             copyright = \"(c) Tess\"\n\n[site]\ntitle = \"Site\"\naccent = \"#f2aa4c\"\n\
             links = [{ title = \"Home\", url = \"https://example.com/\" }]\n",
        );
        project.write(TOML, &toml);
        let build = project.build();
        assert_eq!(build.executed("feed"), 1);
        project
    })
}

/// Every setting of the feed and the site, and the front matter only the
/// feed reads: no sentence, mix or episode output is made again, and the
/// feed and pages equal a clean build's.
#[rustfmt::skip]
const SHOW_MUTATIONS: &[Mutation] = &[
    m("feed.base_url", TOML, "cdn.example.com/show/", "media.example.org/", &[], 0, 0),
    m("feed.image", TOML, "image = \"media/cover.png\"", "image = \"media/other.png\"", &[], 0, 0),
    m("feed.categories", TOML, "[\"Technology\"]", "[\"Arts > Books\", \"History\"]", &[], 0, 0),
    m("feed.explicit", TOML, "explicit = false", "explicit = true", &[], 0, 0),
    m("feed.type", TOML, "\"episodic\"", "\"serial\"", &[], 0, 0),
    m("feed.owner", TOML, "tess@example.com", "owner@example.com", &[], 0, 0),
    m("feed.locked", TOML, "locked = true", "locked = false", &[], 0, 0),
    m("feed.copyright", TOML, "(c) Tess", "(c) Tess Ter", &[], 0, 0),
    m("feed.link", TOML, "locked = true", "locked = true\nlink = \"https://example.com/show\"", &[], 0, 0),
    m("site.title", TOML, "title = \"Site\"", "title = \"Our site\"", &[], 0, 0),
    m("site.accent", TOML, "#f2aa4c", "#4cf2aa", &[], 0, 0),
    m("site.links", TOML, "title = \"Home\"", "title = \"Start\"", &[], 0, 0),
    m("front matter season", A, "number = 1\n", "number = 1\nseason = 2\n", &[], 0, 0),
    m("front matter episode_type", A, "number = 1\n", "number = 1\nepisode_type = \"trailer\"\n", &[], 0, 0),
    m("front matter guid", A, "number = 1\n", "number = 1\nguid = \"urn:x:1\"\n", &[], 0, 0),
    m("front matter draft", A, "number = 1\n", "number = 1\ndraft = true\n", &[], 0, 0),
];

#[test]
fn every_setting_of_the_feed_and_site() {
    check_from(warm_show(), SHOW_MUTATIONS);
}

fn check(mutations: &[Mutation]) {
    check_from(warm(), mutations);
}

fn check_from(warm: &'static Project, mutations: &[Mutation]) {
    assert_all(
        mutations,
        |m| format!("{} ({})", m.name, m.file),
        |m| check_one(warm, m),
    );
}

fn check_one(warm: &Project, mutation: &Mutation) -> Result<(), String> {
    let project = Project::copy_of(warm);
    project.edit(mutation.file, mutation.from, mutation.to);

    let incremental = project.build();
    let synthesised = incremental.synthesised_texts();
    let expected: BTreeSet<String> = mutation.tts.iter().map(|s| s.to_string()).collect();
    if synthesised != expected {
        return Err(format!(
            "synthesised {synthesised:?}, expected {expected:?}"
        ));
    }
    let counts = (
        incremental.executed("assemble"),
        incremental.executed("wav"),
    );
    if counts != (mutation.assemble, mutation.wav) {
        return Err(format!(
            "executed (assemble, wav) = {counts:?}, expected {:?}",
            (mutation.assemble, mutation.wav)
        ));
    }

    same_as_clean(&project, &incremental)
}

/// Builds the same project from an empty cache and compares every output
/// byte for byte with the incremental build's.
pub fn same_as_clean(project: &Project, incremental: &crate::common::Build) -> Result<(), String> {
    let empty_cache = tempfile::TempDir::new().unwrap();
    let clean = project.build_with(&["--target-dir", empty_cache.path().to_str().unwrap()]);
    clean.assert_success();
    // (Episodes may share a step, such as decoding the same bed: only the
    // per-sentence and per-episode speech steps are sure to be new.)
    if clean.cached("tts") + clean.cached("assemble") != 0 {
        return Err("the clean build found something cached".into());
    }
    let (incremental, clean) = (incremental.outputs(), clean.outputs());
    if incremental.keys().collect::<Vec<_>>() != clean.keys().collect::<Vec<_>>() {
        return Err("incremental and clean builds published different outputs".into());
    }
    for (output, bytes) in &incremental {
        if clean[output] != *bytes {
            return Err(format!("{output:?} differs from the clean build"));
        }
    }
    Ok(())
}

#[test]
fn every_config_leaf() {
    check(CONFIG_MUTATIONS);
}

#[test]
fn every_front_matter_leaf() {
    check(FRONT_MATTER_MUTATIONS);
}

#[test]
fn every_kind_of_script_edit() {
    check(SCRIPT_MUTATIONS);
}

#[test]
fn every_lexicon_edit() {
    check_from(warm_lexicon(), LEXICON_MUTATIONS);
}

#[test]
fn every_setting_of_the_command_engine() {
    check_from(warm_command(), COMMAND_MUTATIONS);
}

#[test]
fn every_setting_of_the_espeak_ng_engine() {
    check_from(warm_espeak(), ESPEAK_MUTATIONS);
}

#[test]
fn every_setting_of_the_flite_engine() {
    check_from(warm_flite(), FLITE_MUTATIONS);
}

/// Production settings: which steps must run (exactly, or at least) and
/// which must not, and incremental output equal to clean output.
struct Production {
    name: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    runs: &'static [&'static str],
    /// `runs` is the exact set of step kinds that execute.
    exact: bool,
}

const fn p(
    name: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    runs: &'static [&'static str],
    exact: bool,
) -> Production {
    Production {
        name,
        file,
        from,
        to,
        runs,
        exact,
    }
}

#[rustfmt::skip]
const ENCODE_ALL: &[&str] = &[
    "loudness", "wav", "flac", "flac-tags", "mp3", "mp3-tags", "aac", "m4b", "measure",
];
#[rustfmt::skip]
const REMIX: &[&str] = &[
    "mix", "loudness", "wav", "flac", "flac-tags", "mp3", "mp3-tags", "aac", "m4b", "measure",
];

#[rustfmt::skip]
const PRODUCTION_MUTATIONS: &[Production] = &[
    p("music.volume_db", TOML, "volume_db = -18", "volume_db = -21", REMIX, false),
    p("music.offset", TOML, "volume_db = -18", "volume_db = -18\noffset = 0.5", REMIX, false),
    p("music.loop", TOML, "volume_db = -18", "volume_db = -18\nloop = false", REMIX, false),
    p("music.fade_in", TOML, "fade_in = 0.5", "fade_in = 0.8", REMIX, false),
    p("music.fade_out", TOML, "fade_out = 1.0", "fade_out = 1.5", REMIX, false),
    p("music.duck_db", TOML, "duck_db = -12", "duck_db = -6", REMIX, false),
    p("music.attack_ms", TOML, "duck_db = -12", "duck_db = -12\nattack_ms = 200", REMIX, false),
    p("music.release_ms", TOML, "duck_db = -12", "duck_db = -12\nrelease_ms = 900", REMIX, false),
    p("music.file", TOML, "file = \"media/bed.wav\"", "file = \"media/bed2.wav\"", REMIX, false),
    p("intro.overlap", TOML, "overlap = 0.2", "overlap = 0.3", REMIX, false),
    p("outro.overlap", TOML, "overlap = 0.1", "overlap = 0.4", REMIX, false),
    p("loudness.preset", TOML, "[output]", "[loudness]\npreset = \"audiobook\"\n\n[output]", ENCODE_ALL, true),
    p("loudness.target_lufs", TOML, "[output]", "[loudness]\ntarget_lufs = -18.0\n\n[output]", ENCODE_ALL, true),
    p("output.mp3_bitrate", TOML, "channels = 1", "channels = 1\nmp3_bitrate = 64", &["mp3", "mp3-tags", "measure"], true),
    p("output.mp3_quality", TOML, "channels = 1", "channels = 1\nmp3_quality = 4", &["mp3", "mp3-tags", "measure"], true),
    p("output.aac_bitrate", TOML, "channels = 1", "channels = 1\naac_bitrate = 64", &["aac", "m4b", "measure"], true),
    p("podcast.cover", TOML, "episodes = [", "cover = \"media/cover.png\"\nepisodes = [", &["flac-tags", "mp3-tags", "m4b", "measure"], true),
    p("front matter music", A, "[voices.guest]", "[music]\nvolume_db = -24\n\n[voices.guest]", REMIX, false),
    p("chapter title", A, "# Part two", "# Second part", &["flac-tags", "mp3-tags", "m4b", "chapters", "measure"], true),
    p("podcast.language (not in any output)", TOML, "language = \"en\"", "language = \"fr\"", &[], true),
    p("episode title", A, "title = \"Alpha\"", "title = \"Alpha!\"", &["wav", "flac-tags", "mp3-tags", "m4b", "chapters", "measure"], true),
];

fn warm_production() -> &'static Project {
    static WARM: OnceLock<Project> = OnceLock::new();
    WARM.get_or_init(|| {
        let project = Project::fixture_with_media();
        crate::common::write_tone(&project.path("media/bed2.wav"), 2.0, 44100, 0.2);
        std::fs::write(project.path("media/cover.png"), crate::common::PNG).unwrap();
        project.edit("podcast.toml", "sample_rate = 22050", "sample_rate = 44100");
        project.edit(
            "podcast.toml",
            r#"formats = ["wav"]"#,
            r#"formats = ["wav", "flac", "mp3", "m4b", "chapters"]"#,
        );
        project.build();
        project
    })
}

fn check_production(mutations: &[Production]) {
    assert_all(mutations, |m| m.name.to_string(), check_production_one);
}

fn check_production_one(mutation: &Production) -> Result<(), String> {
    let project = Project::copy_of(warm_production());
    project.edit(mutation.file, mutation.from, mutation.to);
    let incremental = project.build();
    let ran: BTreeSet<String> = incremental
        .steps()
        .iter()
        .filter(|s| s.status == StepStatus::Executed)
        .map(|s| s.kind.clone())
        .collect();
    for never in ["tts", "assemble", "timeline"] {
        if ran.contains(never) {
            return Err(format!("{never} ran: {ran:?}"));
        }
    }
    let wanted: BTreeSet<String> = mutation.runs.iter().map(|s| s.to_string()).collect();
    if mutation.exact && ran != wanted {
        return Err(format!("ran {ran:?}, expected exactly {wanted:?}"));
    }
    if !mutation.exact && !wanted.is_subset(&ran) {
        return Err(format!("ran {ran:?}, expected at least {wanted:?}"));
    }
    same_as_clean(&project, &incremental)
}

#[test]
fn every_music_and_layer_setting() {
    check_production(&PRODUCTION_MUTATIONS[..11]);
}

#[test]
fn every_loudness_encoder_and_tag_setting() {
    check_production(&PRODUCTION_MUTATIONS[11..]);
}
