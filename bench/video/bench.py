#!/usr/bin/env python3
"""Video benchmarks: pod's mp4 against ffmpeg, in the same run (ratios only).

1. Still cover, 10-minute episode: pod's video-only incremental build (m4a
   cached, then formats += mp4) vs ffmpeg -loop 1 + libx264 -tune stillimage
   on pod's own m4a. Target: pod 50x faster.
2. Waveform, 10 minutes, 1280x720 at 30 fps: pod's video-only build vs
   ffmpeg showwaves overlaid on the cover + libx264. Target: faster.
3. One-sentence edit in one chapter of a 6-chapter waveform episode
   (~1 min a chapter, 1280x720 at 30 fps): the rebuild's video cost (the
   rebuild minus the same edit's audio-only rebuild on a copy without mp4)
   over the full video render. Target: under 0.3.
4. Peak RSS of the video-only build, 3-hour vs 3-minute episode, one chapter,
   waveform 640x360 at 10 fps. Target: ratio under 1.5.
Every MP4 is checked with ffprobe (h264 + aac, duration near the m4a's).

    python3 bench/video/bench.py [--minutes 10] [--size 1280x720] [--chapter-minutes 1]
                                 [--long-minutes 180] [--short-minutes 3] [--only 1,2,3,4]
POD=path/to/pod uses that binary (default target/release/pod). Needs ffmpeg, ffprobe.
Voices are bench/video/fast_tone.py (the `command` engine), so speech costs ~nothing.
"""
import argparse
import glob
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
POD = os.environ.get("POD") or os.path.join(REPO, "target", "release", "pod")
WORDS = ("build cache voice sentence episode podcast script audio chapter pause engine listener "
         "morning river signal quiet bright window garden number system careful simple rapid").split()


def sentences(rng, seconds):
    """Sentences whose tone speech (40 ms a character, 0.4 s pauses) lasts about `seconds`."""
    out, total, n = [], 0.0, 0
    while total < seconds:
        s = " ".join(rng.choice(WORDS) for _ in range(rng.randint(14, 22))).capitalize() + f" {n}."
        out.append(s)
        total += len(s) * 0.04 + 0.4
        n += 1
    return out


