/*
 * JPEG to JPEG or lossy WebP in strips: libjpeg-turbo decodes a few rows at a
 * time (with DCT shrink-on-load), and each strip goes straight into the
 * encoder, so the decoded image never exists whole. The JPEG encoder takes
 * rows as they come; libwebp encodes from a whole YUV 4:2:0 picture (1.5 bytes
 * per pixel), which is filled strip by strip, never holding the RGB image.
 *
 * An EXIF orientation other than 1 (a portrait phone photo) needs the whole
 * frame: it is decoded once into RGB (3 bytes per pixel) and the encoder's
 * rows are gathered from it already turned, 128 at a time (so each stored row
 * read for a quarter turn gives a run of 128 pixels), so no second frame is made.
 * result: bytes, length, width, height.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jpeglib.h"
#include "webp/encode.h"
#include "fail.h"
#include "jpeg_shim.h"
#include "colour.h"
#include "webp_config.h"

static int32_t result[4];

/* Rows per strip: a multiple of 2 (4:2:0 chroma pairs rows) and of libjpeg's 16-row iMCU. */
#define STRIP 16
/* From a whole frame to be turned: longer runs down its columns for each read of a stored row. */
#define TURNED_STRIP 128

typedef struct {
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error_mgr err;
  void *colour;
  uint8_t *cmyk_row;
  int orientation;
  uint8_t *frame;          /* the whole decoded image when it has to be turned */
  uint32_t width, height;  /* of the output, upright */
  uint32_t next_row;
  uint32_t strip_rows;
} source;

static uint32_t read_rows(source *s, uint8_t *dest, uint32_t stride, uint32_t max);

static void source_open(source *s, const uint8_t *in, uint32_t len, int denom, uint32_t max_memory) {
  if (denom != 1 && denom != 2 && denom != 4 && denom != 8) codec_fail("scale must be 1/1, 1/2, 1/4 or 1/8");
  open_source(&s->cinfo, &s->err, in, len);
  s->cinfo.mem->max_memory_to_use = max_memory;
  s->cinfo.scale_num = 1;
  s->cinfo.scale_denom = (unsigned)denom;
  s->colour = colour_setup(&s->cinfo, 3);
  int cmyk = colour_input_bytes(&s->cinfo, 3) == 4;
  jpeg_start_decompress(&s->cinfo);
  s->cmyk_row = cmyk ? malloc(s->cinfo.output_width * 4) : 0;
  if (cmyk && !s->cmyk_row) codec_fail("out of memory");
  uint32_t w = s->cinfo.output_width, h = s->cinfo.output_height;
  s->width = s->orientation >= 5 ? h : w;
  s->height = s->orientation >= 5 ? w : h;
  s->next_row = 0;
  s->frame = 0;
  s->strip_rows = s->orientation == 1 ? STRIP : TURNED_STRIP;
  if (s->orientation != 1) {
    s->frame = malloc((size_t)w * h * 3);
    if (!s->frame) codec_fail("out of memory");
    uint32_t y = 0;
    while (y < h) y += read_rows(s, s->frame + (size_t)y * w * 3, w * 3, h - y);
  }
}

/* Rows straight from libjpeg (converted to sRGB): up to `max`, returns how many. */
static uint32_t read_rows(source *s, uint8_t *strip, uint32_t stride, uint32_t max) {
  uint32_t n = 0;
  while (n < max && s->cinfo.output_scanline < s->cinfo.output_height) {
    uint8_t *dest = strip + (size_t)n * stride;
    JSAMPROW rows[1] = { s->cmyk_row ? s->cmyk_row : dest };
    jpeg_read_scanlines(&s->cinfo, rows, 1);
    if (s->colour) colour_row(s->colour, s->cmyk_row ? s->cmyk_row : dest, dest, s->cinfo.output_width, 3);
    n++;
  }
  return n;
}

/*
 * `n` upright rows from row y0 into `strip`, from the stored frame under EXIF
 * orientation 2-8. A quarter turn (5-8) reads the frame down its columns:
 * for each output column x the strip's n pixels are n neighbours in one
 * stored row (sy fixed, sx stepping by one), copied in one short run.
 */
static void turned_rows(const source *s, uint32_t y0, uint32_t n, uint8_t *strip) {
  uint32_t w = s->cinfo.output_width, h = s->cinfo.output_height, o = s->orientation;
  size_t stride = (size_t)s->width * 3;
  if (o >= 5) {
    int step = o == 5 || o == 6 ? 3 : -3;
    for (uint32_t x = 0; x < s->width; x++) {
      uint32_t sy = o == 5 || o == 8 ? x : h - 1 - x;
      uint32_t sx = o == 5 || o == 6 ? y0 : w - 1 - y0;
      const uint8_t *p = s->frame + ((size_t)sy * w + sx) * 3;
      uint8_t *out = strip + (size_t)x * 3;
      for (uint32_t i = 0; i < n; i++, p += step, out += stride) {
        out[0] = p[0];
        out[1] = p[1];
        out[2] = p[2];
      }
    }
    return;
  }
  for (uint32_t i = 0; i < n; i++) {
    uint32_t y = y0 + i, sy = o == 2 ? y : h - 1 - y;
    const uint8_t *row = s->frame + (size_t)sy * w * 3;
    uint8_t *out = strip + i * stride;
    if (o == 4) {
      memcpy(out, row, (size_t)w * 3);
      continue;
    }
    for (uint32_t x = 0; x < w; x++) memcpy(out + (size_t)x * 3, row + (size_t)(w - 1 - x) * 3, 3); /* 2, 3: mirrored */
  }
}

