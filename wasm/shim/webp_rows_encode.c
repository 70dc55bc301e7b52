/*
 * Lossy WebP from RGBA strips, for the engine's strip pipeline. libwebp
 * encodes from a whole YUV 4:2:0 picture, so the picture (1.5 bytes per
 * pixel, 2.5 with an alpha plane) is allocated once and each strip is
 * imported with WebPPictureImportRGBA and copied in, as transcode.c does for
 * RGB: the RGBA frame never exists. Strips must hold an even number of rows
 * (chroma pairs rows) except the last; then the conversion is the same as
 * importing the whole frame at once. Settings are webp.c's (method 4, alpha quality 100).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "webp/encode.h"
#include "fail.h"
#include "webp_config.h"

static WebPPicture picture;
static int open;
static uint32_t next_row;
static float quality;
static int32_t result[2];
static int tokens_off;

/* alpha: keep an alpha plane (the source may have transparent pixels). low_memory: code without libwebp's token buffer. */
__attribute__((export_name("webp_rows_begin"))) void webp_rows_begin(uint32_t width, uint32_t height, float q, int alpha, int low_memory) {
  if (open) WebPPictureFree(&picture);
  open = 0;
  if (!WebPPictureInit(&picture)) codec_fail("WebP: version mismatch");
  picture.width = (int)width;
  picture.height = (int)height;
  picture.colorspace = alpha ? WEBP_YUV420A : WEBP_YUV420;
  if (!WebPPictureAlloc(&picture)) codec_fail("WebP: out of memory");
  open = 1;
  next_row = 0;
  quality = q;
  tokens_off = low_memory;
}

__attribute__((export_name("webp_rows_write"))) void webp_rows_write(const uint8_t *rgba, uint32_t rows, uint32_t stride) {
  if (!open) codec_fail("no WebP encode open");
  if (next_row + rows > (uint32_t)picture.height || (next_row & 1)) codec_fail("WebP: rows out of order");
  WebPPicture part;
  if (!WebPPictureInit(&part)) codec_fail("WebP: version mismatch");
  int width = picture.width;
  part.width = width;
  part.height = (int)rows;
  if (!WebPPictureImportRGBA(&part, rgba, (int)stride)) codec_fail("WebP: out of memory");
  uint32_t y = next_row;
  size_t uv_width = (size_t)(width + 1) / 2;
  for (uint32_t i = 0; i < rows; i++) {
    memcpy(picture.y + (size_t)(y + i) * picture.y_stride, part.y + (size_t)i * part.y_stride, (size_t)width);
    if (picture.a) {
      uint8_t *a = picture.a + (size_t)(y + i) * picture.a_stride;
      if (part.a) memcpy(a, part.a + (size_t)i * part.a_stride, (size_t)width);
      else memset(a, 255, (size_t)width);
    }
  }
  for (uint32_t i = 0; i < (rows + 1) / 2; i++) {
    memcpy(picture.u + (size_t)(y / 2 + i) * picture.uv_stride, part.u + (size_t)i * part.uv_stride, uv_width);
    memcpy(picture.v + (size_t)(y / 2 + i) * picture.uv_stride, part.v + (size_t)i * part.uv_stride, uv_width);
  }
  WebPPictureFree(&part);
  next_row += rows;
}

/* result: bytes, length. */
__attribute__((export_name("webp_rows_end"))) int32_t *webp_rows_end(void) {
  if (!open || next_row != (uint32_t)picture.height) codec_fail("WebP: picture not complete");
  WebPConfig config;
  WebPMemoryWriter writer;
  webp_lossy_config(&config, quality, tokens_off);
  WebPMemoryWriterInit(&writer);
  picture.writer = WebPMemoryWrite;
  picture.custom_ptr = &writer;
  if (!WebPEncode(&config, &picture)) codec_fail("WebP: encoding failed");
  WebPPictureFree(&picture);
  open = 0;
  result[0] = (int32_t)(uintptr_t)writer.mem;
  result[1] = (int32_t)writer.size;
  return result;
}
