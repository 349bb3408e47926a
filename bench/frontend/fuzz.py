#!/usr/bin/env python3
"""Writes seeded random lines mixing pod's tricky tokens with random
characters (symbols, accents, combining marks, full-width letters, emoji),
for compare.py: they find differences real prose does not.

    python3 bench/frontend/fuzz.py 1500 > /tmp/fuzz.txt
    /tmp/hibari-venv/bin/python bench/frontend/compare.py /tmp/fuzz.txt
"""
import random
import sys

POOL = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'\"-–—/\\$£€¥%&@#*()[]{}<>=+~^_|"
            "°¢½²³µ×÷→…‘’“”éüñßİıﬁＨ日本😀\u0301\u00a0")
WORDS = ["Dr.", "St.", "10/12/2019", "7:30", "p.m.", "$4.75", "12.5%", "3rd", "1969", "-", "e.g.", "U.S.",
         "[x](/ps/)", "5kg", "No.", "#5", "VIII", "King", "Chapter", "2-3", "555-1234", "the", "read", "a", "to"]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1500
    rng = random.Random(7)
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 12)):
            if rng.random() < 0.4:
                parts.append(rng.choice(WORDS))
            else:
                parts.append("".join(rng.choice(POOL) for _ in range(rng.randint(1, 8))))
        print((" " if rng.random() < 0.5 else "").join(parts))


if __name__ == "__main__":
    main()
