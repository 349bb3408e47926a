//! `[pronunciations]`: words said another way, written inline
//! (`"Khipu" = { alias = "Kee-poo" }`, `{ phonemes = "kˈipu", alphabet =
//! "ipa" }`) or in W3C PLS lexicon files (`lexicons = ["names.pls"]`). The
//! files are read before planning (`workspace`), so planning only looks
//! them up; front matter layers its entries over the show's.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use super::schema::RawPronunciations;
use super::source::{SourceText, Sourced};
use crate::diagnostic::{Diagnostic, Location};
use crate::engines::pronounce::Entry;

/// Keys an inline entry takes.
const ENTRY_KEYS: [&str; 4] = ["alias", "phonemes", "alphabet", "case_sensitive"];

/// One `[pronunciations]` table (podcast.toml or front matter).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PronunciationsLayer {
    /// Inline entries, in the table's key order.
    pub entries: Vec<Sourced<Entry>>,
    /// PLS files, relative to the project root, as written.
    pub lexicons: Vec<Sourced<String>>,
}

/// What reading each lexicon file found, by its path as written: its
/// entries, or why not (located in the file when the file is at fault,
/// unlocated when the path is: planning then points at where it is named).
pub type LexiconFiles = BTreeMap<String, Result<Arc<Vec<Sourced<Entry>>>, Diagnostic>>;

impl PronunciationsLayer {
    pub fn from_raw(
        raw: RawPronunciations,
        source: &SourceText,
    ) -> Result<PronunciationsLayer, Diagnostic> {
        let mut layer = PronunciationsLayer::default();
        for (key, value) in raw.0 {
            let key = source.sourced(key);
            let value = source.sourced(value);
            if key.value == "lexicons" {
                layer.lexicons = lexicon_paths(&value)?;
                continue;
            }
            layer.entries.push(inline_entry(&key, &value)?);
        }
        Ok(layer)
    }
}

fn lexicon_paths(value: &Sourced<toml::Value>) -> Result<Vec<Sourced<String>>, Diagnostic> {
    let bad = || {
        value.error("pronunciations.lexicons must be a list of file paths, such as [\"names.pls\"]")
    };
    let toml::Value::Array(items) = &value.value else {
        return Err(bad());
    };
    items
        .iter()
        .map(|item| match item {
            toml::Value::String(path) if !path.is_empty() => Ok(Sourced {
                value: path.clone(),
                location: value.location.clone(),
            }),
            _ => Err(bad()),
        })
        .collect()
}

fn inline_entry(
    word: &Sourced<String>,
    value: &Sourced<toml::Value>,
) -> Result<Sourced<Entry>, Diagnostic> {
    let toml::Value::Table(table) = &value.value else {
        let error = value.error(format!(
            "pronunciations.\"{}\" must be a table such as {{ alias = \"...\" }} or {{ phonemes = \"...\", alphabet = \"ipa\" }}",
            word.value
        ));
        // A list here is most likely a misspelt `lexicons`.
        return Err(match value.value {
            toml::Value::Array(_) => error.with_help("did you mean `lexicons`?"),
            _ => error,
        });
    };
    for key in table.keys() {
        if !ENTRY_KEYS.contains(&key.as_str()) {
            let help = match crate::diagnostic::did_you_mean(key, ENTRY_KEYS) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!(
                    "an entry takes {}",
                    ENTRY_KEYS.map(|k| format!("`{k}`")).join(", ")
                ),
            };
            return Err(value
                .error(format!(
                    "unknown key `{key}` in pronunciations.\"{}\"",
                    word.value
                ))
                .with_help(help));
        }
    }
    let text = |key: &str| -> Result<Option<String>, Diagnostic> {
        match table.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
            Some(_) => Err(value.error(format!(
                "pronunciations.\"{}\".{key} must be a non-empty string",
                word.value
            ))),
        }
    };
    let case_sensitive = match table.get("case_sensitive") {
        None => false,
        Some(toml::Value::Boolean(b)) => *b,
        Some(_) => {
            return Err(value.error(format!(
                "pronunciations.\"{}\".case_sensitive must be true or false",
                word.value
            )));
        }
    };
    let entry = Entry {
        grapheme: word.value.trim().to_string(),
        case_sensitive,
        alias: text("alias")?,
        phonemes: text("phonemes")?,
    };
    if let Some(alphabet) = text("alphabet")? {
        check_alphabet(&alphabet).map_err(|why| value.error(why))?;
    }
    check_entry(&entry).map_err(|why| value.error(why))?;
    Ok(Sourced {
        value: entry,
        location: word.location.clone(),
    })
}

