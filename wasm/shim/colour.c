/*
 * Converts decoded JPEG rows to sRGB with Little CMS, row by row (the frame is
 * never held for it), as libvips does for sharp: embedded profiles (Adobe RGB,
 * Display P3, CMYK) are applied with perceptual intent; CMYK files without one
 * go through libvips's fallback CMYK profile, baked at build time into a
 * device link (wasm/tools/cmyk_link.c). Adobe CMYK (APP14) is stored
 * inverted; the transform takes it as such.
 *
 * Transforms are kept in a small cache (per WASM instance): building one from
 * a device link resamples a 4-D grid, a few milliseconds that a thumbnail
 * should not pay on every request.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>
#include "lcms2.h"
#include "jpeglib.h"
#include "fail.h"
#include "colour.h"
#include "cmyk_link.h"
#include "colour_cache.h"

/* Profiles lcms writes carry a creation date; the module has no clock (and
   no imports for one), so every date is the epoch and the output reproducible. */
time_t time(time_t *t) {
  if (t) *t = 0;
  return 0;
}

#define CACHE 4
typedef struct {
  uint32_t key; /* FNV-1a of the profile bytes (0: the fallback CMYK link) */
  uint32_t length;
  cmsUInt32Number in_format, out_format;
  cmsHTRANSFORM transform;
} cached;
static cached cache[CACHE];
static unsigned next_slot;

