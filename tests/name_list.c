/*
 * name_list.c - see name_list.h.
 */
#include "name_list.h"

#include <string.h>

bool name_in_list(const char *name, const char *list)
{
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p += len + (bar != NULL);
	}
	return false;
}
