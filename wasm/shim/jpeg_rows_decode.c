/*
 * A JPEG decoded a strip of rows at a time into RGBA, for the engine's strip
 * pipeline (effects that work pixel by pixel, then a row encoder): only the
 * strip the caller passes lives outside libjpeg, so memory follows the width.
 * Colour management is colour.c's, row by row, as jpeg_decode does (CMYK is
 * converted in place: RGBA rows are as wide as CMYK ones). A progressive
 * file keeps its coefficients inside libjpeg (capped by max_memory, which the
 * caller charged). Full size only: one decode open per instance at a time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "jpeglib.h"
#include "fail.h"
#include "jpeg_shim.h"
#include "colour.h"

static struct jpeg_decompress_struct cinfo;
static struct jpeg_error_mgr err;
static void *colour;
static int open;
static int32_t result[2];

static void close_decode(void) {
  if (!open) return;
  jpeg_destroy_decompress(&cinfo);
  open = 0;
}

/* result: width, height. */
__attribute__((export_name("jpeg_rows_decode_begin"))) int32_t *jpeg_rows_decode_begin(const uint8_t *in, uint32_t len,
                                                                                          uint32_t max_memory) {
  close_decode();
  open_source(&cinfo, &err, in, len);
  open = 1;
  cinfo.mem->max_memory_to_use = max_memory;
  colour = colour_setup(&cinfo, 4);
  jpeg_start_decompress(&cinfo);
  result[0] = (int32_t)cinfo.output_width;
  result[1] = (int32_t)cinfo.output_height;
  return result;
}

/* Up to `max` RGBA rows into `dest` (rows `stride` bytes apart); returns how many (0 at the end). */
__attribute__((export_name("jpeg_rows_decode_read"))) uint32_t jpeg_rows_decode_read(uint8_t *dest, uint32_t max, uint32_t stride) {
  if (!open) codec_fail("no JPEG decode open");
  uint32_t n = 0;
  while (n < max && cinfo.output_scanline < cinfo.output_height) {
    uint8_t *row = dest + (size_t)n * stride;
    JSAMPROW rows[1] = { row };
    jpeg_read_scanlines(&cinfo, rows, 1);
    if (colour) colour_row(colour, row, row, cinfo.output_width, 4);
    n++;
  }
  return n;
}

__attribute__((export_name("jpeg_rows_decode_end"))) void jpeg_rows_decode_end(void) {
  if (open && cinfo.output_scanline >= cinfo.output_height) jpeg_finish_decompress(&cinfo);
  close_decode();
}
