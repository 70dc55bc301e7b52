/*
 * libjpeg-turbo's SIMD hooks (jsimd.h) in WASM SIMD128, replacing
 * jsimd_none.c. Each routine computes exactly what libjpeg-turbo's own C
 * routine computes (same 32-bit integer arithmetic, same rounding, the same
 * wrap-around of the IDCT range-limit table, the same zero-column shortcuts),
 * just four or eight lanes at a time, so output is bit-identical to the
 * scalar build (test/unit/jpeg-simd.test.ts holds the scalar checksums).
 * libjpeg-turbo is built without WITH_SIMD (wasm/config), so DCTELEM and
 * ISLOW_MULT_TYPE are int, not the short its x86/Arm SIMD code assumes.
 * Routines answered "no" here keep libjpeg-turbo's C. The arithmetic is
 * libjpeg-turbo's (jidctint.c, jidctred.c, jfdctint.c, jdsample.c, jcsample.c,
 * jdcolor.c, jccolor.c, jcdctmgr.c: IJG licence, see licenses/); the lane
 * layout follows its Arm NEON intrinsics (simd/arm/).
 */
#define JPEG_INTERNALS
#include <errno.h>
#include <wasm_simd128.h>
#include "jinclude.h"
#include "jpeglib.h"
#include "jsimd.h"
#include "jdct.h"
#include "jsimddct.h"

typedef v128_t V;

/* ---------- shared helpers ---------- */

#define I32(x) wasm_i32x4_splat(x)

/* The 8-bit IDCT range limit the way libjpeg's table does it: index
   (x & RANGE_MASK) into a table centred at CENTERJSAMPLE, which clamps
   x in [-640, 511] and wraps beyond. v = (x + 128) & 1023: v < 256 -> v,
   v < 640 -> 255, else 0. */
static inline V range_limit(V x) {
  V v = wasm_v128_and(wasm_i32x4_add(x, I32(CENTERJSAMPLE)), I32(RANGE_MASK));
  V clamped = wasm_i32x4_min(v, I32(MAXJSAMPLE));
  return wasm_v128_and(clamped, wasm_i32x4_lt(v, I32(640)));
}

static inline V descale(V x, int n) { return wasm_i32x4_shr(wasm_i32x4_add(x, I32(1 << (n - 1))), n); }

/* 4x4 transpose of 32-bit lanes. */
static inline void transpose4(V *a, V *b, V *c, V *d) {
  V t0 = wasm_i32x4_shuffle(*a, *b, 0, 4, 1, 5);
  V t1 = wasm_i32x4_shuffle(*a, *b, 2, 6, 3, 7);
  V t2 = wasm_i32x4_shuffle(*c, *d, 0, 4, 1, 5);
  V t3 = wasm_i32x4_shuffle(*c, *d, 2, 6, 3, 7);
  *a = wasm_i64x2_shuffle(t0, t2, 0, 2);
  *b = wasm_i64x2_shuffle(t0, t2, 1, 3);
  *c = wasm_i64x2_shuffle(t1, t3, 0, 2);
  *d = wasm_i64x2_shuffle(t1, t3, 1, 3);
}

/* 8x8 transpose of 16-bit lanes: r[j][i] <- r[i][j]. */
static inline void transpose8x16(V r[8]) {
  V t0 = wasm_i16x8_shuffle(r[0], r[1], 0, 8, 1, 9, 2, 10, 3, 11);
  V t1 = wasm_i16x8_shuffle(r[0], r[1], 4, 12, 5, 13, 6, 14, 7, 15);
  V t2 = wasm_i16x8_shuffle(r[2], r[3], 0, 8, 1, 9, 2, 10, 3, 11);
  V t3 = wasm_i16x8_shuffle(r[2], r[3], 4, 12, 5, 13, 6, 14, 7, 15);
  V t4 = wasm_i16x8_shuffle(r[4], r[5], 0, 8, 1, 9, 2, 10, 3, 11);
  V t5 = wasm_i16x8_shuffle(r[4], r[5], 4, 12, 5, 13, 6, 14, 7, 15);
  V t6 = wasm_i16x8_shuffle(r[6], r[7], 0, 8, 1, 9, 2, 10, 3, 11);
  V t7 = wasm_i16x8_shuffle(r[6], r[7], 4, 12, 5, 13, 6, 14, 7, 15);
  V u0 = wasm_i32x4_shuffle(t0, t2, 0, 4, 1, 5);
  V u1 = wasm_i32x4_shuffle(t0, t2, 2, 6, 3, 7);
  V u2 = wasm_i32x4_shuffle(t1, t3, 0, 4, 1, 5);
  V u3 = wasm_i32x4_shuffle(t1, t3, 2, 6, 3, 7);
  V u4 = wasm_i32x4_shuffle(t4, t6, 0, 4, 1, 5);
  V u5 = wasm_i32x4_shuffle(t4, t6, 2, 6, 3, 7);
  V u6 = wasm_i32x4_shuffle(t5, t7, 0, 4, 1, 5);
  V u7 = wasm_i32x4_shuffle(t5, t7, 2, 6, 3, 7);
  r[0] = wasm_i64x2_shuffle(u0, u4, 0, 2);
  r[1] = wasm_i64x2_shuffle(u0, u4, 1, 3);
  r[2] = wasm_i64x2_shuffle(u1, u5, 0, 2);
  r[3] = wasm_i64x2_shuffle(u1, u5, 1, 3);
  r[4] = wasm_i64x2_shuffle(u2, u6, 0, 2);
  r[5] = wasm_i64x2_shuffle(u2, u6, 1, 3);
  r[6] = wasm_i64x2_shuffle(u3, u7, 0, 2);
  r[7] = wasm_i64x2_shuffle(u3, u7, 1, 3);
}

/* Low 16 bits of each 32-bit lane of a and b (C's cast to short, no saturation). */
static inline V narrow_wrap(V a, V b) { return wasm_i16x8_shuffle(a, b, 0, 2, 4, 6, 8, 10, 12, 14); }

/* Lanes of a where mask is set, else b. */
static inline V pick(V mask, V a, V b) { return wasm_v128_bitselect(a, b, mask); }

static inline V load8_u16(const JSAMPLE *p) { return wasm_u16x8_load8x8(p); }

/* DCT constants: jidctint.c / jfdctint.c (CONST_BITS 13) and jidctred.c. */
#define CONST_BITS 13
#define PASS1_BITS 2
#define FIX_0_298631336 ((JLONG)2446)
#define FIX_0_390180644 ((JLONG)3196)
#define FIX_0_541196100 ((JLONG)4433)
#define FIX_0_765366865 ((JLONG)6270)
#define FIX_0_899976223 ((JLONG)7373)
#define FIX_1_175875602 ((JLONG)9633)
#define FIX_1_501321110 ((JLONG)12299)
#define FIX_1_847759065 ((JLONG)15137)
#define FIX_1_961570560 ((JLONG)16069)
#define FIX_2_053119869 ((JLONG)16819)
#define FIX_2_562915447 ((JLONG)20995)
#define FIX_3_072711026 ((JLONG)25172)
/* jidctred.c's */
#define FIX_0_211164243 ((JLONG)1730)
#define FIX_0_509795579 ((JLONG)4176)
#define FIX_0_601344887 ((JLONG)4926)
#define FIX_0_720959822 ((JLONG)5906)
#define FIX_0_850430095 ((JLONG)6967)
#define FIX_1_061594337 ((JLONG)8697)
#define FIX_1_272758580 ((JLONG)10426)
#define FIX_1_451774981 ((JLONG)11893)
#define FIX_2_172734803 ((JLONG)17799)
#define FIX_3_624509785 ((JLONG)29692)

