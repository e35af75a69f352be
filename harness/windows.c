/*
 * windows.c - the race windows' table (windows.h).
 */
#include "windows.h"

#include <string.h>

const struct race_window_def race_windows[WINDOW_COUNT] = {
#define RACE_WINDOW_ROW(id, name, entry, what) [WINDOW_##id] = { name, entry, what },
	RACE_WINDOWS(RACE_WINDOW_ROW)
#undef RACE_WINDOW_ROW
};

enum race_window race_window_by_name(const char *name)
{
	for (unsigned i = 0; i < WINDOW_COUNT; i++)
		if (strcmp(race_windows[i].name, name) == 0)
			return (enum race_window)i;
	return WINDOW_COUNT;
}
