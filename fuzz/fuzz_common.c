/*
 * fuzz_common.c - the helpers fuzz.h declares, shared by every target.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

_Noreturn void fuzz_fail(const char *target, const char *format, ...)
{
	va_list ap;
	fprintf(stderr, "fuzz %s: ", target);
	va_start(ap, format);
	vfprintf(stderr, format, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	abort();
}

FILE *fuzz_null_stream(void)
{
	static FILE *null;
	if (null == NULL)
		null = fopen("/dev/null", "w");
	if (null == NULL)
		fuzz_fail("setup", "cannot open /dev/null");
	return null;
}