#define MUL(a, c) wasm_i32x4_mul((a), I32((int32_t)(c)))

/* ---------- colour conversion ---------- */

GLOBAL(int)
jsimd_can_rgb_ycc(void)
{
  return 1;
}

GLOBAL(int)
jsimd_can_rgb_gray(void)
{
  return 0;
}

GLOBAL(int)
jsimd_can_ycc_rgb(void)
{
  return 1;
}

GLOBAL(int)
jsimd_can_ycc_rgb565(void)
{
  return 0;
}

GLOBAL(int)
jsimd_c_can_null_convert(void)
{
  return 0;
}

#define SCALEBITS 16
#define ONE_HALF ((JLONG)1 << (SCALEBITS - 1))
#define CBCR_OFFSET ((JLONG)CENTERJSAMPLE << SCALEBITS)
#define FIX(x) ((JLONG)((x) * (1L << SCALEBITS) + 0.5))

/* Pixel layout of each RGB-ish colour space (jmorecfg.h's EXT_* macros). */
struct rgb_layout {
  int r, g, b, size, alpha; /* alpha: byte offset of alpha or filler, -1 if none */
};

static struct rgb_layout layout_of(J_COLOR_SPACE cs) {
  switch (cs) {
    case JCS_EXT_RGBX:
    case JCS_EXT_RGBA: return (struct rgb_layout){ 0, 1, 2, 4, 3 };
    case JCS_EXT_BGR: return (struct rgb_layout){ 2, 1, 0, 3, -1 };
    case JCS_EXT_BGRX:
    case JCS_EXT_BGRA: return (struct rgb_layout){ 2, 1, 0, 4, 3 };
    case JCS_EXT_XBGR:
    case JCS_EXT_ABGR: return (struct rgb_layout){ 3, 2, 1, 4, 0 };
    case JCS_EXT_XRGB:
    case JCS_EXT_ARGB: return (struct rgb_layout){ 1, 2, 3, 4, 0 };
    default: return (struct rgb_layout){ 0, 1, 2, 3, -1 }; /* JCS_RGB, JCS_EXT_RGB */
  }
}

/* y + RIGHT_SHIFT(a*x1 + b*x2 + round, 16) for four lanes, as jdcolor.c's tables give it. */
static inline V ycc_term(V y, V x1, int32_t a, V x2, int32_t b, int32_t round) {
  V sum = wasm_i32x4_add(wasm_i32x4_mul(x1, I32(a)), I32(round));
  if (b) sum = wasm_i32x4_add(sum, wasm_i32x4_mul(x2, I32(b)));
  return wasm_i32x4_add(y, wasm_i32x4_shr(sum, SCALEBITS));
}

/* Sixteen samples as four i32x4 (lanes 0-3, 4-7, 8-11, 12-15), minus `centre`. */
static inline void widen16(V s, int centre, V out[4]) {
  V lo = wasm_i16x8_sub(wasm_u16x8_extend_low_u8x16(s), wasm_i16x8_splat(centre));
  V hi = wasm_i16x8_sub(wasm_u16x8_extend_high_u8x16(s), wasm_i16x8_splat(centre));
  out[0] = wasm_i32x4_extend_low_i16x8(lo);
  out[1] = wasm_i32x4_extend_high_i16x8(lo);
  out[2] = wasm_i32x4_extend_low_i16x8(hi);
  out[3] = wasm_i32x4_extend_high_i16x8(hi);
}

/* Four i32x4 of values the caller keeps in 0..255 (or saturates) to sixteen bytes. */
static inline V pack16(const V v[4]) {
  return wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(v[0], v[1]), wasm_i16x8_narrow_i32x4(v[2], v[3]));
}

