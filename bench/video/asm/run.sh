#!/usr/bin/env bash
# Are pod's H.264 bytes the same with OpenH264's assembly (nasm present at
# build time, CPU-specific SIMD chosen at run time) and without it (C only)?
# Builds this crate twice, in two target directories, and compares.
set -euo pipefail
cd "$(dirname "$0")"
work=${TMPDIR:-/tmp}/pod-h264-asm
command -v nasm >/dev/null || { echo "needs nasm (apt-get install nasm)" >&2; exit 1; }
cargo build --release -q --target-dir "$work/asm"
OPENH264_NO_ASM=1 cargo build --release -q --target-dir "$work/c"
with=$("$work/asm/release/h264-asm-check")
without=$("$work/c/release/h264-asm-check")
objects() { ls "$work/$1"/release/build/openh264-sys2-*/out/*.o | wc -l; }
echo "with assembly:    $with ($(objects asm) objects built)"
echo "without assembly: $without ($(objects c) objects built)"
grep -o 'avx512[a-z]*\|avx2\|sse4_2\|ssse3' /proc/cpuinfo | sort -u | tr '\n' ' '; echo
[ "$with" = "$without" ] && echo "same bytes" || { echo "DIFFERENT bytes"; exit 1; }
