//! Three of the model's operations done by pod instead of tract. The time
//! axis of a sentence is a symbol when tract optimises the model, and tract
//! then cannot prove a tensor long enough for its fast paths: it quantised
//! each activation with a libm call per element, ran each depthwise
//! convolution as one tiny matrix product per channel, and multiplied by a
//! run-time scale one element at a time. Together that was about two thirds
//! of the model's time. These run the same arithmetic in plain loops the
//! compiler vectorises, without fused multiply-adds: they give the same
//! floats on every x86-64 machine, so they add no dependence on the CPU to
//! what tract's own kernels have (their matrix products are picked by
//! instruction set).

use std::borrow::Cow;

use tract_onnx::prelude::*;
use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::cnn::{Conv, KernelFormat, PaddingSpec};
use tract_onnx::tract_core::ops::nn::DataFormat;
use tract_onnx::tract_core::{as_op, op_as_typed_op, op_out_of_plan};

/// Bumped whenever an operation here could compute another float, so the
/// engine's version (and so every key) changes with the samples.
pub const VERSION: u32 = 1;

/// Puts pod's operations in place of tract's wherever they apply, in a
/// typed model not yet optimised.
pub fn swap_in(model: &mut TypedModel) {
    for id in 0..model.nodes.len() {
        let node = &model.nodes[id];
        let op: Box<dyn TypedOp> = if node.op.name() == "DynamicQuantizeLinearU8" {
            Box::new(QuantizeU8)
        } else if let Some(op) = ScaleByRuntimeScalar::replacing(model, node) {
            Box::new(op)
        } else if let Some(op) = node
            .op_as::<Conv>()
            .and_then(|conv| DepthwiseConv1d::replacing(model, node, conv))
        {
            Box::new(op)
        } else {
            continue;
        };
        model.nodes[id].op = op;
    }
}

/// ONNX `DynamicQuantizeLinear` to u8, byte for byte as tract computes it:
/// the range includes 0, scale = range / 255, y = round_half_even(x / scale)
/// + zero point, saturated.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct QuantizeU8;

impl Op for QuantizeU8 {
    fn name(&self) -> StaticName {
        "pod.QuantizeU8".into()
    }
    op_as_typed_op!();
}

/// Round half to even without a libm call: adding and taking away
/// 1.5 * 2^23 leaves no fraction bits, and the default rounding mode breaks
/// ties to even. Exact for |x| < 2^22.
#[inline(always)]
fn round_half_even(x: f32) -> f32 {
    const SHIFT: f32 = 12_582_912.0;
    (x + SHIFT) - SHIFT
}

/// The smallest and largest of `xs` and 0; NaN is passed over.
fn range_with_zero(xs: &[f32]) -> (f32, f32) {
    const LANES: usize = 16;
    let (mut low, mut high) = ([0f32; LANES], [0f32; LANES]);
    let mut chunks = xs.chunks_exact(LANES);
    for chunk in &mut chunks {
        for lane in 0..LANES {
            let x = chunk[lane];
            low[lane] = if x < low[lane] { x } else { low[lane] };
            high[lane] = if x > high[lane] { x } else { high[lane] };
        }
    }
    let tail = chunks.remainder();
    let min = low
        .iter()
        .chain(tail)
        .fold(0f32, |m, &x| if x < m { x } else { m });
    let max = high
        .iter()
        .chain(tail)
        .fold(0f32, |m, &x| if x > m { x } else { m });
    (min, max)
}

fn quantize(xs: &[f32]) -> (Vec<u8>, f32, u8) {
    let (min, max) = range_with_zero(xs);
    let scale = (max - min) / 255.0;
    let zero_point = (-min / scale).round_ties_even().clamp(0.0, 255.0) as u8;
    let zero = i32::from(zero_point);
    // Every |x / scale| is at most 255 when scale is a normal positive
    // number; otherwise (all zeros, infinities) take the slow exact road.
    let round: fn(f32) -> f32 = if scale.is_normal() && scale > 0.0 {
        round_half_even
    } else {
        f32::round_ties_even
    };
    let ys = xs
        .iter()
        .map(|&x| (round(x / scale) as i32 + zero).clamp(0, 255) as u8)
        .collect();
    (ys, scale, zero_point)
}

