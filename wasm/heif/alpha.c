/*
 * A HEIC's alpha plane (an `auxl` item: a monochrome HEVC image whose luma is
 * the alpha) decoded by its own libde265 context, so that an alpha picture
 * stays alive beside the colour picture of hevc.c while a strip is written:
 *   hevc_alpha_decode(nals, len)               -> [width, height] of the picture
 *   hevc_alpha_rows(y0, rows, dst, stride, width, premultiplied)
 *   hevc_alpha_close()
 * hevc_alpha_rows writes the A byte of RGBA rows the colour shim has already
 * filled (10-bit luma reduced to 8, taken as it is: alpha has no video range),
 * and with `premultiplied` (the file's `prem` reference) divides the colour by it.
 */
#include <stdint.h>
#include <stdlib.h>
#include "libde265/de265.h"
#include "../shim/fail.h"

static de265_decoder_context *actx;
static const struct de265_image *apicture;
static int32_t aresult[2];

__attribute__((export_name("hevc_alpha_close"))) void hevc_alpha_close(void) {
  if (actx) de265_free_decoder(actx);
  actx = 0;
  apicture = 0;
}

/* As hevc_decode: the NAL units after 4-byte big-endian lengths, decoded until the first picture. */
__attribute__((export_name("hevc_alpha_decode"))) int32_t *hevc_alpha_decode(const uint8_t *in, uint32_t len) {
  hevc_alpha_close();
  actx = de265_new_decoder();
  if (!actx) codec_fail("HEIC: out of memory");
  de265_set_parameter_bool(actx, DE265_DECODER_PARAM_SUPPRESS_FAULTY_PICTURES, 0);
  for (uint32_t o = 0; o + 4 <= len;) {
    uint32_t n = ((uint32_t)in[o] << 24) | ((uint32_t)in[o + 1] << 16) | ((uint32_t)in[o + 2] << 8) | in[o + 3];
    o += 4;
    if (n > len - o) codec_fail("Invalid image file: the HEIC alpha data could not be decoded");
    if (de265_push_NAL(actx, in + o, (int)n, 0, 0) != DE265_OK) codec_fail("Invalid image file: the HEIC alpha data could not be decoded");
    o += n;
  }
  if (de265_flush_data(actx) != DE265_OK) codec_fail("Invalid image file: the HEIC alpha data could not be decoded");
  int more = 1;
  while (more && !apicture) {
    if (de265_decode(actx, &more) != DE265_OK) break;
    apicture = de265_get_next_picture(actx);
  }
  if (!apicture) codec_fail("Invalid image file: the HEIC alpha data could not be decoded");
  aresult[0] = de265_get_image_width(apicture, 0);
  aresult[1] = de265_get_image_height(apicture, 0);
  return aresult;
}

__attribute__((export_name("hevc_alpha_rows"))) void hevc_alpha_rows(int y0, int rows, uint8_t *dst, int stride, int width, int premultiplied) {
  if (!apicture) codec_fail("HEIC: no alpha picture decoded");
  int pw = de265_get_image_width(apicture, 0), ph = de265_get_image_height(apicture, 0);
  if (y0 < 0 || rows < 0 || y0 + rows > ph || width < 0 || width > pw) codec_fail("HEIC: alpha rows outside the picture");
  int s0;
  const uint8_t *p0 = de265_get_image_plane(apicture, 0, &s0);
  int bits = de265_get_bits_per_pixel(apicture, 0);
  for (int r = 0; r < rows; r++) {
    const uint8_t *src = p0 + (size_t)(y0 + r) * s0;
    uint8_t *o = dst + (size_t)r * stride;
    for (int x = 0; x < width; x++, o += 4) {
      int a = bits <= 8 ? src[x] : ((const uint16_t *)src)[x] >> (bits - 8);
      o[3] = (uint8_t)a;
      if (!premultiplied || a == 255) continue;
      for (int c = 0; c < 3; c++) {
        int v = a ? (o[c] * 255 + a / 2) / a : 0;
        o[c] = (uint8_t)(v > 255 ? 255 : v);
      }
    }
  }
}
