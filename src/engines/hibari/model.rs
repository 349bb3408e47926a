//! The acoustic model: phoneme ids in, one spectral frame per 12.5 ms out
//! (the five parts `dsp` turns into a waveform, and the pitch curve). Run by
//! `tract` in pure Rust, so the default binary needs no system library.

use std::sync::Arc;

use super::kernels;
use tract_onnx::pb;
use tract_onnx::prelude::*;

/// Frequency bins of each frame (n_fft 1200 / 2 + 1).
pub const BINS: usize = 601;

/// What the model predicts for one sentence: each spectral part is
/// `[BINS][frames]`, row-major; `f0` is one value per frame, in Hz.
#[derive(Debug, Clone, PartialEq)]
pub struct Frames {
    pub frames: usize,
    pub lh: Vec<f32>,
    pub theta: Vec<f32>,
    pub ln: Vec<f32>,
    pub lr: Vec<f32>,
    pub phi: Vec<f32>,
    pub f0: Vec<f32>,
}

/// A loaded, optimised model, shared by every thread of a build.
pub struct AcousticModel {
    plan: Arc<TypedRunnableModel>,
}

/// Whether `bytes` are a hibari voice model: parsed and its signature
/// checked, not optimised (milliseconds, where loading takes a second), so
/// planning can refuse a wrong `model` file where it is written.
pub fn check(bytes: &[u8]) -> Result<(), String> {
    let proto = tract_onnx::onnx()
        .proto_model_for_read(&mut &*bytes)
        .map_err(|e| format!("not an ONNX model: {e}"))?;
    check_signature(&proto)
}

impl AcousticModel {
    /// Loads an ONNX model of hibari's architecture from its bytes. The
    /// error says what is wrong in words fit for a voice's `model` setting.
    pub fn load(bytes: &[u8]) -> Result<AcousticModel, String> {
        AcousticModel::load_with(bytes, true)
    }

    /// `load`, with pod's operations in place of tract's slow ones or not.
    fn load_with(bytes: &[u8], pod_kernels: bool) -> Result<AcousticModel, String> {
        let onnx = tract_onnx::onnx()
            .with_ignore_value_info(true)
            .with_ignore_output_shapes(true);
        let mut proto = onnx
            .proto_model_for_read(&mut &*bytes)
            .map_err(|e| format!("not an ONNX model: {e}"))?;
        check_signature(&proto)?;
        integer_cumsum_as_float(&mut proto)?;
        let plan = onnx
            .model_for_proto_model(&proto)
            .and_then(|m| m.into_typed())
            .and_then(|mut m| {
                if pod_kernels {
                    kernels::swap_in(&mut m);
                }
                m.into_optimized()
            })
            .and_then(|m| m.into_runnable())
            .map_err(|e| format!("tract cannot run this model: {e:#}"))?;
        Ok(AcousticModel { plan })
    }
}

/// A loaded voice model, by whichever backend runs it.
pub trait Acoustic: Send + Sync {
    /// Runs the model on `ids` (the vocabulary's ids with a 0 at each end)
    /// at `speed` (1.0 is the voice's own pace). Deterministic.
    fn run(&self, ids: &[i64], speed: f32) -> Result<Frames, String>;
}

impl Acoustic for AcousticModel {
    fn run(&self, ids: &[i64], speed: f32) -> Result<Frames, String> {
        let ids = Tensor::from_shape(&[1, ids.len()], ids).map_err(|e| e.to_string())?;
        let speed = Tensor::from_shape(&[1], &[speed]).map_err(|e| e.to_string())?;
        let outputs = self
            .plan
            .run(tvec![ids.into(), speed.into()])
            .map_err(|e| format!("the acoustic model failed: {e:#}"))?;
        frames(outputs.iter().map(floats).collect::<Result<_, _>>()?)
    }
}

/// The model's six outputs, in the order of its signature, as `Frames`.
pub fn frames(mut outputs: Vec<Vec<f32>>) -> Result<Frames, String> {
    if outputs.len() != 6 {
        return Err(format!("the model gave {} outputs, not 6", outputs.len()));
    }
    let f0 = outputs.pop().expect("six");
    let frames = f0.len();
    for (i, values) in outputs.iter().enumerate() {
        if values.len() != BINS * frames {
            return Err(format!(
                "output {i} has {} values, not {BINS} x {frames}",
                values.len()
            ));
        }
    }
    let mut parts = outputs.into_iter();
    let mut part = || parts.next().expect("five");
    Ok(Frames {
        frames,
        lh: part(),
        theta: part(),
        ln: part(),
        lr: part(),
        phi: part(),
        f0,
    })
}

fn floats(value: &TValue) -> Result<Vec<f32>, String> {
    value
        .to_plain_array_view::<f32>()
        .map(|view| view.iter().copied().collect())
        .map_err(|e| format!("a model output is not f32: {e}"))
}