/* Sixteen pixels of r, g, b (and alpha) bytes stored in `layout`. */
static inline void store_rgb16(JSAMPROW out, V r, V g, V b, struct rgb_layout L) {
  if (L.size == 3 && L.r == 0 && L.b == 2) {
    V t0 = wasm_i8x16_shuffle(r, g, 0, 16, 0, 1, 17, 0, 2, 18, 0, 3, 19, 0, 4, 20, 0, 5);
    V t1 = wasm_i8x16_shuffle(r, g, 21, 0, 6, 22, 0, 7, 23, 0, 8, 24, 0, 9, 25, 0, 10, 26);
    V t2 = wasm_i8x16_shuffle(r, g, 0, 11, 27, 0, 12, 28, 0, 13, 29, 0, 14, 30, 0, 15, 31, 0);
    wasm_v128_store(out, wasm_i8x16_shuffle(t0, b, 0, 1, 16, 3, 4, 17, 6, 7, 18, 9, 10, 19, 12, 13, 20, 15));
    wasm_v128_store(out + 16, wasm_i8x16_shuffle(t1, b, 0, 21, 2, 3, 22, 5, 6, 23, 8, 9, 24, 11, 12, 25, 14, 15));
    wasm_v128_store(out + 32, wasm_i8x16_shuffle(t2, b, 26, 1, 2, 27, 4, 5, 28, 7, 8, 29, 10, 11, 30, 13, 14, 31));
    return;
  }
  if (L.size == 4 && L.r == 0 && L.b == 2) {
    V a = wasm_i8x16_splat((char)MAXJSAMPLE);
    V rg_lo = wasm_i8x16_shuffle(r, g, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    V rg_hi = wasm_i8x16_shuffle(r, g, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    V ba_lo = wasm_i8x16_shuffle(b, a, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    V ba_hi = wasm_i8x16_shuffle(b, a, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    wasm_v128_store(out, wasm_i16x8_shuffle(rg_lo, ba_lo, 0, 8, 1, 9, 2, 10, 3, 11));
    wasm_v128_store(out + 16, wasm_i16x8_shuffle(rg_lo, ba_lo, 4, 12, 5, 13, 6, 14, 7, 15));
    wasm_v128_store(out + 32, wasm_i16x8_shuffle(rg_hi, ba_hi, 0, 8, 1, 9, 2, 10, 3, 11));
    wasm_v128_store(out + 48, wasm_i16x8_shuffle(rg_hi, ba_hi, 4, 12, 5, 13, 6, 14, 7, 15));
    return;
  }
  JSAMPLE rs[16], gs[16], bs[16];
  wasm_v128_store(rs, r);
  wasm_v128_store(gs, g);
  wasm_v128_store(bs, b);
  for (int i = 0; i < 16; i++, out += L.size) {
    out[L.r] = rs[i];
    out[L.g] = gs[i];
    out[L.b] = bs[i];
    if (L.alpha >= 0) out[L.alpha] = MAXJSAMPLE;
  }
}

GLOBAL(void)
jsimd_ycc_rgb_convert(j_decompress_ptr cinfo, JSAMPIMAGE input_buf,
                      JDIMENSION input_row, JSAMPARRAY output_buf,
                      int num_rows)
{
  struct rgb_layout L = layout_of(cinfo->out_color_space);
  JDIMENSION num_cols = cinfo->output_width;
  const int32_t crr = (int32_t)FIX(1.40200), cbb = (int32_t)FIX(1.77200);
  const int32_t crg = (int32_t)-FIX(0.71414), cbg = (int32_t)-FIX(0.34414);
  while (--num_rows >= 0) {
    JSAMPROW in0 = input_buf[0][input_row], in1 = input_buf[1][input_row], in2 = input_buf[2][input_row];
    JSAMPROW out = *output_buf++;
    input_row++;
    JDIMENSION col = 0;
    for (; col + 16 <= num_cols; col += 16, out += 16 * L.size) {
      V y[4], cb[4], cr[4], r[4], g[4], b[4];
      widen16(wasm_v128_load(in0 + col), 0, y);
      widen16(wasm_v128_load(in1 + col), CENTERJSAMPLE, cb);
      widen16(wasm_v128_load(in2 + col), CENTERJSAMPLE, cr);
      for (int k = 0; k < 4; k++) {
        r[k] = ycc_term(y[k], cr[k], crr, cr[k], 0, ONE_HALF);
        g[k] = ycc_term(y[k], cb[k], cbg, cr[k], crg, ONE_HALF);
        b[k] = ycc_term(y[k], cb[k], cbb, cb[k], 0, ONE_HALF);
      }
      store_rgb16(out, pack16(r), pack16(g), pack16(b), L);
    }
    for (; col < num_cols; col++, out += L.size) {
      int yy = in0[col], xb = in1[col] - CENTERJSAMPLE, xr = in2[col] - CENTERJSAMPLE;
      int rr = yy + (int)((crr * xr + ONE_HALF) >> SCALEBITS);
      int gg = yy + (int)((cbg * xb + ONE_HALF + crg * xr) >> SCALEBITS);
      int bb = yy + (int)((cbb * xb + ONE_HALF) >> SCALEBITS);
      out[L.r] = (JSAMPLE)(rr < 0 ? 0 : rr > MAXJSAMPLE ? MAXJSAMPLE : rr);
      out[L.g] = (JSAMPLE)(gg < 0 ? 0 : gg > MAXJSAMPLE ? MAXJSAMPLE : gg);
      out[L.b] = (JSAMPLE)(bb < 0 ? 0 : bb > MAXJSAMPLE ? MAXJSAMPLE : bb);
      if (L.alpha >= 0) out[L.alpha] = MAXJSAMPLE;
    }
  }
}

/* Sixteen pixels of `layout` split into r, g, b. */
static inline void load_rgb16(JSAMPROW in, V *r, V *g, V *b, struct rgb_layout L) {
  if (L.size == 3 && L.r == 0 && L.b == 2) {
    V v0 = wasm_v128_load(in), v1 = wasm_v128_load(in + 16), v2 = wasm_v128_load(in + 32);
    V t = wasm_i8x16_shuffle(v0, v1, 0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 0, 0, 0, 0, 0);
    *r = wasm_i8x16_shuffle(t, v2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 20, 23, 26, 29);
    t = wasm_i8x16_shuffle(v0, v1, 1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 0, 0, 0, 0, 0);
    *g = wasm_i8x16_shuffle(t, v2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 18, 21, 24, 27, 30);
    t = wasm_i8x16_shuffle(v0, v1, 2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 0, 0, 0, 0, 0, 0);
    *b = wasm_i8x16_shuffle(t, v2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 19, 22, 25, 28, 31);
    return;
  }
  if (L.size == 4 && L.r == 0 && L.b == 2) {
    V v0 = wasm_v128_load(in), v1 = wasm_v128_load(in + 16), v2 = wasm_v128_load(in + 32), v3 = wasm_v128_load(in + 48);
    /* Bytes 0..3 of each pixel gathered channel-major: c0 of px 0-7, c1 of px 0-7, ... */
    V lo = wasm_i8x16_shuffle(v0, v1, 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
    V lo2 = wasm_i8x16_shuffle(v0, v1, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
    V hi = wasm_i8x16_shuffle(v2, v3, 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
    V hi2 = wasm_i8x16_shuffle(v2, v3, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
    *r = wasm_i64x2_shuffle(lo, hi, 0, 2);
    *g = wasm_i64x2_shuffle(lo, hi, 1, 3);
    *b = wasm_i64x2_shuffle(lo2, hi2, 0, 2);
    return;
  }
  JSAMPLE rs[16], gs[16], bs[16];
  for (int i = 0; i < 16; i++, in += L.size) {
    rs[i] = in[L.r];
    gs[i] = in[L.g];
    bs[i] = in[L.b];
  }
  *r = wasm_v128_load(rs);
  *g = wasm_v128_load(gs);
  *b = wasm_v128_load(bs);
}

/* (a*r + b*g + c*b + k) >> 16 for sixteen pixels, as jccolor.c's table sums. */
static inline V rgb_term(const V r[4], const V g[4], const V b[4], int32_t a, int32_t bg, int32_t c, int32_t k) {
  V out[4];
  for (int i = 0; i < 4; i++) {
    V sum = wasm_i32x4_add(wasm_i32x4_add(wasm_i32x4_mul(r[i], I32(a)), wasm_i32x4_mul(g[i], I32(bg))),
                           wasm_i32x4_add(wasm_i32x4_mul(b[i], I32(c)), I32(k)));
    out[i] = wasm_i32x4_shr(sum, SCALEBITS);
  }
  return pack16(out);
}

GLOBAL(void)
jsimd_rgb_ycc_convert(j_compress_ptr cinfo, JSAMPARRAY input_buf,
                      JSAMPIMAGE output_buf, JDIMENSION output_row,
                      int num_rows)
{
  struct rgb_layout L = layout_of(cinfo->in_color_space);
  JDIMENSION num_cols = cinfo->image_width;
  const int32_t yr = (int32_t)FIX(0.29900), yg = (int32_t)FIX(0.58700), yb = (int32_t)FIX(0.11400);
  const int32_t cbr = (int32_t)-FIX(0.16874), cbg = (int32_t)-FIX(0.33126), half = (int32_t)FIX(0.50000);
  const int32_t crg = (int32_t)-FIX(0.41869), crb = (int32_t)-FIX(0.08131);
  const int32_t ck = (int32_t)(CBCR_OFFSET + ONE_HALF - 1);
  while (--num_rows >= 0) {
    JSAMPROW in = *input_buf++;
    JSAMPROW out0 = output_buf[0][output_row], out1 = output_buf[1][output_row], out2 = output_buf[2][output_row];
    output_row++;
    JDIMENSION col = 0;
    for (; col + 16 <= num_cols; col += 16, in += 16 * L.size) {
      V r8, g8, b8, r[4], g[4], b[4];
      load_rgb16(in, &r8, &g8, &b8, L);
      widen16(r8, 0, r);
      widen16(g8, 0, g);
      widen16(b8, 0, b);
      wasm_v128_store(out0 + col, rgb_term(r, g, b, yr, yg, yb, (int32_t)ONE_HALF));
      wasm_v128_store(out1 + col, rgb_term(r, g, b, cbr, cbg, half, ck));
      wasm_v128_store(out2 + col, rgb_term(r, g, b, half, crg, crb, ck));
    }
    for (; col < num_cols; col++, in += L.size) {
      int32_t r = in[L.r], g = in[L.g], b = in[L.b];
      out0[col] = (JSAMPLE)((yr * r + yg * g + yb * b + (int32_t)ONE_HALF) >> SCALEBITS);
      out1[col] = (JSAMPLE)((cbr * r + cbg * g + half * b + ck) >> SCALEBITS);
      out2[col] = (JSAMPLE)((half * r + crg * g + crb * b + ck) >> SCALEBITS);
    }
  }
}

GLOBAL(void)
jsimd_rgb_gray_convert(j_compress_ptr cinfo, JSAMPARRAY input_buf,
                       JSAMPIMAGE output_buf, JDIMENSION output_row,
                       int num_rows)
{
}

GLOBAL(void)
jsimd_ycc_rgb565_convert(j_decompress_ptr cinfo, JSAMPIMAGE input_buf,
                         JDIMENSION input_row, JSAMPARRAY output_buf,
                         int num_rows)
{
}

GLOBAL(void)
jsimd_c_null_convert(j_compress_ptr cinfo, JSAMPARRAY input_buf,
                     JSAMPIMAGE output_buf, JDIMENSION output_row,
                     int num_rows)
{
}

/* ---------- downsampling (encoder) ---------- */

GLOBAL(int)
jsimd_can_h2v2_downsample(void)
{
  return 1;
}

GLOBAL(int)
jsimd_can_h2v1_downsample(void)
{
  return 0;
}

GLOBAL(int)
jsimd_can_h2v2_smooth_downsample(void)
{
  return 0;
}

/* jcsample.c's expand_right_edge: repeat each row's last sample out to output_cols. */
static void expand_right_edge(JSAMPARRAY image_data, int num_rows, JDIMENSION input_cols, JDIMENSION output_cols) {
  if (output_cols <= input_cols) return;
  for (int row = 0; row < num_rows; row++) {
    JSAMPROW ptr = image_data[row] + input_cols;
    memset(ptr, ptr[-1], output_cols - input_cols);
  }
}

/* jcsample.c's h2v2_downsample: 2x2 box average with biases 1, 2 alternating. */
GLOBAL(void)
jsimd_h2v2_downsample(j_compress_ptr cinfo, jpeg_component_info *compptr,
                      JSAMPARRAY input_data, JSAMPARRAY output_data)
{
  JDIMENSION output_cols = compptr->width_in_blocks * DCTSIZE;
  expand_right_edge(input_data, cinfo->max_v_samp_factor, cinfo->image_width, output_cols * 2);
  const V bias = wasm_i16x8_make(1, 2, 1, 2, 1, 2, 1, 2);
  int inrow = 0;
  for (int outrow = 0; outrow < compptr->v_samp_factor; outrow++, inrow += 2) {
    JSAMPROW in0 = input_data[inrow], in1 = input_data[inrow + 1], out = output_data[outrow];
    /* output_cols is a multiple of DCTSIZE (8). */
    for (JDIMENSION col = 0; col < output_cols; col += 8) {
      V sum = wasm_i16x8_add(wasm_u16x8_extadd_pairwise_u8x16(wasm_v128_load(in0 + 2 * col)),
                             wasm_u16x8_extadd_pairwise_u8x16(wasm_v128_load(in1 + 2 * col)));
      V avg = wasm_u16x8_shr(wasm_i16x8_add(sum, bias), 2);
      wasm_v128_store64_lane(out + col, wasm_u8x16_narrow_i16x8(avg, avg), 0);
    }
  }
}

GLOBAL(void)
jsimd_h2v2_smooth_downsample(j_compress_ptr cinfo,
                             jpeg_component_info *compptr,
                             JSAMPARRAY input_data, JSAMPARRAY output_data)
{
}

GLOBAL(void)
jsimd_h2v1_downsample(j_compress_ptr cinfo, jpeg_component_info *compptr,
                      JSAMPARRAY input_data, JSAMPARRAY output_data)
{
}

/* ---------- upsampling (decoder) ---------- */

GLOBAL(int)
jsimd_can_h2v2_upsample(void)
{
  return 0;
}

GLOBAL(int)
jsimd_can_h2v1_upsample(void)
{
  return 0;
}

GLOBAL(int)
jsimd_can_int_upsample(void)
{
  return 0;
}

GLOBAL(void)
jsimd_int_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr,
                   JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr)
{
}

GLOBAL(void)
jsimd_h2v2_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr,
                    JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr)
{
}

GLOBAL(void)
jsimd_h2v1_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr,
                    JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr)
{
}

GLOBAL(int)
jsimd_can_h2v2_fancy_upsample(void)
{
  return 1;
}

GLOBAL(int)
jsimd_can_h2v1_fancy_upsample(void)
{
  return 1;
}

GLOBAL(int)
jsimd_can_h1v2_fancy_upsample(void)
{
  return 0;
}

/* Even and odd output bytes (eight each, in u16 lanes) interleaved into sixteen. */
static inline V interleave_bytes(V even, V odd) {
  return wasm_i8x16_shuffle(even, odd, 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
}

/* jdsample.c's h2v2_fancy_upsample: triangle filter, 3/4 nearer row and
   column, 1/4 farther, biases 8 and 7 alternating. */
GLOBAL(void)
jsimd_h2v2_fancy_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr,
                          JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr)
{
  JSAMPARRAY output_data = *output_data_ptr;
  JDIMENSION w = compptr->downsampled_width;
  int inrow = 0, outrow = 0;
  const V three = wasm_i16x8_splat(3), b8 = wasm_i16x8_splat(8), b7 = wasm_i16x8_splat(7);
  while (outrow < cinfo->max_v_samp_factor) {
    for (int v = 0; v < 2; v++) {
      JSAMPROW in0 = input_data[inrow];
      JSAMPROW in1 = v == 0 ? input_data[inrow - 1] : input_data[inrow + 1];
      JSAMPROW out = output_data[outrow++];
#define COLSUM(i) (in0[i] * 3 + in1[i])
      int this = COLSUM(0), next = COLSUM(1), last;
      out[0] = (JSAMPLE)((this * 4 + 8) >> 4);
      out[1] = (JSAMPLE)((this * 3 + next + 7) >> 4);
      JDIMENSION i = 1;
      /* Columns 1 .. w-2 eight at a time, reading only columns 0 .. w-1. */
      for (; i + 9 <= w; i += 8) {
        V prev = wasm_i16x8_add(wasm_i16x8_mul(load8_u16(in0 + i - 1), three), load8_u16(in1 + i - 1));
        V cur = wasm_i16x8_add(wasm_i16x8_mul(load8_u16(in0 + i), three), load8_u16(in1 + i));
        V nxt = wasm_i16x8_add(wasm_i16x8_mul(load8_u16(in0 + i + 1), three), load8_u16(in1 + i + 1));
        V cur3 = wasm_i16x8_mul(cur, three);
        V even = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(cur3, prev), b8), 4);
        V odd = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(cur3, nxt), b7), 4);
        wasm_v128_store(out + 2 * i, interleave_bytes(even, odd));
      }
      for (; i + 1 < w; i++) {
        last = COLSUM(i - 1);
        this = COLSUM(i);
        next = COLSUM(i + 1);
        out[2 * i] = (JSAMPLE)((this * 3 + last + 8) >> 4);
        out[2 * i + 1] = (JSAMPLE)((this * 3 + next + 7) >> 4);
      }
      last = COLSUM(w - 2);
      this = COLSUM(w - 1);
      out[2 * w - 2] = (JSAMPLE)((this * 3 + last + 8) >> 4);
      out[2 * w - 1] = (JSAMPLE)((this * 4 + 7) >> 4);
#undef COLSUM
    }
    inrow++;
  }
}

/* jdsample.c's h2v1_fancy_upsample: 3/4 nearer column, 1/4 farther, biases 1 and 2. */
GLOBAL(void)
jsimd_h2v1_fancy_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr,
                          JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr)
{
  JSAMPARRAY output_data = *output_data_ptr;
  JDIMENSION w = compptr->downsampled_width;
  const V three = wasm_i16x8_splat(3), b1 = wasm_i16x8_splat(1), b2 = wasm_i16x8_splat(2);
  for (int inrow = 0; inrow < cinfo->max_v_samp_factor; inrow++) {
    JSAMPROW in = input_data[inrow];
    JSAMPROW out = output_data[inrow];
    out[0] = in[0];
    out[1] = (JSAMPLE)((in[0] * 3 + in[1] + 2) >> 2);
    JDIMENSION i = 1;
    for (; i + 9 <= w; i += 8) {
      V cur3 = wasm_i16x8_mul(load8_u16(in + i), three);
      V even = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(cur3, load8_u16(in + i - 1)), b1), 2);
      V odd = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(cur3, load8_u16(in + i + 1)), b2), 2);
      wasm_v128_store(out + 2 * i, interleave_bytes(even, odd));
    }
    for (; i + 1 < w; i++) {
      int v = in[i] * 3;
      out[2 * i] = (JSAMPLE)((v + in[i - 1] + 1) >> 2);
      out[2 * i + 1] = (JSAMPLE)((v + in[i + 1] + 2) >> 2);
    }
    out[2 * w - 2] = (JSAMPLE)((in[w - 1] * 3 + in[w - 2] + 1) >> 2);
    out[2 * w - 1] = in[w - 1];
  }
}

