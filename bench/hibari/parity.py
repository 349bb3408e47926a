"""Holds pod's acoustic model (tract, or with `onnxruntime` as the second
argument pod's ONNX Runtime backend) and signal stage (Rust) against
hibari-tts 0.2.1 under onnxruntime, on one phoneme string.

    python3 -m venv /tmp/hibari-venv
    /tmp/hibari-venv/bin/pip install hibari-tts==0.2.1 onnxruntime scipy
    /tmp/hibari-venv/bin/python bench/hibari/parity.py "həlˈO ðˈɛɹ."
    ORT_DYLIB_PATH=$(ls /tmp/hibari-venv/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so.*) \
        /tmp/hibari-venv/bin/python bench/hibari/parity.py "həlˈO ðˈɛɹ." onnxruntime
"""
import os, subprocess, sys, tempfile
import numpy as np
from hibari import Hibari, dsp

phonemes = sys.argv[1] if len(sys.argv) > 1 else "ðə kwˈɪk bɹˈWn fˈɑks ʤˈʌmps."
out = tempfile.mkdtemp()
backend = sys.argv[2] if len(sys.argv) > 2 else "tract"
subprocess.run(["cargo", "run", "-q", "--release", "--example", "hibari-frames", "--", phonemes, out,
                backend], check=True)
tts = Hibari()
ids = tts.ids(phonemes)
ref = tts.sess.run(None, {"ids": np.asarray([ids], np.int64), "speed": np.asarray([1.0], np.float32)})
names = ["lh", "theta", "ln", "lr", "phi", "f0"]
ours = {n: np.fromfile(os.path.join(out, n), "<f4") for n in names + ["wave"]}
frames = ref[5].shape[-1]
print(f"frames: onnxruntime {frames}, pod {len(ours['f0'])}")
for name, r in zip(names, ref):
    r = r[0].reshape(-1)
    o = ours[name]
    if len(o) != len(r):
        print(f"{name}: {len(o)} values against {len(r)}")
        continue
    print(f"{name}: max |diff| {np.max(np.abs(o - r)):.4g} (range {np.min(r):.3g}..{np.max(r):.3g})")
# The signal stage is compared on pod's own frames, so only it differs.
lh, th, ln, lr, phi = (ours[n].reshape(601, -1) for n in names[:5])
wave = dsp.synth(lh, th, np.full_like(ln, -100.0), lr, phi, ours["f0"], np.random.default_rng(0))
o = ours["wave"]
if len(o) == len(wave):
    err = np.sqrt(np.mean((o - wave) ** 2)) / np.sqrt(np.mean(wave ** 2))
    print(f"signal stage without noise: relative RMS difference {err:.3g} over {len(o)} samples")
else:
    print(f"signal stage: {len(o)} samples against {len(wave)}")
