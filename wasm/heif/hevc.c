/*
 * HEVC coded images (the tiles of a HEIC grid, or a whole single image)
 * decoded by libde265 and turned into RGBA rows. The JS side parses the HEIF
 * container, checks every SPS against the budget before any NAL gets here,
 * and calls, per coded image:
 *   hevc_decode(nals, len)                 -> [width, height] of the picture
 *   hevc_rows(y0, rows, dst, stride, width, matrix, full)  (any number of times)
 *   hevc_close()
 * so that only one coded picture (a tile, typically 512x512) and the strip the
 * caller gives are ever alive. `nals` are NAL units, each after a 4-byte
 * big-endian length. No threads: libde265 runs with zero worker threads.
 */
#include <stdint.h>
#include <stdlib.h>
#include "libde265/de265.h"
#include "../shim/fail.h"

static de265_decoder_context *ctx;
static const struct de265_image *picture;
static int32_t result[2];

__attribute__((export_name("hevc_close"))) void hevc_close(void) {
  if (ctx) de265_free_decoder(ctx);
  ctx = 0;
  picture = 0;
}

__attribute__((export_name("hevc_decode"))) int32_t *hevc_decode(const uint8_t *in, uint32_t len) {
  hevc_close();
  ctx = de265_new_decoder();
  if (!ctx) codec_fail("HEIC: out of memory");
  de265_set_parameter_bool(ctx, DE265_DECODER_PARAM_SUPPRESS_FAULTY_PICTURES, 0);
  for (uint32_t o = 0; o + 4 <= len;) {
    uint32_t n = ((uint32_t)in[o] << 24) | ((uint32_t)in[o + 1] << 16) | ((uint32_t)in[o + 2] << 8) | in[o + 3];
    o += 4;
    if (n > len - o) codec_fail("Invalid image file: the HEIC data could not be decoded");
    if (de265_push_NAL(ctx, in + o, (int)n, 0, 0) != DE265_OK) codec_fail("Invalid image file: the HEIC data could not be decoded");
    o += n;
  }
  if (de265_flush_data(ctx) != DE265_OK) codec_fail("Invalid image file: the HEIC data could not be decoded");
  /* As libheif does: decode until the first picture comes out (a still image has one). */
  int more = 1;
  while (more && !picture) {
    de265_error err = de265_decode(ctx, &more);
    if (err != DE265_OK) break;
    picture = de265_get_next_picture(ctx);
  }
  if (!picture) codec_fail("Invalid image file: the HEIC data could not be decoded");
  result[0] = de265_get_image_width(picture, 0);
  result[1] = de265_get_image_height(picture, 0);
  return result;
}

/* Kr and Kb of the matrix_coefficients values HEIC files use (ISO/IEC 23091-2); BT.601 otherwise. */
static void matrix_of(int m, float *kr, float *kb) {
  switch (m) {
    case 1: *kr = 0.2126f; *kb = 0.0722f; return;
    case 9: case 10: *kr = 0.2627f; *kb = 0.0593f; return;
    default: *kr = 0.299f; *kb = 0.114f; return;
  }
}

static inline uint8_t clamp8(float v) { return v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)(v + 0.5f); }

static inline int sample(const uint8_t *plane, int stride, int bits, int x, int y) {
  if (bits <= 8) return plane[y * stride + x];
  return ((const uint16_t *)(plane + y * stride))[x] >> (bits - 8);
}

/*
 * Rows y0..y0+rows of the picture (the first `width` columns) as opaque RGBA
 * into dst (stride bytes apart). matrix/full < 0: the stream's own VUI values.
 */
__attribute__((export_name("hevc_rows"))) void hevc_rows(int y0, int rows, uint8_t *dst, int stride, int width, int matrix, int full) {
  if (!picture) codec_fail("HEIC: no picture decoded");
  int pw = de265_get_image_width(picture, 0), ph = de265_get_image_height(picture, 0);
  if (y0 < 0 || rows < 0 || y0 + rows > ph || width < 0 || width > pw) codec_fail("HEIC: rows outside the picture");
  enum de265_chroma chroma = de265_get_chroma_format(picture);
  int s0, s1 = 0, s2 = 0;
  const uint8_t *p0 = de265_get_image_plane(picture, 0, &s0);
  const uint8_t *p1 = chroma == de265_chroma_mono ? 0 : de265_get_image_plane(picture, 1, &s1);
  const uint8_t *p2 = chroma == de265_chroma_mono ? 0 : de265_get_image_plane(picture, 2, &s2);
  int b0 = de265_get_bits_per_pixel(picture, 0), b1 = p1 ? de265_get_bits_per_pixel(picture, 1) : 8;
  int sx = chroma == de265_chroma_420 || chroma == de265_chroma_422 ? 1 : 0;
  int sy = chroma == de265_chroma_420 ? 1 : 0;
  if (matrix < 0) matrix = de265_get_image_matrix_coefficients(picture);
  if (full < 0) full = de265_get_image_full_range_flag(picture);
  float kr, kb;
  matrix_of(matrix, &kr, &kb);
  float kg = 1.0f - kr - kb;
  float ys = full ? 1.0f : 255.0f / 219.0f, yo = full ? 0.0f : 16.0f;
  float cs = full ? 1.0f : 255.0f / 224.0f;
  float crr = 2.0f * (1.0f - kr) * cs, cbb = 2.0f * (1.0f - kb) * cs;
  float cgb = -2.0f * (1.0f - kb) * kb / kg * cs, cgr = -2.0f * (1.0f - kr) * kr / kg * cs;
  for (int r = 0; r < rows; r++) {
    int y = y0 + r;
    uint8_t *out = dst + (size_t)r * stride;
    for (int x = 0; x < width; x++) {
      float Y = (sample(p0, s0, b0, x, y) - yo) * ys;
      uint8_t *o = out + x * 4;
      if (!p1) {
        o[0] = o[1] = o[2] = clamp8(Y);
      } else {
        float cb = sample(p1, s1, b1, x >> sx, y >> sy) - 128.0f;
        float cr = sample(p2, s2, b1, x >> sx, y >> sy) - 128.0f;
        o[0] = clamp8(Y + crr * cr);
        o[1] = clamp8(Y + cgb * cb + cgr * cr);
        o[2] = clamp8(Y + cbb * cb);
      }
      o[3] = 255;
    }
  }
}