GLOBAL(void)
jsimd_h1v2_fancy_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr,
                          JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr)
{
}

GLOBAL(int)
jsimd_can_h2v2_merged_upsample(void)
{
  return 0;
}

GLOBAL(int)
jsimd_can_h2v1_merged_upsample(void)
{
  return 0;
}

GLOBAL(void)
jsimd_h2v2_merged_upsample(j_decompress_ptr cinfo, JSAMPIMAGE input_buf,
                           JDIMENSION in_row_group_ctr, JSAMPARRAY output_buf)
{
}

GLOBAL(void)
jsimd_h2v1_merged_upsample(j_decompress_ptr cinfo, JSAMPIMAGE input_buf,
                           JDIMENSION in_row_group_ctr, JSAMPARRAY output_buf)
{
}

/* ---------- forward DCT and quantisation (encoder) ---------- */

GLOBAL(int)
jsimd_can_convsamp(void)
{
  return 1;
}

/* jcdctmgr.c's convsamp: samples minus CENTERJSAMPLE into the (int) workspace. */
GLOBAL(void)
jsimd_convsamp(JSAMPARRAY sample_data, JDIMENSION start_col,
               DCTELEM *workspace)
{
  const V centre = wasm_i16x8_splat(CENTERJSAMPLE);
  for (int r = 0; r < DCTSIZE; r++) {
    V s = wasm_i16x8_sub(load8_u16(sample_data[r] + start_col), centre);
    wasm_v128_store(workspace + 8 * r, wasm_i32x4_extend_low_i16x8(s));
    wasm_v128_store(workspace + 8 * r + 4, wasm_i32x4_extend_high_i16x8(s));
  }
}