/// The inputs and outputs pod feeds and reads, by name, so a file of another
/// architecture is refused before tract tries to make sense of it.
fn check_signature(proto: &pb::ModelProto) -> Result<(), String> {
    let graph = proto
        .graph
        .as_ref()
        .ok_or("not a hibari voice model: the file holds no ONNX graph")?;
    let inputs: Vec<&str> = graph.input.iter().map(|i| i.name.as_str()).collect();
    let outputs: Vec<&str> = graph.output.iter().map(|o| o.name.as_str()).collect();
    let want_in = ["ids", "speed"];
    let want_out = ["lh", "theta", "ln", "lr", "phi", "f0"];
    if inputs != want_in || outputs != want_out {
        return Err(format!(
            "not a hibari voice model: it takes {inputs:?} and gives {outputs:?}, \
             where a voice takes {want_in:?} and gives {want_out:?}"
        ));
    }
    Ok(())
}

/// ONNX `TensorProto` element types.
const FLOAT: i64 = 1;
const INT64: i64 = 7;

/// tract cannot evaluate a `CumSum` over integers whose length is symbolic
/// (the phoneme durations, summed into frame positions). Summing them as
/// floats is exact for any realistic sentence (frame counts far below 2^24),
/// so the Cast feeding each such CumSum produces f32, and a new Cast after it
/// gives the graph back the i64 it expects.
fn integer_cumsum_as_float(proto: &mut pb::ModelProto) -> Result<(), String> {
    let graph = proto.graph.as_mut().ok_or("the ONNX file holds no graph")?;
    let cumsum_inputs: Vec<(usize, String)> = graph
        .node
        .iter()
        .enumerate()
        .filter(|(_, n)| n.op_type == "CumSum")
        .filter_map(|(i, n)| n.input.first().map(|input| (i, input.clone())))
        .collect();
    // Backwards, so inserting after one CumSum leaves the earlier indices be.
    for (index, input) in cumsum_inputs.into_iter().rev() {
        let Some(cast) = graph.node.iter_mut().find(|n| {
            n.op_type == "Cast"
                && n.output.first() == Some(&input)
                && n.attribute.iter().any(|a| a.name == "to" && a.i == INT64)
        }) else {
            continue;
        };
        for attribute in cast.attribute.iter_mut().filter(|a| a.name == "to") {
            attribute.i = FLOAT;
        }
        let cumsum = &mut graph.node[index];
        let output = cumsum.output[0].clone();
        let as_float = format!("{output}/as_f32");
        cumsum.output[0] = as_float.clone();
        let back = pb::NodeProto {
            input: vec![as_float],
            output: vec![output.clone()],
            name: format!("{output}/back_to_i64"),
            op_type: "Cast".into(),
            attribute: vec![pb::AttributeProto {
                name: "to".into(),
                i: INT64,
                r#type: pb::attribute_proto::AttributeType::Int as i32,
                ..Default::default()
            }],
            ..Default::default()
        };
        // ONNX keeps nodes in topological order: the new Cast follows its CumSum.
        graph.node.insert(index + 1, back);
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::vocab;
    use super::*;

    /// pod's kernels compute what tract's do, up to the order floats are
    /// summed in: the same number of frames, and spectra that differ only
    /// where quantisation tips a value over (WER is in bench/wer).
    #[test]
    fn pod_kernels_give_tract_s_frames() {
        let bytes = include_bytes!("../../../third_party/hibari/hibari.onnx");
        let (ours, tracts) = (
            AcousticModel::load_with(bytes, true).unwrap(),
            AcousticModel::load_with(bytes, false).unwrap(),
        );
        for phonemes in [
            "hɛlˈO ðˈɛɹ.",
            "dˈɑktəɹ mək ˈælɪstəɹ mˈɛt əŋˈIən.",
            "ðə tɹˈAn fɹʌm ɡlˈæsɡO əɹˈIvd twˈɛnti fˈIv mˈɪnəts lˈAt ðɪs mˈɔɹnɪŋ, ænd nˈObədi sˈɛd ˈɛniθɪŋ.",
        ] {
            let ids = vocab::ids(phonemes);
            let (a, b) = (ours.run(&ids, 1.0).unwrap(), tracts.run(&ids, 1.0).unwrap());
            assert_alike(&a, &b, phonemes);
        }
    }

    /// The same number of frames, and log gains within 2% on average: two
    /// runs of one model that differ only in how floats are rounded.
    pub fn assert_alike(a: &Frames, b: &Frames, what: &str) {
        assert_eq!(a.frames, b.frames, "{what}");
        let mean = |v: &mut dyn Iterator<Item = f32>| {
            let (sum, n) = v.fold((0f32, 0), |(s, n), x| (s + x, n + 1));
            sum / n as f32
        };
        let gap = mean(&mut a.lh.iter().zip(&b.lh).map(|(x, y)| (x - y).abs()));
        let size = mean(&mut b.lh.iter().map(|x| x.abs()));
        assert!(
            gap < 0.02 * size,
            "{what}: log gains {gap} apart on average, of {size}"
        );
    }
}
