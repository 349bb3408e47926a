//! `[video] avatar_command`: an external program makes each chapter's
//! background video. The program here is a shell script that has ffmpeg
//! (libx264, with B-frames, and the chapter's audio muxed in, as talking-
//! head tools write it) turn the cover into a video as long as the audio it
//! is given. ffmpeg then judges pod's MP4: the avatar's colour is where the
//! background was.

use std::os::unix::fs::PermissionsExt;

use crate::common::Project;
use crate::mutation::same_as_clean;
use crate::video::{frame_at, video_fixture, write_png};

const AVATAR_SH: &str = r#"#!/bin/sh
# avatar.sh IMAGE AUDIO OUTPUT WIDTH HEIGHT FPS
set -e
seconds=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$2")
echo "$seconds" >> avatar.log
ffmpeg -v error -y -loop 1 -framerate "$6" -i "$1" -i "$2" -map 0:v -map 1:a \
    -vf "scale=$4:$5,format=yuv420p" -c:v libx264 -c:a aac -shortest "$3"
"#;

/// The video fixture with a red cover animated by `avatar.sh`.
fn avatar_fixture() -> Project {
    let project = video_fixture("[\"mp4\"]");
    write_png(&project.path("media/face.png"), 64, 36, [255, 0, 0]);
    project.write("avatar.sh", AVATAR_SH);
    std::fs::set_permissions(
        project.path("avatar.sh"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    project.edit(
        "podcast.toml",
        "chapter_cards = false",
        "chapter_cards = false\ncover = \"media/face.png\"\n\
         avatar_command = [\"./avatar.sh\", \"{image}\", \"{audio}\", \"{output}\", \
         \"{width}\", \"{height}\", \"{fps}\"]",
    );
    project
}

/// Every error and help the build reported, in one string.
fn said(build: &crate::common::Build) -> String {
    build
        .errors()
        .iter()
        .map(|e| format!("{} {}", e.message, e.help.as_deref().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn runs(project: &Project) -> Vec<f64> {
    project
        .read("avatar.log")
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect()
}

#[test]
fn the_avatar_is_each_chapters_background_and_runs_only_when_its_inputs_change() {
    let project = avatar_fixture();
    let build = project.build();
    // a.md has two chapters, b.md one: one run each, each given its
    // chapter's speech.
    assert_eq!(build.executed("avatar"), 3);
    let heard = runs(&project);
    assert_eq!(heard.len(), 3);
    assert!(heard.iter().all(|&s| s > 0.3), "{heard:?}");
    // The top left corner is background: black without an avatar, the
    // red cover's video with one (the cover itself is not drawn on top).
    let video = project.path("target/out/a.mp4");
    for at in [0.3, 2.0] {
        let frame = frame_at(&video, at, 192);
        let [r, g, b] = frame[3][3];
        assert!(r > 180 && g < 80 && b < 80, "at {at} s: {:?}", frame[3][3]);
    }

    // Nothing changed: nothing runs.
    let again = project.build();
    assert_eq!(again.executed("avatar"), 0);
    assert_eq!(again.executed("video-segment"), 0);

    // A caption colour re-renders the segments over the cached avatars.
    project.edit(
        "podcast.toml",
        "chapter_cards = false",
        "chapter_cards = false\ncaption_color = \"#ffff00\"",
    );
    let recoloured = project.build();
    assert_eq!(recoloured.executed("avatar"), 0);
    assert_eq!(recoloured.executed("video-segment"), 3);

    // A sentence edit in a.md's second chapter: that chapter's avatar only.
    project.edit("episodes/a.md", "After the pause.", "After the long pause.");
    let edited = project.build();
    assert_eq!(edited.executed("avatar"), 1);
    assert_eq!(edited.executed("video-segment"), 1);
    same_as_clean(&project, &edited).unwrap();

    // A new program is a new key, even under the same name.
    let script = project.read("avatar.sh");
    project.write("avatar.sh", &format!("{script}# another version\n"));
    assert_eq!(project.build().executed("avatar"), 3);
}

/// Two headings in a row make a chapter of no length: its avatar step runs
/// no program, and status counts the steps the build runs.
#[test]
fn an_empty_chapter_runs_no_avatar_program() {
    let project = avatar_fixture();
    project.edit(
        "episodes/a.md",
        "# Part two",
        "# Nothing here\n\n# Part two",
    );
    let build = project.build();
    assert_eq!(build.executed("avatar"), 4);
    assert_eq!(runs(&project).len(), 3, "the empty chapter ran the program");
    // Its segment has no frame: every frame but the last lasts at least a
    // frame (no sliver for the chapter of no length), ffmpeg reads the
    // video without a warning, and it lasts as long as the audio.
    let mp4 = project.path("target/out/a.mp4");
    crate::video::assert_clean_frames(&mp4, 44_100 / 10);
}

#[test]
fn avatar_failures_name_the_program_and_cache_nothing() {
    let project = avatar_fixture();
    project.write("avatar.sh", "#!/bin/sh\necho 'no face found' >&2\nexit 3\n");
    let failed = project.build_with(&[]);
    assert_eq!(failed.code(), 1);
    let reported = said(&failed);
    assert!(reported.contains("video.avatar_command"), "{reported}");
    assert!(reported.contains("`./avatar.sh` failed"), "{reported}");
    assert!(reported.contains("no face found"), "{reported}");

    // A program that writes something other than a video.
    project.write("avatar.sh", "#!/bin/sh\necho hello > \"$3\"\n");
    let garbage = project.build_with(&[]);
    assert_eq!(garbage.code(), 1);
    assert!(
        said(&garbage).contains("must be an MP4 with H.264 video"),
        "{}",
        said(&garbage)
    );
    assert!(!project.path("target/out/a.mp4").exists());

    // Fixed, it builds; nothing bad was cached.
    project.write("avatar.sh", AVATAR_SH);
    assert_eq!(project.build().executed("avatar"), 3);
}

#[test]
fn bad_avatar_commands_are_located_errors() {
    let project = avatar_fixture();
    for (command, says) in [
        ("[]", "is empty"),
        (
            "[\"./avatar.sh\", \"{imagee}\", \"{output}\"]",
            "did you mean {image}?",
        ),
        ("[\"./avatar.sh\", \"{image}\"]", "has no {output}"),
        (
            "[\"no-such-avatar-program\", \"{output}\"]",
            "no program of that name on PATH",
        ),
    ] {
        let copy = Project::copy_of(&project);
        let text = copy.read("podcast.toml");
        let start = text.find("avatar_command = ").unwrap();
        let end = start + text[start..].find('\n').unwrap();
        copy.write(
            "podcast.toml",
            &format!(
                "{}avatar_command = {command}{}",
                &text[..start],
                &text[end..]
            ),
        );
        let build = copy.build_with(&[]);
        assert_eq!(build.code(), 2, "{command}: {}", said(&build));
        let errors = build.errors();
        let error = errors.first().expect("an error");
        assert!(error.message.contains(says), "{command}: {error:?}");
        assert_eq!(error.file.as_deref(), Some("podcast.toml"), "{command}");
        let avatar_line = copy
            .read("podcast.toml")
            .lines()
            .position(|l| l.starts_with("avatar_command"))
            .unwrap() as u64
            + 1;
        assert_eq!(error.line, Some(avatar_line), "{command}: {error:?}");
    }
}
