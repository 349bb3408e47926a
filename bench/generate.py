#!/usr/bin/env python3
"""Writes a benchmark project: EPISODES episodes of SENTENCES sentences each.
POD_BENCH_BACKEND=onnxruntime has every voice run hibari's model with ONNX
Runtime instead of tract."""
import os
import random
import sys

root, episodes, sentences = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
words = ("build cache voice sentence episode podcast script audio chapter pause "
         "engine listener morning river signal quiet bright window garden number "
         "system careful simple rapid second minute story studio music").split()
rng = random.Random(42)
os.makedirs(os.path.join(root, "episodes"), exist_ok=True)
with open(os.path.join(root, "podcast.toml"), "w") as f:
    backend = os.environ.get("POD_BENCH_BACKEND")
    f.write('[podcast]\ntitle = "Bench"\nepisodes = ["episodes/*.md"]\n\n'
            + (f'[voice]\nbackend = "{backend}"\n\n' if backend else '')
            + '[voices.guest]\nspeed = 1.12\n\n'
            '[output]\nsample_rate = 22050\n')
for e in range(episodes):
    lines = [f"+++\ntitle = \"Episode {e}\"\n+++\n", "# Part one\n"]
    for s in range(sentences):
        n = rng.randint(5, 11)
        text = " ".join(rng.choice(words) for _ in range(n))
        if rng.random() < 0.3:
            text = text.replace(" ", ", ", 1)
        sentence = f"{text.capitalize()} {e} {s}."
        prefix = "Guest: " if s % 10 == 5 else ""
        lines.append(prefix + sentence + ("\n" if s % 5 == 4 else " "))
        if s % 5 == 4:
            lines.append("\n")
        if s == sentences // 2:
            lines.append("\n# Part two\n\n")
    with open(os.path.join(root, "episodes", f"ep{e:02}.md"), "w") as f:
        f.write("".join(lines) + "\n")
