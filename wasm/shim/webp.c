/* Lossy WebP through libwebp with sharp's defaults (method 4, alpha quality 100). */
#include <stdint.h>
#include <stdlib.h>
#include "webp/encode.h"
#include "fail.h"
#include "webp_config.h"

static int32_t result[2];

void webp_lossy_config(WebPConfig *config, float quality, int low_memory) {
  if (!WebPConfigPreset(config, WEBP_PRESET_DEFAULT, quality)) codec_fail("WebP: bad configuration");
  config->method = 4;
  config->alpha_quality = 100;
  config->low_memory = low_memory;
}

/*
 * Encodes RGB or RGBA pixels. The pixels are converted to YUV first; when
 * `consume` is set they are freed right then, so the RGB and YUV copies never
 * coexist with the encoder's own buffers. result: bytes, length.
 */
__attribute__((export_name("webp_encode"))) int32_t *webp_encode(
    uint8_t *pixels, uint32_t width, uint32_t height, int channels, float quality, int consume) {
  WebPConfig config;
  WebPPicture picture;
  WebPMemoryWriter writer;
  webp_lossy_config(&config, quality, 0);
  if (!WebPPictureInit(&picture)) codec_fail("WebP: version mismatch");
  picture.width = (int)width;
  picture.height = (int)height;
  int stride = (int)width * channels;
  int imported = channels == 4 ? WebPPictureImportRGBA(&picture, pixels, stride)
                               : WebPPictureImportRGB(&picture, pixels, stride);
  if (!imported) codec_fail("WebP: out of memory");
  if (consume) free(pixels);
  WebPMemoryWriterInit(&writer);
  picture.writer = WebPMemoryWrite;
  picture.custom_ptr = &writer;
  if (!WebPEncode(&config, &picture)) codec_fail("WebP: encoding failed");
  WebPPictureFree(&picture);
  result[0] = (int32_t)(uintptr_t)writer.mem;
  result[1] = (int32_t)writer.size;
  return result;
}
