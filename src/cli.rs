//! Command-line definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    /// Show what a build would do and why, without doing it
    Status(StatusArgs),
    /// Rebuild whenever podcast.toml or a script changes
    Watch(WatchArgs),
    /// Remove the target directory, or a selection of the cache and outputs
    Clean(CleanArgs),
    /// Inspect and check the cache
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Create a new project, ready to build, in a new directory
    New(NewArgs),
    /// Print shell completions for pod
    Completions(CompletionsArgs),
    /// Print pod's man page (roff), or write one page per command
    Man(ManArgs),
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

/// The shared remote cache (`[cache] remote` in podcast.toml otherwise).
#[derive(Debug, Args)]
pub struct RemoteArgs {
    /// Shared remote cache URL, over `[cache] remote`
    #[arg(
        long,
        value_name = "URL",
        env = "POD_REMOTE_CACHE",
        conflicts_with = "no_remote"
    )]
    pub remote: Option<String>,
    /// Use no remote cache, whatever podcast.toml or POD_REMOTE_CACHE say
    #[arg(long)]
    pub no_remote: bool,
    /// Read from the remote cache, never write to it (untrusted builds)
    #[arg(long)]
    pub remote_read_only: bool,
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
    /// Episode ids (file stems) or globs over them to build; all when none are given
    #[arg(value_name = "EPISODE")]
    pub episodes: Vec<String>,
    /// Only the episodes whose id this glob matches (`-e 'ep*'`); repeatable
    #[arg(short, long = "episode", value_name = "GLOB")]
    pub episode_globs: Vec<String>,
    /// Number of parallel jobs (default: the number of CPUs)
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Say why each executed step runs (what changed since the last build)
    #[arg(long)]
    pub explain: bool,
    /// Run nothing and write nothing: show what would run and why (as `pod status`)
    #[arg(long)]
    pub dry_run: bool,
    /// Send engines more characters than their `max_characters` allows
    #[arg(long)]
    pub allow_spend: bool,
    /// Build only the K-th of N stable shares of the episodes (by episode
    /// id), so N CI runners can split the work
    #[arg(long, value_name = "K/N")]
    pub partition: Option<Partition>,
    #[command(flatten)]
    pub remote: RemoteArgs,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// How to report progress and results
    #[arg(long, value_enum, default_value = "human", value_name = "FMT")]
    pub message_format: MessageFormat,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Episode ids or globs over them to look at; all when none are given
    #[arg(value_name = "EPISODE")]
    pub episodes: Vec<String>,
    /// Only the episodes whose id this glob matches (`-e 'ep*'`); repeatable
    #[arg(short, long = "episode", value_name = "GLOB")]
    pub episode_globs: Vec<String>,
    /// Exit with 1 when a build would run anything or write any output
    /// (as `git diff --exit-code`), for CI checks
    #[arg(long)]
    pub exit_code: bool,
    /// Look only at the K-th of N shares of the episodes (see `build --partition`)
    #[arg(long, value_name = "K/N")]
    pub partition: Option<Partition>,
    #[command(flatten)]
    pub project: ProjectArgs,
    #[arg(long, value_enum, default_value = "human", value_name = "FMT")]
    pub message_format: MessageFormat,
    #[command(flatten)]
    pub output: OutputArgs,
}

impl BuildArgs {
    /// The positional ids and `-e` globs together.
    pub fn selection(&self) -> Vec<String> {
        selection(&self.episodes, &self.episode_globs)
    }
}

impl StatusArgs {
    /// The positional ids and `-e` globs together.
    pub fn selection(&self) -> Vec<String> {
        selection(&self.episodes, &self.episode_globs)
    }
}

