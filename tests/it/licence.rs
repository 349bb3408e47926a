//! The default `pod` binary links no GPL crate. The `espeak` feature adds
//! the GPL espeak-ng crate, which is how the check is seen to bite. LAME
//! (the MP3 encoder) is LGPL, linked statically: named here so that no
//! other LGPL crate slips in unseen (README, "Licences").

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// Every crate linked into the `pod` binary with `features`, by name, with
/// its licence expression: normal dependencies only (build scripts and
/// tests are not part of the binary), for this machine's platform.
fn linked_licences(features: &[&str]) -> BTreeMap<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let host = String::from_utf8(
        Command::new("rustc")
            .args(["--print", "host-tuple"])
            .output()
            .expect("rustc runs")
            .stdout,
    )
    .unwrap();
    let mut args = vec![
        "metadata",
        "--format-version",
        "1",
        "--locked",
        "--filter-platform",
        host.trim(),
        "--manifest-path",
        concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"),
    ];
    if !features.is_empty() {
        args.push("--features");
        args.extend(features);
    }
    let out = Command::new(cargo)
        .args(&args)
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages: BTreeMap<&str, &Value> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p))
        .collect();
    let nodes: BTreeMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let root = metadata["resolve"]["root"].as_str().unwrap();
    let mut seen = BTreeSet::new();
    let mut todo = vec![root];
    while let Some(id) = todo.pop() {
        if !seen.insert(id) {
            continue;
        }
        for dep in nodes[id]["deps"].as_array().unwrap() {
            let normal = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null());
            if normal {
                todo.push(dep["pkg"].as_str().unwrap());
            }
        }
    }
    seen.into_iter()
        .filter(|id| *id != root)
        .map(|id| {
            let package = packages[id];
            (
                format!(
                    "{} {}",
                    package["name"].as_str().unwrap(),
                    package["version"].as_str().unwrap()
                ),
                package["license"].as_str().unwrap_or("(none)").to_string(),
            )
        })
        .collect()
}

/// Crates whose every licence choice includes a licence starting `family`
/// (`GPL`, `AGPL`, `LGPL`): with `MIT OR GPL-2.0` one may take MIT.
fn bound_to(licences: &BTreeMap<String, String>, families: &[&str]) -> Vec<String> {
    let binding = |choice: &str| {
        choice
            .split(|c: char| c.is_whitespace() || "()/".contains(c))
            .any(|term| families.iter().any(|f| term.starts_with(f)))
    };
    licences
        .iter()
        .filter(|(_, licence)| licence.replace('/', " OR ").split(" OR ").all(binding))
        .map(|(name, licence)| format!("{name}: {licence}"))
        .collect()
}

#[test]
fn the_default_binary_links_no_gpl_crate() {
    let default = linked_licences(&[]);
    assert!(
        default.keys().any(|k| k.starts_with("tract-onnx ")),
        "the walk reached the voice's crates: {default:?}"
    );
    assert_eq!(bound_to(&default, &["GPL", "AGPL"]), Vec::<String>::new());
    let lesser: Vec<String> = bound_to(&default, &["LGPL"])
        .into_iter()
        .map(|c| c.split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(lesser, ["mp3lame-encoder", "mp3lame-sys"]);
    assert!(
        default.values().all(|l| l != "(none)"),
        "every crate states its licence"
    );

    let with_espeak = bound_to(&linked_licences(&["espeak"]), &["GPL", "AGPL"]);
    assert!(
        with_espeak.iter().any(|c| c.starts_with("espeak-ng ")),
        "{with_espeak:?}"
    );
}
