/*
 * PNG rows read in the module: the IDAT stream is fed in chunks and inflated
 * by zlib one row at a time, each row unfiltered against the previous one,
 * turned into 8-bit RGBA and added into a `shrink` x `shrink` box reduction
 * (alpha-weighted, the same sums and rounding as src/engine/codecs/box-reduce.ts),
 * so a non-interlaced image holds two rows, one RGBA row, the block sums and
 * zlib's 32 KB window, never the frame. Interlaced (Adam7) images need every
 * pass before any row is complete: their passes are scattered into one RGBA
 * frame (4 bytes per pixel, charged by the caller) and reduced from it.
 *
 * The caller drives it: png_rows_input() hands over the next piece of the
 * IDAT stream, png_rows_step() works until one reduced row is ready (1),
 * more input is needed (0) or every row has been given (2); the row is at
 * png_rows_row(). Bad data traps (codec_fail), which drops the instance.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wasm_simd128.h>
#include "zlib.h"
#include "fail.h"

typedef struct {
  z_stream z;
  uint32_t width, height, shrink;
  int depth, ctype, interlaced;
  uint32_t channels, bpp;
  /* Palette as RGBA with tRNS applied; entries past PLTE are out of range. */
  uint8_t palette[256 * 4];
  uint32_t palette_len;
  /* tRNS colour key of grey and RGB images, in the file's own sample values (-1: none). */
  int32_t key[3];
  /* The row being inflated (filter byte first) and the previous unfiltered row. */
  uint8_t *cur, *prev;
  size_t filled;
  uint8_t *rgba;
  /* Adam7: the whole frame, the pass being read and its row. */
  uint8_t *frame;
  int pass;
  uint32_t pass_width, pass_height, pass_row;
  /* Source rows done (inflated; for Adam7 the frame rows reduced). */
  uint32_t rows;
  int inflated;
  /* Box reduction. */
  uint32_t out_width;
  uint64_t *sums;
  uint32_t *counts;
  uint8_t *out;
  const uint8_t *ready;
} png_rows;

static const uint8_t ADAM7_X[7] = {0, 4, 0, 2, 0, 1, 0};
static const uint8_t ADAM7_Y[7] = {0, 0, 4, 0, 2, 0, 1};
static const uint8_t ADAM7_DX[7] = {8, 8, 4, 4, 2, 2, 1};
static const uint8_t ADAM7_DY[7] = {8, 8, 8, 4, 4, 2, 2};

static void *must(size_t n) {
  void *p = calloc(1, n ? n : 1);
  if (!p) codec_fail("out of memory");
  return p;
}

static int valid_depth(int ctype, int depth) {
  switch (ctype) {
    case 0: return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
    case 3: return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2: case 4: case 6: return depth == 8 || depth == 16;
    default: return 0;
  }
}

static size_t row_bytes(const png_rows *s, uint32_t pixels) {
  return ((size_t)pixels * s->channels * s->depth + 7) / 8;
}

__attribute__((export_name("png_rows_open"))) png_rows *png_rows_open(uint32_t width, uint32_t height, int depth, int ctype,
                                                                        int interlaced, uint32_t shrink, const uint8_t *plte,
                                                                        uint32_t plte_len, const uint8_t *trns, uint32_t trns_len) {
  static const uint32_t CHANNELS[7] = {1, 0, 3, 1, 2, 0, 4};
  if (width == 0 || height == 0 || shrink == 0 || ctype < 0 || ctype > 6 || !valid_depth(ctype, depth))
    codec_fail("Invalid image file: the PNG header is not valid");
  png_rows *s = must(sizeof(png_rows));
  s->width = width;
  s->height = height;
  s->shrink = shrink;
  s->depth = depth;
  s->ctype = ctype;
  s->interlaced = interlaced;
  s->channels = CHANNELS[ctype];
  s->bpp = (s->channels * depth + 7) / 8;
  s->key[0] = s->key[1] = s->key[2] = -1;
  if (ctype == 3) {
    s->palette_len = plte_len / 3 > 256 ? 256 : plte_len / 3;
    for (uint32_t i = 0; i < s->palette_len; i++) {
      s->palette[i * 4] = plte[i * 3];
      s->palette[i * 4 + 1] = plte[i * 3 + 1];
      s->palette[i * 4 + 2] = plte[i * 3 + 2];
      s->palette[i * 4 + 3] = i < trns_len ? trns[i] : 255;
    }
  } else if ((ctype == 0 && trns_len >= 2) || (ctype == 2 && trns_len >= 6)) {
    for (uint32_t c = 0; c < (ctype == 0 ? 1u : 3u); c++) s->key[c] = (trns[c * 2] << 8) | trns[c * 2 + 1];
  }
  size_t stride = row_bytes(s, width);
  /* 16 spare bytes: the RGB fast path loads 16 bytes for the last 12. */
  s->cur = must(stride + 1 + 16);
  s->prev = must(stride + 1 + 16);
  s->rgba = must((size_t)width * 4);
  if (interlaced) {
    if ((uint64_t)width * height * 4 > 0x7fffffffu) codec_fail("Image too large to process: the interlaced PNG frame does not fit");
    s->frame = must((size_t)width * height * 4);
    s->pass = -1;
  }
  s->out_width = (width + shrink - 1) / shrink;
  if (shrink > 1) {
    s->sums = must((size_t)s->out_width * 4 * sizeof(uint64_t));
    s->counts = must((size_t)s->out_width * sizeof(uint32_t));
    s->out = must((size_t)s->out_width * 4);
  }
  if (inflateInit(&s->z) != Z_OK) codec_fail("out of memory");
  return s;
}

