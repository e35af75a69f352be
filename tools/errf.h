/*
 * errf.h - filling a caller's error buffer, the way every tools/ function
 * that can fail reports why ("FILE: reason").
 */
#ifndef AC97SIM_ERRF_H
#define AC97SIM_ERRF_H

#include <stddef.h>

/* printf into err (err_len bytes); nothing when err is NULL or empty. */
void errf(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