GLOBAL(int)
jsimd_can_fdct_islow(void)
{
  return 1;
}

/* jfdctint.c's 8-point butterfly; `last` selects pass 2's descaling. */
static inline void fdct_butterfly(const V x[8], V o[8], int last) {
  V tmp0 = wasm_i32x4_add(x[0], x[7]), tmp7 = wasm_i32x4_sub(x[0], x[7]);
  V tmp1 = wasm_i32x4_add(x[1], x[6]), tmp6 = wasm_i32x4_sub(x[1], x[6]);
  V tmp2 = wasm_i32x4_add(x[2], x[5]), tmp5 = wasm_i32x4_sub(x[2], x[5]);
  V tmp3 = wasm_i32x4_add(x[3], x[4]), tmp4 = wasm_i32x4_sub(x[3], x[4]);
  V tmp10 = wasm_i32x4_add(tmp0, tmp3), tmp13 = wasm_i32x4_sub(tmp0, tmp3);
  V tmp11 = wasm_i32x4_add(tmp1, tmp2), tmp12 = wasm_i32x4_sub(tmp1, tmp2);
  int n = last ? CONST_BITS + PASS1_BITS : CONST_BITS - PASS1_BITS;
  if (last) {
    o[0] = descale(wasm_i32x4_add(tmp10, tmp11), PASS1_BITS);
    o[4] = descale(wasm_i32x4_sub(tmp10, tmp11), PASS1_BITS);
  } else {
    o[0] = wasm_i32x4_shl(wasm_i32x4_add(tmp10, tmp11), PASS1_BITS);
    o[4] = wasm_i32x4_shl(wasm_i32x4_sub(tmp10, tmp11), PASS1_BITS);
  }
  V z1 = MUL(wasm_i32x4_add(tmp12, tmp13), FIX_0_541196100);
  o[2] = descale(wasm_i32x4_add(z1, MUL(tmp13, FIX_0_765366865)), n);
  o[6] = descale(wasm_i32x4_add(z1, MUL(tmp12, -FIX_1_847759065)), n);
  z1 = wasm_i32x4_add(tmp4, tmp7);
  V z2 = wasm_i32x4_add(tmp5, tmp6);
  V z3 = wasm_i32x4_add(tmp4, tmp6);
  V z4 = wasm_i32x4_add(tmp5, tmp7);
  V z5 = MUL(wasm_i32x4_add(z3, z4), FIX_1_175875602);
  tmp4 = MUL(tmp4, FIX_0_298631336);
  tmp5 = MUL(tmp5, FIX_2_053119869);
  tmp6 = MUL(tmp6, FIX_3_072711026);
  tmp7 = MUL(tmp7, FIX_1_501321110);
  z1 = MUL(z1, -FIX_0_899976223);
  z2 = MUL(z2, -FIX_2_562915447);
  z3 = wasm_i32x4_add(MUL(z3, -FIX_1_961570560), z5);
  z4 = wasm_i32x4_add(MUL(z4, -FIX_0_390180644), z5);
  o[7] = descale(wasm_i32x4_add(tmp4, wasm_i32x4_add(z1, z3)), n);
  o[5] = descale(wasm_i32x4_add(tmp5, wasm_i32x4_add(z2, z4)), n);
  o[3] = descale(wasm_i32x4_add(tmp6, wasm_i32x4_add(z2, z3)), n);
  o[1] = descale(wasm_i32x4_add(tmp7, wasm_i32x4_add(z1, z4)), n);
}

/* 8x8 transpose of an int block held as v[h][r] (row r, columns 4h..4h+3). */
static inline void transpose8x32(V v[2][8]) {
  for (int g = 0; g < 2; g++) {
    transpose4(&v[0][4 * g], &v[0][4 * g + 1], &v[0][4 * g + 2], &v[0][4 * g + 3]);
    transpose4(&v[1][4 * g], &v[1][4 * g + 1], &v[1][4 * g + 2], &v[1][4 * g + 3]);
  }
  /* Off-diagonal 4x4 blocks change places. */
  for (int i = 0; i < 4; i++) {
    V t = v[1][i];
    v[1][i] = v[0][4 + i];
    v[0][4 + i] = t;
  }
}

/* jfdctint.c's jpeg_fdct_islow: rows, then columns, in place. */
GLOBAL(void)
jsimd_fdct_islow(DCTELEM *data)
{
  V v[2][8], o[8];
  for (int r = 0; r < 8; r++) {
    v[0][r] = wasm_v128_load(data + 8 * r);
    v[1][r] = wasm_v128_load(data + 8 * r + 4);
  }
  /* Pass 1 works along rows: lanes must be rows, so transpose first. */
  transpose8x32(v);
  for (int g = 0; g < 2; g++) {
    fdct_butterfly(v[g], o, 0);
    for (int j = 0; j < 8; j++) v[g][j] = o[j];
  }
  transpose8x32(v);
  for (int h = 0; h < 2; h++) {
    fdct_butterfly(v[h], o, 1);
    for (int r = 0; r < 8; r++) wasm_v128_store(data + 8 * r + 4 * h, o[r]);
  }
}

