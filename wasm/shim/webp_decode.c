/*
 * WebP decoding through libwebp, scaled while decoding: for lossy (VP8)
 * files the rescaler takes macroblock rows as they are decoded, so only the
 * scaled output and a few rows exist, never the full frame. Lossless (VP8L)
 * files are decoded whole by libwebp (4 bytes per pixel) before scaling.
 * result: pixels (RGBA, straight alpha), width, height.
 */
#include <stdint.h>
#include <stdlib.h>
#include "webp/decode.h"
#include "fail.h"

static int32_t result[3];

__attribute__((export_name("webp_decode"))) int32_t *webp_decode(const uint8_t *in, uint32_t len, int width, int height) {
  WebPDecoderConfig config;
  if (!WebPInitDecoderConfig(&config)) codec_fail("WebP: version mismatch");
  if (WebPGetFeatures(in, len, &config.input) != VP8_STATUS_OK) codec_fail("Invalid image file: the WEBP data could not be decoded");
  if (config.input.has_animation) codec_fail("animated WebP");
  if (width <= 0 || height <= 0) codec_fail("bad scaled size");
  if (width != config.input.width || height != config.input.height) {
    config.options.use_scaling = 1;
    config.options.scaled_width = width;
    config.options.scaled_height = height;
  }
  config.output.colorspace = MODE_RGBA;
  if (WebPDecode(in, len, &config) != VP8_STATUS_OK) codec_fail("Invalid image file: the WEBP data could not be decoded");
  result[0] = (int32_t)(uintptr_t)config.output.u.RGBA.rgba;
  result[1] = config.output.width;
  result[2] = config.output.height;
  return result;
}