__attribute__((export_name("png_rows_input"))) void png_rows_input(png_rows *s, const uint8_t *in, uint32_t len) {
  s->z.next_in = (Bytef *)in;
  s->z.avail_in = len;
}

__attribute__((export_name("png_rows_row"))) const uint8_t *png_rows_row(png_rows *s) { return s->ready; }

__attribute__((export_name("png_rows_close"))) void png_rows_close(png_rows *s) {
  inflateEnd(&s->z);
  free(s->cur);
  free(s->prev);
  free(s->rgba);
  free(s->frame);
  free(s->sums);
  free(s->counts);
  free(s->out);
  free(s);
}

static uint8_t paeth(uint8_t a, uint8_t b, uint8_t c) {
  int p = (int)a + b - c;
  int pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undoes the filter of `row` (n bytes) against `prev`. */
static void unfilter(int filter, uint8_t *restrict row, const uint8_t *restrict prev, size_t n, size_t bpp) {
  switch (filter) {
    case 0: return;
    case 1:
      for (size_t i = bpp; i < n; i++) row[i] += row[i - bpp];
      return;
    case 2:
      for (size_t i = 0; i < n; i++) row[i] += prev[i];
      return;
    case 3:
      for (size_t i = 0; i < bpp && i < n; i++) row[i] += prev[i] >> 1;
      for (size_t i = bpp; i < n; i++) row[i] += (uint8_t)(((unsigned)row[i - bpp] + prev[i]) >> 1);
      return;
    case 4:
      for (size_t i = 0; i < bpp && i < n; i++) row[i] += prev[i];
      for (size_t i = bpp; i < n; i++) row[i] += paeth(row[i - bpp], prev[i], prev[i - bpp]);
      return;
    default: codec_fail("Invalid image file: unknown PNG row filter");
  }
}

/* One sample of a row (sub-byte depths packed high bits first). */
static inline uint32_t sample(const png_rows *s, const uint8_t *row, uint32_t i) {
  switch (s->depth) {
    case 16: return (row[i * 2] << 8) | row[i * 2 + 1];
    case 8: return row[i];
    default: {
      uint32_t per = 8 / s->depth, bit = 8 - s->depth * (i % per + 1);
      return (row[i / per] >> bit) & ((1u << s->depth) - 1);
    }
  }
}

/* Sample value to 8 bits: 16-bit keeps its high byte, 1/2/4-bit values are scaled to 0-255. */
static inline uint8_t to8(const png_rows *s, uint32_t v) {
  static const uint8_t SCALE[9] = {0, 255, 85, 0, 17, 0, 0, 0, 1};
  return s->depth == 16 ? (uint8_t)(v >> 8) : (uint8_t)(v * SCALE[s->depth]);
}

/* `n` pixels of an unfiltered row into RGBA. */
static void to_rgba(const png_rows *s, const uint8_t *restrict row, uint32_t n, uint8_t *restrict out) {
  if (s->depth == 8 && s->ctype == 6) {
    memcpy(out, row, (size_t)n * 4);
    return;
  }
  if (s->depth == 8 && s->ctype == 2 && s->key[0] < 0) {
    /* Four pixels at a time: 12 bytes spread into 16 with alpha 255. */
    const v128_t opaque = wasm_i8x16_splat((int8_t)0xff);
    uint32_t x = 0;
    for (; x + 4 <= n; x += 4, row += 12, out += 16) {
      v128_t v = wasm_v128_load(row);
      wasm_v128_store(out, wasm_i8x16_shuffle(v, opaque, 0, 1, 2, 16, 3, 4, 5, 16, 6, 7, 8, 16, 9, 10, 11, 16));
    }
    for (; x < n; x++, row += 3, out += 4) {
      out[0] = row[0];
      out[1] = row[1];
      out[2] = row[2];
      out[3] = 255;
    }
    return;
  }
  if (s->ctype == 3) {
    for (uint32_t x = 0; x < n; x++, out += 4) {
      uint32_t i = sample(s, row, x);
      if (i >= s->palette_len) codec_fail("Invalid image file: PNG palette index out of range");
      memcpy(out, s->palette + i * 4, 4);
    }
    return;
  }
  for (uint32_t x = 0; x < n; x++, out += 4) {
    if (s->ctype == 0 || s->ctype == 4) {
      uint32_t g = sample(s, row, x * s->channels);
      out[0] = out[1] = out[2] = to8(s, g);
      out[3] = s->ctype == 4 ? to8(s, sample(s, row, x * 2 + 1)) : (int32_t)g == s->key[0] ? 0 : 255;
    } else {
      uint32_t r = sample(s, row, x * s->channels), g = sample(s, row, x * s->channels + 1), b = sample(s, row, x * s->channels + 2);
      out[0] = to8(s, r);
      out[1] = to8(s, g);
      out[2] = to8(s, b);
      out[3] = s->ctype == 6 ? to8(s, sample(s, row, x * 4 + 3))
                             : ((int32_t)r == s->key[0] && (int32_t)g == s->key[1] && (int32_t)b == s->key[2]) ? 0 : 255;
    }
  }
}

/* Writes the pending block row into `out` and clears the sums. */
static void box_flush(png_rows *s) {
  for (uint32_t x = 0; x < s->out_width; x++) {
    uint64_t *d = s->sums + x * 4, a = d[3], c = s->counts[x];
    uint8_t *o = s->out + x * 4;
    o[3] = (uint8_t)((2 * a + c) / (2 * c));
    if (a > 0) {
      /* round(sum / a) as Math.round does for positive values. */
      o[0] = (uint8_t)((2 * d[0] + a) / (2 * a));
      o[1] = (uint8_t)((2 * d[1] + a) / (2 * a));
      o[2] = (uint8_t)((2 * d[2] + a) / (2 * a));
    } else o[0] = o[1] = o[2] = 0;
  }
  memset(s->sums, 0, (size_t)s->out_width * 4 * sizeof(uint64_t));
  memset(s->counts, 0, (size_t)s->out_width * sizeof(uint32_t));
  s->ready = s->out;
}

/* Adds one RGBA source row (row `y`); true when a reduced row is ready. */
static int box_add(png_rows *s, const uint8_t *rgba, uint32_t y) {
  if (s->shrink == 1) {
    s->ready = rgba;
    return 1;
  }
  uint32_t k = s->shrink, w = s->width;
  /*
   * Every pixel weighted by its alpha: an opaque pixel's weight 255 gives the
   * same sums as box-reduce.ts's unweighted opaque path. Four pixels at a
   * time: samples times (a, a, a, 1) in 16 bits (255 * 255 fits), summed in
   * 32-bit lanes (r, g, b, a) per block.
   */
  const v128_t one = wasm_i8x16_make(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  for (uint32_t bx = 0, x = 0; bx < s->out_width; bx++) {
    uint32_t end = (bx + 1) * k < w ? (bx + 1) * k : w, n = end - x;
    v128_t acc = wasm_i32x4_splat(0);
    const uint8_t *p = rgba + (size_t)x * 4;
    /* 32-bit lanes hold 65536 pixels of 255 * 255; wider blocks (never reached within the work budget) go scalar. */
    for (; k <= 65536 && x + 4 <= end; x += 4, p += 16) {
      v128_t v = wasm_v128_load(p);
      v128_t m = wasm_i8x16_shuffle(v, one, 3, 3, 3, 16, 7, 7, 7, 16, 11, 11, 11, 16, 15, 15, 15, 16);
      v128_t lo = wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(v), wasm_u16x8_extend_low_u8x16(m));
      v128_t hi = wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(v), wasm_u16x8_extend_high_u8x16(m));
      acc = wasm_i32x4_add(acc, wasm_i32x4_add(wasm_u32x4_extend_low_u16x8(lo), wasm_u32x4_extend_high_u16x8(lo)));
      acc = wasm_i32x4_add(acc, wasm_i32x4_add(wasm_u32x4_extend_low_u16x8(hi), wasm_u32x4_extend_high_u16x8(hi)));
    }
    uint64_t r = wasm_u32x4_extract_lane(acc, 0), g = wasm_u32x4_extract_lane(acc, 1), b = wasm_u32x4_extract_lane(acc, 2),
             a = wasm_u32x4_extract_lane(acc, 3);
    for (; x < end; x++, p += 4) {
      uint32_t pa = p[3];
      r += p[0] * pa;
      g += p[1] * pa;
      b += p[2] * pa;
      a += pa;
    }
    uint64_t *d = s->sums + bx * 4;
    d[0] += r;
    d[1] += g;
    d[2] += b;
    d[3] += a;
    s->counts[bx] += n;
  }
  if ((y + 1) % k == 0 || y + 1 == s->height) {
    box_flush(s);
    return 1;
  }
  return 0;
}

