/*
 * A lossy (VP8) WebP decoded at full size a strip of rows at a time into
 * RGBA, for the engine's strip pipeline. libwebp's VP8Decode runs the whole
 * frame into a frame-sized output buffer; here its frame loop (ParseFrame in
 * src/dec/vp8_dec.c) is driven one macroblock row at a time, and the rows the
 * decoder hands to io->put are converted with the same fancy upsampler as
 * libwebp's RGBA output (io_dec.c EmitFancyRGB / EmitAlphaRGB), so the pixels
 * equal a whole decode's. Memory: the VP8 decoder's per-row state, a pending
 * buffer of one macroblock row's output (up to 25 rows), and for files with
 * an ALPH chunk libwebp's alpha plane (1 byte per pixel). Lossless (VP8L) and
 * animated files are refused. One decode open per instance at a time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "src/dec/vp8i_dec.h"
#include "src/dec/webpi_dec.h"
#include "src/dsp/dsp.h"
#include "fail.h"

/* A macroblock row emits at most 16 + 8 (the loop filter's extra rows) + 1 (the upsampler's held row). */
#define PENDING_ROWS 32

static VP8Decoder *dec;
static VP8Io io;
static int open;
static int width, height;
static uint8_t *pending;  /* PENDING_ROWS RGBA rows */
static int pending_first; /* index of the first unread row in `pending` */
static int pending_count; /* rows in `pending` */
static uint8_t *tmp_y, *tmp_u, *tmp_v;
static int32_t result[3];

static void close_decode(void) {
  if (dec) {
    if (open) VP8ExitCritical(dec, &io);
    VP8Delete(dec);
  }
  dec = NULL;
  open = 0;
  free(pending);
  free(tmp_y);
  pending = tmp_y = tmp_u = tmp_v = NULL;
}

static void fail_decode(void) {
  close_decode();
  codec_fail("Invalid image file: the WEBP data could not be decoded");
}

static int setup(VP8Io *const io_) {
  /* As CustomSetup for an RGBA output without options: full frame, fancy upsampling, no scaling. */
  if (!WebPIoInitFromOptions(NULL, io_, MODE_YUV)) return 0;
  WebPInitUpsamplers();
  WebPInitAlphaProcessing();
  return 1;
}

/* EmitFancyRGB + EmitAlphaRGB of io_dec.c, written to `pending` from its row 0 (the first row this call finishes). */
static int put(const VP8Io *const p) {
  const int stride = width * 4;
  const int mb_w = p->mb_w, uv_w = (mb_w + 1) / 2;
  const int y0 = p->mb_y, y_end = p->mb_y + p->mb_h;
  const WebPUpsampleLinePairFunc upsample = WebPUpsamplers[MODE_RGBA];
  const uint8_t *cur_y = p->y, *cur_u = p->u, *cur_v = p->v;
  const uint8_t *top_u = tmp_u, *top_v = tmp_v;
  int lines = p->mb_h, y = y0;
  uint8_t *dst;
  if (p->mb_w <= 0 || p->mb_h <= 0) return 0;
  if (y == 0) {
    dst = pending;
    upsample(cur_y, NULL, cur_u, cur_v, cur_u, cur_v, dst, NULL, mb_w);
  } else {
    dst = pending + stride;
    upsample(tmp_y, cur_y, top_u, top_v, cur_u, cur_v, dst - stride, dst, mb_w);
    ++lines;
  }
  for (; y + 2 < y_end; y += 2) {
    top_u = cur_u;
    top_v = cur_v;
    cur_u += p->uv_stride;
    cur_v += p->uv_stride;
    dst += 2 * stride;
    cur_y += 2 * p->y_stride;
    upsample(cur_y - p->y_stride, cur_y, top_u, top_v, cur_u, cur_v, dst - stride, dst, mb_w);
  }
  cur_y += p->y_stride;
  if (p->crop_top + y_end < p->crop_bottom) {
    memcpy(tmp_y, cur_y, mb_w);
    memcpy(tmp_u, cur_u, uv_w);
    memcpy(tmp_v, cur_v, uv_w);
    lines--;
  } else if (!(y_end & 1)) {
    upsample(cur_y, NULL, cur_u, cur_v, cur_u, cur_v, dst + stride, NULL, mb_w);
  }
  if (lines > PENDING_ROWS) return 0;
  if (p->a != NULL) {
    /* GetAlphaSourceRow: the alpha plane persists, so the held row's alpha is one row back. */
    const uint8_t *alpha = p->a;
    int rows = p->mb_h, start = y0;
    if (start == 0) --rows;
    else { --start; alpha -= p->width; }
    if (p->crop_top + y0 + p->mb_h == p->crop_bottom) rows = p->crop_bottom - p->crop_top - start;
    if (rows != lines) return 0;
    WebPDispatchAlpha(alpha, p->width, mb_w, rows, pending + 3, stride);
  }
  pending_first = 0;
  pending_count = lines;
  return 1;
}