fn selection(ids: &[String], globs: &[String]) -> Vec<String> {
    ids.iter().chain(globs).cloned().collect()
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Episode ids to build; all when none are given
    #[arg(value_name = "EPISODE")]
    pub episodes: Vec<String>,
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Say why each executed step runs
    #[arg(long)]
    pub explain: bool,
    /// Send engines more characters than their `max_characters` allows
    #[arg(long)]
    pub allow_spend: bool,
    /// Quiet time after a save before rebuilding, in milliseconds
    #[arg(long, value_name = "MS", default_value_t = 200)]
    pub debounce_ms: u64,
    #[command(flatten)]
    pub remote: RemoteArgs,
    #[command(flatten)]
    pub project: ProjectArgs,
    #[arg(long, value_enum, default_value = "human", value_name = "FMT")]
    pub message_format: MessageFormat,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Remove the cache (with no other filter: all of it)
    #[arg(long)]
    pub cache: bool,
    /// Remove published outputs (with --episode: only those episodes')
    #[arg(long)]
    pub outputs: bool,
    /// Only these episodes: their outputs and the cache entries only they reach
    #[arg(short, long = "episode", value_name = "GLOB")]
    pub episodes: Vec<String>,
    /// Only cache entries of this step kind (e.g. `tts` drops all synthesised speech)
    #[arg(long = "step", value_name = "KIND",
          value_parser = clap::builder::PossibleValuesParser::new(crate::steps::KINDS))]
    pub steps: Vec<String>,
    /// Only cache entries not used for this long (`30d`, `12h`, `90m`)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub older_than: Option<u64>,
    /// Only cache entries the current project no longer reaches, and outputs of episodes or formats it no longer has
    #[arg(long)]
    pub unreferenced: bool,
    /// Delete nothing; show a table of what would be removed
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation on a terminal
    #[arg(short, long)]
    pub yes: bool,
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Directory to create (or an empty one to fill); its name titles the show
    #[arg(value_name = "NAME")]
    pub path: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write pod.1 and a page per command (pod-build.1, ...) into this directory
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Entries and bytes per step kind, references, hit rates, characters per engine
    Stats(CacheStatsArgs),
    /// Every cache entry: kind, size, hits, last use, and what it belongs to
    Ls(CacheLsArgs),
    /// Re-hash every blob; report corrupt and missing ones
    Verify(CacheVerifyArgs),
}

#[derive(Debug, Args)]
pub struct CacheStatsArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LsSort {
    Size,
    LastUsed,
    Hits,
}

#[derive(Debug, Args)]
pub struct CacheLsArgs {
    /// Largest, most recently used or most hit first
    #[arg(long, value_enum)]
    pub sort: Option<LsSort>,
    /// Print JSON lines instead of a table
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Debug, Args)]
pub struct CacheVerifyArgs {
    /// Remove corrupt blobs and entries whose blob is missing
    #[arg(long)]
    pub fix: bool,
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `30d`, `12h`, `90m`, `45s`, `2w` -> seconds.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let number: u64 = text[..split]
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 30d, 12h or 90m"))?;
    let unit = match &text[split..] {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => {
            return Err(format!(
                "`{text}` is not a duration such as 30d, 12h or 90m"
            ));
        }
    };
    number
        .checked_mul(unit)
        .ok_or_else(|| format!("`{text}` is too long"))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30d"), Ok(30 * 86_400));
        assert_eq!(parse_duration("12h"), Ok(43_200));
        assert_eq!(parse_duration("90m"), Ok(5_400));
        assert!(parse_duration("12").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("-3d").is_err());
    }
}

/// `--partition K/N`: the K-th (1-based) of N shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub index: u32,
    pub count: u32,
}

impl std::str::FromStr for Partition {
    type Err = String;

    fn from_str(text: &str) -> Result<Partition, String> {
        let bad = || format!("`{text}` is not a partition: write K/N with 1 <= K <= N, as in 2/3");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            k.trim().parse::<u32>().map_err(|_| bad())?,
            n.trim().parse::<u32>().map_err(|_| bad())?,
        );
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Partition { index, count })
    }
}

impl Partition {
    /// Whether an episode falls in this share: by a hash of its id, so the
    /// shares stay put as episodes come and go.
    pub fn holds(&self, episode: &str) -> bool {
        let hash = blake3::hash(episode.as_bytes());
        let n = u64::from_le_bytes(hash.as_bytes()[..8].try_into().expect("8 bytes"));
        n % u64::from(self.count) == u64::from(self.index - 1)
    }
}

#[cfg(test)]
mod partition_tests {
    use super::Partition;

    #[test]
    fn shares_cover_every_episode_once() {
        let ids: Vec<String> = (0..200).map(|i| format!("ep{i}")).collect();
        let shares: Vec<Partition> = (1..=3).map(|k| format!("{k}/3").parse().unwrap()).collect();
        for id in &ids {
            assert_eq!(shares.iter().filter(|p| p.holds(id)).count(), 1, "{id}");
        }
        // Roughly even.
        for share in &shares {
            let n = ids.iter().filter(|id| share.holds(id)).count();
            assert!((40..=95).contains(&n), "{share:?}: {n}");
        }
        for bad in ["0/3", "4/3", "1", "a/b", "1/0", ""] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
    }
}