/*
 * Inflates into the current row; true when it is complete. zlib may still
 * hold output (the rest of a match) with no input left, so it is asked until
 * it gives nothing more.
 */
static int fill_row(png_rows *s, size_t need) {
  while (s->filled < need) {
    s->z.next_out = s->cur + s->filled;
    s->z.avail_out = (uInt)(need - s->filled);
    int rc = inflate(&s->z, Z_NO_FLUSH);
    size_t before = s->filled;
    s->filled = need - s->z.avail_out;
    if (rc == Z_STREAM_END && s->filled < need) codec_fail("Invalid image file: the PNG data ends early");
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) codec_fail("Invalid image file: the PNG data could not be decoded");
    if (s->filled == before && s->z.avail_in == 0) return 0;
  }
  return 1;
}

/* Starts the next non-empty Adam7 pass; false after the last. */
static int next_pass(png_rows *s) {
  while (++s->pass < 7) {
    uint32_t x0 = ADAM7_X[s->pass], y0 = ADAM7_Y[s->pass];
    s->pass_width = s->width > x0 ? (s->width - x0 + ADAM7_DX[s->pass] - 1) / ADAM7_DX[s->pass] : 0;
    s->pass_height = s->height > y0 ? (s->height - y0 + ADAM7_DY[s->pass] - 1) / ADAM7_DY[s->pass] : 0;
    s->pass_row = 0;
    memset(s->prev, 0, row_bytes(s, s->width) + 1);
    if (s->pass_width && s->pass_height) return 1;
  }
  return 0;
}

