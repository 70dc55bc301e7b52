/*
 * PNG rows written in the module: each RGBA row (turned into RGB when the
 * image is opaque) is filtered with the filter whose output has the smallest
 * sum of absolute values (bytes read as signed), libpng's heuristic for
 * truecolour and the one src/engine/codecs/png-encode.ts used, and deflated
 * by zlib into an output buffer the caller drains. The encoder holds zlib's
 * state, two rows, the chosen filtered row and the pending output, never the
 * frame.
 *
 * png_encode_begin() opens it; png_encode_write() takes `n` RGBA rows;
 * png_encode_end() finishes the stream. After each call the compressed bytes
 * so far are at png_encode_output(), png_encode_pending() long; the caller
 * copies them out and calls png_encode_drain(). The output is the zlib
 * stream of the IDAT chunks (the chunks themselves are written in JS, where
 * the ancillary chunks are known).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "zlib.h"
#include "fail.h"

typedef struct {
  z_stream z;
  uint32_t width, height, channels, rows;
  size_t stride;
  /* The previous and current unfiltered rows, and the chosen filtered row (filter byte first). */
  uint8_t *prev, *cur, *filtered;
  uint8_t *out;
  size_t cap, pending;
} png_encoder;

static void *must(size_t n) {
  void *p = calloc(1, n ? n : 1);
  if (!p) codec_fail("out of memory");
  return p;
}

__attribute__((export_name("png_encode_begin"))) png_encoder *png_encode_begin(uint32_t width, uint32_t height, uint32_t channels,
                                                                                 int level, int strategy, uint32_t out_cap) {
  if (width == 0 || height == 0 || (channels != 3 && channels != 4) || level < 0 || level > 9 || strategy < 0 || strategy > Z_FIXED)
    codec_fail("PNG encoder: bad parameters");
  png_encoder *s = must(sizeof(png_encoder));
  s->width = width;
  s->height = height;
  s->channels = channels;
  s->stride = (size_t)width * channels;
  s->prev = must(s->stride);
  s->cur = must(s->stride);
  s->filtered = must(s->stride + 1);
  s->cap = out_cap;
  s->out = must(out_cap);
  /* zlib's defaults (32 KB window, memLevel 8): the memory the caller charges. */
  if (deflateInit2(&s->z, level, Z_DEFLATED, 15, 8, strategy) != Z_OK) codec_fail("out of memory");
  return s;
}

__attribute__((export_name("png_encode_output"))) const uint8_t *png_encode_output(png_encoder *s) { return s->out; }
__attribute__((export_name("png_encode_pending"))) uint32_t png_encode_pending(png_encoder *s) { return (uint32_t)s->pending; }
__attribute__((export_name("png_encode_drain"))) void png_encode_drain(png_encoder *s) { s->pending = 0; }

__attribute__((export_name("png_encode_close"))) void png_encode_close(png_encoder *s) {
  deflateEnd(&s->z);
  free(s->prev);
  free(s->cur);
  free(s->filtered);
  free(s->out);
  free(s);
}

/*
 * Deflates the bytes at next_in into the output buffer. The buffer never
 * grows: zlib keeps what does not fit in its own pending buffer and hands it
 * over on the next call (the caller drains between calls), except at the
 * end, where the caller drains and calls again until the stream ends.
 */
static int run(png_encoder *s, int flush) {
  s->z.next_out = s->out + s->pending;
  s->z.avail_out = (uInt)(s->cap - s->pending);
  int rc = deflate(&s->z, flush);
  s->pending = s->cap - s->z.avail_out;
  if (rc == Z_STREAM_ERROR) codec_fail("PNG encoder: deflate failed");
  return rc;
}

static inline uint32_t cost(uint8_t v) { return v < 128 ? v : 256u - v; }

