#!/usr/bin/env python3
"""Production benchmark (issue 3).

1. Mix + loudness + MP3 of a 30-minute episode: pod's rebuild after a change
   of music volume (mix, loudness, mp3, tags, and pod's own loudness check of
   the MP3) against ffmpeg doing the same work on the same speech track and
   bed (asplit + sidechaincompress for ducking, amix, two-pass loudnorm,
   libmp3lame), in the same run. Reported as a ratio; target: pod faster.
2. Peak memory (max RSS) of a cold build of a 3-minute and a 3-hour episode.
3. Cache size after each cold build (issue 7, item 22), against the published
   outputs plus the synthesised speech. Target: under 3x.

    python3 bench/production.py [--skip-memory]
    python3 bench/production.py --cache-size MINUTES   # item 3 alone, one cold build
Needs ffmpeg on PATH. POD=path/to/pod uses that binary (and skips cargo build).
"""
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POD = os.environ.get("POD") or os.path.join(REPO, "target", "release", "pod")
BED = os.path.join(REPO, "examples", "demo", "media", "bed.wav")
WORDS = ("build cache voice sentence episode podcast script audio chapter pause engine listener "
         "morning river signal quiet bright window garden number system careful simple rapid").split()


def project(root, minutes):
    """One episode of about `minutes` minutes (about 3.8 s a sentence)."""
    rng = random.Random(7)
    os.makedirs(os.path.join(root, "episodes"), exist_ok=True)
    shutil.copy(BED, os.path.join(root, "bed.wav"))
    with open(os.path.join(root, "podcast.toml"), "w") as f:
        f.write('[podcast]\ntitle = "Bench"\nepisodes = ["episodes/*.md"]\n\n'
                '[music]\nfile = "bed.wav"\nvolume_db = -20\nduck_db = -10\n\n'
                '[output]\nsample_rate = 44100\nformats = ["mp3"]\nmp3_bitrate = 96\n')
    sentences = int(minutes * 60 / 3.8)
    lines = []
    for s in range(sentences):
        if s % 60 == 0:
            lines.append(f"\n# Part {s // 60 + 1}\n\n")
        lines.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(7, 12))).capitalize() + f" {s}.")
        lines.append("\n\n" if s % 5 == 4 else " ")
    with open(os.path.join(root, "episodes", "long.md"), "w") as f:
        f.write("".join(lines))


def pod(root, *args):
    started = time.monotonic()
    out = subprocess.run([POD, "build", "-q", "--message-format", "json", *args], cwd=root,
                         capture_output=True, text=True, env=dict(os.environ, CI="1"))
    if out.returncode != 0:
        sys.exit(f"pod failed: {out.stderr}{out.stdout[-2000:]}")
    return time.monotonic() - started, [json.loads(l) for l in out.stdout.splitlines()]


def tree_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


def cache_report(root):
    """The cache's size (`du -sb`), by kind, against outputs plus speech."""
    cache = tree_bytes(os.path.join(root, "target", "cache"))
    published = tree_bytes(os.path.join(root, "target", "out"))
    stats = json.loads(subprocess.run([POD, "cache", "stats", "--json"], cwd=root, capture_output=True,
                                      text=True, check=True).stdout)
    kinds = {k: v["bytes"] for k, v in stats["kinds"].items()}
    speech = kinds.get("tts", 0)
    mb = lambda b: f"{b / 1e6:.1f} MB"
    by_kind = ", ".join(f"{k} {mb(b)}" for k, b in sorted(kinds.items(), key=lambda kv: -kv[1]) if b >= 1e5)
    ratio = cache / (published + speech)
    return (f"  cache {mb(cache)} ({by_kind})\n"
            f"  published outputs {mb(published)} + speech {mb(speech)}: cache is {ratio:.2f}x "
            f"(target under 3x: {'met' if ratio < 3 else 'MISSED'})")