/* One Adam7 row: unfiltered, converted and scattered into the frame. */
static void interlaced_row(png_rows *s, size_t n) {
  unfilter(s->cur[0], s->cur + 1, s->prev + 1, n, s->bpp);
  to_rgba(s, s->cur + 1, s->pass_width, s->rgba);
  uint32_t y = ADAM7_Y[s->pass] + s->pass_row * ADAM7_DY[s->pass], dx = ADAM7_DX[s->pass];
  uint8_t *line = s->frame + (size_t)y * s->width * 4;
  for (uint32_t i = 0, x = ADAM7_X[s->pass]; i < s->pass_width; i++, x += dx) memcpy(line + (size_t)x * 4, s->rgba + (size_t)i * 4, 4);
  uint8_t *t = s->prev;
  s->prev = s->cur;
  s->cur = t;
  s->filled = 0;
  if (++s->pass_row == s->pass_height && !next_pass(s)) s->inflated = 1;
}

__attribute__((export_name("png_rows_step"))) int png_rows_step(png_rows *s) {
  if (!s->interlaced) {
    size_t n = row_bytes(s, s->width);
    while (s->rows < s->height) {
      if (!fill_row(s, n + 1)) return 0;
      unfilter(s->cur[0], s->cur + 1, s->prev + 1, n, s->bpp);
      to_rgba(s, s->cur + 1, s->width, s->rgba);
      uint8_t *t = s->prev;
      s->prev = s->cur;
      s->cur = t;
      s->filled = 0;
      if (box_add(s, s->rgba, s->rows++)) return 1;
    }
    return 2;
  }
  if (s->pass < 0 && !next_pass(s)) s->inflated = 1;
  while (!s->inflated) {
    size_t n = row_bytes(s, s->pass_width);
    if (!fill_row(s, n + 1)) return 0;
    interlaced_row(s, n);
  }
  while (s->rows < s->height) {
    uint32_t y = s->rows++;
    if (box_add(s, s->frame + (size_t)y * s->width * 4, y)) return 1;
  }
  return 2;
}
