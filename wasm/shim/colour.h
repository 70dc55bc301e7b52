/* Colour management for decoded JPEG rows (Little CMS): what jpeg.c and transcode.c share. */
#ifndef COLOUR_H
#define COLOUR_H
#include <stdint.h>
#include <stdio.h>
#include "jpeglib.h"

/* Keeps the APP2 (ICC) markers; call before jpeg_read_header. */
void colour_watch(j_decompress_ptr cinfo);

/*
 * After the header: sets out_color_space (CMYK files are read as CMYK) and
 * returns the transform to sRGB, or 0 when the rows are sRGB already (RGB or
 * grey without a profile, or a profile that cannot be used).
 */
void *colour_setup(j_decompress_ptr cinfo, int channels);

/* Input bytes per pixel of what libjpeg hands over (4 for CMYK, else `channels`). */
int colour_input_bytes(j_decompress_ptr cinfo, int channels);

/* One row of `width` pixels from libjpeg's layout to sRGB (RGB or RGBA, alpha 255). */
void colour_row(void *transform, const uint8_t *in, uint8_t *out, uint32_t width, int channels);
#endif
