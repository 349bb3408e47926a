#!/usr/bin/env bash
# Build-graph benchmark (issue 2): a project of 20 episodes x 100 sentences.
# Reports cold build, no-op rebuild and one-sentence-edit rebuild times, and
# the no-op as a ratio of the cold build. Target: no-op under 50 ms.
#
#   bash bench/run.sh [EPISODES] [SENTENCES]
#
# POD_BENCH_BACKEND=onnxruntime speaks with hibari's ONNX Runtime backend;
# CARGO_TARGET_DIR is honoured.
set -euo pipefail
episodes=${1:-20}
sentences=${2:-100}
repo=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
pod="${CARGO_TARGET_DIR:-$repo/target}/release/pod"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$repo/bench/generate.py" "$work" "$episodes" "$sentences"
cd "$work"

now() { date +%s%N; }
time_build() {
    local start end
    start=$(now)
    CI=1 "$pod" build -q "$@"
    end=$(now)
    echo $(( (end - start) / 1000 ))
}

cold=$(time_build)
# Let the cold build's gigabyte of writes reach the disk first: the no-op
# is measured, not the kernel's writeback.
sync
noop_best=999999999
for _ in 1 2 3 4 5 6 7 8 9 10; do
    t=$(time_build)
    (( t < noop_best )) && noop_best=$t
done
python3 - <<'PY'
import re
path = "episodes/ep07.md"
text = open(path).read()
text = re.sub(r"(\w+) 7 10\.", r"\1 changed 7 10.", text, count=1)
open(path, "w").write(text)
PY
edit=$(time_build)
CI=1 "$pod" build --message-format json | python3 -c '
import json, sys
counts = [json.loads(l) for l in sys.stdin if "build-finished" in l][0]["counts"]
assert all(c["executed"] == 0 for c in counts.values()), counts'

ms() { awk -v us="$1" 'BEGIN { printf "%.1f ms", us / 1000 }'; }
echo "project: $episodes episodes x $sentences sentences"
echo "cold build:            $(ms "$cold")"
echo "no-op rebuild (best of 10): $(ms "$noop_best")  ratio to cold: $(awk -v a="$noop_best" -v b="$cold" 'BEGIN { printf "%.5f", a / b }')"
echo "one-sentence edit:     $(ms "$edit")"
awk -v t="$noop_best" 'BEGIN { if (t < 50000) print "no-op target (< 50 ms): met"; else print "no-op target (< 50 ms): MISSED" }'