/* Reads up to strip_rows rows of upright RGB into `strip`; returns how many. */
static uint32_t source_read(source *s, uint8_t *strip) {
  if (!s->frame) return read_rows(s, strip, s->width * 3, STRIP);
  uint32_t n = s->height - s->next_row < s->strip_rows ? s->height - s->next_row : s->strip_rows;
  turned_rows(s, s->next_row, n, strip);
  s->next_row += n;
  return n;
}

static void source_close(source *s) {
  jpeg_finish_decompress(&s->cinfo);
  jpeg_destroy_decompress(&s->cinfo);
  free(s->cmyk_row);
  free(s->frame);
}

static void to_jpeg(source *s, uint8_t *strip, int quality, int progressive, int optimize) {
  struct jpeg_compress_struct c;
  struct jpeg_error_mgr err;
  unsigned char *out = 0;
  unsigned long out_len = 0;
  c.err = &err;
  setup_errors(&err);
  jpeg_create_compress(&c);
  jpeg_mem_dest(&c, &out, &out_len);
  c.image_width = s->width;
  c.image_height = s->height;
  c.input_components = 3;
  c.in_color_space = JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, quality, TRUE);
  /* Optimised Huffman tables (and progressive scans) need every coefficient of
     the image before the first byte is written: 2 bytes per sample. */
  c.optimize_coding = optimize ? TRUE : FALSE;
  /* As jpeg_encode (and libvips): 4:2:0 below quality 90, whole chroma from 90 up. */
  if (quality >= 90) {
    c.comp_info[0].h_samp_factor = 1;
    c.comp_info[0].v_samp_factor = 1;
  }
  if (progressive) jpeg_simple_progression(&c);
  jpeg_start_compress(&c, TRUE);
  uint32_t stride = c.image_width * 3, n;
  while ((n = source_read(s, strip)) > 0) {
    for (uint32_t i = 0; i < n; i++) {
      JSAMPROW rows[1] = { strip + (size_t)i * stride };
      jpeg_write_scanlines(&c, rows, 1);
    }
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  result[0] = (int32_t)(uintptr_t)out;
  result[1] = (int32_t)out_len;
}

static void to_webp(source *s, uint8_t *strip, float quality, int low_memory) {
  WebPConfig config;
  WebPPicture picture, part;
  WebPMemoryWriter writer;
  webp_lossy_config(&config, quality, low_memory);
  if (!WebPPictureInit(&picture) || !WebPPictureInit(&part)) codec_fail("WebP: version mismatch");
  int width = (int)s->width, height = (int)s->height;
  picture.width = width;
  picture.height = height;
  if (!WebPPictureAlloc(&picture)) codec_fail("WebP: out of memory");
  int uv_width = (width + 1) / 2;
  uint32_t n, y = 0;
  while ((n = source_read(s, strip)) > 0) {
    part.width = width;
    part.height = (int)n;
    if (!WebPPictureImportRGB(&part, strip, width * 3)) codec_fail("WebP: out of memory");
    for (uint32_t i = 0; i < n; i++) memcpy(picture.y + (size_t)(y + i) * picture.y_stride, part.y + (size_t)i * part.y_stride, (size_t)width);
    for (uint32_t i = 0; i < (n + 1) / 2; i++) {
      memcpy(picture.u + (size_t)(y / 2 + i) * picture.uv_stride, part.u + (size_t)i * part.uv_stride, (size_t)uv_width);
      memcpy(picture.v + (size_t)(y / 2 + i) * picture.uv_stride, part.v + (size_t)i * part.uv_stride, (size_t)uv_width);
    }
    WebPPictureFree(&part);
    y += n;
  }
  WebPMemoryWriterInit(&writer);
  picture.writer = WebPMemoryWrite;
  picture.custom_ptr = &writer;
  if (!WebPEncode(&config, &picture)) codec_fail("WebP: encoding failed");
  WebPPictureFree(&picture);
  result[0] = (int32_t)(uintptr_t)writer.mem;
  result[1] = (int32_t)writer.size;
}

/*
 * target: 0 JPEG (quality, progressive, optimised Huffman tables), 1 lossy WebP (quality), 2 lossy WebP without
 * libwebp's token buffer (docs/engine.md "WebP output memory").
 * orientation: the EXIF orientation to apply (1-8).
 */
__attribute__((export_name("jpeg_transcode"))) int32_t *jpeg_transcode(
    const uint8_t *in, uint32_t len, int denom, int target, int quality, int progressive, int optimize, uint32_t max_memory,
    int orientation) {
  source s;
  if (orientation < 1 || orientation > 8) codec_fail("orientation must be 1 to 8");
  s.orientation = orientation;
  source_open(&s, in, len, denom, max_memory);
  uint8_t *strip = malloc((size_t)s.width * 3 * s.strip_rows);
  if (!strip) codec_fail("out of memory");
  if (target == 0) to_jpeg(&s, strip, quality, progressive, optimize);
  else to_webp(&s, strip, (float)quality, target == 2);
  result[2] = (int32_t)s.width;
  result[3] = (int32_t)s.height;
  free(strip);
  source_close(&s);
  return result;
}