impl EvalOp for QuantizeU8 {
    op_out_of_plan!();
    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = inputs[0].cast_to::<f32>()?;
        let (ys, scale, zero_point) = quantize(input.try_as_plain_ram()?.as_slice::<f32>()?);
        Ok(tvec!(
            Tensor::from_shape(input.shape(), &ys)?.into_tvalue(),
            tensor0(scale).into_tvalue(),
            tensor0(zero_point).into_tvalue()
        ))
    }
}

impl TypedOp for QuantizeU8 {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let mut quantized = inputs[0].without_value();
        quantized.datum_type = u8::datum_type();
        Ok(tvec!(quantized, f32::fact([0; 0]), u8::fact([0; 0])))
    }
    as_op!();
}

/// A depthwise 1-D convolution over `[1, channels, time]` with stride 1:
/// each channel filtered by its own taps, spaced `dilation` apart, plus its
/// bias. Inputs: data, kernel `[channels, 1, taps]`, bias `[channels]`.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct DepthwiseConv1d {
    pub channels: usize,
    pub taps: usize,
    pub dilation: usize,
    pub pad_before: usize,
    pub pad_after: usize,
}

impl DepthwiseConv1d {
    /// This op in place of `conv`, if `conv` is one it computes.
    fn replacing(model: &TypedModel, node: &TypedNode, conv: &Conv) -> Option<DepthwiseConv1d> {
        let spec = &conv.pool_spec;
        let channels = spec.input_channels;
        let (pad_before, pad_after) = match &spec.padding {
            PaddingSpec::Explicit(before, after) if before.len() == 1 && after.len() == 1 => {
                (before[0], after[0])
            }
            _ => return None,
        };
        let floats = node.inputs.len() == 3
            && node.inputs.iter().all(|&input| {
                model
                    .outlet_fact(input)
                    .is_ok_and(|fact| fact.datum_type == f32::datum_type())
            });
        let data_rank = model.outlet_fact(node.inputs[0]).ok()?.rank();
        let one = |values: &Option<TVec<usize>>| {
            values.as_ref().is_none_or(|v| v.iter().all(|&x| x == 1))
        };
        let op = DepthwiseConv1d {
            channels,
            taps: *spec.kernel_shape.first()?,
            dilation: spec.dilations.as_ref().map_or(1, |d| d[0]),
            pad_before,
            pad_after,
        };
        let fits = conv.q_params.is_none()
            && conv.group == channels
            && channels > 1
            && spec.output_channels == channels
            && spec.kernel_shape.len() == 1
            && spec.data_format == DataFormat::NCHW
            && conv.kernel_fmt == KernelFormat::OIHW
            && one(&spec.strides)
            && floats
            && data_rank == 3
            && op.taps >= 1
            && op.dilation >= 1
            && pad_before + pad_after >= op.reach();
        fits.then_some(op)
    }

    /// How far past its first input a window reaches.
    fn reach(&self) -> usize {
        self.dilation * (self.taps - 1)
    }

    fn run(&self, x: &[f32], kernel: &[f32], bias: &[f32]) -> Vec<f32> {
        let (channels, taps) = (self.channels, self.taps);
        let length = x.len() / channels;
        let out_length = length + self.pad_before + self.pad_after - self.reach();
        let mut out = vec![0f32; channels * out_length];
        let mut padded = vec![0f32; length + self.pad_before + self.pad_after];
        for channel in 0..channels {
            padded[self.pad_before..self.pad_before + length]
                .copy_from_slice(&x[channel * length..(channel + 1) * length]);
            let row = &mut out[channel * out_length..(channel + 1) * out_length];
            row.fill(bias[channel]);
            for tap in 0..taps {
                let weight = kernel[channel * taps + tap];
                let from = tap * self.dilation;
                for (o, &v) in row.iter_mut().zip(&padded[from..from + out_length]) {
                    *o += weight * v;
                }
            }
        }
        out
    }
}

