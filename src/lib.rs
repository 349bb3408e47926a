//! `pod`: a build system for spoken media. See DESIGN.md for the invariants.
//!
//! # Layers
//!
//! A module imports only from its own layer or the ones before it:
//!
//! 1. `diagnostic`, `message` (the JSON lines), `place`, `cache` (keys, store, index, gc), `audio`
//! 2. `step` (the trait) and `engines`
//! 3. `steps` (one file per kind; none imports `plan` or `config`, except
//!    `tts`, which an engine's voice settings reach)
//! 4. `config`, `script`, `project`, `confinement`, `media`
//! 5. `plan` (salsa queries -> step inputs), `workspace`
//! 6. `pipeline` (the walk, and its walkers: `probe` for status and the
//!    progress bar, `reach` for the cache's reachability)
//! 7. `explain`, `published`, `exec`, `report`
//! 8. `ops`, `cli`
//!
//! `python3 scripts/module-cycles` lists the cycles left among modules.
//! Known, and owned by the engines' move to plug-ins: `cache::store ->
//! engines` (an action record names its engine) and `engines <-> config`.
//! Also left: `project <-> confinement`, and `confinement`'s use of the
//! pipeline's list of media files.

pub mod audio;
pub mod cache;
pub mod cli;
pub mod config;
pub mod confinement;
pub mod diagnostic;
pub mod engines;
pub mod exec;
pub mod explain;
pub mod media;
pub mod message;
pub mod ops;
pub mod pipeline;
pub mod place;
pub mod plan;
pub mod project;
pub mod published;
pub mod report;
pub mod script;
pub mod step;
pub mod steps;
pub mod workspace;
