//! DESIGN rule 8: pod reads only inside the project directory, after
//! following symlinks, unless `[build] allow_paths` widens it. A refusal is
//! an error at the place the path was written, exit 2, nothing on disk changed.

use tempfile::TempDir;

use crate::common::{PNG, Project, write_tone};
use pod::message;

/// A directory beside the project, so outside it, and its name relative to
/// the project directory.
fn outside() -> (TempDir, String) {
    let dir = TempDir::new().unwrap();
    let name = dir.path().file_name().unwrap().to_str().unwrap();
    let relative = format!("../{name}");
    (dir, relative)
}

/// 1-based line and column of the first `needle` in a project file.
fn position(project: &Project, file: &str, needle: &str) -> (u64, u64) {
    let text = project.read(file);
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} in {file}"));
    let line = text[..offset].matches('\n').count() as u64 + 1;
    let line_start = text[..offset].rfind('\n').map_or(0, |n| n + 1);
    let column = text[line_start..offset].chars().count() as u64 + 1;
    (line, column)
}

/// Builds, expecting a refusal at `file`, `at` (line, column) whose message
/// contains `message`, and an unchanged target directory.
fn assert_refused(
    project: &Project,
    file: &str,
    at: (u64, u64),
    message: &str,
) -> message::Diagnostic {
    let before = project.target_snapshot();
    let build = project.build_with(&[]);
    assert_eq!(build.code(), 2, "stderr: {}", build.stderr());
    let error = build.errors()[0].clone();
    assert_eq!(
        (error.file.as_deref(), error.line, error.column),
        (Some(file), Some(at.0), Some(at.1)),
        "{error:?}"
    );
    let text = error.message.as_str();
    assert!(text.contains(message), "{error:?}");
    assert!(text.contains("outside the project directory"), "{error:?}");
    assert!(
        error.help.as_deref().unwrap().contains("allow_paths"),
        "{error:?}"
    );
    assert_eq!(
        project.target_snapshot(),
        before,
        "a refused build changes nothing on disk"
    );
    error
}

#[test]
fn an_episode_glob_cannot_reach_the_runners_files() {
    // The issue's attack: with a transcript format, /etc/hosts was published verbatim.
    let project = Project::fixture();
    project.build();
    project.edit(
        "podcast.toml",
        r#"formats = ["wav"]"#,
        r#"formats = ["wav", "transcript"]"#,
    );
    project.edit(
        "podcast.toml",
        r#"episodes = ["episodes/*.md"]"#,
        r#"episodes = ["../../../../etc/host*"]"#,
    );
    let at = position(&project, "podcast.toml", "\"../../../../etc");
    assert_refused(&project, "podcast.toml", at, "reaches `/etc`");
    assert!(!project.path("target/out/hosts.json").exists());
}

#[test]
fn an_absolute_episode_path_is_refused() {
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        r#"episodes = ["episodes/*.md"]"#,
        r#"episodes = ["episodes/*.md", "/etc/hosts"]"#,
    );
    let at = position(&project, "podcast.toml", "\"/etc/hosts");
    assert_refused(&project, "podcast.toml", at, "`/etc/hosts`");
    assert!(!project.path("target").exists());
}

#[cfg(unix)]
#[test]
fn a_symlink_inside_the_project_pointing_outside_is_refused() {
    let (dir, _) = outside();
    std::fs::write(dir.path().join("secret.md"), "The runner's secret.\n").unwrap();
    let project = Project::fixture();
    std::os::unix::fs::symlink(
        dir.path().join("secret.md"),
        project.path("episodes/evil.md"),
    )
    .unwrap();
    let at = position(&project, "podcast.toml", "\"episodes/*.md");
    assert_refused(&project, "podcast.toml", at, "resolves to");

    // Cover art behind a symlink, likewise, at its own line.
    std::fs::remove_file(project.path("episodes/evil.md")).unwrap();
    std::fs::write(dir.path().join("cover.png"), PNG).unwrap();
    std::fs::create_dir_all(project.path("media")).unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("cover.png"),
        project.path("media/cover.png"),
    )
    .unwrap();
    project.edit(
        "podcast.toml",
        "episodes = [",
        "cover = \"media/cover.png\"\nepisodes = [",
    );
    let at = position(&project, "podcast.toml", "\"media/cover.png");
    assert_refused(&project, "podcast.toml", at, "media/cover.png");
}

#[test]
fn media_outside_the_project_is_refused_where_it_is_named() {
    let (dir, relative) = outside();
    write_tone(&dir.path().join("bed.wav"), 1.0, 22050, 0.2);
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        "[output]",
        &format!("[music]\nfile = \"{relative}/bed.wav\"\n\n[output]"),
    );
    let at = position(&project, "podcast.toml", &format!("\"{relative}/bed.wav"));
    assert_refused(&project, "podcast.toml", at, "bed.wav");

    // A `[sound]` in a script: located in the script. (Relative to the
    // script, which is one level down.)
    let project = Project::fixture();
    project.edit(
        "episodes/a.md",
        "Short one.",
        &format!("Short one. [sound ../{relative}/bed.wav]"),
    );
    let at = position(&project, "episodes/a.md", "[sound");
    assert_refused(&project, "episodes/a.md", at, "bed.wav");
}

#[test]
fn allow_paths_widens_the_project() {
    let (dir, relative) = outside();
    write_tone(&dir.path().join("bed.wav"), 1.0, 22050, 0.2);
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        "[output]",
        &format!(
            "[music]\nfile = \"{relative}/bed.wav\"\n\n[build]\nallow_paths = [\"{relative}\"]\n\n[output]"
        ),
    );
    let build = project.build();
    assert_eq!(build.executed("mix"), 2);

    // An allowed directory that does not exist is a located error.
    project.edit(
        "podcast.toml",
        &format!("allow_paths = [\"{relative}\"]"),
        &format!("allow_paths = [\"{relative}\", \"../no-such-dir\"]"),
    );
    let before = project.target_snapshot();
    let build = project.build_with(&[]);
    assert_eq!(build.code(), 2);
    let error = &build.errors()[0];
    let at = position(&project, "podcast.toml", "\"../no-such-dir");
    assert_eq!(
        (error.line, error.column),
        (Some(at.0), Some(at.1)),
        "{error:?}"
    );
    assert!(error.message.as_str().contains("build.allow_paths"));
    assert_eq!(project.target_snapshot(), before);
}
