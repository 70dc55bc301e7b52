/*
 * Separable Lanczos-3 resampler for 8-bit RGB/RGBA, vectorised with WASM SIMD.
 * Rows are filtered horizontally once each into a small ring of float rows,
 * and each output row is a weighted sum of the rows of its vertical window:
 * memory beyond source and destination is (window height + 1) float rows.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <wasm_simd128.h>
#include "fail.h"

typedef struct {
  int taps;      /* weights stored per output position */
  int *start;    /* first source index of each window */
  int *count;    /* window length */
  float *weight; /* taps weights per output position, normalised to sum 1 */
} Filter;

static double lanczos3(double x) {
  if (x == 0) return 1;
  if (x <= -3 || x >= 3) return 0;
  double px = M_PI * x;
  return 3 * sin(px) * sin(px / 3) / (px * px);
}

static void *must(void *p) {
  if (!p) codec_fail("out of memory");
  return p;
}

/* Taps outside the image are folded onto its edge pixel (clamp-to-edge). */
static Filter build_filter(int in, int out) {
  double scale = (double)out / in;
  double stretch = scale < 1 ? scale : 1;
  double support = 3 / stretch;
  Filter f;
  f.taps = (int)ceil(2 * support) + 3;
  if (f.taps > in) f.taps = in;
  f.start = must(malloc(sizeof(int) * out));
  f.count = must(malloc(sizeof(int) * out));
  f.weight = must(calloc((size_t)out * f.taps, sizeof(float)));
  double *acc = must(malloc(sizeof(double) * f.taps));
  for (int i = 0; i < out; i++) {
    double center = (i + 0.5) / scale;
    int lo = (int)floor(center - support), hi = (int)ceil(center + support);
    int first = lo < 0 ? 0 : lo;
    int last = hi > in - 1 ? in - 1 : hi;
    if (first > in - 1) first = in - 1;
    if (last < first) last = first;
    for (int k = 0; k < f.taps; k++) acc[k] = 0;
    double sum = 0;
    for (int j = lo; j <= hi; j++) {
      double w = lanczos3((j + 0.5 - center) * stretch);
      int at = j < first ? first : j > last ? last : j;
      acc[at - first] += w;
      sum += w;
    }
    int n = last - first + 1;
    while (n > 1 && acc[n - 1] == 0) n--;
    int skip = 0;
    while (skip < n - 1 && acc[skip] == 0) skip++;
    f.start[i] = first + skip;
    f.count[i] = n - skip;
    for (int k = 0; k < n - skip; k++) f.weight[(size_t)i * f.taps + k] = (float)(acc[k + skip] / sum);
  }
  free(acc);
  return f;
}

static void free_filter(Filter *f) {
  free(f->start);
  free(f->count);
  free(f->weight);
}

/* A source row as floats, padded so four-lane loads at the last pixel stay inside. */
static void widen_row(const uint8_t *src, float *dst, int n) {
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    v128_t b = wasm_v128_load(src + i);
    v128_t lo = wasm_u16x8_extend_low_u8x16(b), hi = wasm_u16x8_extend_high_u8x16(b);
    wasm_v128_store(dst + i, wasm_f32x4_convert_u32x4(wasm_u32x4_extend_low_u16x8(lo)));
    wasm_v128_store(dst + i + 4, wasm_f32x4_convert_u32x4(wasm_u32x4_extend_high_u16x8(lo)));
    wasm_v128_store(dst + i + 8, wasm_f32x4_convert_u32x4(wasm_u32x4_extend_low_u16x8(hi)));
    wasm_v128_store(dst + i + 12, wasm_f32x4_convert_u32x4(wasm_u32x4_extend_high_u16x8(hi)));
  }
  for (; i < n; i++) dst[i] = src[i];
  dst[n] = 0;
}

/* One pixel is one f32x4; with 3 channels the fourth lane is the next pixel's
   red, computed and then overwritten by the next store. */
