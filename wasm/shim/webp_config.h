#ifndef WEBP_CONFIG_H
#define WEBP_CONFIG_H
#include "webp/encode.h"

/*
 * The lossy encoder's settings, one for every libwebp encode of the module
 * (webp.c, transcode.c, webp_rows_encode.c): sharp's defaults (method 4,
 * alpha quality 100). low_memory: code without libwebp's token buffer (about
 * 0.3 byte per pixel below quality 90, 1 at 90, 5 at 100, more on detailed
 * pictures); the picture is then coded twice, about 1.7 times the CPU, so the
 * engine asks for it where the tokens could be large (costs.ts webpLowMemory).
 */
void webp_lossy_config(WebPConfig *config, float quality, int low_memory);

#endif
