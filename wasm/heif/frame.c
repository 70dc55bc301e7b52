/*
 * The RGBA strips of hevc.c made ready for the JPEG row encoder (jpeg_rows.c):
 *   rgba_flatten(rows, pixels, r, g, b)   composites RGBA onto an opaque background in place
 *   rgb_frame_put(frame, width, y0, rows, src, stride)   stores RGBA rows as RGB in a whole frame
 *   rgb_frame_turned(frame, width, height, orientation, y0, rows, dst, stride)
 * so a quarter-turned (irot) HEIC is encoded at full size from one 3-byte-per-pixel
 * frame, its rows gathered already turned (as transcode.c does for EXIF-turned JPEGs),
 * instead of from the engine's whole-frame path.
 */
#include <stdint.h>
#include <string.h>
#include "../shim/fail.h"

/* (c * a + bg * (255 - a)) / 255 rounded, as jpeg-rows.ts flattenStrip does. */
__attribute__((export_name("rgba_flatten"))) void rgba_flatten(uint8_t *p, uint32_t pixels, int r, int g, int b) {
  for (uint32_t i = 0; i < pixels; i++, p += 4) {
    int a = p[3];
    if (a == 255) continue;
    int rest = 255 - a;
    p[0] = (uint8_t)((p[0] * a + r * rest + 127) / 255);
    p[1] = (uint8_t)((p[1] * a + g * rest + 127) / 255);
    p[2] = (uint8_t)((p[2] * a + b * rest + 127) / 255);
    p[3] = 255;
  }
}

__attribute__((export_name("rgb_frame_put"))) void rgb_frame_put(uint8_t *frame, uint32_t width, uint32_t y0, uint32_t rows, const uint8_t *src, uint32_t stride) {
  for (uint32_t r = 0; r < rows; r++) {
    uint8_t *out = frame + ((size_t)(y0 + r) * width) * 3;
    const uint8_t *in = src + (size_t)r * stride;
    for (uint32_t x = 0; x < width; x++, out += 3, in += 4) {
      out[0] = in[0];
      out[1] = in[1];
      out[2] = in[2];
    }
  }
}

/*
 * `n` upright RGBA rows (alpha 255) from upright row y0 into dst, from the stored
 * w x h RGB frame under EXIF orientation 2-8. A quarter turn (5-8) reads the
 * frame down its columns: for each output column the strip's n pixels are n
 * neighbours in one stored row.
 */
__attribute__((export_name("rgb_frame_turned"))) void rgb_frame_turned(const uint8_t *frame, uint32_t w, uint32_t h, int o, uint32_t y0, uint32_t n,
                                                                      uint8_t *dst, uint32_t stride) {
  if (o < 2 || o > 8) codec_fail("orientation must be 2 to 8");
  uint32_t ow = o >= 5 ? h : w, oh = o >= 5 ? w : h;
  if (y0 > oh || n > oh - y0 || stride < ow * 4) codec_fail("HEIC: turned rows outside the frame");
  if (o >= 5) {
    int step = o == 5 || o == 6 ? 3 : -3;
    for (uint32_t x = 0; x < ow; x++) {
      uint32_t sy = o == 5 || o == 8 ? x : h - 1 - x;
      uint32_t sx = o == 5 || o == 6 ? y0 : w - 1 - y0;
      const uint8_t *p = frame + ((size_t)sy * w + sx) * 3;
      uint8_t *out = dst + (size_t)x * 4;
      for (uint32_t i = 0; i < n; i++, p += step, out += stride) {
        out[0] = p[0];
        out[1] = p[1];
        out[2] = p[2];
        out[3] = 255;
      }
    }
    return;
  }
  for (uint32_t i = 0; i < n; i++) {
    uint32_t y = y0 + i, sy = o == 2 ? y : h - 1 - y;
    const uint8_t *row = frame + (size_t)sy * w * 3;
    uint8_t *out = dst + (size_t)i * stride;
    for (uint32_t x = 0; x < w; x++, out += 4) {
      const uint8_t *p = row + (size_t)(o == 4 ? x : w - 1 - x) * 3; /* 2, 3: mirrored */
      out[0] = p[0];
      out[1] = p[1];
      out[2] = p[2];
      out[3] = 255;
    }
  }
}