GLOBAL(int)
jsimd_can_quantize(void)
{
  return 1;
}

/* Two lanes of jcdctmgr.c's reciprocal quantisation, floor((t + corr) * recip / 2^(shift + 32)),
   in doubles: the product is below 2^53, so every step is exact. */
static inline V quantize2(V t, V recip, V shift) {
  V product = wasm_f64x2_mul(wasm_f64x2_convert_low_u32x4(t), wasm_f64x2_convert_low_u32x4(recip));
  V exponent = wasm_i64x2_shl(wasm_i64x2_sub(wasm_i64x2_splat(1023 - 32), wasm_i64x2_extend_low_i32x4(shift)), 52);
  return wasm_i32x4_trunc_sat_f64x2_zero(wasm_f64x2_mul(product, exponent));
}

GLOBAL(void)
jsimd_quantize(JCOEFPTR coef_block, DCTELEM *divisors, DCTELEM *workspace)
{
  for (int i = 0; i < DCTSIZE2; i += 8) {
    V q[2];
    for (int h = 0; h < 2; h++) {
      int k = i + 4 * h;
      V temp = wasm_v128_load(workspace + k);
      V recip = wasm_v128_load(divisors + k);
      V corr = wasm_v128_load(divisors + k + DCTSIZE2);
      V shift = wasm_v128_load(divisors + k + DCTSIZE2 * 3);
      V neg = wasm_i32x4_lt(temp, I32(0));
      V t = wasm_i32x4_add(wasm_i32x4_abs(temp), corr);
      V lo = quantize2(t, recip, shift);
      V hi = quantize2(wasm_i64x2_shuffle(t, t, 1, 1), wasm_i64x2_shuffle(recip, recip, 1, 1),
                       wasm_i64x2_shuffle(shift, shift, 1, 1));
      V mag = wasm_i64x2_shuffle(lo, hi, 0, 2);
      q[h] = pick(neg, wasm_i32x4_neg(mag), mag);
    }
    wasm_v128_store(coef_block + i, narrow_wrap(q[0], q[1]));
  }
}

GLOBAL(int)
jsimd_can_convsamp_float(void)
{
  return 0;
}

GLOBAL(void)
jsimd_convsamp_float(JSAMPARRAY sample_data, JDIMENSION start_col,
                     FAST_FLOAT *workspace)
{
}

GLOBAL(int)
jsimd_can_fdct_ifast(void)
{
  return 0;
}

GLOBAL(int)
jsimd_can_fdct_float(void)
{
  return 0;
}

GLOBAL(void)
jsimd_fdct_ifast(DCTELEM *data)
{
}

GLOBAL(void)
jsimd_fdct_float(FAST_FLOAT *data)
{
}

GLOBAL(int)
jsimd_can_quantize_float(void)
{
  return 0;
}

GLOBAL(void)
jsimd_quantize_float(JCOEFPTR coef_block, FAST_FLOAT *divisors,
                     FAST_FLOAT *workspace)
{
}

/* ---------- inverse DCT (decoder) ---------- */


/* Dequantised coefficient row k, columns 4h .. 4h+3 (int products, as DEQUANTIZE). */
static inline V dequant(JCOEFPTR coef, const ISLOW_MULT_TYPE *q, int k, int h) {
  V c = wasm_v128_load(coef + 8 * k);
  V c32 = h ? wasm_i32x4_extend_high_i16x8(c) : wasm_i32x4_extend_low_i16x8(c);
  return wasm_i32x4_mul(c32, wasm_v128_load(q + 8 * k + 4 * h));
}

/* Per-column masks (as i32x4 for half h) of "rows listed in `rows` are all zero". */
static inline V zero_columns(JCOEFPTR coef, unsigned rows, int h) {
  V any = wasm_i16x8_splat(0);
  for (int k = 1; k < 8; k++)
    if (rows & (1u << k)) any = wasm_v128_or(any, wasm_v128_load(coef + 8 * k));
  V zero = wasm_i16x8_eq(any, wasm_i16x8_splat(0));
  return h ? wasm_i32x4_extend_high_i16x8(zero) : wasm_i32x4_extend_low_i16x8(zero);
}


/* jidctint.c's 8-point islow butterfly on vectors x[0..7]; results before descaling into o[0..7]. */
static inline void islow_butterfly(const V x[8], V o[8]) {
  V z2 = x[2], z3 = x[6];
  V z1 = MUL(wasm_i32x4_add(z2, z3), FIX_0_541196100);
  V tmp2 = wasm_i32x4_add(z1, MUL(z3, -FIX_1_847759065));
  V tmp3 = wasm_i32x4_add(z1, MUL(z2, FIX_0_765366865));
  V tmp0 = wasm_i32x4_shl(wasm_i32x4_add(x[0], x[4]), CONST_BITS);
  V tmp1 = wasm_i32x4_shl(wasm_i32x4_sub(x[0], x[4]), CONST_BITS);
  V tmp10 = wasm_i32x4_add(tmp0, tmp3), tmp13 = wasm_i32x4_sub(tmp0, tmp3);
  V tmp11 = wasm_i32x4_add(tmp1, tmp2), tmp12 = wasm_i32x4_sub(tmp1, tmp2);
  tmp0 = x[7];
  tmp1 = x[5];
  tmp2 = x[3];
  tmp3 = x[1];
  z1 = wasm_i32x4_add(tmp0, tmp3);
  z2 = wasm_i32x4_add(tmp1, tmp2);
  z3 = wasm_i32x4_add(tmp0, tmp2);
  V z4 = wasm_i32x4_add(tmp1, tmp3);
  V z5 = MUL(wasm_i32x4_add(z3, z4), FIX_1_175875602);
  tmp0 = MUL(tmp0, FIX_0_298631336);
  tmp1 = MUL(tmp1, FIX_2_053119869);
  tmp2 = MUL(tmp2, FIX_3_072711026);
  tmp3 = MUL(tmp3, FIX_1_501321110);
  z1 = MUL(z1, -FIX_0_899976223);
  z2 = MUL(z2, -FIX_2_562915447);
  z3 = wasm_i32x4_add(MUL(z3, -FIX_1_961570560), z5);
  z4 = wasm_i32x4_add(MUL(z4, -FIX_0_390180644), z5);
  tmp0 = wasm_i32x4_add(tmp0, wasm_i32x4_add(z1, z3));
  tmp1 = wasm_i32x4_add(tmp1, wasm_i32x4_add(z2, z4));
  tmp2 = wasm_i32x4_add(tmp2, wasm_i32x4_add(z2, z3));
  tmp3 = wasm_i32x4_add(tmp3, wasm_i32x4_add(z1, z4));
  o[0] = wasm_i32x4_add(tmp10, tmp3);
  o[7] = wasm_i32x4_sub(tmp10, tmp3);
  o[1] = wasm_i32x4_add(tmp11, tmp2);
  o[6] = wasm_i32x4_sub(tmp11, tmp2);
  o[2] = wasm_i32x4_add(tmp12, tmp1);
  o[5] = wasm_i32x4_sub(tmp12, tmp1);
  o[3] = wasm_i32x4_add(tmp13, tmp0);
  o[4] = wasm_i32x4_sub(tmp13, tmp0);
}