static uint32_t fnv(const uint8_t *p, uint32_t n) {
  uint32_t h = 2166136261u;
  for (uint32_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h | 1; /* never 0 */
}

static int quiet;

/* lcms reports bad profiles through this; a bad profile means "no transform", not a failed decode. */
static void on_lcms_error(cmsContext id, cmsUInt32Number code, const char *text) {
  (void)id; (void)code; (void)text;
}

static cmsHTRANSFORM lookup(uint32_t key, uint32_t length, cmsUInt32Number in_format, cmsUInt32Number out_format) {
  for (unsigned i = 0; i < CACHE; i++)
    if (cache[i].transform && cache[i].key == key && cache[i].length == length && cache[i].in_format == in_format &&
        cache[i].out_format == out_format)
      return cache[i].transform;
  return 0;
}

static cmsHTRANSFORM remember(uint32_t key, uint32_t length, cmsUInt32Number in_format, cmsUInt32Number out_format, cmsHTRANSFORM t) {
  cached *slot = &cache[next_slot++ % CACHE];
  if (slot->transform) cmsDeleteTransform(slot->transform);
  *slot = (cached){ key, length, in_format, out_format, t };
  return t;
}

/*
 * An RGB profile that describes sRGB (same colorants and tone curves as
 * lcms's own, within what the ICC's fixed-point numbers keep): its rows are
 * sRGB already, so they are left exactly as decoded and the profile can be
 * carried over as it is.
 */
static int profile_is_srgb(cmsHPROFILE p) {
  if (cmsGetColorSpace(p) != cmsSigRgbData || !cmsIsMatrixShaper(p)) return 0;
  cmsHPROFILE srgb = cmsCreate_sRGBProfile();
  if (!srgb) return 0;
  static const cmsTagSignature colorants[3] = { cmsSigRedColorantTag, cmsSigGreenColorantTag, cmsSigBlueColorantTag };
  static const cmsTagSignature curves[3] = { cmsSigRedTRCTag, cmsSigGreenTRCTag, cmsSigBlueTRCTag };
  int same = 1;
  for (int c = 0; c < 3 && same; c++) {
    const cmsCIEXYZ *a = cmsReadTag(p, colorants[c]), *b = cmsReadTag(srgb, colorants[c]);
    const cmsToneCurve *ta = cmsReadTag(p, curves[c]), *tb = cmsReadTag(srgb, curves[c]);
    if (!a || !b || !ta || !tb) { same = 0; break; }
    if (fabs(a->X - b->X) > 0.002 || fabs(a->Y - b->Y) > 0.002 || fabs(a->Z - b->Z) > 0.002) same = 0;
    for (int i = 1; i < 20 && same; i++)
      if (fabsf(cmsEvalToneCurveFloat(ta, i / 20.0f) - cmsEvalToneCurveFloat(tb, i / 20.0f)) > 0.002f) same = 0;
  }
  cmsCloseProfile(srgb);
  return same;
}

/* 1 when the ICC profile at `icc` describes sRGB. */
__attribute__((export_name("icc_is_srgb"))) int32_t icc_is_srgb(const uint8_t *icc, uint32_t length) {
  cmsHPROFILE p = cmsOpenProfileFromMem(icc, length);
  if (!p) return 0;
  int same = profile_is_srgb(p);
  cmsCloseProfile(p);
  return same;
}

void colour_watch(j_decompress_ptr cinfo) {
  jpeg_save_markers(cinfo, JPEG_APP0 + 2, 0xFFFF);
}

static int is_cmyk(j_decompress_ptr cinfo) {
  return cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
}

int colour_input_bytes(j_decompress_ptr cinfo, int channels) {
  return is_cmyk(cinfo) ? 4 : channels;
}

void *colour_setup(j_decompress_ptr cinfo, int channels) {
  if (!quiet) {
    cmsSetLogErrorHandler(on_lcms_error);
    quiet = 1;
  }
  int cmyk = is_cmyk(cinfo);
  cinfo->out_color_space = cmyk ? JCS_CMYK : channels == 4 ? JCS_EXT_RGBA : JCS_RGB;
  cmsUInt32Number out_format = channels == 4 ? TYPE_RGBA_8 : TYPE_RGB_8;
  /* Adobe's APP14 marks CMYK stored inverted (Photoshop, ImageMagick); others store it plain. */
  cmsUInt32Number in_format = cmyk ? (cinfo->saw_Adobe_marker ? TYPE_CMYK_8_REV : TYPE_CMYK_8) : out_format;
  cmsUInt32Number flags = channels == 4 && !cmyk ? cmsFLAGS_COPY_ALPHA : 0;
  JOCTET *icc = 0;
  unsigned int icc_length = 0;
  if (cinfo->jpeg_color_space != JCS_GRAYSCALE && jpeg_read_icc_profile(cinfo, &icc, &icc_length) && icc_length >= 132) {
    uint32_t key = fnv(icc, icc_length);
    cmsHTRANSFORM t = lookup(key, icc_length, in_format, out_format);
    if (!t) {
      cmsHPROFILE in = cmsOpenProfileFromMem(icc, icc_length);
      cmsHPROFILE srgb = cmsCreate_sRGBProfile();
      cmsColorSpaceSignature want = cmyk ? cmsSigCmykData : cmsSigRgbData;
      if (in && srgb && cmsGetColorSpace(in) == want && !profile_is_srgb(in))
        /* A matrix-shaper profile (Adobe RGB, Display P3) has no perceptual table: perceptual is colorimetric
           there, and lcms's relative colorimetric path is about twice as fast (measured: 60 against 146 ns a pixel). */
        t = cmsCreateTransform(in, in_format, srgb, out_format, cmsIsMatrixShaper(in) ? INTENT_RELATIVE_COLORIMETRIC : INTENT_PERCEPTUAL,
                               flags);
      if (in) cmsCloseProfile(in);
      if (srgb) cmsCloseProfile(srgb);
      if (t) remember(key, icc_length, in_format, out_format, t);
    }
    free(icc);
    if (t || !cmyk) return t; /* an unusable RGB profile: the rows are taken as sRGB */
  } else if (icc) {
    free(icc);
  }
  if (!cmyk) return 0;
  cmsHTRANSFORM t = lookup(0, sizeof cmyk_link, in_format, out_format);
  if (t) return t;
  cmsHPROFILE link = cmsOpenProfileFromMem(cmyk_link, sizeof cmyk_link);
  if (!link) codec_fail("CMYK profile: cannot open");
  t = cmsCreateTransform(link, in_format, 0, out_format, INTENT_PERCEPTUAL, 0);
  cmsCloseProfile(link);
  if (!t) codec_fail("CMYK profile: cannot make a transform");
  return remember(0, sizeof cmyk_link, in_format, out_format, t);
}

void colour_row(void *transform, const uint8_t *in, uint8_t *out, uint32_t width, int channels) {
  cmsDoTransform((cmsHTRANSFORM)transform, in, out, width);
  /* From CMYK there is no alpha to copy (and the row may have been converted in place): opaque. */
  if (channels == 4 && T_COLORSPACE(cmsGetTransformInputFormat((cmsHTRANSFORM)transform)) == PT_CMYK)
    for (uint32_t x = 0; x < width; x++) out[x * 4 + 3] = 255;
}

static int32_t profile_result[2];

/* An sRGB profile as small as lcms writes it (about 500 bytes), for cs_tinysrgb. result: bytes, length. */
__attribute__((export_name("srgb_profile"))) int32_t *srgb_profile(void) {
  cmsHPROFILE p = cmsCreate_sRGBProfile();
  cmsUInt32Number n = 0;
  if (!p || !cmsSaveProfileToMem(p, 0, &n)) codec_fail("sRGB profile: cannot write");
  uint8_t *bytes = malloc(n);
  if (!bytes || !cmsSaveProfileToMem(p, bytes, &n)) codec_fail("sRGB profile: cannot write");
  cmsCloseProfile(p);
  profile_result[0] = (int32_t)(uintptr_t)bytes;
  profile_result[1] = (int32_t)n;
  return profile_result;
}

/* --- PNG and WebP sources: colour_rows.c reaches the cache and the sRGB test through these (colour_cache.h) --- */
void colour_quiet(void) {
  if (!quiet) {
    cmsSetLogErrorHandler(on_lcms_error);
    quiet = 1;
  }
}
uint32_t colour_key(const uint8_t *icc, uint32_t length) { return fnv(icc, length); }
cmsHTRANSFORM colour_cached(uint32_t key, uint32_t length, cmsUInt32Number in_format, cmsUInt32Number out_format) {
  return lookup(key, length, in_format, out_format);
}
cmsHTRANSFORM colour_remember(uint32_t key, uint32_t length, cmsUInt32Number in_format, cmsUInt32Number out_format, cmsHTRANSFORM t) {
  return remember(key, length, in_format, out_format, t);
}
int colour_profile_is_srgb(cmsHPROFILE p) { return profile_is_srgb(p); }
