#!/usr/bin/env python3
"""Speaks sentences.txt with hibari-tts into DIR/01.wav, 02.wav, ... for run.py --wav-dir.

    python bench/wer/hibari_wavs.py DIR [--voice heart] [--speed 1.0]

hibari-tts 0.2.1 (installed by setup.sh) is the reference for pod's coming
neural voice; seed 0 makes its output repeatable.
"""
import argparse
from pathlib import Path

from hibari import Hibari

HERE = Path(__file__).resolve().parent

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("dir", type=Path)
ap.add_argument("--voice", default=None, help="a voice the package ships (default: its own default)")
ap.add_argument("--speed", type=float, default=1.0)
ap.add_argument("--sentences", type=Path, default=HERE / "sentences.txt")
args = ap.parse_args()

args.dir.mkdir(parents=True, exist_ok=True)
tts = Hibari(voice=args.voice) if args.voice else Hibari()
sentences = [s.strip() for s in args.sentences.read_text().splitlines() if s.strip()]
for i, sentence in enumerate(sentences, 1):
    tts.save(sentence, str(args.dir / f"{i:02}.wav"), speed=args.speed, seed=0)
print(f"{len(sentences)} WAVs in {args.dir}")