def project(root, chapters, chapter_seconds, video, size):
    rng = random.Random(7)
    os.makedirs(os.path.join(root, "episodes"), exist_ok=True)
    shutil.copy(os.path.join(HERE, "fast_tone.py"), os.path.join(root, "fast_tone.py"))
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s={size}",
                    "-frames:v", "1", os.path.join(root, "cover.png")], check=True)
    with open(os.path.join(root, "podcast.toml"), "w") as f:
        f.write('[podcast]\ntitle = "Bench"\nepisodes = ["episodes/*.md"]\ncover = "cover.png"\n\n'
                '[voice]\nengine = "command"\n'
                'command = ["./fast_tone.py", "--voice", "{voice}", "--out", "{output}"]\nvoice = "v1"\n\n'
                '[output]\nsample_rate = 44100\nformats = ["m4a"]\n\n'
                + "[video]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in video.items()))
    text = []
    for c in range(chapters):
        text.append(f"# Chapter {c + 1}\n\n")
        for i, s in enumerate(sentences(rng, chapter_seconds)):
            text.append(s + ("\n\n" if i % 5 == 4 else " "))
        text.append("\n\n")
    with open(os.path.join(root, "episodes", "ep.md"), "w") as f:
        f.write("".join(text))


def set_formats(root, formats):
    toml = os.path.join(root, "podcast.toml")
    text = open(toml).read()
    start = text.index("formats = ")
    end = text.index("\n", start)
    open(toml, "w").write(text[:start] + "formats = " + json.dumps(formats) + text[end:])


def pod(root):
    """(seconds, messages, max RSS in KiB) of one `pod build`."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        proc = subprocess.Popen([POD, "build", "-q", "--message-format", "json"], cwd=root,
                                stdout=out, stderr=err, env=dict(os.environ, CI="1"))
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        stdout = out.read()
        if status != 0:
            sys.exit(f"pod failed in {root}: {err.read()}{stdout[-3000:]}")
    messages = []
    for line in stdout.splitlines():
        try:
            messages.append(json.loads(line))
        except ValueError:
            pass
    return seconds, messages, usage.ru_maxrss


def executed(messages):
    kinds = {}
    for m in messages:
        if m.get("status") == "executed" and m.get("kind"):
            kinds[m["kind"]] = kinds.get(m["kind"], 0) + 1
    return ", ".join(f"{k} x{n}" if n > 1 else k for k, n in sorted(kinds.items())) or "none"


def output(root, ext):
    found = sorted(glob.glob(os.path.join(root, "target", "**", f"*.{ext}"), recursive=True))
    found = [p for p in found if "/cache/" not in p]
    if not found:
        sys.exit(f"no .{ext} under {root}/target")
    return found[0]


def probe(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", path],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def check_mp4(path, m4a, size=None, slack=0.5):
    """h264 + aac, and the duration of pod's m4a (within `slack` seconds: ffmpeg's -shortest
    with a looped image overshoots by a second or two, so its outputs get 3)."""
    info = probe(path)
    # A cover attached as a picture (disposition attached_pic) is not the video.
    streams = [s for s in info["streams"] if s["codec_type"] in ("video", "audio")
               and not s.get("disposition", {}).get("attached_pic")]
    codecs = sorted(s["codec_name"] for s in streams)
    want = float(probe(m4a)["format"]["duration"])
    got = float(info["format"]["duration"])
    video = next(s for s in streams if s["codec_type"] == "video")
    problems = []
    if codecs != ["aac", "h264"]:
        problems.append(f"streams {codecs}")
    if abs(got - want) > slack:
        problems.append(f"duration {got:.2f} s, the m4a is {want:.2f} s")
    if size and f"{video['width']}x{video['height']}" != size:
        problems.append(f"size {video['width']}x{video['height']}")
    if problems:
        sys.exit(f"BROKEN {path}: {'; '.join(problems)}")
    return f"ok: h264 {video['width']}x{video['height']} + aac, {got:.1f} s"


def ffmpeg(args):
    started = time.monotonic()
    subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-v", "error", "-y", *args], check=True)
    return time.monotonic() - started


def video_only(root):
    """Build with m4a (audio cached), then add mp4: the time of that video-only build."""
    cold, _, _ = pod(root)
    set_formats(root, ["m4a", "mp4"])
    seconds, messages, rss = pod(root)
    return cold, seconds, messages, rss


def bench_still(work, minutes, size):
    root = os.path.join(work, "still")
    project(root, 1, minutes * 60, {"size": size, "fps": 30, "style": "still", "captions": "none",
                                    "chapter_cards": False}, size)
    cold, seconds, messages, _ = video_only(root)
    mp4, m4a = output(root, "mp4"), output(root, "m4a")
    print(f"1. still cover, {minutes}-minute episode, {size} at 30 fps (audio build {cold:.1f} s)")
    print(f"   pod video-only build: {seconds:7.2f} s  steps run: {executed(messages)}  [{check_mp4(mp4, m4a, size)}]")
    ff_out = os.path.join(root, "ffmpeg.mp4")
    ff = ffmpeg(["-loop", "1", "-i", os.path.join(root, "cover.png"), "-i", m4a, "-c:v", "libx264",
                 "-tune", "stillimage", "-pix_fmt", "yuv420p", "-r", "30", "-s", size, "-c:a", "copy",
                 "-shortest", ff_out])
    print(f"   ffmpeg -loop 1 libx264 -tune stillimage: {ff:7.2f} s  [{check_mp4(ff_out, m4a, size, slack=3)}]")
    ratio = ff / seconds
    print(f"   pod is {ratio:.1f}x faster than ffmpeg (target 50x: {'met' if ratio >= 50 else 'MISSED'})")
    return ratio


def bench_waveform(work, minutes, size):
    root = os.path.join(work, "waveform")
    project(root, 1, minutes * 60, {"size": size, "fps": 30, "style": "waveform", "captions": "none",
                                    "chapter_cards": False}, size)
    cold, seconds, messages, _ = video_only(root)
    mp4, m4a = output(root, "mp4"), output(root, "m4a")
    w, h = (int(v) for v in size.split("x"))
    print(f"2. waveform, {minutes}-minute episode, {size} at 30 fps (audio build {cold:.1f} s)")
    print(f"   pod video-only build: {seconds:7.2f} s  steps run: {executed(messages)}  [{check_mp4(mp4, m4a, size)}]")
    ff_out = os.path.join(root, "ffmpeg.mp4")
    wave_h = h * 200 // 720 // 2 * 2
    graph = f"[1:a]showwaves=s={w}x{wave_h}:mode=line:rate=30[w];[0:v][w]overlay=0:{(h - wave_h) // 2}"
    ff = ffmpeg(["-loop", "1", "-i", os.path.join(root, "cover.png"), "-i", m4a, "-filter_complex", graph,
                 "-c:v", "libx264", "-pix_fmt", "yuv420p", "-r", "30", "-c:a", "copy", "-shortest", ff_out])
    print(f"   ffmpeg showwaves + overlay + libx264: {ff:7.2f} s  [{check_mp4(ff_out, m4a, size, slack=3)}]")
    ratio = seconds / ff
    print(f"   ratio pod / ffmpeg: {ratio:.2f} ({'faster' if ratio < 1 else 'SLOWER'} than ffmpeg; target: faster)")
    return ratio


def edit_one_sentence(root):
    path = os.path.join(root, "episodes", "ep.md")
    text = open(path).read()
    third = text.index("# Chapter 3")
    dot = text.index(". ", third + 40)
    open(path, "w").write(text[:dot] + " indeed" + text[dot:])


def bench_edit(work, chapter_minutes, size):
    root = os.path.join(work, "edit")
    project(root, 6, chapter_minutes * 60, {"size": size, "fps": 30, "style": "waveform", "captions": "none",
                                            "chapter_cards": False}, size)
    pod(root)
    audio_only = os.path.join(work, "edit-audio")
    shutil.copytree(root, audio_only)
    set_formats(root, ["m4a", "mp4"])
    full, full_messages, _ = pod(root)
    edit_one_sentence(root)
    edit_one_sentence(audio_only)
    edited, messages, _ = pod(root)
    check = check_mp4(output(root, "mp4"), output(root, "m4a"), size)
    audio, audio_messages, _ = pod(audio_only)
    video_edit = edited - audio
    print(f"3. one-sentence edit in chapter 3 of 6 (~{chapter_minutes} min each), waveform {size} at 30 fps")
    print(f"   full video render (video-only build): {full:7.2f} s  steps run: {executed(full_messages)}")
    print(f"   rebuild after the edit, with mp4:      {edited:7.2f} s  steps run: {executed(messages)}  [{check}]")
    print(f"   same edit, audio only (no mp4):        {audio:7.2f} s  steps run: {executed(audio_messages)}")
    ratio = video_edit / full
    print(f"   video cost of the edit {video_edit:.2f} s / full render: {ratio:.2f} (raw {edited / full:.2f}; "
          f"target under 0.3: {'met' if ratio < 0.3 else 'MISSED'})")
    return ratio


def bench_memory(work, short, long, size="640x360", fps=10):
    rss = {}
    print(f"4. peak RSS of the video-only build, one chapter, waveform {size} at {fps} fps")
    for minutes in (short, long):
        root = os.path.join(work, f"memory-{minutes}")
        project(root, 1, minutes * 60, {"size": size, "fps": fps, "style": "waveform", "captions": "none",
                                        "chapter_cards": False}, size)
        cold, seconds, messages, rss[minutes] = video_only(root)
        check = check_mp4(output(root, "mp4"), output(root, "m4a"), size)
        print(f"   {minutes:4}-minute: max RSS {rss[minutes] / 1024:7.1f} MiB, video-only build {seconds:7.2f} s "
              f"(audio build {cold:.1f} s)  steps run: {executed(messages)}  [{check}]")
        shutil.rmtree(root)
    ratio = rss[long] / rss[short]
    print(f"   ratio {long} min / {short} min: {ratio:.2f} (target under 1.5: {'met' if ratio < 1.5 else 'MISSED'})")
    return ratio


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=10, help="episode length for 1 and 2")
    ap.add_argument("--size", default="1280x720", help="frame size for 1, 2 and 3")
    ap.add_argument("--chapter-minutes", type=float, default=1, help="chapter length for 3")
    ap.add_argument("--short-minutes", type=float, default=3)
    ap.add_argument("--long-minutes", type=float, default=180)
    ap.add_argument("--only", default="1,2,3,4")
    args = ap.parse_args()
    only = set(args.only.split(","))
    print(f"pod: {POD}")
    print(subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.splitlines()[0])
    with tempfile.TemporaryDirectory() as work:
        if "1" in only:
            bench_still(work, args.minutes, args.size)
        if "2" in only:
            bench_waveform(work, args.minutes, args.size)
        if "3" in only:
            bench_edit(work, args.chapter_minutes, args.size)
        if "4" in only:
            bench_memory(work, args.short_minutes, args.long_minutes)


if __name__ == "__main__":
    main()
