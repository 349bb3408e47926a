//! `[pronunciations]` and PLS lexicons: each engine is sent the entry in the
//! form it can use, the key of a sentence holds only the entries it matches
//! (so an entry re-speaks exactly the sentences with its word), transcripts
//! keep the words as written, and a bad entry or file is a located error.

use std::collections::BTreeSet;

use crate::common::Project;
use crate::mutation::same_as_clean;

const TOML: &str = "podcast.toml";
const A: &str = "episodes/a.md";
const B: &str = "episodes/b.md";

/// The 1-based line of the first `needle` in a project file.
fn line_of(project: &Project, file: &str, needle: &str) -> u64 {
    let text = project.read(file);
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} in {file}"));
    text[..offset].matches('\n').count() as u64 + 1
}

fn texts(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// `[pronunciations]` with `body` in the fixture's podcast.toml.
pub fn pronounce(project: &Project, body: &str) {
    project.edit(
        TOML,
        "[output]",
        &format!("[pronunciations]\n{body}\n\n[output]"),
    );
}

pub fn pls(lexemes: &[(&str, &str)]) -> String {
    let body: String = lexemes
        .iter()
        .map(|(grapheme, inner)| {
            format!("  <lexeme>\n    <grapheme>{grapheme}</grapheme>\n    {inner}\n  </lexeme>\n")
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<lexicon version=\"1.0\" \
         xmlns=\"http://www.w3.org/2005/01/pronunciation-lexicon\" alphabet=\"ipa\" \
         xml:lang=\"en-US\">\n{body}</lexicon>\n"
    )
}

#[test]
fn an_alias_respeaks_exactly_the_sentences_with_the_word_and_transcripts_keep_it() {
    let project = Project::fixture();
    project.edit(TOML, r#"formats = ["wav"]"#, r#"formats = ["wav", "vtt"]"#);
    project.build();

    pronounce(&project, "\"Friend\" = { alias = \"pal\" }");
    let build = project.build();
    // "Hello there, friend." is one cache entry for both episodes.
    assert_eq!(build.synthesised_texts(), texts(&["Hello there, pal."]));
    assert_eq!(build.executed("assemble"), 2);
    same_as_clean(&project, &build).unwrap();
    for vtt in ["target/out/a.vtt", "target/out/b.vtt"] {
        let cues = project.read(vtt);
        assert!(cues.contains("Hello there, friend."), "{cues}");
        assert!(!cues.contains("pal"), "{cues}");
    }

    // Case-sensitive, "Friend" no longer matches "friend": back to the cache.
    project.edit(
        TOML,
        "alias = \"pal\" }",
        "alias = \"pal\", case_sensitive = true }",
    );
    let back = project.build();
    assert_eq!(back.executed("tts"), 0);
    same_as_clean(&project, &back).unwrap();
}

#[test]
fn hibari_says_phonemes_and_they_are_keyed() {
    let project = Project::fixture();
    let plain = project.build().outputs();

    pronounce(
        &project,
        "friend = { phonemes = \"ˈfriːnd\", alphabet = \"ipa\" }",
    );
    let build = project.build();
    assert_eq!(
        build.synthesised_texts(),
        texts(&["Hello there, [friend](/fɹˈind/)."])
    );
    let said = build.outputs();
    for episode in ["a", "b"] {
        let key = (episode.to_string(), "wav".to_string());
        assert_ne!(said[&key], plain[&key], "{episode} sounds different");
    }
    same_as_clean(&project, &build).unwrap();
    assert_eq!(project.build().executed("tts"), 0, "keyed: nothing new");

    project.edit(TOML, "ˈfriːnd", "ˈfrɛnd");
    let changed = project.build();
    assert_eq!(
        changed.synthesised_texts(),
        texts(&["Hello there, [friend](/fɹˈɛnd/)."])
    );
    let dirty = changed.dirty("tts").join(", ");
    assert!(
        dirty.contains("parts[2].text [friend](/fɹˈind/). -> [friend](/fɹˈɛnd/)."),
        "{dirty}"
    );
}

#[test]
fn symbols_hibari_cannot_say_are_refused_where_the_entry_is() {
    let project = Project::fixture();
    project.build();
    let before = project.target_snapshot();
    pronounce(&project, "friend = { phonemes = \"ɬɛnd\" }");
    let build = project.build_with(&[]);
    assert_eq!(build.code(), 2, "{}", build.stderr());
    let error = build.errors()[0];
    assert_eq!(error.file.as_deref(), Some(TOML));
    assert_eq!(
        error.line,
        Some(line_of(&project, TOML, "friend =")),
        "{error:?}"
    );
    assert!(error.message.contains("`ɬ`"), "{error:?}");
    assert_eq!(project.target_snapshot(), before);
}

#[test]
fn a_lexicon_file_respeaks_only_the_sentences_its_changes_touch() {
    let project = Project::fixture();
    project.write("names.pls", &pls(&[("Khipu", "<alias>Kee-poo</alias>")]));
    pronounce(&project, "lexicons = [\"names.pls\"]");
    let first = project.build();
    assert_eq!(first.executed("tts"), 7, "no sentence says Khipu");

    // A change no sentence matches synthesises nothing and builds nothing.
    project.write("names.pls", &pls(&[("Khipu", "<alias>Kee-pu</alias>")]));
    let untouched = project.build();
    assert_eq!(untouched.executed("tts"), 0);
    assert_eq!(untouched.executed("assemble"), 0);

    // A lexeme for a word two sentences say (in two episodes, two voices).
    project.write(
        "names.pls",
        &pls(&[
            ("Khipu", "<alias>Kee-pu</alias>"),
            ("line", "<alias>lyne</alias>"),
            ("pause", "<phoneme>pˈɔz</phoneme>"),
        ]),
    );
    let touched = project.build();
    assert_eq!(
        touched.synthesised_texts(),
        texts(&["A guest lyne.", "After the [pause](/pˈɔz/)."])
    );
    same_as_clean(&project, &touched).unwrap();

    // Inline entries win over the file's.
    project.edit(
        TOML,
        "lexicons = [\"names.pls\"]",
        "lexicons = [\"names.pls\"]\nline = { alias = \"lion\" }",
    );
    let inline = project.build();
    assert_eq!(inline.synthesised_texts(), texts(&["A guest lion."]));
}

#[test]
fn front_matter_entries_override_the_shows_for_that_episode_only() {
    let project = Project::fixture();
    pronounce(&project, "friend = { alias = \"pal\" }");
    project.build();
    project.edit(
        A,
        "speed = 0.9\n+++",
        "speed = 0.9\n\n[pronunciations]\nfriend = { alias = \"buddy\" }\n+++",
    );
    let build = project.build();
    assert_eq!(build.synthesised_texts(), texts(&["Hello there, buddy."]));
    assert_eq!(build.executed("assemble"), 1, "b.md is untouched");
    same_as_clean(&project, &build).unwrap();

    // A lexicon named in b.md's front matter (relative to podcast.toml).
    project.write("lexicons/b.pls", &pls(&[("plain", "<alias>Flat</alias>")]));
    project.edit(
        B,
        "sentence_ms = 500\n",
        "sentence_ms = 500\n\n[pronunciations]\nlexicons = [\"lexicons/b.pls\"]\n",
    );
    let build = project.build();
    assert_eq!(build.synthesised_texts(), texts(&["Flat words here."]));
    assert_eq!(build.executed("assemble"), 1, "a.md is untouched");
    same_as_clean(&project, &build).unwrap();
}

/// A failed build: exit 2, the first error at `file`:`line`, and nothing
/// on disk changed.
fn assert_error(project: &Project, file: &str, line: u64, message: &str) {
    let before = project.target_snapshot();
    let build = project.build_with(&[]);
    assert_eq!(build.code(), 2, "stderr: {}", build.stderr());
    let error = build.errors()[0];
    assert_eq!(
        (error.file.as_deref(), error.line),
        (Some(file), Some(line)),
        "{error:?}"
    );
    assert!(error.message.contains(message), "{error:?}");
    assert_eq!(project.target_snapshot(), before, "nothing written");
}

#[test]
fn bad_lexicons_and_entries_are_located_errors() {
    let project = Project::fixture();
    project.build();

    // XML that does not parse: the place in the file.
    project.write("names.pls", &pls(&[("Khipu", "<alias>Kee-poo</alais>")]));
    pronounce(&project, "lexicons = [\"names.pls\"]");
    assert_error(
        &project,
        "names.pls",
        5,
        "not a readable pronunciation lexicon",
    );

    // A lexeme with nothing to say.
    project.write("names.pls", &pls(&[("Khipu", "<example>Khipu.</example>")]));
    assert_error(&project, "names.pls", 4, "needs an `alias`");

    // A misspelt key in an entry.
    project.write("names.pls", &pls(&[("Khipu", "<alias>Kee-poo</alias>")]));
    project.edit(
        TOML,
        "lexicons = [\"names.pls\"]",
        "lexicons = [\"names.pls\"]\nfriend = { alais = \"frend\" }",
    );
    let line = line_of(&project, TOML, "friend =");
    assert_error(&project, TOML, line, "unknown key `alais`");

    // A file that is not there.
    project.edit(TOML, "friend = { alais = \"frend\" }", "");
    project.edit(TOML, "\"names.pls\"", "\"nmes.pls\"");
    let line = line_of(&project, TOML, "lexicons =");
    assert_error(&project, TOML, line, "cannot read lexicon `nmes.pls`");
}

#[test]
fn a_lexicon_outside_the_project_is_refused_where_it_is_named() {
    let outside = tempfile::TempDir::new().unwrap();
    std::fs::write(
        outside.path().join("names.pls"),
        pls(&[("friend", "<alias>frend</alias>")]),
    )
    .unwrap();
    let name = outside.path().file_name().unwrap().to_str().unwrap();
    let project = Project::fixture();
    pronounce(&project, &format!("lexicons = [\"../{name}/names.pls\"]"));
    let line = line_of(&project, TOML, "lexicons =");
    assert_error(&project, TOML, line, "outside the project directory");
    let build = project.build_with(&[]);
    let help = build.errors()[0].help.clone().unwrap();
    assert!(help.contains("allow_paths"), "{help}");

    // Through a symlink inside the project, likewise.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.path().join("names.pls"), project.path("names.pls"))
            .unwrap();
        project.edit(TOML, &format!("../{name}/names.pls"), "names.pls");
        assert_error(&project, TOML, line, "resolves to");
    }
}

/// The `command` engine (the tests' tone program) takes no phonemes: it is
/// sent the alias, or the word as written with one warning per entry and
/// engine however many sentences say it. The tone depends on the text
/// alone, so an alias sounds exactly like the alias written in the script.
#[test]
fn an_engine_without_phonemes_gets_the_alias_or_the_word_and_one_warning() {
    let project = crate::command::fixture();
    project.edit(TOML, crate::command::GUEST, crate::command::GUEST_COMMAND);
    project.edit(
        A,
        "After the pause.",
        "After the pause.\n\nGuest: The guest again.",
    );
    project.build();

    pronounce(&project, "guest = { phonemes = \"ɡˈɛst\" }");
    let warned = project.build();
    assert_eq!(warned.executed("tts"), 0, "the word is sent as written");
    let warnings: Vec<_> = warned
        .warnings()
        .into_iter()
        .filter(|w| w.message.contains("takes no phonemes"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].message.contains("`command`"), "{warnings:?}");
    assert_eq!(
        (warnings[0].file.as_deref(), warnings[0].line),
        (Some(TOML), Some(line_of(&project, TOML, "guest =")))
    );

    project.edit(
        TOML,
        "phonemes = \"ɡˈɛst\"",
        "phonemes = \"ɡˈɛst\", alias = \"gest\"",
    );
    let aliased = project.build();
    assert_eq!(
        aliased.synthesised_texts(),
        texts(&["A gest line.", "The gest again."])
    );
    assert!(
        aliased
            .warnings()
            .iter()
            .all(|w| !w.message.contains("phonemes")),
        "{:?}",
        aliased.warnings()
    );
    let with_alias = aliased.outputs();

    // The alias spelled out in the script instead: the same episode, byte for byte.
    let spelled = crate::command::fixture();
    spelled.edit(TOML, crate::command::GUEST, crate::command::GUEST_COMMAND);
    spelled.edit(B, "A guest line.", "A gest line.");
    let direct = spelled.build().outputs();
    let b = ("b".to_string(), "wav".to_string());
    assert_eq!(with_alias[&b], direct[&b]);
}

/// What pod marks for espeak-ng is what espeak-ng reads back as the same
/// IPA: the program itself prints the phonemes it would say
/// (`espeak-ng --ipa`), an independent check of the mapping. (American
/// English: the en-us voice says a few sounds its own way, `ɒ` as `ɑː`,
/// `t` before a syllabic `n̩` as a flap.)
#[test]
fn espeak_ng_reads_back_the_ipa_pod_marks() {
    let engine = pod::engines::find("espeak-ng").unwrap();
    let cases = [
        ("ˈkiːpuː", "kˈiːpuː"),
        ("wˈɪn", "wˈɪn"),
        ("ˈtʃɜːtʃ", "tʃˈɜːtʃ"),
        ("ˈneɪm", "nˈeɪm"),
        ("ðə ˈθɪŋk", "ðə θˈɪŋk"),
        ("ˌʌndɪˈnaɪ", "ˌʌndɪnˈaɪ"),
        ("ˈɡoʊ", "ɡˈoʊ"),
        ("ˈhæpi", "hˈæpi"),
        ("ˈsʌmθɪŋ", "sˈʌmθɪŋ"),
        ("ˈʒaɪv", "ʒˈaɪv"),
        ("dʒˈæz", "dʒˈæz"),
    ];
    for (ipa, heard) in cases {
        let marked = engine.mark_phonemes("word", ipa).unwrap().unwrap();
        let mut child = std::process::Command::new("espeak-ng")
            .args(["-q", "--ipa", "-v", "en-us", "--stdin"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("espeak-ng is needed by this test (`bash scripts/test` installs it)");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(marked.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        let said = String::from_utf8(output.stdout).unwrap();
        assert_eq!(said.trim(), heard, "{ipa} marked as {marked}");
    }
}
