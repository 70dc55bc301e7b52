/**
 * The forward pass of face-api's Tiny Face Detector (a Tiny YOLOv2 with
 * depthwise separable convolutions, 8-bit quantised weights; see
 * docs/faces.md for its provenance and licence), on Float32Arrays in HWC order
 * (channels last, as TensorFlow.js lays them out, so the weights are used as
 * they are stored). Layers, as the model's own code runs them:
 *   conv0: 3x3 convolution 3→16, no padding, leaky ReLU; 2x2 max pool
 *   conv1..conv5: 3x3 depthwise + 1x1 pointwise (16→32→…→512), padding 1, bias,
 *     leaky ReLU; 2x2 max pool (stride 2, the last one stride 1)
 *   conv8: 1x1 convolution 512→25 (5 anchors x [x, y, w, h, score]).
 */

interface Tensor {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
}

interface WeightSpec {
  name: string;
  shape: number[];
  quantization: { scale: number; min: number; dtype: string };
}

export interface TinyFaceWeights {
  conv0: { filters: Float32Array; bias: Float32Array };
  separable: { depthwise: Float32Array; pointwise: Float32Array; bias: Float32Array }[];
  conv8: { filters: Float32Array; bias: Float32Array };
}

/** Float bytes the input and the largest activations take for an input of `pixels` pixels (what detection charges). */
export const activationBytes = (pixels: number) => (pixels * 3 + pixels * 16 + (pixels / 4) * (16 + 32)) * 4;

/** Dequantises the shard as its manifest lists the tensors (value = byte * scale + min). */
export function loadWeights(manifest: { weights: WeightSpec[] }[], bin: Uint8Array): TinyFaceWeights {
  const tensors = new Map<string, Float32Array>();
  let offset = 0;
  for (const spec of manifest.flatMap((g) => g.weights)) {
    if (spec.quantization.dtype !== 'uint8') throw new Error(`Face model: ${spec.name} is not 8-bit quantised`);
    const n = spec.shape.reduce((a, b) => a * b, 1);
    if (offset + n > bin.length) throw new Error('Face model: the weights file is shorter than its manifest');
    const { scale, min } = spec.quantization;
    tensors.set(
      spec.name,
      Float32Array.from(bin.subarray(offset, offset + n), (q) => q * scale + min),
    );
    offset += n;
  }
  const get = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`Face model: ${name} is missing`);
    return t;
  };
  const separable = [1, 2, 3, 4, 5].map((i) => {
    const bias = get(`conv${i}/bias`);
    return { depthwise: get(`conv${i}/depthwise_filter`), pointwise: transpose(get(`conv${i}/pointwise_filter`), bias.length), bias };
  });
  const conv8 = get('conv8/bias');
  return {
    conv0: { filters: transpose(get('conv0/filters'), 16), bias: get('conv0/bias') },
    separable,
    conv8: { filters: transpose(get('conv8/filters'), conv8.length), bias: conv8 },
  };
}

/** [k][out] → [out][k]: each output's weights side by side, so a dot product reads them in order. */
function transpose(w: Float32Array, out: number): Float32Array {
  const k = w.length / out;
  const t = new Float32Array(w.length);
  for (let i = 0; i < k; i++) for (let o = 0; o < out; o++) t[o * k + i] = w[i * out + o];
  return t;
}

const LEAK = 0.10000000149011612;

/** conv0: 3x3, 3→16, "valid" (no padding), bias, leaky ReLU; `filters` transposed to [out][ky][kx][in]. */
function conv0(x: Tensor, filters: Float32Array, bias: Float32Array): Tensor {
  const out = bias.length;
  const h = x.height - 2;
  const w = x.width - 2;
  const data = new Float32Array(h * w * out);
  const patch = new Float32Array(27);
  const rowStride = x.width * 3;
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      const src = (y * x.width + xx) * 3;
      for (let ky = 0; ky < 3; ky++) for (let k = 0; k < 9; k++) patch[ky * 9 + k] = x.data[src + ky * rowStride + k];
      const dst = (y * w + xx) * out;
      for (let o = 0; o < out; o++) {
        let s = bias[o];
        const f = o * 27;
        for (let k = 0; k < 27; k++) s += patch[k] * filters[f + k];
        data[dst + o] = s > 0 ? s : s * LEAK;
      }
    }
  }
  return { data, height: h, width: w, channels: out };
}

