//! Command-line definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::report::MessageFormat;

#[derive(Debug, Parser)]
#[command(
    name = "pod",
    version,
    about = "A build system for spoken media",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the episodes of the project (all of them, or those named)
    Build(BuildArgs),
    /// Remove the target directory, or only its cache or its outputs
    Clean(CleanArgs),
}

#[derive(Debug, Args)]
pub struct ProjectArgs {
    /// Path to podcast.toml (default: found in the current directory or an ancestor)
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Directory for the cache and the outputs [env: POD_TARGET_DIR]
    #[arg(long, value_name = "DIR")]
    pub target_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// No status lines, no warnings, no progress bar
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also show fresh steps and each synthesised sentence
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Episode ids (file stems) to build; all when none are given
    #[arg(value_name = "EPISODE")]
    pub episodes: Vec<String>,
    /// Number of parallel jobs (default: the number of CPUs)
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// How to report progress and results
    #[arg(long, value_enum, default_value = "human", value_name = "FMT")]
    pub message_format: MessageFormat,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Remove only the cache (synthesised speech and every intermediate)
    #[arg(long)]
    pub cache: bool,
    /// Remove only the published outputs
    #[arg(long)]
    pub outputs: bool,
    /// Delete nothing; say what would be removed
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}