impl Op for DepthwiseConv1d {
    fn name(&self) -> StaticName {
        "pod.DepthwiseConv1d".into()
    }
    op_as_typed_op!();
}

impl EvalOp for DepthwiseConv1d {
    op_out_of_plan!();
    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let data = inputs[0].to_plain_array_view::<f32>()?;
        ensure!(
            data.shape().len() == 3 && data.shape()[0] == 1 && data.shape()[1] == self.channels,
            "depthwise convolution over {:?}, not [1, {}, time]",
            data.shape(),
            self.channels
        );
        let x = match data.as_slice() {
            Some(x) => Cow::Borrowed(x),
            None => Cow::Owned(data.iter().copied().collect()),
        };
        let kernel = inputs[1].try_as_plain_ram()?;
        let bias = inputs[2].try_as_plain_ram()?;
        let (kernel, bias) = (kernel.as_slice::<f32>()?, bias.as_slice::<f32>()?);
        ensure!(kernel.len() == self.channels * self.taps && bias.len() == self.channels);
        let out = self.run(&x, kernel, bias);
        let out_length = out.len() / self.channels;
        Ok(tvec!(
            Tensor::from_shape(&[1, self.channels, out_length], &out)?.into_tvalue()
        ))
    }
}

impl TypedOp for DepthwiseConv1d {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let mut shape: TVec<TDim> = inputs[0].shape.iter().cloned().collect();
        shape[2] =
            shape[2].clone() + (self.pad_before + self.pad_after) as i64 - self.reach() as i64;
        Ok(tvec!(f32::fact(&*shape)))
    }
    as_op!();
}

/// `tensor * scale` with the scale a one-element tensor known only at run
/// time (a dynamically quantised product's scale).
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct ScaleByRuntimeScalar {
    /// Which of the two inputs is the scale.
    pub scale_input: usize,
}

impl ScaleByRuntimeScalar {
    /// This op in place of `node`, if it is a float `Mul` of a tensor by a
    /// computed one-element tensor of the same rank.
    fn replacing(model: &TypedModel, node: &TypedNode) -> Option<ScaleByRuntimeScalar> {
        if node.op.name() != "Mul" || node.inputs.len() != 2 {
            return None;
        }
        let facts = [
            model.outlet_fact(node.inputs[0]).ok()?,
            model.outlet_fact(node.inputs[1]).ok()?,
        ];
        let output = model.outlet_fact(OutletId::new(node.id, 0)).ok()?;
        let computed_floats = facts
            .iter()
            .chain([&output])
            .all(|f| f.datum_type == f32::datum_type() && f.konst.is_none());
        if !computed_floats || facts[0].rank() != facts[1].rank() {
            return None;
        }
        let unit = |f: &TypedFact| f.shape.iter().all(|d| *d == TDim::Val(1));
        let scale_input = match (unit(facts[0]), unit(facts[1])) {
            (false, true) => 1,
            (true, false) => 0,
            _ => return None,
        };
        (output.shape == facts[1 - scale_input].shape)
            .then_some(ScaleByRuntimeScalar { scale_input })
    }
}

impl Op for ScaleByRuntimeScalar {
    fn name(&self) -> StaticName {
        "pod.ScaleByRuntimeScalar".into()
    }
    op_as_typed_op!();
}

impl EvalOp for ScaleByRuntimeScalar {
    op_out_of_plan!();
    fn eval(&self, _ctx: &EvalContext, mut inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let scale = inputs.remove(self.scale_input);
        let scale = *scale
            .try_as_plain_ram()?
            .as_slice::<f32>()?
            .first()
            .context("an empty scale")?;
        let mut tensor = inputs.remove(0).into_tensor();
        for v in tensor.try_as_plain_ram_mut()?.as_slice_mut::<f32>()? {
            *v *= scale;
        }
        Ok(tvec!(tensor.into_tvalue()))
    }
}

