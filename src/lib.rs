//! `pod`: a build system for spoken media. See DESIGN.md for the invariants.

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