/* Lanes of x (an i32x4 column vector of `n` rows held as pairs lo/hi) to bytes, stored row by row. */
static inline void store_rows8(const V lo[8], const V hi[8], JSAMPARRAY output_buf, JDIMENSION output_col) {
  V r[8];
  for (int j = 0; j < 8; j++) r[j] = narrow_wrap(lo[j], hi[j]); /* column j, lanes = rows 0..7 */
  transpose8x16(r);                                             /* r[row], lanes = columns */
  for (int k = 0; k < 8; k += 2) {
    V bytes = wasm_u8x16_narrow_i16x8(r[k], r[k + 1]);
    wasm_v128_store64_lane(output_buf[k] + output_col, bytes, 0);
    wasm_v128_store64_lane(output_buf[k + 1] + output_col, bytes, 1);
  }
}

/* Whether coefficients 1..63 are all zero. Then every column and row of
   jidctint.c / jidctred.c takes its shortcut and the block is one value:
   range_limit(DESCALE(DEQUANTIZE(dc) << PASS1_BITS, PASS1_BITS + 3)). */
static inline int dc_only(JCOEFPTR coef) {
  V any = wasm_v128_and(wasm_v128_load(coef), wasm_i16x8_make(0, -1, -1, -1, -1, -1, -1, -1));
  for (int k = 1; k < 8; k++) any = wasm_v128_or(any, wasm_v128_load(coef + 8 * k));
  return !wasm_v128_any_true(any);
}

static inline JSAMPLE dc_value(JCOEFPTR coef, const ISLOW_MULT_TYPE *q) {
  V dc = wasm_i32x4_shl(I32(coef[0] * q[0]), PASS1_BITS);
  return (JSAMPLE)wasm_i32x4_extract_lane(range_limit(descale(dc, PASS1_BITS + 3)), 0);
}

GLOBAL(int)
jsimd_can_idct_islow(void)
{
  return 1;
}

GLOBAL(void)
jsimd_idct_islow(j_decompress_ptr cinfo, jpeg_component_info *compptr,
                 JCOEFPTR coef_block, JSAMPARRAY output_buf,
                 JDIMENSION output_col)
{
  const ISLOW_MULT_TYPE *q = (const ISLOW_MULT_TYPE *)compptr->dct_table;
  if (dc_only(coef_block)) {
    V fill = wasm_i8x16_splat((char)dc_value(coef_block, q));
    for (int k = 0; k < 8; k++) wasm_v128_store64_lane(output_buf[k] + output_col, fill, 0);
    return;
  }
  V ws[2][8]; /* ws[h][k]: workspace row k, columns 4h..4h+3 */
  /* Pass 1: columns (lanes), as jidctint.c, with its all-AC-zero column shortcut. */
  for (int h = 0; h < 2; h++) {
    V x[8], o[8];
    for (int k = 0; k < 8; k++) x[k] = dequant(coef_block, q, k, h);
    islow_butterfly(x, o);
    V dc = wasm_i32x4_shl(x[0], PASS1_BITS);
    V flat = zero_columns(coef_block, 0xFE, h);
    for (int k = 0; k < 8; k++) ws[h][k] = pick(flat, dc, descale(o[k], CONST_BITS - PASS1_BITS));
  }
  /* Transpose: in[g][j] holds workspace column j for rows 4g..4g+3. */
  V in[2][8];
  for (int g = 0; g < 2; g++)
    for (int h = 0; h < 2; h++) {
      V a = ws[h][4 * g], b = ws[h][4 * g + 1], c = ws[h][4 * g + 2], d = ws[h][4 * g + 3];
      transpose4(&a, &b, &c, &d);
      in[g][4 * h] = a;
      in[g][4 * h + 1] = b;
      in[g][4 * h + 2] = c;
      in[g][4 * h + 3] = d;
    }
  /* Pass 2: rows (lanes), with the all-zero row shortcut. */
  V out[2][8];
  for (int g = 0; g < 2; g++) {
    V o[8];
    islow_butterfly(in[g], o);
    V any = in[g][1];
    for (int j = 2; j < 8; j++) any = wasm_v128_or(any, in[g][j]);
    V flat = wasm_i32x4_eq(any, I32(0));
    V dc = range_limit(descale(in[g][0], PASS1_BITS + 3));
    for (int j = 0; j < 8; j++) out[g][j] = pick(flat, dc, range_limit(descale(o[j], CONST_BITS + PASS1_BITS + 3)));
  }
  store_rows8(out[0], out[1], output_buf, output_col);
}

GLOBAL(int)
jsimd_can_idct_ifast(void)
{
  return 0;
}

GLOBAL(int)
jsimd_can_idct_float(void)
{
  return 0;
}

GLOBAL(void)
jsimd_idct_ifast(j_decompress_ptr cinfo, jpeg_component_info *compptr,
                 JCOEFPTR coef_block, JSAMPARRAY output_buf,
                 JDIMENSION output_col)
{
}

GLOBAL(void)
jsimd_idct_float(j_decompress_ptr cinfo, jpeg_component_info *compptr,
                 JCOEFPTR coef_block, JSAMPARRAY output_buf,
                 JDIMENSION output_col)
{
}

/* jidctred.c's reduced-size outputs (1/2 and 1/4 scaling). */

GLOBAL(int)
jsimd_can_idct_2x2(void)
{
  return 1;
}

GLOBAL(int)
jsimd_can_idct_4x4(void)
{
  return 1;
}

/* jpeg_idct_4x4's odd part: tmp0 and tmp2 from x[1], x[3], x[5], x[7]. */
static inline void odd4(const V x[8], V *tmp0, V *tmp2) {
  *tmp0 = wasm_i32x4_add(wasm_i32x4_add(MUL(x[7], -FIX_0_211164243), MUL(x[5], FIX_1_451774981)),
                         wasm_i32x4_add(MUL(x[3], -FIX_2_172734803), MUL(x[1], FIX_1_061594337)));
  *tmp2 = wasm_i32x4_add(wasm_i32x4_add(MUL(x[7], -FIX_0_509795579), MUL(x[5], -FIX_0_601344887)),
                         wasm_i32x4_add(MUL(x[3], FIX_0_899976223), MUL(x[1], FIX_2_562915447)));
}

/* jpeg_idct_4x4's four outputs before descaling. */
static inline void butterfly4(const V x[8], V o[4]) {
  V tmp0 = wasm_i32x4_shl(x[0], CONST_BITS + 1);
  V tmp2 = wasm_i32x4_add(MUL(x[2], FIX_1_847759065), MUL(x[6], -FIX_0_765366865));
  V tmp10 = wasm_i32x4_add(tmp0, tmp2), tmp12 = wasm_i32x4_sub(tmp0, tmp2);
  odd4(x, &tmp0, &tmp2);
  o[0] = wasm_i32x4_add(tmp10, tmp2);
  o[3] = wasm_i32x4_sub(tmp10, tmp2);
  o[1] = wasm_i32x4_add(tmp12, tmp0);
  o[2] = wasm_i32x4_sub(tmp12, tmp0);
}

