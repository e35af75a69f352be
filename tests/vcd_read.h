/*
 * vcd_read.h - a small VCD reader for the tests: what a waveform file
 * says, as each variable's history, so that our file and what a real
 * reader (GTKWave's vcd2fst, then fst2vcd) makes of it can be compared
 * variable by variable.
 *
 * Each variable is known by its full name ("ac97sim.cpu0.irql"), whatever
 * its identifier. Its history is the value in force after each time at
 * which it changed: several changes at one time count as their last, a
 * change to the value it already had is no change. Wire values are
 * written out to the variable's width (VCD's left-extension: 0 after a
 * leading 0 or 1, else the leading x or z). Whatever the reader does not
 * understand fails the read, with the line.
 */
#ifndef AC97SIM_TESTS_VCD_READ_H
#define AC97SIM_TESTS_VCD_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vcd_change {
	uint64_t time;
	char *value;
};

struct vcd_var {
	char name[160];
	char id[16];
	char type[16];		/* "wire", "string", ... */
	uint32_t width;
	struct vcd_change *changes;
	size_t n_changes, cap_changes;
};

struct vcd_file {
	char timescale[32];
	struct vcd_var *vars;
	size_t n_vars;
	uint64_t last_time;
};

/* Reads path. Returns 0, or -1 with err ("LINE: reason"). */
int vcd_read(const char *path, struct vcd_file *f, char *err, size_t err_len);
void vcd_file_free(struct vcd_file *f);

/* The variable named name ("ac97sim.failed"), or NULL. */
const struct vcd_var *vcd_find(const struct vcd_file *f, const char *name);

/* The value name had at time (NULL before its first change). */
const char *vcd_value_at(const struct vcd_var *v, uint64_t time);

/* Whether a and b say the same: the same variables, each with the same
 * type, width and history. false with why (the first difference). */
bool vcd_same(const struct vcd_file *a, const struct vcd_file *b, char *why, size_t why_len);

#endif