/** 3x3 depthwise (padding 1, no bias) then 1x1 pointwise (`pw` transposed to [out][in]), bias, leaky ReLU, one output pixel at a time. */
function separableConv(x: Tensor, dw: Float32Array, pw: Float32Array, bias: Float32Array): Tensor {
  const { height: h, width: w, channels: c } = x;
  const out = bias.length;
  const data = new Float32Array(h * w * out);
  const mid = new Float32Array(c);
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      mid.fill(0);
      for (let ky = -1; ky <= 1; ky++) {
        const sy = y + ky;
        if (sy < 0 || sy >= h) continue;
        for (let kx = -1; kx <= 1; kx++) {
          const sx = xx + kx;
          if (sx < 0 || sx >= w) continue;
          const src = (sy * w + sx) * c;
          const f = ((ky + 1) * 3 + kx + 1) * c;
          for (let i = 0; i < c; i++) mid[i] += x.data[src + i] * dw[f + i];
        }
      }
      pointwiseInto(mid, c, pw, bias, data, (y * w + xx) * out);
    }
  }
  return { data, height: h, width: w, channels: out };
}

/**
 * One pixel's 1x1 convolution (`pw` as [out][in]) with bias and leaky ReLU,
 * four outputs at a time so each input value is read once per four (the
 * output counts here are all multiples of 4).
 */
function pointwiseInto(mid: Float32Array, c: number, pw: Float32Array, bias: Float32Array, data: Float32Array, dst: number): void {
  const out = bias.length;
  for (let o = 0; o < out; o += 4) {
    let s0 = bias[o];
    let s1 = bias[o + 1];
    let s2 = bias[o + 2];
    let s3 = bias[o + 3];
    const r0 = o * c;
    const r1 = r0 + c;
    const r2 = r1 + c;
    const r3 = r2 + c;
    for (let i = 0; i < c; i++) {
      const v = mid[i];
      s0 += v * pw[r0 + i];
      s1 += v * pw[r1 + i];
      s2 += v * pw[r2 + i];
      s3 += v * pw[r3 + i];
    }
    data[dst + o] = s0 > 0 ? s0 : s0 * LEAK;
    data[dst + o + 1] = s1 > 0 ? s1 : s1 * LEAK;
    data[dst + o + 2] = s2 > 0 ? s2 : s2 * LEAK;
    data[dst + o + 3] = s3 > 0 ? s3 : s3 * LEAK;
  }
}

/** 2x2 max pool, "same" padding (the window is cut at the bottom and right edges). */
function maxPool(x: Tensor, stride: 1 | 2): Tensor {
  const { channels: c } = x;
  const h = Math.ceil(x.height / stride);
  const w = Math.ceil(x.width / stride);
  const data = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++) {
    const y0 = y * stride;
    const y1 = Math.min(x.height - 1, y0 + 1);
    for (let xx = 0; xx < w; xx++) {
      const x0 = xx * stride;
      const x1 = Math.min(x.width - 1, x0 + 1);
      const a = (y0 * x.width + x0) * c;
      const b = (y0 * x.width + x1) * c;
      const d = (y1 * x.width + x0) * c;
      const e = (y1 * x.width + x1) * c;
      const dst = (y * w + xx) * c;
      for (let i = 0; i < c; i++) data[dst + i] = Math.max(x.data[a + i], x.data[b + i], x.data[d + i], x.data[e + i]);
    }
  }
  return { data, height: h, width: w, channels: c };
}

/** 1x1 convolution with bias and no activation (the detection head; `filters` transposed to [out][in]). */
function pointwise(x: Tensor, filters: Float32Array, bias: Float32Array): Tensor {
  const out = bias.length;
  const n = x.height * x.width;
  const data = new Float32Array(n * out);
  for (let p = 0; p < n; p++) {
    const dst = p * out;
    const src = p * x.channels;
    for (let o = 0; o < out; o++) {
      let s = bias[o];
      const row = o * x.channels;
      for (let i = 0; i < x.channels; i++) s += x.data[src + i] * filters[row + i];
      data[dst + o] = s;
    }
  }
  return { data, height: x.height, width: x.width, channels: out };
}

/**
 * Runs the network on a normalised `width` x `height` x 3 input (multiples of
 * 32: the network is convolutional, so any such shape works, one grid cell per
 * 32 input pixels); the grid of raw box encodings comes back.
 */
export function forward(weights: TinyFaceWeights, input: Float32Array, width: number, height: number): Tensor {
  let t: Tensor = { data: input, height, width, channels: 3 };
  t = maxPool(conv0(t, weights.conv0.filters, weights.conv0.bias), 2);
  weights.separable.forEach((layer, i) => {
    t = separableConv(t, layer.depthwise, layer.pointwise, layer.bias);
    t = maxPool(t, i < weights.separable.length - 1 ? 2 : 1);
  });
  return pointwise(t, weights.conv8.filters, weights.conv8.bias);
}