fn check_alphabet(alphabet: &str) -> Result<(), String> {
    if alphabet.eq_ignore_ascii_case("ipa") {
        Ok(())
    } else {
        Err(format!(
            "phoneme alphabet `{alphabet}` is not one pod reads: write the phonemes in IPA (`alphabet = \"ipa\"`)"
        ))
    }
}

fn check_entry(entry: &Entry) -> Result<(), String> {
    let word = &entry.grapheme;
    if !word.chars().next().is_some_and(char::is_alphanumeric) {
        return Err(format!(
            "pronunciation `{word}` must start with a letter or digit: entries match whole words"
        ));
    }
    if entry.alias.is_none() && entry.phonemes.is_none() {
        return Err(format!(
            "pronunciation `{word}` needs an `alias` (text said instead) or `phonemes` (IPA), or both"
        ));
    }
    Ok(())
}

/// The entries one episode is built with, first ones winning: the
/// episode's inline entries, its lexicon files (a later file before an
/// earlier one), then the show's inline entries and files likewise.
pub fn resolve(
    show: &PronunciationsLayer,
    episode: &PronunciationsLayer,
    files: &LexiconFiles,
) -> Result<Vec<Sourced<Entry>>, Diagnostic> {
    let mut entries = Vec::new();
    for layer in [episode, show] {
        entries.extend(layer.entries.iter().cloned());
        for path in layer.lexicons.iter().rev() {
            match files.get(&path.value) {
                Some(Ok(file)) => entries.extend(file.iter().cloned()),
                Some(Err(error)) if error.location.is_some() => return Err(error.clone()),
                Some(Err(error)) => {
                    let mut refused = path.error(error.message.clone());
                    refused.help = error.help.clone();
                    return Err(refused);
                }
                None => {
                    return Err(path.error(format!("lexicon `{}` was not read", path.value)));
                }
            }
        }
    }
    Ok(entries)
}

/// The namespace of pod's one PLS extension: `pod:case-sensitive="true"` on
/// a `<lexeme>` (or on `<lexicon>`, for every lexeme that does not say).
pub const POD_PLS_NAMESPACE: &str = "urn:x-pod:pls";

