/*
 * cli.h - one option parser for every subcommand.
 *
 * A command declares its options once, as a table (struct cli_option); the
 * same table drives getopt_long and prints the command's --help, so an
 * option cannot exist without being documented, and every command accepts
 * the same forms:
 *
 *   --name VALUE, --name=VALUE, -n VALUE, -nVALUE   (and unique prefixes of
 *   long names, as getopt_long allows)
 *
 * Rules shared by every command:
 * - A value given as the next word must not look like an option (start with
 *   '-', other than "-" alone): `--out --seed` is an error, not a file named
 *   "--seed". `--out=-x` says it on purpose and is accepted.
 * - Numbers are whole and unsigned: decimal, or hexadecimal after 0x. A
 *   leading zero is decimal (010 is ten: no octal), and there is no sign.
 * - Unknown options, missing values and surplus operands are usage errors:
 *   "ac97sim: CMD: reason (see 'ac97sim CMD --help')", exit 2.
 * - -h and --help print the help (and nothing runs).
 */
#ifndef AC97SIM_CLI_H
#define AC97SIM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cli_arg { CLI_FLAG, CLI_VALUE };

struct cli_option {
	const char *name;	/* long name, without the dashes */
	char short_name;	/* 0: none */
	enum cli_arg arg;
	const char *metavar;	/* CLI_VALUE: "N", "FILE", ... */
	const char *help;	/* what it does, with its default; '\n' breaks lines */
};

struct cli_spec {
	const char *command;	/* "run" */
	const char *synopsis;	/* what follows the command in the usage line */
	const char *description;	/* paragraphs, printed after the usage line */
	const struct cli_option *options;
	size_t n_options;
	uint32_t operands_min, operands_max;
	const char *epilogue;	/* printed after the options (exit status...), or NULL */
};

/* merge takes a file per shard: a search may be split many ways. */
#define CLI_OPERANDS_MAX 4096u

/* What was given. values[i] is the value of options[i] (its last
 * occurrence), or NULL when it was not given; for a flag, "" when given.
 * Pointers point into argv. */
struct cli_args {
	const char *values[32];
	const char *operands[CLI_OPERANDS_MAX];
	uint32_t n_operands;
};

enum { CLI_CONTINUE = -1 };

/*
 * Parses argv (argv[0] is the command's name). Returns CLI_CONTINUE when the
 * command should run, or the exit status when it is done already: 0 after
 * printing --help, 2 after reporting a usage error on stderr.
 */
int cli_parse(const struct cli_spec *spec, int argc, char **argv, struct cli_args *out);

/* The command's help, from its table. */
void cli_help(const struct cli_spec *spec, FILE *f);

/* The value of option `name` (which must be in the spec), or NULL. */
const char *cli_value(const struct cli_spec *spec, const struct cli_args *a, const char *name);
bool cli_given(const struct cli_spec *spec, const struct cli_args *a, const char *name);

/*
 * Reads a number option: when given, its value must be a number in
 * [min, max] (reported otherwise, and false returned); when not, *out is
 * left as it is. A whole-string number as the header describes.
 */
bool cli_u64(const struct cli_spec *spec, const struct cli_args *a, const char *name,
	     uint64_t min, uint64_t max, uint64_t *out);

/* A whole-string unsigned number, decimal or 0x-hex, no sign, no octal. */
bool cli_parse_u64(const char *text, uint64_t *out);

/*
 * A span of wall-clock time for an option (explore --time): a whole
 * decimal number and a unit, ms, s or m, with nothing between them
 * ("250ms", "30s", "2m"). The scenario files' times are simulated time
 * (ticks, frames, us) and parsed with the scenario's own units; this one
 * is the host's. Returns false for anything else, or on overflow.
 */
bool cli_parse_duration_ms(const char *text, uint64_t *ms);

/* Reads a duration option as cli_u64 reads a number: when given, it must
 * be a duration in [min_ms, max_ms] (reported otherwise, and false
 * returned); when not, *out_ms is left as it is. */
bool cli_duration_ms(const struct cli_spec *spec, const struct cli_args *a, const char *name,
		     uint64_t min_ms, uint64_t max_ms, uint64_t *out_ms);

/* Reports a usage error for the command and returns 2. */
int cli_usage_error(const struct cli_spec *spec, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Says on stderr that an option was given where it does nothing. */
void cli_note_unused(const struct cli_spec *spec, const char *name, const char *why);

#endif
