#include <stdlib.h>
#include <string.h>
#include "fail.h"

static char error_text[200];

__attribute__((export_name("codec_error"))) const char *codec_error(void) {
  return error_text;
}

void codec_fail(const char *message) {
  strncpy(error_text, message, sizeof(error_text) - 1);
  error_text[sizeof(error_text) - 1] = 0;
  __builtin_trap();
}

/* The JS side moves bytes in and out through these. */
__attribute__((export_name("alloc"))) void *codec_alloc(unsigned long size) {
  void *p = malloc(size);
  if (!p) codec_fail("out of memory");
  return p;
}

__attribute__((export_name("release"))) void codec_release(void *p) { free(p); }
