//! Re-plan time after a one-line edit in a 2,000-sentence project (20
//! episodes x 100 sentences), against planning it from scratch in the same
//! run. Target: a re-plan under 10 ms. Also the cold plan of one script of
//! 100,000 sentences against one of 10,000: planning is linear in the length
//! of a script when that ratio stays near 10 (target: 100,000 under 2 s).
//!
//!     cargo bench --bench replan

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use pod::workspace::Workspace;

const EPISODES: usize = 20;
const SENTENCES: usize = 100;
const WORDS: &[&str] = &[
    "build", "cache", "voice", "sentence", "episode", "podcast", "script", "audio", "chapter",
    "pause", "engine", "listener", "morning", "river", "signal", "quiet", "bright", "window",
    "garden", "number",
];

fn script(episode: usize, edited: usize) -> String {
    let mut text = format!("+++\ntitle = \"Episode {episode}\"\n+++\n\n# Part one\n\n");
    for s in 0..SENTENCES {
        let words: Vec<&str> = (0..8)
            .map(|w| WORDS[(episode * 7 + s * 3 + w * 5) % WORDS.len()])
            .collect();
        let marker = if s == 10 {
            format!(" edit {edited}")
        } else {
            String::new()
        };
        let _ = write!(
            text,
            "{}, {} {episode} {s}{marker}.",
            words[0],
            words[1..].join(" ")
        );
        text.push(if s % 5 == 4 { '\n' } else { ' ' });
        if s % 5 == 4 {
            text.push('\n');
        }
    }
    text
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let dir = tempfile::TempDir::new().unwrap();
    std::fs::create_dir_all(dir.path().join("episodes")).unwrap();
    std::fs::write(
        dir.path().join("podcast.toml"),
        "[podcast]\ntitle = \"Bench\"\nepisodes = [\"episodes/*.md\"]\n\n[voices.guest]\npitch = 40\n",
    )
    .unwrap();
    for e in 0..EPISODES {
        std::fs::write(
            dir.path().join(format!("episodes/ep{e:02}.md")),
            script(e, 0),
        )
        .unwrap();
    }
    let manifest = dir.path().join("podcast.toml");

    let mut cold = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let workspace = Workspace::load(Some(&manifest)).unwrap();
        let planned = workspace.plan(&[]).unwrap();
        cold.push(started.elapsed());
        assert_eq!(
            planned
                .episodes
                .iter()
                .map(|p| p.sentences.len())
                .sum::<usize>(),
            EPISODES * SENTENCES
        );
    }

    let mut workspace = Workspace::load(Some(&manifest)).unwrap();
    workspace.plan(&[]).unwrap();
    let mut replan = Vec::new();
    let mut plan_only = Vec::new();
    for round in 1..=25 {
        std::fs::write(dir.path().join("episodes/ep07.md"), script(7, round)).unwrap();
        let started = Instant::now();
        assert!(workspace.reload().unwrap());
        let reloaded = Instant::now();
        let planned = workspace.plan(&[]).unwrap();
        replan.push(started.elapsed());
        plan_only.push(reloaded.elapsed());
        assert_eq!(planned.episodes.len(), EPISODES);
    }

    let long_10k = plan_long_script(10_000);
    let long_100k = plan_long_script(100_000);

    let (cold, replan, plan_only) = (median(cold), median(replan), median(plan_only));
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("project: {EPISODES} episodes x {SENTENCES} sentences");
    println!("cold plan (load + plan):          {:8.2} ms", ms(cold));
    println!(
        "re-plan after a one-line edit:    {:8.2} ms  (ratio to cold: {:.3})",
        ms(replan),
        ms(replan) / ms(cold)
    );
    println!("  of which salsa planning:        {:8.2} ms", ms(plan_only));
    println!(
        "cold plan, one script of 10,000 sentences:  {:8.2} ms",
        ms(long_10k)
    );
    println!(
        "cold plan, one script of 100,000 sentences: {:8.2} ms  (ratio to 10,000: {:.1}; linear is 10)",
        ms(long_100k),
        ms(long_100k) / ms(long_10k)
    );
    println!(
        "100,000-sentence target (< 2 s): {}",
        if long_100k < Duration::from_secs(2) {
            "met"
        } else {
            "MISSED"
        }
    );
    println!(
        "re-plan target (< 10 ms): {}",
        if replan < Duration::from_millis(10) {
            "met"
        } else {
            "MISSED"
        }
    );
}

/// Load and plan a project of one script with `sentences` sentences, five to
/// a paragraph, a chapter every thousand.
fn plan_long_script(sentences: usize) -> Duration {
    let dir = tempfile::TempDir::new().unwrap();
    std::fs::create_dir_all(dir.path().join("episodes")).unwrap();
    std::fs::write(
        dir.path().join("podcast.toml"),
        "[podcast]\ntitle = \"Bench\"\nepisodes = [\"episodes/*.md\"]\n",
    )
    .unwrap();
    let mut text = String::from("+++\ntitle = \"Long\"\n+++\n\n");
    for s in 0..sentences {
        if s % 1000 == 0 {
            let _ = write!(text, "# Part {}\n\n", s / 1000);
        }
        let words: Vec<&str> = (0..8)
            .map(|w| WORDS[(s * 3 + w * 5) % WORDS.len()])
            .collect();
        let _ = write!(text, "{}, {} {s}.", words[0], words[1..].join(" "));
        text.push_str(if s % 5 == 4 { "\n\n" } else { " " });
    }
    std::fs::write(dir.path().join("episodes/long.md"), text).unwrap();
    let manifest = dir.path().join("podcast.toml");
    let started = Instant::now();
    let workspace = Workspace::load(Some(&manifest)).unwrap();
    let planned = workspace.plan(&[]).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(planned.episodes[0].sentences.len(), sentences);
    elapsed
}
