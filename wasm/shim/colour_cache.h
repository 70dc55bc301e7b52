/* What colour.c shares with colour_rows.c (PNG and WebP sources): its transform cache and sRGB test. */
#ifndef COLOUR_CACHE_H
#define COLOUR_CACHE_H
#include <stdint.h>
#include "lcms2.h"

/* Silences lcms's error reports (a bad profile means "no transform", not a failed decode). */
void colour_quiet(void);
/* The cache key of a profile's bytes (never 0, which is the fallback CMYK link's). */
uint32_t colour_key(const uint8_t *icc, uint32_t length);
/* A cached transform for these profile bytes and pixel formats, or 0. */
cmsHTRANSFORM colour_cached(uint32_t key, uint32_t length, cmsUInt32Number in_format, cmsUInt32Number out_format);
/* Keeps `t` in the cache (evicting the oldest) and returns it. */
cmsHTRANSFORM colour_remember(uint32_t key, uint32_t length, cmsUInt32Number in_format, cmsUInt32Number out_format, cmsHTRANSFORM t);
/* 1 when an opened RGB profile describes sRGB (its pixels need no conversion). */
int colour_profile_is_srgb(cmsHPROFILE p);
#endif
