#!/usr/bin/env python3
"""Synthesises the demo's music: a loopable pad (bed.wav) and a short
chime (sting.wav), and draws its cover art (cover.png: 1400 px square, the
smallest size podcast directories take). Deterministic; run it to
regenerate the files.

    python3 examples/demo/media/make_media.py
"""
import math
import os
import struct
import wave
import zlib

RATE = 22050
HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, samples):
    with wave.open(os.path.join(HERE, name), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", max(-32767, min(32767, int(s * 32767)))) for s in samples))


def bed(seconds=16.0):
    # Four chords of four seconds; every partial completes whole cycles per
    # chord so the loop point is seamless.
    chords = [(220.0, 277.5, 330.0), (196.0, 247.5, 293.75), (174.5, 220.0, 261.5), (196.0, 247.5, 293.75)]
    length = int(seconds * RATE)
    per_chord = length // len(chords)
    out = []
    for i in range(length):
        chord = chords[min(i // per_chord, len(chords) - 1)]
        t = i / RATE
        local = (i % per_chord) / per_chord
        envelope = math.sin(math.pi * local) ** 0.5  # swell within each chord
        value = sum(math.sin(2 * math.pi * f * t) + 0.3 * math.sin(4 * math.pi * f * t) for f in chord)
        out.append(0.12 * envelope * value / len(chord))
    return out


def sting(seconds=2.5):
    notes = [(523.25, 0.0), (659.25, 0.15), (783.99, 0.3), (1046.5, 0.45)]
    out = []
    for i in range(int(seconds * RATE)):
        t = i / RATE
        value = 0.0
        for f, start in notes:
            if t >= start:
                d = t - start
                value += math.exp(-3.0 * d) * (math.sin(2 * math.pi * f * d) + 0.25 * math.sin(2 * math.pi * 2.76 * f * d))
        out.append(0.22 * value)
    return out


def cover(size=1400):
    # A dark field with concentric rings, like a sound spreading: a PNG
    # written by hand (zlib and struct only) so no imaging library is needed.
    centre = size / 2
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter: none
        for x in range(size):
            r = math.hypot(x - centre, y - centre) / size
            ring = 0.5 + 0.5 * math.cos(r * 2 * math.pi * 9)
            # Six flat levels: a poster look, and a file of a few kilobytes.
            glow = round(max(0.0, 1.0 - r * 1.6) * ring * 5) / 5
            row += bytes((int(16 + 226 * glow), int(24 + 146 * glow), int(32 + 44 * glow)))
        rows.append(bytes(row))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")
    with open(os.path.join(HERE, "cover.png"), "wb") as f:
        f.write(png)


write("bed.wav", bed())
write("sting.wav", sting())
cover()
