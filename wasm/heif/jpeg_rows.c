/*
 * A baseline JPEG written from RGBA rows as they come (libjpeg-turbo's
 * encoder, in this module beside libde265), so a HEIC delivered at full size
 * as JPEG goes from tile rows to JPEG strips without the whole frame:
 *   jpeg_rows_begin(width, height, quality)
 *   jpeg_rows_write(rows, count, stride)   (any number of times, top to bottom)
 *   jpeg_rows_end()                        -> [output pointer, length]
 * Standard Huffman tables (optimised ones need every coefficient of the image).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "jpeglib.h"
#include "../shim/fail.h"

static struct jpeg_compress_struct cinfo;
static struct jpeg_error_mgr jerr;
static unsigned char *out;
static unsigned long out_size;
static int32_t result[2];

static void error_exit(j_common_ptr c) {
  char message[JMSG_LENGTH_MAX];
  (*c->err->format_message)(c, message);
  codec_fail(message);
}

__attribute__((export_name("jpeg_rows_begin"))) void jpeg_rows_begin(int width, int height, int quality) {
  cinfo.err = jpeg_std_error(&jerr);
  jerr.error_exit = error_exit;
  jpeg_create_compress(&cinfo);
  out = 0;
  out_size = 0;
  jpeg_mem_dest(&cinfo, &out, &out_size);
  cinfo.image_width = (JDIMENSION)width;
  cinfo.image_height = (JDIMENSION)height;
  cinfo.input_components = 4;
  cinfo.in_color_space = JCS_EXT_RGBX; /* RGBA rows, alpha ignored */
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  cinfo.optimize_coding = FALSE;
  jpeg_start_compress(&cinfo, TRUE);
}

__attribute__((export_name("jpeg_rows_write"))) void jpeg_rows_write(uint8_t *rows, int count, int stride) {
  for (int i = 0; i < count; i++) {
    JSAMPROW row = rows + (size_t)i * stride;
    if (jpeg_write_scanlines(&cinfo, &row, 1) != 1) codec_fail("JPEG: scanline not written");
  }
}

__attribute__((export_name("jpeg_rows_end"))) int32_t *jpeg_rows_end(void) {
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  result[0] = (int32_t)(uintptr_t)out;
  result[1] = (int32_t)out_size;
  return result;
}
