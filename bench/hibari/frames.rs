//! Runs hibari's acoustic model and signal stage in pod on one phoneme
//! string and writes what each gives, raw little-endian f32, for
//! `bench/hibari/parity.py` to hold against hibari-tts under onnxruntime:
//! `cargo run --release --example hibari-frames -- PHONEMES OUT_DIR
//! [onnxruntime]`: the model run by tract, or by ONNX Runtime (the library
//! found as a build finds it: `ORT_DYLIB_PATH` first).
//! The signal stage runs with the noise gain at zero, so it compares
//! sample for sample.

use std::fs;
use std::path::Path;

use pod::engines::hibari::model::Acoustic;
use pod::engines::hibari::onnxruntime::OnnxModel;
use pod::engines::hibari::{dsp, model, vocab};

fn write(dir: &Path, name: &str, values: &[f32]) {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    fs::write(dir.join(name), bytes).unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (phonemes, dir) = (&args[1], Path::new(&args[2]));
    fs::create_dir_all(dir).unwrap();
    let bytes = fs::read("third_party/hibari/hibari.onnx").unwrap();
    let model: Box<dyn Acoustic> = match args.get(3).map(String::as_str) {
        Some("onnxruntime") => Box::new(OnnxModel::load(bytes.into()).unwrap()),
        _ => Box::new(model::AcousticModel::load(&bytes).unwrap()),
    };
    let ids = vocab::ids(phonemes);
    let mut frames = model.run(&ids, 1.0).unwrap();
    for (name, part) in [
        ("lh", &frames.lh),
        ("theta", &frames.theta),
        ("ln", &frames.ln),
        ("lr", &frames.lr),
        ("phi", &frames.phi),
        ("f0", &frames.f0),
    ] {
        write(dir, name, part);
    }
    frames.ln.iter_mut().for_each(|v| *v = -100.0);
    write(dir, "wave", &dsp::synthesize(&frames, 0));
    println!("{} frames", frames.frames);
}
