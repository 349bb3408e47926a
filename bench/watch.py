#!/usr/bin/env python3
"""Save-to-new-output time of `pod watch` for a short episode.

Starts `pod watch --message-format json` on a small project, waits for the
first build, then edits one sentence several times and reports how long each
save took to become a new published output (median of the runs).

    python3 bench/watch.py [path/to/pod]
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pod = sys.argv[1] if len(sys.argv) > 1 else os.path.join(repo, "target", "release", "pod")
if len(sys.argv) <= 1:
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=repo, check=True)

SCRIPT = """+++
title = "Short"
+++

# One

Welcome back to the show. Today is a short one, with a single edit.

Guest: I will say a line {n} times.

Thanks for listening.
"""

with tempfile.TemporaryDirectory() as work:
    os.makedirs(os.path.join(work, "episodes"))
    with open(os.path.join(work, "podcast.toml"), "w") as f:
        f.write('[podcast]\ntitle = "Bench"\nepisodes = ["episodes/*.md"]\n\n[voices.guest]\nvoice = "en-gb"\n')
    script = os.path.join(work, "episodes", "short.md")
    with open(script, "w") as f:
        f.write(SCRIPT.format(n=0))
    watch = subprocess.Popen(
        [pod, "watch", "--message-format", "json", "--debounce-ms", "50"],
        cwd=work, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env=dict(os.environ, CI="1"),
    )

    def next_build():
        for line in watch.stdout:
            message = json.loads(line)
            if message.get("reason") == "build-finished":
                return message
        raise SystemExit("pod watch stopped")

    next_build()
    times = []
    for n in range(1, 8):
        time.sleep(0.3)
        saved = time.monotonic()
        with open(script, "w") as f:
            f.write(SCRIPT.format(n=n))
        finished = next_build()
        assert finished["success"] and finished["counts"]["tts"]["executed"] == 1, finished
        times.append(time.monotonic() - saved)
    watch.terminate()
    watch.wait()

print(f"save-to-new-output (short episode, one sentence edited, 50 ms debounce): "
      f"median {statistics.median(times) * 1000:.0f} ms, best {min(times) * 1000:.0f} ms over {len(times)} saves")