static void filter_row(const float *src, float *dst, int out, int channels, const Filter *f) {
  for (int i = 0; i < out; i++) {
    const float *p = src + (size_t)f->start[i] * channels;
    const float *w = f->weight + (size_t)i * f->taps;
    v128_t acc = wasm_f32x4_splat(0);
    int k = 0, n = f->count[i];
    for (; k + 2 <= n; k += 2) {
      acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(p), wasm_f32x4_splat(w[k])));
      acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(p + channels), wasm_f32x4_splat(w[k + 1])));
      p += 2 * channels;
    }
    if (k < n) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(p), wasm_f32x4_splat(w[k])));
    wasm_v128_store(dst + (size_t)i * channels, acc);
  }
}

static uint8_t clamp_byte(float v) {
  v += 0.5f;
  return v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)v;
}

/*
 * Resamples the region (sx, sy0, sw, sh) of an image `stride` pixels wide to
 * dw x dh. result is a fresh buffer of dw*dh*channels bytes (plus one spare
 * byte, like the decoder's), which the caller frees. src must have a spare
 * byte too.
 */
__attribute__((export_name("resize"))) uint8_t *resize(
    const uint8_t *src, int stride, int sx, int sy0, int sw, int sh, int dw, int dh, int channels) {
  if (sw < 1 || sh < 1 || dw < 1 || dh < 1) codec_fail("resize: empty image");
  if (channels != 3 && channels != 4) codec_fail("resize: channels must be 3 or 4");
  if (sx < 0 || sy0 < 0 || sx + sw > stride) codec_fail("resize: region outside the image");
  Filter fx = build_filter(sw, dw), fy = build_filter(sh, dh);
  int in_n = sw * channels, out_n = dw * channels;
  int ring_rows = fy.taps;
  int padded = (out_n + 4 + 3) & ~3;
  float *wide = must(malloc(sizeof(float) * (in_n + 4)));
  float *ring = must(malloc(sizeof(float) * padded * (size_t)ring_rows));
  int *held = must(malloc(sizeof(int) * ring_rows));
  for (int r = 0; r < ring_rows; r++) held[r] = -1;
  uint8_t *dst = must(malloc((size_t)out_n * dh + 1));
  const float **rows = must(malloc(sizeof(float *) * ring_rows));
  for (int y = 0; y < dh; y++) {
    int first = fy.start[y], n = fy.count[y];
    const float *w = fy.weight + (size_t)y * fy.taps;
    for (int k = 0; k < n; k++) {
      int sy = first + k, slot = sy % ring_rows;
      float *row = ring + (size_t)slot * padded;
      if (held[slot] != sy) {
        widen_row(src + ((size_t)(sy + sy0) * stride + sx) * channels, wide, in_n);
        filter_row(wide, row, dw, channels, &fx);
        held[slot] = sy;
      }
      rows[k] = row;
    }
    uint8_t *out = dst + (size_t)y * out_n;
    int j = 0;
    for (; j + 4 <= out_n; j += 4) {
      v128_t acc = wasm_f32x4_splat(0);
      for (int k = 0; k < n; k++)
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(rows[k] + j), wasm_f32x4_splat(w[k])));
      v128_t i32 = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_add(acc, wasm_f32x4_splat(0.5f)));
      v128_t i16 = wasm_i16x8_narrow_i32x4(i32, i32);
      v128_t u8 = wasm_u8x16_narrow_i16x8(i16, i16);
      wasm_v128_store32_lane(out + j, u8, 0);
    }
    for (; j < out_n; j++) {
      float acc = 0;
      for (int k = 0; k < n; k++) acc += rows[k][j] * w[k];
      out[j] = clamp_byte(acc);
    }
  }
  free(rows);
  free(held);
  free(ring);
  free(wide);
  free_filter(&fx);
  free_filter(&fy);
  return dst;
}
