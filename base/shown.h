/*
 * shown.h - text from outside (a file, the command line) as an error
 * message may quote it: printable ASCII only (anything else as '?'), cut
 * after max_chars characters with "...", so that a message stays one
 * readable line whatever the input held.
 */
#ifndef AC97SIM_SHOWN_H
#define AC97SIM_SHOWN_H

#include <stddef.h>
#include <string.h>

/* Writes the shown form of text into buf (len bytes, at least 4) and
 * returns buf; a text cut short, by max_chars or by len, ends in "...". */
static inline const char *text_shown(const char *text, size_t max_chars, char *buf, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; text[i] != '\0'; i++) {
		if (i == max_chars || o + 4 >= len) {
			if (o + 4 <= len) {
				memcpy(buf + o, "...", 3);
				o += 3;
			}
			break;
		}
		unsigned char c = (unsigned char)text[i];
		buf[o++] = c >= 0x20 && c < 0x7F ? (char)c : '?';
	}
	buf[o] = '\0';
	return buf;
}

#endif