/* result: width, height, has alpha (an ALPH chunk). */
__attribute__((export_name("webp_rows_decode_begin"))) int32_t *webp_rows_decode_begin(const uint8_t *in, uint32_t len) {
  WebPHeaderStructure headers;
  close_decode();
  memset(&headers, 0, sizeof(headers));
  headers.data = in;
  headers.data_size = len;
  headers.have_all_data = 1;
  if (WebPParseHeaders(&headers) != VP8_STATUS_OK || headers.is_lossless) fail_decode();
  VP8InitIo(&io);
  io.data = headers.data + headers.offset;
  io.data_size = headers.data_size - headers.offset;
  io.setup = setup;
  io.put = put;
  io.teardown = NULL;
  dec = VP8New();
  if (!dec) codec_fail("out of memory");
  dec->alpha_data_ = headers.alpha_data;
  dec->alpha_data_size_ = headers.alpha_data_size;
  if (!VP8GetHeaders(dec, &io)) fail_decode();
  width = io.width;
  height = io.height;
  dec->mt_method_ = 0;
  VP8InitDithering(NULL, dec);
  if (VP8EnterCritical(dec, &io) != VP8_STATUS_OK) fail_decode();
  open = 1;
  if (!VP8InitFrame(dec, &io)) fail_decode();
  pending = malloc((size_t)PENDING_ROWS * width * 4);
  tmp_y = malloc((size_t)width + 2 * ((width + 1) / 2));
  if (!pending || !tmp_y) fail_decode();
  tmp_u = tmp_y + width;
  tmp_v = tmp_u + (width + 1) / 2;
  /* Without an ALPH chunk the output is opaque: the upsampler writes 0xff alpha. */
  pending_first = pending_count = 0;
  dec->mb_y_ = 0;
  result[0] = width;
  result[1] = height;
  result[2] = headers.alpha_data != NULL;
  return result;
}

/* One macroblock row of ParseFrame: parse, reconstruct, filter, and emit through put(). */
static void decode_row(void) {
  VP8BitReader *const token_br = &dec->parts_[dec->mb_y_ & dec->num_parts_minus_one_];
  if (!VP8ParseIntraModeRow(&dec->br_, dec)) fail_decode();
  for (; dec->mb_x_ < dec->mb_w_; ++dec->mb_x_) {
    if (!VP8DecodeMB(dec, token_br)) fail_decode();
  }
  VP8InitScanline(dec);
  if (!VP8ProcessRow(dec, &io)) fail_decode();
  ++dec->mb_y_;
}

/* Up to `max` RGBA rows into `dest` (rows `stride` bytes apart); returns how many (0 at the end). */
__attribute__((export_name("webp_rows_decode_read"))) uint32_t webp_rows_decode_read(uint8_t *dest, uint32_t max, uint32_t stride) {
  uint32_t n = 0;
  if (!dec) codec_fail("no WebP decode open");
  while (n < max) {
    if (pending_count == 0) {
      if (dec->mb_y_ >= dec->br_mb_y_) break;
      decode_row();
      continue;
    }
    uint32_t take = (uint32_t)pending_count < max - n ? (uint32_t)pending_count : max - n;
    for (uint32_t i = 0; i < take; i++) {
      memcpy(dest + (size_t)(n + i) * stride, pending + (size_t)(pending_first + i) * width * 4, (size_t)width * 4);
    }
    pending_first += take;
    pending_count -= take;
    n += take;
  }
  return n;
}

__attribute__((export_name("webp_rows_decode_end"))) void webp_rows_decode_end(void) { close_decode(); }