impl TypedOp for ScaleByRuntimeScalar {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(inputs[1 - self.scale_input].without_value()))
    }
    as_op!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_pcg::Pcg64Mcg;
    use rand_pcg::rand_core::{Rng, SeedableRng};

    /// ONNX's definition, as tract writes it.
    fn quantize_as_onnx_defines(xs: &[f32]) -> (Vec<u8>, f32, u8) {
        let min = xs.iter().fold(0f32, |m, &x| if x < m { x } else { m });
        let max = xs.iter().fold(0f32, |m, &x| if x > m { x } else { m });
        let scale = (max - min) / 255.0;
        let zero_point = (-min / scale).round_ties_even().clamp(0.0, 255.0) as u8;
        let ys = xs
            .iter()
            .map(|&x| {
                ((x / scale).round_ties_even() as i32 + i32::from(zero_point)).clamp(0, 255) as u8
            })
            .collect();
        (ys, scale, zero_point)
    }

    fn floats(rng: &mut Pcg64Mcg, n: usize, low: f32, high: f32) -> Vec<f32> {
        (0..n)
            .map(|_| low + (high - low) * (rng.next_u32() as f32 / u32::MAX as f32))
            .collect()
    }

    #[test]
    fn quantizes_to_the_same_bytes_as_the_definition() {
        let mut rng = Pcg64Mcg::seed_from_u64(7);
        let mut cases = vec![
            vec![],
            vec![0.0; 40],
            vec![0., 2., -3., -2.5, 1.34, 0.5],
            vec![-1., -2.1, -1.3, -2.5, -3.34, -4.],
            vec![1., 2.1, 1.3, 2.5, 3.34, 4., 1.5, 2.6, 3.9, 4., 3., 2.345],
            // Exact halves of the scale: ties must go to even.
            (0..=510).map(|i| i as f32 * 0.5).collect(),
            vec![f32::NAN, 1.0, -1.0, 0.25],
        ];
        for (n, (low, high)) in [(1000, (-3.0, 5.0)), (37, (0.5, 9.0)), (4099, (-1e-3, 2e-4))] {
            cases.push(floats(&mut rng, n, low, high));
        }
        for xs in cases {
            let (ys, scale, zero) = quantize(&xs);
            let (want, want_scale, want_zero) = quantize_as_onnx_defines(&xs);
            assert_eq!((ys, zero), (want, want_zero), "{xs:?}");
            assert_eq!(scale.to_bits(), want_scale.to_bits());
        }
    }

    #[test]
    fn depthwise_convolution_is_each_channel_filtered_by_its_own_taps() {
        let mut rng = Pcg64Mcg::seed_from_u64(3);
        for (taps, dilation, pad) in [(7, 1, 3), (7, 4, 12), (5, 2, 4), (1, 1, 0), (3, 1, 0)] {
            let op = DepthwiseConv1d {
                channels: 3,
                taps,
                dilation,
                pad_before: pad,
                pad_after: pad,
            };
            let length = 40;
            let x = floats(&mut rng, 3 * length, -1.0, 1.0);
            let kernel = floats(&mut rng, 3 * taps, -1.0, 1.0);
            let bias = floats(&mut rng, 3, -1.0, 1.0);
            let out = op.run(&x, &kernel, &bias);
            let out_length = length + 2 * pad - dilation * (taps - 1);
            assert_eq!(out.len(), 3 * out_length);
            for c in 0..3 {
                for t in 0..out_length {
                    let mut want = f64::from(bias[c]);
                    for k in 0..taps {
                        let at = (t + k * dilation) as isize - pad as isize;
                        if (0..length as isize).contains(&at) {
                            want += f64::from(kernel[c * taps + k])
                                * f64::from(x[c * length + at as usize]);
                        }
                    }
                    let got = f64::from(out[c * out_length + t]);
                    assert!((got - want).abs() < 1e-5, "c {c} t {t}: {got} vs {want}");
                }
            }
        }
    }
}
