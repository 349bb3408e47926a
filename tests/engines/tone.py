#!/usr/bin/env python3
"""A deterministic stand-in for a TTS program, for pod's tests: each
character of the text becomes 40 ms of a tone whose pitch depends on the
character and the voice, as 16-bit mono WAV at 16 kHz. Standard library only.

As a program (the `command` engine's tests):
    tone.py [--voice V] [--out PATH] [--text TEXT] [--sleep S]
The text comes from --text or stdin; the WAV goes to --out or stdout.
A text containing FAIL makes it fail with a message on stderr; one
containing GARBAGE makes it write bytes that are not audio.
"""

import argparse
import io
import math
import struct
import sys
import time
import wave

RATE = 16000
CHAR_MS = 40


def tone_wav(text, voice=""):
    """The WAV bytes for `text` spoken by `voice`."""
    shift = sum(voice.encode()) % 200
    frames = bytearray()
    per_char = RATE * CHAR_MS // 1000
    for ch in text:
        if ch.isspace():
            frames += b"\0\0" * per_char
            continue
        freq = 200 + (ord(ch) * 7) % 600 + shift
        for i in range(per_char):
            # A short fade at both ends keeps the tones from clicking.
            edge = min(i, per_char - 1 - i, 40) / 40
            value = int(12000 * edge * math.sin(2 * math.pi * freq * i / RATE))
            frames += struct.pack("<h", value)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))
    return out.getvalue()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--voice", default="")
    parser.add_argument("--out")
    parser.add_argument("--text")
    parser.add_argument("--sleep", type=float, default=0.0)
    args = parser.parse_args()
    text = args.text if args.text is not None else sys.stdin.read()
    if args.sleep:
        time.sleep(args.sleep)
    if "FAIL" in text:
        print("tone.py: refusing to say FAIL", file=sys.stderr)
        return 3
    data = b"this is not audio" if "GARBAGE" in text else tone_wav(text, args.voice)
    if args.out:
        with open(args.out, "wb") as f:
            f.write(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
