/*
 * fuzz_lines.h - checking the "FILE:LINE: reason" form of a message about
 * an input the targets were given as text.
 */
#ifndef AC97SIM_FUZZ_LINES_H
#define AC97SIM_FUZZ_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Lines in text[0..size): a last line without its newline counts. */
static inline uint64_t fuzz_line_count(const uint8_t *text, size_t size)
{
	uint64_t n = 0;
	for (size_t i = 0; i < size; i++)
		n += text[i] == '\n';
	return n + (size > 0 && text[size - 1] != '\n');
}

/* True when msg is "NAME: reason" or "NAME:LINE: reason" with LINE in
 * 1..lines (a reason about the end of the text may name the line after
 * the last), and the reason is not empty. */
static inline bool fuzz_message_ok(const char *msg, const char *name, uint64_t lines)
{
	size_t n = strlen(name);
	if (strncmp(msg, name, n) != 0 || msg[n] != ':')
		return false;
	const char *p = msg + n + 1;
	if (*p >= '0' && *p <= '9') {
		uint64_t line = 0;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (line > (UINT64_MAX - 9) / 10)
				return false;
			line = line * 10 + (uint64_t)(*p - '0');
		}
		if (line < 1 || line > lines + 1 || *p != ':')
			return false;
		p++;
	}
	return p[0] == ' ' && p[1] != '\0' && p[1] != ' ';
}

#endif