/// The entries of a W3C PLS lexicon (`<lexicon alphabet="ipa">` holding
/// `<lexeme>`s of `<grapheme>`s and an `<alias>` and/or a `<phoneme>`),
/// each located at its grapheme. PLS has no attribute for case, so entries
/// match case-insensitively unless pod's `case-sensitive` attribute says
/// otherwise. Errors point at `file:line:column`.
pub fn parse_pls(file: &Path, text: &Arc<str>) -> Result<Vec<Sourced<Entry>>, Diagnostic> {
    let at = |range: Range<usize>| Location::new(file, text, range);
    let error = |range: Range<usize>, message: String| Diagnostic::error(message).at(at(range));
    let document = roxmltree::Document::parse(text).map_err(|e| {
        let offset = offset_of(text, e.pos().row, e.pos().col);
        // The location says where; roxmltree's own " at row:col" would say
        // it twice.
        let said = e.to_string();
        let why = said
            .strip_suffix(&format!(" at {}", e.pos()))
            .unwrap_or(&said);
        error(
            offset..offset,
            format!("not a readable pronunciation lexicon: {why}"),
        )
    })?;
    let root = document.root_element();
    if root.tag_name().name() != "lexicon" {
        return Err(error(
            root.range(),
            format!(
                "a pronunciation lexicon's root is <lexicon>, not <{}>",
                root.tag_name().name()
            ),
        ));
    }
    let lexicon_alphabet = root.attribute("alphabet").unwrap_or("ipa");
    let case_sensitive = |node: roxmltree::Node, default: bool| -> Result<bool, Diagnostic> {
        match node.attribute((POD_PLS_NAMESPACE, "case-sensitive")) {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(other) => Err(error(
                node.range(),
                format!("pod:case-sensitive=\"{other}\" must be \"true\" or \"false\""),
            )),
        }
    };
    let lexicon_case = case_sensitive(root, false)?;
    let mut entries = Vec::new();
    for lexeme in root.children().filter(roxmltree::Node::is_element) {
        match lexeme.tag_name().name() {
            "lexeme" => {}
            "meta" | "metadata" => continue,
            other => {
                return Err(error(
                    lexeme.range(),
                    format!("unexpected <{other}> in <lexicon>: expected <lexeme>"),
                ));
            }
        }
        let lexeme_case = case_sensitive(lexeme, lexicon_case)?;
        let mut graphemes = Vec::new();
        let mut alias = None;
        let mut phonemes = None;
        for child in lexeme.children().filter(roxmltree::Node::is_element) {
            let name = child.tag_name().name();
            let content = || -> Result<String, Diagnostic> {
                let content: String = child
                    .descendants()
                    .filter(|n| n.is_text())
                    .filter_map(|n| n.text())
                    .collect();
                let content = content.split_whitespace().collect::<Vec<_>>().join(" ");
                if content.is_empty() {
                    Err(error(child.range(), format!("<{name}> is empty")))
                } else {
                    Ok(content)
                }
            };
            match name {
                "grapheme" => graphemes.push((content()?, child.range())),
                // The first alias and phoneme are the preferred ones (PLS 4.6, 4.7).
                "alias" if alias.is_none() => alias = Some(content()?),
                "phoneme" if phonemes.is_none() => {
                    let alphabet = child.attribute("alphabet").unwrap_or(lexicon_alphabet);
                    check_alphabet(alphabet).map_err(|why| error(child.range(), why))?;
                    phonemes = Some(content()?);
                }
                "alias" | "phoneme" | "example" => {}
                other => {
                    return Err(error(
                        child.range(),
                        format!(
                            "unexpected <{other}> in <lexeme>: expected <grapheme>, <alias> or <phoneme>"
                        ),
                    ));
                }
            }
        }
        if graphemes.is_empty() {
            return Err(error(
                lexeme.range(),
                "a <lexeme> needs at least one <grapheme>".into(),
            ));
        }
        for (grapheme, range) in graphemes {
            let entry = Entry {
                grapheme,
                case_sensitive: lexeme_case,
                alias: alias.clone(),
                phonemes: phonemes.clone(),
            };
            check_entry(&entry).map_err(|why| error(range.clone(), why))?;
            entries.push(Sourced {
                value: entry,
                location: Some(at(range)),
            });
        }
    }
    Ok(entries)
}

