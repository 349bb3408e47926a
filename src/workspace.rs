//! The project as loaded: podcast.toml and its scripts held as salsa inputs.
//! `reload` re-reads the files and touches only the inputs whose bytes
//! changed, so salsa re-plans only what an edit reached.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use salsa::Setter;

use crate::config;
use crate::config::{Config, LexiconFiles, VoiceLayer};
use crate::confinement::Confinement;
use crate::diagnostic::Diagnostic;
use crate::engines::Written;
use crate::engines::files::{self, FileUse, Probe, ProbedFiles, Refusal};
use crate::paths;
use crate::plan::{self, EpisodePlan, PlanDb, ProjectInput, ScriptInput};
use crate::project;
use crate::show::ShowPlan;

pub struct Workspace {
    pub manifest: PathBuf,
    pub root: PathBuf,
    db: PlanDb,
    project: ProjectInput,
    /// Every script the episode globs match, in path order.
    scripts: BTreeMap<PathBuf, ScriptInput>,
}

/// The planned project: every selected episode, and what planning warned about.
pub struct Planned {
    pub episodes: Vec<Arc<EpisodePlan>>,
    pub warnings: Vec<Diagnostic>,
    /// The show stage (the feed): only when every episode is planned.
    pub show: Option<Arc<ShowPlan>>,
}

impl Workspace {
    /// Finds and reads the project. Config errors surface from `config` and `plan`.
    pub fn load(manifest_path: Option<&Path>) -> Result<Workspace, Diagnostic> {
        let manifest = project::locate_manifest(manifest_path)?;
        let text = project::read_manifest(&manifest)?;
        let root = manifest.parent().unwrap_or(Path::new(".")).to_path_buf();
        let db = PlanDb::default();
        // Engine versions are probed once the scripts are read, below.
        let project = ProjectInput::new(
            &db,
            paths::display(&manifest).into(),
            text,
            BTreeMap::new(),
            ProbedFiles::new(),
            LexiconFiles::new(),
        );
        let mut workspace = Workspace {
            manifest,
            root,
            db,
            project,
            scripts: BTreeMap::new(),
        };
        workspace.reload_scripts()?;
        workspace.probe_engines();
        workspace.probe_files();
        workspace.read_lexicons();
        Ok(workspace)
    }

    /// Re-reads podcast.toml and the scripts. Returns whether anything changed.
    pub fn reload(&mut self) -> Result<bool, Diagnostic> {
        let text = project::read_manifest(&self.manifest)?;
        let mut changed = false;
        if **self.project.text(&self.db) != *text {
            self.project.set_text(&mut self.db).to(text);
            changed = true;
        }
        let scripts_changed = self.reload_scripts()?;
        // Probed again for every build: an upgraded program re-keys its
        // voices' sentences without a restart of `pod watch`.
        let versions_changed = self.probe_engines();
        // Read again for every build too: new bytes in a model re-key its voices.
        let files_changed = self.probe_files();
        let lexicons_changed = self.read_lexicons();
        Ok(scripts_changed || versions_changed || files_changed || lexicons_changed || changed)
    }

    /// Sets the planning input of engine versions: the default engine's and
    /// that of every engine (and backend) a voice of the project uses
    /// (podcast.toml or front matter), so every voice planning resolves has
    /// its version, and no program runs, nor library loads, for an engine
    /// or backend the project does not use. Returns whether a version
    /// changed.
    fn probe_engines(&mut self) -> bool {
        let mut used = BTreeSet::from([crate::engines::DEFAULT.to_string()]);
        if let Ok(config) = plan::config(&self.db, self.project) {
            let mut layers = config::merged_voices(config, None);
            for script in self.scripts.values() {
                if let Ok(parsed) = plan::parsed_script(&self.db, *script) {
                    layers.extend(config::merged_voices(config, Some(&parsed.front)));
                }
            }
            used.extend(layers.iter().map(VoiceLayer::version_key));
        }
        let versions = crate::engines::probe_versions(&used);
        if *self.project.engine_versions(&self.db) == versions {
            return false;
        }
        self.project.set_engine_versions(&mut self.db).to(versions);
        true
    }