def speech_track(root, messages):
    """The assembled speech (a FLAC blob) from pod's cache, for ffmpeg."""
    key = next(m["key"] for m in messages if m.get("kind") == "assemble")
    record = json.load(open(os.path.join(root, "target", "cache", "ac", key[:2], key + ".json")))
    blob = record["output"]["hash"]
    return os.path.join(root, "target", "cache", "cas", blob[:2], blob)


def ffmpeg_same_work(speech, workdir):
    graph = ("[0:a]asplit=2[voice][key];[1:a]aresample=44100,volume=-20dB[bed];"
             "[bed][key]sidechaincompress=threshold=0.02:ratio=8:attack=80:release=400[ducked];"
             "[voice][ducked]amix=inputs=2:duration=first:normalize=0,")
    inputs = ["-i", speech, "-stream_loop", "-1", "-i", BED]
    started = time.monotonic()
    first = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", *inputs, "-filter_complex",
                            graph + "loudnorm=I=-16:TP=-1:LRA=11:print_format=json", "-f", "null", "-"],
                           capture_output=True, text=True, check=True)
    stats = json.loads(first.stderr[first.stderr.rindex("{"):])
    second = (f"loudnorm=I=-16:TP=-1:LRA=11:measured_I={stats['input_i']}:measured_TP={stats['input_tp']}:"
              f"measured_LRA={stats['input_lra']}:measured_thresh={stats['input_thresh']}:"
              f"offset={stats['target_offset']}:linear=true,aresample=44100")
    subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-y", *inputs, "-filter_complex", graph + second,
                    "-c:a", "libmp3lame", "-b:a", "96k", os.path.join(workdir, "ffmpeg.mp3")],
                   capture_output=True, check=True)
    return time.monotonic() - started


def max_rss_of_cold_build(minutes):
    with tempfile.TemporaryDirectory() as root:
        project(root, minutes)
        seconds, _ = pod(root)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return seconds, usage, cache_report(root)


def main():
    if "POD" not in os.environ:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO, check=True)
    with tempfile.TemporaryDirectory() as root:
        project(root, 30)
        cold, messages = pod(root)
        cold_cache = cache_report(root)
        toml = os.path.join(root, "podcast.toml")
        text = open(toml).read()
        open(toml, "w").write(text.replace("volume_db = -20", "volume_db = -22"))
        pod_time, messages = pod(root)
        ran = sorted({m["kind"] for m in messages if m.get("status") == "executed"})
        ff_time = ffmpeg_same_work(speech_track(root, messages), root)
        print(f"30-minute episode (cold build with synthesis: {cold:.1f} s)")
        print(cold_cache)
        print(f"  pod  mix + loudness + mp3 (+ its own loudness check): {pod_time:6.2f} s  steps run: {', '.join(ran)}")
        print(f"  ffmpeg sidechaincompress + amix + 2-pass loudnorm + libmp3lame: {ff_time:6.2f} s")
        print(f"  ratio pod / ffmpeg: {pod_time / ff_time:.2f} ({'faster' if pod_time < ff_time else 'SLOWER'} than ffmpeg)")
    if "--skip-memory" in sys.argv:
        return
    # Each in its own process, so max RSS is that build's alone.
    for minutes in (3, 180):
        out = subprocess.run([sys.executable, __file__, "--memory", str(minutes)], capture_output=True, text=True, check=True)
        print(out.stdout.strip())


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--memory":
        minutes = float(sys.argv[2])
        seconds, rss, cache = max_rss_of_cold_build(minutes)
        print(f"cold build of a {minutes:g}-minute episode: {seconds:.1f} s, peak memory {rss / 1024:.0f} MiB")
        print(cache)
    elif len(sys.argv) == 3 and sys.argv[1] == "--cache-size":
        minutes = float(sys.argv[2])
        seconds, _, cache = max_rss_of_cold_build(minutes)
        print(f"cold build of a {minutes:g}-minute episode: {seconds:.1f} s")
        print(cache)
    else:
        main()
