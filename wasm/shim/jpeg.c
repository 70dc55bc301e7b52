/*
 * JPEG through libjpeg-turbo: header, decode with DCT-domain shrink-on-load,
 * and encode. Results come back in `result` (read by the JS side right after
 * the call): pointer, width, height, channels or byte length.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "jpeglib.h"
#include "jerror.h"
#include "fail.h"
#include "jpeg_shim.h"
#include "colour.h"

static int32_t result[6];

/* Warnings that say nothing about the pixels; every other warning means the
   data is damaged (e.g. the file ends early) and fails the decode. */
static const int tolerated_warnings[] = {
  JWRN_EXTRANEOUS_DATA, JWRN_ADOBE_XFORM, JWRN_BOGUS_ICC, JWRN_JFIF_MAJOR,
  JWRN_TOO_MUCH_DATA,
};

static void on_error(j_common_ptr cinfo) {
  char text[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, text);
  codec_fail(text);
}

static void on_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return; /* trace output */
  int code = cinfo->err->msg_code;
  for (unsigned i = 0; i < sizeof(tolerated_warnings) / sizeof(int); i++)
    if (tolerated_warnings[i] == code) return;
  on_error(cinfo);
}

void setup_errors(struct jpeg_error_mgr *err) {
  jpeg_std_error(err);
  err->error_exit = on_error;
  err->emit_message = on_message;
}

void open_source(struct jpeg_decompress_struct *cinfo, struct jpeg_error_mgr *err,
                        const uint8_t *in, uint32_t len) {
  if (len < 4) codec_fail("Not a JPEG file: too short");
  cinfo->err = err;
  setup_errors(err);
  jpeg_create_decompress(cinfo);
  jpeg_mem_src(cinfo, in, len);
  colour_watch(cinfo);
  jpeg_read_header(cinfo, TRUE);
}

/* result: width, height, components, colour space, progressive. */
__attribute__((export_name("jpeg_info"))) int32_t *jpeg_info(const uint8_t *in, uint32_t len) {
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error_mgr err;
  open_source(&cinfo, &err, in, len);
  result[0] = (int32_t)cinfo.image_width;
  result[1] = (int32_t)cinfo.image_height;
  result[2] = cinfo.num_components;
  result[3] = cinfo.jpeg_color_space;
  result[4] = jpeg_has_multiple_scans(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return result;
}

/*
 * Decodes at 1/denom of full size (denom 1, 2, 4 or 8: libjpeg-turbo scales
 * inside the inverse DCT, so the full-size image never exists).
 * result: pixels, width, height, channels.
 */
__attribute__((export_name("jpeg_decode"))) int32_t *jpeg_decode(
    const uint8_t *in, uint32_t len, int denom, int channels,
    uint32_t max_pixels, uint32_t max_memory) {
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error_mgr err;
  if (channels != 3 && channels != 4) codec_fail("channels must be 3 or 4");
  if (denom != 1 && denom != 2 && denom != 4 && denom != 8) codec_fail("scale must be 1/1, 1/2, 1/4 or 1/8");
  open_source(&cinfo, &err, in, len);
  cinfo.mem->max_memory_to_use = max_memory;
  cinfo.scale_num = 1;
  cinfo.scale_denom = (unsigned)denom;
  void *colour = colour_setup(&cinfo, channels);
  int in_bytes = colour_input_bytes(&cinfo, channels);
  jpeg_calc_output_dimensions(&cinfo);
  uint64_t pixels = (uint64_t)cinfo.output_width * cinfo.output_height;
  if (pixels > max_pixels) codec_fail("Image too large to decode");
  jpeg_start_decompress(&cinfo);
  uint32_t stride = cinfo.output_width * (uint32_t)channels;
  /* One spare byte: the resampler reads pixels four bytes at a time. */
  uint8_t *out = malloc((size_t)pixels * channels + 1);
  /* CMYK is read into a row of its own; RGB is converted where it lies. */
  uint8_t *row = in_bytes != channels ? malloc(cinfo.output_width * 4) : 0;
  if (!out || (in_bytes != channels && !row)) codec_fail("out of memory");
  while (cinfo.output_scanline < cinfo.output_height) {
    uint8_t *dest = out + (size_t)cinfo.output_scanline * stride;
    JSAMPROW rows[1] = { row ? row : dest };
    jpeg_read_scanlines(&cinfo, rows, 1);
    if (colour) colour_row(colour, row ? row : dest, dest, cinfo.output_width, channels);
  }
  jpeg_finish_decompress(&cinfo);
  free(row);
  result[0] = (int32_t)(uintptr_t)out;
  result[1] = (int32_t)cinfo.output_width;
  result[2] = (int32_t)cinfo.output_height;
  result[3] = channels;
  jpeg_destroy_decompress(&cinfo);
  return result;
}

/*
 * Encodes RGB or RGBA (alpha ignored) pixels. Like libvips, chroma is
 * subsampled 4:2:0 below quality 90 and kept whole from 90 up; Huffman
 * tables are always optimised. result: bytes, length.
 */
__attribute__((export_name("jpeg_encode"))) int32_t *jpeg_encode(
    const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
    int quality, int progressive) {
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr err;
  unsigned char *out = 0;
  unsigned long out_len = 0;
  cinfo.err = &err;
  setup_errors(&err);
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, &out, &out_len);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = channels;
  cinfo.in_color_space = channels == 4 ? JCS_EXT_RGBA : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  cinfo.optimize_coding = TRUE;
  if (quality >= 90) {
    cinfo.comp_info[0].h_samp_factor = 1;
    cinfo.comp_info[0].v_samp_factor = 1;
  }
  if (progressive) jpeg_simple_progression(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  uint32_t stride = width * (uint32_t)channels;
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW rows[1] = { (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * stride) };
    jpeg_write_scanlines(&cinfo, rows, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  result[0] = (int32_t)(uintptr_t)out;
  result[1] = (int32_t)out_len;
  return result;
}
