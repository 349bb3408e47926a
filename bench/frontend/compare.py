#!/usr/bin/env python3
"""Compares pod's English front end (src/engines/hibari) with the upstream
Python one (hibari-tts 0.2.1) on a sentence set.

Setup, once:   python3 -m venv /tmp/hibari-venv && /tmp/hibari-venv/bin/pip install hibari-tts==0.2.1
Run:           /tmp/hibari-venv/bin/python bench/frontend/compare.py [sentences.txt]

Two comparisons:
- against upstream with its out-of-vocabulary net, on the sentences where
  pod reports no unknown word (the target: >= 90% identical);
- against upstream with the net replaced by "no reading" (what pod does for
  now), on every sentence.
"""
import json
import os
import subprocess
import sys

from hibari.g2p import G2P

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def pod_phonemes(lines):
    out = subprocess.run(
        ["cargo", "run", "--quiet", "--example", "hibari-phonemes"],
        input="\n".join(lines) + "\n", capture_output=True, text=True, check=True, cwd=REPO,
    ).stdout
    return [json.loads(l) for l in out.splitlines()]


def guarded(g2p):
    """Upstream raises on some inputs (numbers past decillions): report, don't stop."""
    def read(text):
        try:
            return g2p(text)
        except Exception as e:  # noqa: BLE001 - any upstream failure is a data point
            return f"<upstream error: {type(e).__name__}: {e}>"
    return read


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "sentences.txt")
    with open(path, encoding="utf-8") as f:
        lines = [l.strip() for l in f if l.strip()]
    ours = pod_phonemes(lines)
    assert len(ours) == len(lines), "pod printed a different number of lines"
    with_net = guarded(G2P())
    without_net = guarded(G2P(oov=lambda word: None))

    known = [(l, o) for l, o in zip(lines, ours) if not o["oov"]]
    same_known = [(l, o) for l, o in known if with_net(l) == o["phonemes"]]
    same_all = [(l, o) for l, o in zip(lines, ours) if without_net(l) == o["phonemes"]]

    print(f"sentences: {len(lines)}; with unknown words: {len(lines) - len(known)}")
    for l, o in zip(lines, ours):
        if o["oov"]:
            print(f"  unknown {o['oov']}: {l}")
    print(f"identical to upstream (with its OOV net), sentences without unknown words: "
          f"{len(same_known)}/{len(known)} = {100 * len(same_known) / max(1, len(known)):.1f}%")
    print(f"identical to upstream (OOV net off), all sentences: "
          f"{len(same_all)}/{len(lines)} = {100 * len(same_all) / max(1, len(lines)):.1f}%")
    mismatches = [(l, o) for l, o in zip(lines, ours) if without_net(l) != o["phonemes"]]
    if mismatches:
        print("\nmismatches (OOV net off):")
        for l, o in mismatches:
            print(f"  text:     {l}\n  upstream: {without_net(l)}\n  pod:      {o['phonemes']}\n")


if __name__ == "__main__":
    main()
