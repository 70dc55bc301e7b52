/*
 * Colour management of already decoded pixels (PNG and WebP sources, whose
 * decoders hand over RGBA without looking at the file's ICC profile): rows
 * converted in place from the embedded profile to sRGB with Little CMS, alpha
 * left as it is, through the same transform cache and sRGB test as JPEG rows
 * (colour.c). As libvips does, a profile that cannot be used (malformed, not
 * RGB) leaves the pixels as they are, taken as sRGB.
 */
#include <stdint.h>
#include "lcms2.h"
#include "colour_cache.h"

enum { ICC_UNUSABLE = 0, ICC_SRGB = 1, ICC_MATRIX_SHAPER = 2, ICC_TABLES = 3 };

static cmsUInt32Number format_of(int32_t channels) {
  return channels == 4 ? TYPE_RGBA_8 : TYPE_RGB_8;
}

/* What a profile asks for before any pixel is touched: unusable, sRGB already, matrix-shaper (cheap) or tables (LUT, dearer). */
__attribute__((export_name("icc_profile_kind"))) int32_t icc_profile_kind(const uint8_t *icc, uint32_t length) {
  colour_quiet();
  if (length < 132) return ICC_UNUSABLE;
  cmsHPROFILE p = cmsOpenProfileFromMem(icc, length);
  if (!p) return ICC_UNUSABLE;
  int32_t kind = cmsGetColorSpace(p) != cmsSigRgbData ? ICC_UNUSABLE
                 : colour_profile_is_srgb(p)          ? ICC_SRGB
                 : cmsIsMatrixShaper(p)               ? ICC_MATRIX_SHAPER
                                                      : ICC_TABLES;
  cmsCloseProfile(p);
  return kind;
}

/*
 * Converts `count` pixels at `pixels` (RGBA with channels 4, RGB with 3) in
 * place from the profile to sRGB. Returns 1 when converted, 0 when the pixels
 * were left as they are (an unusable or sRGB profile).
 */
__attribute__((export_name("icc_rows_to_srgb")))
int32_t icc_rows_to_srgb(const uint8_t *icc, uint32_t length, uint8_t *pixels, uint32_t count, int32_t channels) {
  colour_quiet();
  if (length < 132 || (channels != 3 && channels != 4)) return 0;
  cmsUInt32Number format = format_of(channels);
  uint32_t key = colour_key(icc, length);
  cmsHTRANSFORM t = colour_cached(key, length, format, format);
  if (!t) {
    cmsHPROFILE in = cmsOpenProfileFromMem(icc, length);
    cmsHPROFILE srgb = cmsCreate_sRGBProfile();
    if (in && srgb && cmsGetColorSpace(in) == cmsSigRgbData && !colour_profile_is_srgb(in))
      /* As for JPEG rows: matrix-shaper profiles have no perceptual table, so their colorimetric path is the same result, faster. */
      t = cmsCreateTransform(in, format, srgb, format, cmsIsMatrixShaper(in) ? INTENT_RELATIVE_COLORIMETRIC : INTENT_PERCEPTUAL,
                             channels == 4 ? cmsFLAGS_COPY_ALPHA : 0);
    if (in) cmsCloseProfile(in);
    if (srgb) cmsCloseProfile(srgb);
    if (!t) return 0;
    colour_remember(key, length, format, format, t);
  }
  cmsDoTransform(t, pixels, pixels, count);
  return 1;
}