/// The byte offset of 1-based `row` and `column` (in characters).
fn offset_of(text: &str, row: u32, col: u32) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(row.saturating_sub(1) as usize)
        .map(str::len)
        .sum();
    text[line_start..]
        .char_indices()
        .nth(col.saturating_sub(1) as usize)
        .map_or(text.len(), |(i, _)| line_start + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pls(body: &str) -> Result<Vec<Sourced<Entry>>, Diagnostic> {
        let text: Arc<str> = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <lexicon version=\"1.0\" xmlns=\"http://www.w3.org/2005/01/pronunciation-lexicon\" \
             alphabet=\"ipa\" xml:lang=\"en-US\">\n{body}\n</lexicon>\n"
        )
        .into();
        parse_pls(Path::new("names.pls"), &text)
    }

    fn values(entries: &[Sourced<Entry>]) -> Vec<(String, Option<String>, Option<String>)> {
        entries
            .iter()
            .map(|e| {
                let v = &e.value;
                (v.grapheme.clone(), v.alias.clone(), v.phonemes.clone())
            })
            .collect()
    }

    #[test]
    fn reads_graphemes_aliases_and_phonemes() {
        let entries = pls("  <lexeme>\n    <grapheme>Khipu</grapheme>\n    <grapheme>Quipu</grapheme>\n    \
             <phoneme>ˈkiːpuː</phoneme>\n  </lexeme>\n  <lexeme>\n    <grapheme>W3C</grapheme>\n    \
             <alias>World Wide Web Consortium</alias>\n    <example>The W3C.</example>\n  </lexeme>\n  \
             <lexeme><grapheme>Nguyen</grapheme><alias>Win</alias><phoneme alphabet=\"IPA\">wˈɪn</phoneme>\
             <phoneme>nˈuj</phoneme></lexeme>")
        .unwrap();
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            values(&entries),
            vec![
                ("Khipu".into(), None, some("ˈkiːpuː")),
                ("Quipu".into(), None, some("ˈkiːpuː")),
                ("W3C".into(), some("World Wide Web Consortium"), None),
                ("Nguyen".into(), some("Win"), some("wˈɪn")),
            ]
        );
        assert!(entries.iter().all(|e| !e.value.case_sensitive));
        let quipu = entries[1].location.as_ref().unwrap();
        assert_eq!((quipu.line, quipu.column), (5, 5));
    }

    #[test]
    fn malformed_xml_is_located() {
        let error = pls("  <lexeme>\n    <grapheme>Khipu</graphme>\n  </lexeme>").unwrap_err();
        let location = error.location.expect("located");
        assert_eq!(
            (location.line, location.column),
            (4, 20),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("not a readable"),
            "{}",
            error.message
        );
        // The position is the location's, not repeated in the words.
        assert!(!error.message.contains("4:20"), "{}", error.message);
    }

    #[test]
    fn lexemes_without_a_pronunciation_or_in_another_alphabet_are_refused() {
        let error = pls("<lexeme><grapheme>Khipu</grapheme></lexeme>").unwrap_err();
        assert!(
            error.message.contains("needs an `alias`"),
            "{}",
            error.message
        );
        assert_eq!(error.location.unwrap().line, 3);
        let error = pls("<lexeme><grapheme>Khipu</grapheme><phoneme alphabet=\"x-sampa\">ki:pu</phoneme></lexeme>")
            .unwrap_err();
        assert!(error.message.contains("x-sampa"), "{}", error.message);
        let error = pls("<lexeme><alias>Kee-poo</alias></lexeme>").unwrap_err();
        assert!(error.message.contains("<grapheme>"), "{}", error.message);
        let error =
            pls("<lexeme><grapheme>A</grapheme><spelling>x</spelling></lexeme>").unwrap_err();
        assert!(error.message.contains("<spelling>"), "{}", error.message);
    }

    #[test]
    fn pods_attribute_makes_a_lexeme_case_sensitive() {
        let text: Arc<str> = format!(
            "<lexicon version=\"1.0\" xmlns=\"http://www.w3.org/2005/01/pronunciation-lexicon\" \
             xmlns:pod=\"{POD_PLS_NAMESPACE}\" alphabet=\"ipa\">\n\
             <lexeme pod:case-sensitive=\"true\"><grapheme>US</grapheme><alias>U.S.</alias></lexeme>\n\
             <lexeme><grapheme>Khipu</grapheme><alias>Kee-poo</alias></lexeme>\n\
             </lexicon>"
        )
        .into();
        let entries = parse_pls(Path::new("x.pls"), &text).unwrap();
        let cases: Vec<bool> = entries.iter().map(|e| e.value.case_sensitive).collect();
        assert_eq!(cases, [true, false]);
        // On <lexicon>, for every lexeme that does not say otherwise.
        let every = text.replace("alphabet=", "pod:case-sensitive=\"true\" alphabet=");
        let every = every.replace(
            "pod:case-sensitive=\"true\"><grapheme>US",
            "pod:case-sensitive=\"false\"><grapheme>US",
        );
        let entries = parse_pls(Path::new("x.pls"), &every.into()).unwrap();
        let cases: Vec<bool> = entries.iter().map(|e| e.value.case_sensitive).collect();
        assert_eq!(cases, [false, true]);
        let wrong: Arc<str> = text.replace("\"true\"", "\"yes\"").into();
        let error = parse_pls(Path::new("x.pls"), &wrong).unwrap_err();
        assert!(
            error.message.contains("must be \"true\" or \"false\""),
            "{}",
            error.message
        );
        assert_eq!(error.location.unwrap().line, 2);
    }

    #[test]
    fn a_document_that_is_not_a_lexicon_is_refused() {
        let text: Arc<str> = "<speak>Hello</speak>".into();
        let error = parse_pls(Path::new("x.pls"), &text).unwrap_err();
        assert!(error.message.contains("<lexicon>"), "{}", error.message);
    }

    #[test]
    fn offsets_count_characters_within_the_line() {
        assert_eq!(offset_of("ab\nçd\n", 2, 2), 5);
        assert_eq!(offset_of("ab", 1, 1), 0);
        assert_eq!(offset_of("ab", 9, 9), 2);
    }

    fn layer(toml_text: &str) -> Result<PronunciationsLayer, Diagnostic> {
        let source = SourceText {
            file: "podcast.toml".into(),
            text: toml_text.into(),
            offset: 0,
        };
        let raw: RawPronunciations = toml::from_str(toml_text).unwrap();
        PronunciationsLayer::from_raw(raw, &source)
    }

    #[test]
    fn inline_entries_and_lexicon_paths() {
        let layer = layer(
            "lexicons = [\"names.pls\"]\n\"Khipu\" = { alias = \"Kee-poo\" }\n\
             US = { alias = \"U.S.\", case_sensitive = true }\n\
             Nguyen = { phonemes = \"wˈɪn\", alphabet = \"ipa\" }\n",
        )
        .unwrap();
        assert_eq!(layer.lexicons[0].value, "names.pls");
        let entries: Vec<&Entry> = layer.entries.iter().map(|e| &e.value).collect();
        assert_eq!(entries.len(), 3);
        let us = entries.iter().find(|e| e.grapheme == "US").unwrap();
        assert!(us.case_sensitive);
        let khipu = layer
            .entries
            .iter()
            .find(|e| e.value.grapheme == "Khipu")
            .unwrap();
        assert!(!khipu.value.case_sensitive);
        assert_eq!(khipu.location.as_ref().unwrap().line, 2);
    }

    #[test]
    fn bad_inline_entries_are_located_errors() {
        let error = layer("\"Khipu\" = { alais = \"Kee-poo\" }\n").unwrap_err();
        assert!(
            error.message.contains("unknown key `alais`"),
            "{}",
            error.message
        );
        assert_eq!(error.help.as_deref(), Some("did you mean `alias`?"));
        assert_eq!(error.location.unwrap().line, 1);
        assert!(layer("Khipu = \"Kee-poo\"\n").is_err());
        assert!(layer("Khipu = { case_sensitive = true }\n").is_err());
        assert!(layer("Khipu = { phonemes = \"ki:pu\", alphabet = \"x-sampa\" }\n").is_err());
        assert!(layer("\".NET\" = { alias = \"dot net\" }\n").is_err());
        assert!(layer("lexicons = \"names.pls\"\n").is_err());
        let error = layer("lexicon = [\"names.pls\"]\n").unwrap_err();
        assert_eq!(error.help.as_deref(), Some("did you mean `lexicons`?"));
    }

    #[test]
    fn the_episode_wins_then_later_files() {
        let show =
            layer("lexicons = [\"a.pls\", \"b.pls\"]\nKhipu = { alias = \"show\" }\n").unwrap();
        let episode = layer("Khipu = { alias = \"episode\" }\n").unwrap();
        let file = |alias: &str| {
            Ok(Arc::new(vec![Sourced::default_value(Entry {
                grapheme: "Quipu".into(),
                case_sensitive: false,
                alias: Some(alias.into()),
                phonemes: None,
            })]))
        };
        let files = LexiconFiles::from([("a.pls".into(), file("a")), ("b.pls".into(), file("b"))]);
        let aliases: Vec<String> = resolve(&show, &episode, &files)
            .unwrap()
            .into_iter()
            .map(|e| e.value.alias.unwrap())
            .collect();
        assert_eq!(aliases, ["episode", "show", "b", "a"]);
        let refused = LexiconFiles::from([
            ("a.pls".into(), file("a")),
            (
                "b.pls".into(),
                Err(Diagnostic::error("lexicon `b.pls` is outside")),
            ),
        ]);
        let error = resolve(&show, &episode, &refused).unwrap_err();
        assert_eq!(error.location.unwrap().line, 1, "located where it is named");
    }
}
