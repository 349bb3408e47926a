//! Synthesis speed of the default engine, `hibari`, on one thread: starts it
//! once through pod's engine API and speaks every sentence of the demo
//! scripts (`examples/demo/*.md`) one after another. Prints the start-up
//! time (engine start, then the first call, which also loads the model and
//! the front end),
//! the audio produced, the synthesis time (wall, and the process's CPU time
//! from /proc/self/stat) and the real-time factor: audio seconds per
//! synthesis second. Target: at least 30x real time per core.
//! `cargo run --release --example hibari-speed` from the repository root;
//! `-- onnxruntime` times the ONNX Runtime backend instead of tract (the
//! library is found as a build finds it).

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use pod::engines::settings::Decimal;
use pod::engines::{SettingValue, VoiceSettings};

/// The demo scripts' spoken text, crudely: no front matter, headings,
/// comments, `[...]` markup or `Guest:` prefixes; split at sentence ends.
fn sentences(dir: &Path) -> Vec<String> {
    let mut paths: Vec<_> = fs::read_dir(dir)
        .expect("examples/demo (run from the repository root)")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let text = fs::read_to_string(&path).unwrap();
        let body = match text.strip_prefix("+++") {
            Some(rest) => rest.split_once("\n+++").map_or(rest, |(_, b)| b),
            None => &text,
        };
        for line in body.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') || line.starts_with("<!--") {
                continue;
            }
            let line = line.strip_prefix("Guest:").unwrap_or(line);
            let mut plain = String::new();
            let mut depth = 0;
            for c in line.chars() {
                match c {
                    '[' => depth += 1,
                    ']' => depth -= 1,
                    '*' | '_' | '`' => {}
                    _ if depth == 0 => plain.push(c),
                    _ => {}
                }
            }
            // A sentence ends at . ! or ? before a space and a capital.
            let chars: Vec<char> = plain.chars().collect();
            let mut current = String::new();
            for (i, &c) in chars.iter().enumerate() {
                current.push(c);
                let next = chars.get(i + 1..i + 3).unwrap_or(&[]);
                let ends = matches!(c, '.' | '!' | '?')
                    && (i + 1 == chars.len()
                        || (next.len() == 2 && next[0] == ' ' && next[1].is_uppercase()));
                if ends {
                    out.push(current.split_whitespace().collect::<Vec<_>>().join(" "));
                    current.clear();
                }
            }
            let rest = current.split_whitespace().collect::<Vec<_>>().join(" ");
            if !rest.is_empty() {
                out.push(rest);
            }
        }
    }
    out
}

/// This process's user + system CPU time (clock ticks of 1/100 s).
fn cpu_time() -> Duration {
    let stat = fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    // Fields 14 and 15 of the line (utime, stime); 12 and 13 after the name.
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

fn main() {
    let sentences = sentences(Path::new("examples/demo"));
    let mut voice = VoiceSettings::new();
    voice.insert("speed".into(), SettingValue::Decimal(Decimal(1.0)));
    let engine = pod::engines::find("hibari").expect("pod has hibari");

    let clock = Instant::now();
    let speaker = engine
        .start(&pod::engines::Setup {
            data_root: Path::new("/nonexistent"),
            project_root: Path::new("."),
            options: &Default::default(),
        })
        .unwrap();
    let backend = std::env::args().nth(1).unwrap_or_else(|| "tract".into());
    let mut route = pod::engines::Route::new();
    route.insert("backend".into(), backend.clone());
    let started = clock.elapsed();
    let first = speaker.speak(&voice, &route, &sentences[0]).unwrap();
    let first_call = clock.elapsed() - started;
    let first_audio = first.samples.len() as f64 / f64::from(first.sample_rate);

    // Every sentence, the first again included, with everything loaded.
    let (wall, cpu) = (Instant::now(), cpu_time());
    let mut audio = 0.0;
    for sentence in &sentences {
        let speech = speaker.speak(&voice, &route, sentence).unwrap();
        audio += speech.samples.len() as f64 / f64::from(speech.sample_rate);
    }
    let (wall, cpu) = (
        wall.elapsed().as_secs_f64(),
        (cpu_time() - cpu).as_secs_f64(),
    );

    println!("engine: hibari {}", engine.backend_version(&backend));
    println!("sentences: {} (examples/demo/*.md)", sentences.len());
    println!("start-up: {:.3} s", (started + first_call).as_secs_f64());
    println!("  engine start: {:.3} s", started.as_secs_f64());
    println!(
        "  first call (model and front end load + {first_audio:.2} s of audio): {:.3} s",
        first_call.as_secs_f64()
    );
    println!("audio produced: {audio:.2} s");
    println!("synthesis wall time, one thread: {wall:.3} s");
    println!("synthesis process CPU time (/proc/self/stat): {cpu:.2} s");
    println!("real-time factor (audio / wall): {:.1}x", audio / wall);
    println!("real-time factor (audio / CPU): {:.1}x", audio / cpu);
    let verdict = if audio / wall.max(cpu) >= 30.0 {
        "met"
    } else {
        "MISSED"
    };
    println!("target (>= 30x real time per core): {verdict}");
}
