/* What jpeg.c shares with transcode.c. */
#ifndef JPEG_SHIM_H
#define JPEG_SHIM_H
#include <stdint.h>
#include <stdio.h>
#include "jpeglib.h"

/* libjpeg errors become codec_fail; warnings that mean damaged data fail too. */
void setup_errors(struct jpeg_error_mgr *err);
/* Creates the decompressor over `len` bytes at `in` and reads the header. */
void open_source(struct jpeg_decompress_struct *cinfo, struct jpeg_error_mgr *err, const uint8_t *in, uint32_t len);
#endif