static inline uint8_t paeth(uint8_t a, uint8_t b, uint8_t c) {
  int p = (int)a + b - c;
  int pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Writes the row filtered by `f` into `out` (the first pixel's left neighbours are 0). */
static void apply(int f, const uint8_t *restrict row, const uint8_t *restrict prev, uint8_t *restrict out, size_t n, size_t bpp) {
  size_t head = bpp < n ? bpp : n;
  switch (f) {
    case 0: memcpy(out, row, n); return;
    case 1:
      memcpy(out, row, head);
      for (size_t i = bpp; i < n; i++) out[i] = (uint8_t)(row[i] - row[i - bpp]);
      return;
    case 2:
      for (size_t i = 0; i < n; i++) out[i] = (uint8_t)(row[i] - prev[i]);
      return;
    case 3:
      for (size_t i = 0; i < head; i++) out[i] = (uint8_t)(row[i] - (prev[i] >> 1));
      for (size_t i = bpp; i < n; i++) out[i] = (uint8_t)(row[i] - ((row[i - bpp] + prev[i]) >> 1));
      return;
    default:
      for (size_t i = 0; i < head; i++) out[i] = (uint8_t)(row[i] - prev[i]);
      for (size_t i = bpp; i < n; i++) out[i] = (uint8_t)(row[i] - paeth(row[i - bpp], prev[i], prev[i - bpp]));
  }
}

/* The filter of the five whose output has the smallest sum of absolute values (the first on a tie). */
static int choose(const uint8_t *restrict row, const uint8_t *restrict prev, size_t n, size_t bpp) {
  uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0;
  /* The first pixel has no left neighbour (a = c = 0): Sub is None, Paeth is Up. */
  for (size_t i = 0; i < bpp && i < n; i++) {
    uint8_t x = row[i], b = prev[i];
    s0 += cost(x);
    s1 += cost(x);
    s2 += cost((uint8_t)(x - b));
    s3 += cost((uint8_t)(x - (b >> 1)));
    s4 += cost((uint8_t)(x - b));
  }
  /* Branch-free from here on, so that clang can vectorise it. */
  for (size_t i = bpp; i < n; i++) {
    int x = row[i], a = row[i - bpp], b = prev[i], c = prev[i - bpp];
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    int pred = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
    s0 += cost((uint8_t)x);
    s1 += cost((uint8_t)(x - a));
    s2 += cost((uint8_t)(x - b));
    s3 += cost((uint8_t)(x - ((a + b) >> 1)));
    s4 += cost((uint8_t)(x - pred));
  }
  uint32_t sums[5] = {s0, s1, s2, s3, s4};
  int best = 0;
  for (int f = 1; f < 5; f++)
    if (sums[f] < sums[best]) best = f;
  return best;
}

/*
 * `n` RGBA rows at `rows`, `stride` bytes apart. Returns 1 when every row is
 * in, 0 when the output buffer filled first: the caller drains it and calls
 * again with the rows from png_encode_rows_done() on.
 */
__attribute__((export_name("png_encode_write"))) uint32_t png_encode_write(png_encoder *s, const uint8_t *rows, uint32_t n,
                                                                             uint32_t stride) {
  if (s->rows + n > s->height) codec_fail("PNG encoder: more rows than the image has");
  uint32_t done = 0;
  /* A row still inside zlib from the last call (the output filled): hand it over first. */
  while (s->z.avail_in > 0) {
    run(s, Z_NO_FLUSH);
    if (s->z.avail_in > 0) return done;
  }
  for (; done < n; done++) {
    const uint8_t *src = rows + (size_t)done * stride;
    if (s->channels == 4) memcpy(s->cur, src, s->stride);
    else
      for (uint32_t x = 0; x < s->width; x++) {
        s->cur[x * 3] = src[x * 4];
        s->cur[x * 3 + 1] = src[x * 4 + 1];
        s->cur[x * 3 + 2] = src[x * 4 + 2];
      }
    int f = choose(s->cur, s->prev, s->stride, s->channels);
    s->filtered[0] = (uint8_t)f;
    apply(f, s->cur, s->prev, s->filtered + 1, s->stride, s->channels);
    uint8_t *t = s->prev;
    s->prev = s->cur;
    s->cur = t;
    s->rows++;
    s->z.next_in = s->filtered;
    s->z.avail_in = (uInt)(s->stride + 1);
    run(s, Z_NO_FLUSH);
    if (s->z.avail_in > 0) return done + 1;
  }
  return done;
}

/* Finishes the stream: 1 when it has ended, 0 when the output buffer filled (drain and call again). */
__attribute__((export_name("png_encode_end"))) int png_encode_end(png_encoder *s) {
  if (s->rows != s->height) codec_fail("PNG encoder: fewer rows than the image has");
  return run(s, Z_FINISH) == Z_STREAM_END;
}