GLOBAL(void)
jsimd_idct_4x4(j_decompress_ptr cinfo, jpeg_component_info *compptr,
               JCOEFPTR coef_block, JSAMPARRAY output_buf,
               JDIMENSION output_col)
{
  const ISLOW_MULT_TYPE *q = (const ISLOW_MULT_TYPE *)compptr->dct_table;
  if (dc_only(coef_block)) {
    JSAMPLE v = dc_value(coef_block, q);
    for (int k = 0; k < 4; k++) memset(output_buf[k] + output_col, v, 4);
    return;
  }
  V in[8]; /* in[j]: workspace column j, lanes = rows 0..3 (column 4 is never read) */
  for (int h = 0; h < 2; h++) {
    V x[8], o[4];
    for (int k = 0; k < 8; k++) x[k] = k == 4 ? I32(0) : dequant(coef_block, q, k, h);
    butterfly4(x, o);
    V dc = wasm_i32x4_shl(x[0], PASS1_BITS);
    V flat = zero_columns(coef_block, 0xEE, h);
    for (int k = 0; k < 4; k++) o[k] = pick(flat, dc, descale(o[k], CONST_BITS - PASS1_BITS + 1));
    transpose4(&o[0], &o[1], &o[2], &o[3]);
    for (int j = 0; j < 4; j++) in[4 * h + j] = o[j];
  }
  V o[4];
  butterfly4(in, o);
  V any = wasm_v128_or(wasm_v128_or(in[1], in[2]), wasm_v128_or(in[3], wasm_v128_or(in[5], wasm_v128_or(in[6], in[7]))));
  V flat = wasm_i32x4_eq(any, I32(0));
  V dc = range_limit(descale(in[0], PASS1_BITS + 3));
  for (int j = 0; j < 4; j++) o[j] = pick(flat, dc, range_limit(descale(o[j], CONST_BITS + PASS1_BITS + 3 + 1)));
  transpose4(&o[0], &o[1], &o[2], &o[3]); /* o[row], lanes = columns */
  V b01 = wasm_i16x8_narrow_i32x4(o[0], o[1]), b23 = wasm_i16x8_narrow_i32x4(o[2], o[3]);
  V bytes = wasm_u8x16_narrow_i16x8(b01, b23);
  for (int k = 0; k < 4; k++) {
    uint32_t row = wasm_i32x4_extract_lane(bytes, 0);
    switch (k) {
      case 1: row = wasm_i32x4_extract_lane(bytes, 1); break;
      case 2: row = wasm_i32x4_extract_lane(bytes, 2); break;
      case 3: row = wasm_i32x4_extract_lane(bytes, 3); break;
    }
    memcpy(output_buf[k] + output_col, &row, 4);
  }
}

GLOBAL(void)
jsimd_idct_2x2(j_decompress_ptr cinfo, jpeg_component_info *compptr,
               JCOEFPTR coef_block, JSAMPARRAY output_buf,
               JDIMENSION output_col)
{
  const ISLOW_MULT_TYPE *q = (const ISLOW_MULT_TYPE *)compptr->dct_table;
  if (dc_only(coef_block)) {
    JSAMPLE v = dc_value(coef_block, q);
    memset(output_buf[0] + output_col, v, 2);
    memset(output_buf[1] + output_col, v, 2);
    return;
  }
  int32_t ws[2][8]; /* workspace rows 0 and 1, as jidctred.c (columns 2, 4, 6 unused) */
  for (int h = 0; h < 2; h++) {
    V x0 = dequant(coef_block, q, 0, h);
    V tmp10 = wasm_i32x4_shl(x0, CONST_BITS + 2);
    V tmp0 = wasm_i32x4_add(wasm_i32x4_add(MUL(dequant(coef_block, q, 7, h), -FIX_0_720959822), MUL(dequant(coef_block, q, 5, h), FIX_0_850430095)),
                            wasm_i32x4_add(MUL(dequant(coef_block, q, 3, h), -FIX_1_272758580), MUL(dequant(coef_block, q, 1, h), FIX_3_624509785)));
    V dc = wasm_i32x4_shl(x0, PASS1_BITS);
    V flat = zero_columns(coef_block, 0xAA, h);
    wasm_v128_store(&ws[0][4 * h], pick(flat, dc, descale(wasm_i32x4_add(tmp10, tmp0), CONST_BITS - PASS1_BITS + 2)));
    wasm_v128_store(&ws[1][4 * h], pick(flat, dc, descale(wasm_i32x4_sub(tmp10, tmp0), CONST_BITS - PASS1_BITS + 2)));
  }
  /* Pass 2: both rows at once in lanes 0 and 1. */
  V w0 = wasm_i32x4_make(ws[0][0], ws[1][0], 0, 0), w1 = wasm_i32x4_make(ws[0][1], ws[1][1], 0, 0);
  V w3 = wasm_i32x4_make(ws[0][3], ws[1][3], 0, 0), w5 = wasm_i32x4_make(ws[0][5], ws[1][5], 0, 0);
  V w7 = wasm_i32x4_make(ws[0][7], ws[1][7], 0, 0);
  V tmp10 = wasm_i32x4_shl(w0, CONST_BITS + 2);
  V tmp0 = wasm_i32x4_add(wasm_i32x4_add(MUL(w7, -FIX_0_720959822), MUL(w5, FIX_0_850430095)),
                          wasm_i32x4_add(MUL(w3, -FIX_1_272758580), MUL(w1, FIX_3_624509785)));
  V flat = wasm_i32x4_eq(wasm_v128_or(wasm_v128_or(w1, w3), wasm_v128_or(w5, w7)), I32(0));
  V dc = range_limit(descale(w0, PASS1_BITS + 3));
  V out0 = pick(flat, dc, range_limit(descale(wasm_i32x4_add(tmp10, tmp0), CONST_BITS + PASS1_BITS + 3 + 2)));
  V out1 = pick(flat, dc, range_limit(descale(wasm_i32x4_sub(tmp10, tmp0), CONST_BITS + PASS1_BITS + 3 + 2)));
  output_buf[0][output_col] = (JSAMPLE)wasm_i32x4_extract_lane(out0, 0);
  output_buf[0][output_col + 1] = (JSAMPLE)wasm_i32x4_extract_lane(out1, 0);
  output_buf[1][output_col] = (JSAMPLE)wasm_i32x4_extract_lane(out0, 1);
  output_buf[1][output_col + 1] = (JSAMPLE)wasm_i32x4_extract_lane(out1, 1);
}

GLOBAL(int)
jsimd_can_idct_6x6(void)
{
  return 0;
}

GLOBAL(int)
jsimd_can_idct_12x12(void)
{
  return 0;
}

GLOBAL(void)
jsimd_idct_6x6(j_decompress_ptr cinfo, jpeg_component_info *compptr,
               JCOEFPTR coef_block, JSAMPARRAY output_buf,
               JDIMENSION output_col)
{
}

GLOBAL(void)
jsimd_idct_12x12(j_decompress_ptr cinfo, jpeg_component_info *compptr,
                 JCOEFPTR coef_block, JSAMPARRAY output_buf,
                 JDIMENSION output_col)
{
}

/* ---------- Huffman (kept in C) ---------- */

GLOBAL(int)
jsimd_can_huff_encode_one_block(void)
{
  return 0;
}

GLOBAL(JOCTET *)
jsimd_huff_encode_one_block(void *state, JOCTET *buffer, JCOEFPTR block,
                            int last_dc_val, c_derived_tbl *dctbl,
                            c_derived_tbl *actbl)
{
  return NULL;
}

GLOBAL(int)
jsimd_can_encode_mcu_AC_first_prepare(void)
{
  return 0;
}

GLOBAL(void)
jsimd_encode_mcu_AC_first_prepare(const JCOEF *block,
                                  const int *jpeg_natural_order_start, int Sl,
                                  int Al, UJCOEF *values, size_t *zerobits)
{
}

GLOBAL(int)
jsimd_can_encode_mcu_AC_refine_prepare(void)
{
  return 0;
}

GLOBAL(int)
jsimd_encode_mcu_AC_refine_prepare(const JCOEF *block,
                                   const int *jpeg_natural_order_start, int Sl,
                                   int Al, UJCOEF *absvalues, size_t *bits)
{
  return 0;
}
