/*
 * timeline.c - lanes of the last events (timeline.h). The log's lines are
 * "STEP US TICK WHO EVENT DETAILS" (evlog.c); WHO is cpuN, dev or -.
 */
#include "timeline.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define TIMELINE_WIDTH 100u	/* columns, all lanes and the time */
#define TIME_COLUMN 10u
#define LANES_MAX 9u		/* MACHINE_CPUS_MAX CPUs and the device */

struct entry {
	const char *line;	/* the log line */
	size_t len;
};

/* The lane of a line: 0..n_cpus-1 a CPU, n_cpus the device; -1 for a line
 * that is not an event (the header) or not shown (a scheduling choice). */
static int lane_of(const char *line, size_t len, uint32_t n_cpus, const char **us,
		   size_t *us_len, const char **kind, size_t *kind_len, const char **details)
{
	/* Fields: step, us, tick, who, event; then the details. */
	const char *p = line, *end = line + len, *field[6];
	size_t flen[6];
	for (int i = 0; i < 6; i++) {
		while (p < end && *p == ' ')
			p++;
		field[i] = p;
		while (p < end && *p != ' ')
			p++;
		flen[i] = (size_t)(p - field[i]);
		if (flen[i] == 0 && i < 5)
			return -1;
	}
	if (line[0] == '#' || (flen[4] == 8 && memcmp(field[4], "schedule", 8) == 0))
		return -1;
	*us = field[1];
	*us_len = flen[1];
	*kind = field[4];
	*kind_len = flen[4];
	*details = field[5];
	if (flen[3] == 3 && memcmp(field[3], "dev", 3) == 0)
		return (int)n_cpus;
	if (flen[3] > 3 && memcmp(field[3], "cpu", 3) == 0) {
		unsigned long cpu = strtoul(field[3] + 3, NULL, 10);
		return cpu < n_cpus ? (int)cpu : -1;
	}
	return -1;
}

void timeline_print(FILE *f, const char *log, size_t len, uint32_t n_cpus, unsigned events)
{
	if (n_cpus + 1 > LANES_MAX || events == 0)
		return;
	struct entry *keep = calloc(events, sizeof(*keep));
	if (keep == NULL)
		return;
	unsigned kept = 0, next = 0;	/* a ring of the last `events` shown lines */
	for (const char *p = log, *end = log + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *us, *kind, *details;
		size_t us_len, kind_len;
		if (lane_of(p, n, n_cpus, &us, &us_len, &kind, &kind_len, &details) >= 0) {
			keep[next] = (struct entry){ p, n };
			next = (next + 1) % events;
			if (kept < events)
				kept++;
		}
		p += n + 1;
	}
	unsigned lanes = n_cpus + 1, lane_width = (TIMELINE_WIDTH - TIME_COLUMN) / lanes;
	fprintf(f, "the last %u events, by CPU:\n%*s", kept, (int)TIME_COLUMN, "us ");
	for (unsigned l = 0; l < lanes; l++) {
		char name[16];
		if (l < n_cpus)
			snprintf(name, sizeof(name), "cpu%u", l);
		else
			snprintf(name, sizeof(name), "device");
		fprintf(f, "| %-*s", (int)lane_width - 2, name);
	}
	fputc('\n', f);
	for (unsigned i = 0; i < kept; i++) {
		const struct entry *e = &keep[(next + events - kept + i) % events];
		const char *us, *kind, *details;
		size_t us_len, kind_len;
		int lane = lane_of(e->line, e->len, n_cpus, &us, &us_len, &kind, &kind_len, &details);
		fprintf(f, "%*.*s ", (int)TIME_COLUMN - 1, (int)us_len, us);
		for (int l = 0; l < lane; l++)
			fprintf(f, "| %-*s", (int)lane_width - 2, "");
		/* The event's details (or its kind, when it has none), cut to
		 * the lane with a '~'. */
		const char *text = details < e->line + e->len ? details : kind;
		size_t text_len = (size_t)(e->line + e->len - text);
		size_t width = lane_width - 2;
		bool cut = text_len > width;
		fprintf(f, "| %.*s%s\n", (int)(cut ? width - 1 : text_len), text, cut ? "~" : "");
		(void)kind_len;
	}
	free(keep);
}