    /// Sets the planning input of voice files: reads, hashes and checks
    /// every file a voice setting of the project names (podcast.toml or
    /// front matter), relative to the project root and only inside the
    /// project (DESIGN.md rule 8), and every program a `command` names, so
    /// planning finds each by the path as written without reading it.
    /// Returns whether anything changed.
    fn probe_files(&mut self) -> bool {
        let Ok(config) = plan::config(&self.db, self.project) else {
            // Planning reports the config error; nothing to read.
            return false;
        };
        let mut layers = config::merged_voices(config, None);
        for script in self.scripts.values() {
            if let Ok(parsed) = plan::parsed_script(&self.db, *script) {
                layers.extend(config::merged_voices(config, Some(&parsed.front)));
            }
        }
        let mut used = BTreeMap::new();
        for layer in &layers {
            let engine = layer
                .engine
                .as_ref()
                .map_or(crate::engines::DEFAULT, |e| e.value.as_str());
            for (key, setting) in &layer.settings {
                let (path, probe) = match (
                    &setting.value.value,
                    crate::engines::file_probe(engine, key),
                ) {
                    (Written::Text(path), Some(probe @ Probe::File { .. })) => (path, probe),
                    (Written::Words(words), Some(Probe::Program)) => match words.first() {
                        Some(program) => (program, Probe::Program),
                        None => continue,
                    },
                    _ => continue,
                };
                let used_file = FileUse {
                    engine: engine.to_string(),
                    key: key.clone(),
                    path: path.clone(),
                };
                used.insert(used_file, probe);
            }
        }
        // `[video] avatar_command` runs a program too: read like a voice's.
        let mut videos = vec![&config.video];
        for script in self.scripts.values() {
            if let Ok(parsed) = plan::parsed_script(&self.db, *script) {
                videos.push(&parsed.front.video);
            }
        }
        for command in videos.into_iter().filter_map(|v| v.avatar_command.as_ref()) {
            let used_program = FileUse {
                engine: "video".into(),
                key: crate::config::AVATAR_KEY.into(),
                path: command.value[0].clone(),
            };
            used.insert(used_program, Probe::Program);
        }
        let confinement = Confinement::new(&self.root, config).ok();
        let mut files = ProbedFiles::new();
        for (used, probe) in used {
            let probed = self.probe_file(&used, probe, confinement.as_ref());
            files.insert(used, probed);
        }
        if *self.project.voice_files(&self.db) == files {
            return false;
        }
        self.project.set_voice_files(&mut self.db).to(files);
        true
    }

    /// Reads one file or program a voice names (and a file's companion),
    /// inside the project unless it is a program found on PATH, which the
    /// build runs anyway.
    fn probe_file(
        &self,
        used: &FileUse,
        probe: Probe,
        confinement: Option<&Confinement>,
    ) -> Result<files::Probed, Refusal> {
        let (file, check, companion) = match probe {
            Probe::File { check, companion } => (self.root.join(&used.path), check, companion),
            Probe::Program => match crate::engines::program::for_command(&used.path, &self.root) {
                Some(program) if !used.path.contains('/') => {
                    let any = files::any_program;
                    return files::probe(&used.key, &used.path, &program, any, None);
                }
                Some(program) => (program, files::any_program as files::Check, None),
                None => {
                    return Err(Refusal {
                        message: format!(
                            "{} `{}`: no program of that name on PATH",
                            used.key, used.path
                        ),
                        help: Some(
                            "install it, or name it by its path from the project root \
                             (`./tts.sh`)"
                                .into(),
                        ),
                    });
                }
            },
        };
        let Some(confinement) = confinement else {
            // Planning reports why there is no confinement; read nothing.
            return Err(Refusal {
                message: format!("{} `{}` was not read", used.key, used.path),
                help: None,
            });
        };
        let companion_path = companion.map(|c| format!("{}{}", used.path, c.suffix));
        for path in std::iter::once(&used.path).chain(&companion_path) {
            confinement
                .check(&self.root.join(path))
                .map_err(|why| Refusal {
                    message: format!("{} `{path}` {why}", used.key),
                    help: Some(crate::confinement::HELP.into()),
                })?;
        }
        files::probe(&used.key, &used.path, &file, check, companion)
    }

    /// Sets the planning input of lexicon files: reads and parses every PLS
    /// file `[pronunciations] lexicons` names (podcast.toml or front
    /// matter), relative to the project root and only inside the project
    /// (DESIGN.md rule 8), so planning looks them up without reading.
    /// Returns whether anything changed.
    fn read_lexicons(&mut self) -> bool {
        let Ok(config) = plan::config(&self.db, self.project) else {
            return false;
        };
        let mut named: BTreeSet<String> = config
            .pronunciations
            .lexicons
            .iter()
            .map(|l| l.value.clone())
            .collect();
        for script in self.scripts.values() {
            if let Ok(parsed) = plan::parsed_script(&self.db, *script) {
                named.extend(
                    parsed
                        .front
                        .pronunciations
                        .lexicons
                        .iter()
                        .map(|l| l.value.clone()),
                );
            }
        }
        let confinement = Confinement::new(&self.root, config).ok();
        let lexicons: LexiconFiles = named
            .into_iter()
            .map(|path| {
                let read = self.read_lexicon(&path, confinement.as_ref());
                (path, read)
            })
            .collect();
        if *self.project.lexicon_files(&self.db) == lexicons {
            return false;
        }
        self.project.set_lexicon_files(&mut self.db).to(lexicons);
        true
    }

