/*
 * Errors end a call by trapping: the JS side reads the message from
 * codec_error(), then throws the instance away and builds a fresh one, so a
 * bad input can never leave half-freed state behind for the next call.
 */
#ifndef CODEC_FAIL_H
#define CODEC_FAIL_H

void codec_fail(const char *message) __attribute__((noreturn));

#endif
