//! Encodes a busy, moving 320x240 sequence (gradients, noise and a moving
//! square: motion search, intra prediction, deblocking and the quantiser
//! all have work) with pod's own encoder settings, and prints the blake3 of
//! every sample's bytes.

#[allow(dead_code)]
#[path = "../../../../src/video/h264.rs"]
mod h264;

fn frame(w: usize, h: usize, t: usize) -> Vec<u8> {
    let mut seed = 0x2545_f491_u32.wrapping_add(t as u32);
    let mut out = Vec::with_capacity(w * h * 4);
    for y in 0..h {
        for x in 0..w {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let noise = (seed & 15) as usize;
            let square = x.wrapping_sub(t * 3) < 40 && y.wrapping_sub(t * 2) < 40;
            let px = if square {
                [250, 240, 20, 255]
            } else {
                [
                    ((x + t) * 255 / w + noise) as u8,
                    ((y * 2 + t) % 256) as u8,
                    (((x ^ y) + noise) % 256) as u8,
                    255,
                ]
            };
            out.extend_from_slice(&px);
        }
    }
    out
}

fn main() {
    let (w, h, fps, frames) = (320, 240, 30, 60);
    let mut encoder = h264::H264::new(w as u32, h as u32, fps, 20).expect("encoder");
    let mut hasher = blake3::Hasher::new();
    let mut bytes = 0;
    for t in 0..frames {
        let sample = encoder.encode(&frame(w, h, t), t == 0).expect("encode");
        hasher.update(&sample.data);
        hasher.update(&[sample.sync as u8]);
        bytes += sample.data.len();
    }
    println!("{} {bytes} bytes, {frames} frames", hasher.finalize().to_hex());
}