    /// One lexicon file's entries; a refusal of the path itself is left
    /// unlocated, for planning to place where the file is named.
    fn read_lexicon(
        &self,
        path: &str,
        confinement: Option<&Confinement>,
    ) -> Result<Arc<Vec<config::Sourced<crate::engines::pronounce::Entry>>>, Diagnostic> {
        let file = self.root.join(path);
        let Some(confinement) = confinement else {
            return Err(Diagnostic::error(format!("lexicon `{path}` was not read")));
        };
        confinement.check(&file).map_err(|why| {
            Diagnostic::error(format!("lexicon `{path}` {why}")).with_help(crate::confinement::HELP)
        })?;
        let bytes = std::fs::read(&file)
            .map_err(|e| Diagnostic::error(format!("cannot read lexicon `{path}`: {e}")))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Diagnostic::error(format!("lexicon `{path}` is not UTF-8 text")))?;
        let text: Arc<str> = crate::diagnostic::strip_bom(&text).into();
        config::parse_pls(Path::new(&paths::display(&file)), &text).map(Arc::new)
    }

    fn reload_scripts(&mut self) -> Result<bool, Diagnostic> {
        let Ok(config) = plan::config(&self.db, self.project) else {
            // Planning reports the config error; keep the scripts we had.
            return Ok(false);
        };
        let confinement = Confinement::new(&self.root, config)?;
        let files = project::episode_files(config, &self.root, &confinement)?;
        let mut changed = files.len() != self.scripts.len();
        let mut scripts = BTreeMap::new();
        for file in files {
            let bytes = std::fs::read(&file.path).map_err(|e| {
                Diagnostic::error(format!("cannot read `{}`: {e}", paths::display(&file.path)))
            })?;
            let input = match self.scripts.remove(&file.path) {
                Some(input) => {
                    if *input.bytes(&self.db) != bytes {
                        input.set_bytes(&mut self.db).to(bytes);
                        changed = true;
                    }
                    input
                }
                None => {
                    changed = true;
                    let display = paths::display(&file.path);
                    ScriptInput::new(&self.db, self.project, display.into(), file.id, bytes)
                }
            };
            scripts.insert(file.path, input);
        }
        changed |= !self.scripts.is_empty();
        self.scripts = scripts;
        Ok(changed)
    }

    pub fn config(&self) -> Result<&Config, Diagnostic> {
        plan::config(&self.db, self.project)
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Every file a change to which can change the build.
    pub fn watched_files(&self) -> Vec<PathBuf> {
        let voice_files = self
            .project
            .voice_files(&self.db)
            .keys()
            .map(|used| paths::absolute(&self.root.join(&used.path)));
        let lexicons = self
            .project
            .lexicon_files(&self.db)
            .keys()
            .map(|path| paths::absolute(&self.root.join(path)));
        std::iter::once(self.manifest.clone())
            .chain(self.scripts.keys().cloned())
            .chain(self.media_files())
            .chain(voice_files)
            .chain(lexicons)
            .collect()
    }

    /// The media files (music, intro, outro, sounds, cover) the project's
    /// episodes name, as absolute paths.
    pub fn media_files(&self) -> Vec<PathBuf> {
        let Ok(planned) = self.plan(&[]) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = planned
            .episodes
            .iter()
            .flat_map(|plan| crate::pipeline::media(plan))
            .map(|(path, _)| paths::absolute(&path))
            .collect();
        files.sort();
        files.dedup();
        files
    }

    /// All episode ids, in order.
    pub fn episode_ids(&self) -> Vec<String> {
        self.scripts
            .values()
            .map(|s| s.id(&self.db).clone())
            .collect()
    }

    /// The ids `patterns` select, in episode order (none when there are no
    /// patterns: the callers' "all"). A pattern is a glob over ids; an exact
    /// id selects itself. One that selects nothing is an error.
    pub fn select(&self, patterns: &[String]) -> Result<Vec<String>, Diagnostic> {
        let ids = self.episode_ids();
        let mut chosen = vec![false; ids.len()];
        for pattern in patterns {
            let mut hit = false;
            if let Some(i) = ids.iter().position(|id| id == pattern) {
                chosen[i] = true;
                hit = true;
            } else if crate::discovery::is_pattern(pattern) {
                let matcher = crate::discovery::id_matcher(pattern).map_err(|why| {
                    Diagnostic::error(format!("invalid episode pattern `{pattern}`: {why}"))
                })?;
                for (i, id) in ids.iter().enumerate() {
                    if matcher.is_match(id) {
                        chosen[i] = true;
                        hit = true;
                    }
                }
            }
            if !hit {
                return Err(no_episode(pattern, &ids));
            }
        }
        Ok(ids
            .into_iter()
            .zip(chosen)
            .filter_map(|(id, chosen)| chosen.then_some(id))
            .collect())
    }

    /// Plans the episodes named in `selected` (all when empty).
    pub fn plan(&self, selected: &[String]) -> Result<Planned, Vec<Diagnostic>> {
        let config = self.config().map_err(|e| vec![e])?;
        let confinement = Confinement::new(&self.root, config).map_err(|e| vec![e])?;
        let ids = self.episode_ids();
        if ids.is_empty() {
            // Loading refuses a pattern that matches nothing; kept for safety.
            return Err(vec![Diagnostic::error(
                "the project has no episodes: no file matches podcast.episodes",
            )]);
        }
        if let Some(name) = selected.iter().find(|name| !ids.contains(name)) {
            return Err(vec![no_episode(name, &ids)]);
        }
        let mut episodes = Vec::new();
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        for script in self.scripts.values() {
            if !selected.is_empty() && !selected.contains(script.id(&self.db)) {
                continue;
            }
            match plan::episode_plan(&self.db, *script) {
                Ok(plan) => {
                    // Episodes sharing a file outside the project: say it once.
                    for error in confinement.check_media(&crate::pipeline::media(plan)) {
                        if !errors.contains(&error) {
                            errors.push(error);
                        }
                    }
                    // Show-wide warnings (a pronunciation an engine cannot
                    // use) come from every episode: say each once.
                    for warning in &plan.warnings {
                        if !warnings.contains(warning) {
                            warnings.push(warning.clone());
                        }
                    }
                    episodes.push(plan.clone());
                }
                // A show-wide voice's file, refused for every episode: say it once.
                Err(error) if !errors.contains(error) => errors.push(error.clone()),
                Err(_) => {}
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        // The feed lists every episode: made only when all are built.
        let show = if ids
            .iter()
            .all(|id| selected.is_empty() || selected.contains(id))
        {
            self.show_plan(config, &episodes)?
        } else {
            None
        };
        Ok(Planned {
            episodes,
            warnings,
            show,
        })
    }

    fn show_plan(
        &self,
        config: &Config,
        episodes: &[Arc<EpisodePlan>],
    ) -> Result<Option<Arc<ShowPlan>>, Vec<Diagnostic>> {
        let today = time::OffsetDateTime::now_utc().date().to_string();
        let text = |plan: &EpisodePlan| {
            let script = self.scripts.values().find(|s| *s.id(&self.db) == plan.id)?;
            Some(Arc::from(
                String::from_utf8_lossy(script.bytes(&self.db)).as_ref(),
            ))
        };
        let show = ShowPlan::new(config, episodes, &today, text)?;
        if let Some(feed) = show.as_ref().and_then(|s| s.feed.as_ref()) {
            feed.check_image().map_err(|e| vec![e])?;
        }
        Ok(show.map(Arc::new))
    }

    /// The target directory for this project (see `project::target_dir`).
    pub fn target_dir(&self, explicit: Option<&Path>) -> PathBuf {
        project::target_dir(explicit, self.config().ok(), &self.root)
    }
}

/// An id or pattern that selects no episode, with the ids there are.
fn no_episode(pattern: &str, ids: &[String]) -> Diagnostic {
    const SHOWN: usize = 8;
    let mut listed = ids
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOWN {
        listed.push_str(&format!(" and {} more", ids.len() - SHOWN));
    }
    let list = format!("the episodes are: {listed}");
    if crate::discovery::is_pattern(pattern) {
        return Diagnostic::error(format!("no episode matches `{pattern}`")).with_help(list);
    }
    let diag = Diagnostic::error(format!("no episode named `{pattern}`"));
    match crate::diagnostic::did_you_mean(pattern, ids.iter().map(String::as_str)) {
        Some(best) => diag.with_help(format!("did you mean `{best}`?")),
        None => diag.with_help(list),
    }
}
