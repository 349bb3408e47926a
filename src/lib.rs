//! `pod`: a build system for spoken media. See DESIGN.md for the invariants.
//!
//! # Layers
//!
//! A module imports only from the layers before its own and, within a
//! layer, from the modules listed before it:
//!
//! 1. `diagnostic`, `message` (the JSON lines), `place`, `paths`, `cache`
//!    (keys, store, index, gc), `audio`, then `video` (drawing, H.264, the
//!    MP4 movie; it uses `audio`'s MP4 boxes): none imports anything else
//!    of pod
//! 2. `engines`, then `step` (the trait; a step's tools carry the engines)
//! 3. `config` (podcast.toml and front matter -> resolved settings; each
//!    engine checks its own voice settings)
//! 4. `steps` (one file per kind; none imports `plan`, and `config` only
//!    for resolved values a step's input holds: `tts` its `Voice` and
//!    `Pauses`, `mp3` its `Mp3Mode`, `feed` its `EpisodeType`)
//! 5. `script`; `media`, then `confinement` (given the files to check),
//!    then `discovery` (the files episode globs match, over a walk that
//!    honours `.gitignore`), then `project` (which finds the episodes
//!    within the confinement)
//! 6. `plan` (salsa queries -> step inputs), then `show` (the show-level
//!    stage: the feed, and the episodes it lists)
//! 7. `pipeline` (the walk, and its walkers: `probe` for status and the
//!    progress bar, `reach` for the cache's reachability), then `workspace`
//!    (which lists the media files to confine through `pipeline::media`)
//! 8. `report`, `explain`, `published`, then `exec`
//! 9. `cli`, then `ops`
//!
//! `python3 scripts/module-cycles` finds the import cycles among modules
//! and among these layers; none is left, and `.ci/run` fails on a new one.

pub mod audio;
pub mod cache;
pub mod cli;
pub mod config;
pub mod confinement;
pub mod diagnostic;
pub mod discovery;
pub mod engines;
pub mod exec;
pub mod explain;
pub mod media;
pub mod message;
pub mod ops;
pub mod paths;
pub mod pipeline;
pub mod place;
pub mod plan;
pub mod project;
pub mod published;
pub mod report;
pub mod script;
pub mod show;
pub mod step;
pub mod steps;
pub mod video;
pub mod workspace;
