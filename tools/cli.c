/*
 * cli.c - see cli.h. getopt_long does the scanning (GNU permutation, so
 * operands and options mix freely; "--" ends the options); this file adds
 * the table, the help, the value rules and the messages.
 */
#include "cli.h"

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define OPTION_ID_BASE 256

static const struct cli_option help_option = { "help", 'h', CLI_FLAG, NULL, "show this help" };

int cli_usage_error(const struct cli_spec *spec, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fprintf(stderr, "ac97sim: %s: %s (see 'ac97sim %s --help')\n", spec->command, why,
		spec->command);
	return 2;
}

void cli_note_unused(const struct cli_spec *spec, const char *name, const char *why)
{
	fprintf(stderr, "ac97sim: %s: note: --%s does nothing here: %s\n", spec->command, name, why);
}

bool cli_parse_u64(const char *text, uint64_t *out)
{
	if (text == NULL || text[0] == '\0')
		return false;
	int base = 10;
	const char *digits = text;
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		base = 16;
		digits = text + 2;
	}
	/* strtoull takes blanks, signs and (base 16) another "0x": none of
	 * them is a number here. */
	if (digits[0] == '\0' || !(base == 16 ? strchr("0123456789abcdefABCDEF", digits[0])
					       : strchr("0123456789", digits[0])))
		return false;
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(digits, &end, base);
	if (errno != 0 || end == digits || *end != '\0')
		return false;
	*out = v;
	return true;
}

bool cli_parse_duration_ms(const char *text, uint64_t *ms)
{
	static const struct {
		const char *name;
		uint64_t ms;
	} units[] = { { "ms", 1 }, { "s", 1000 }, { "m", 60 * 1000 } };
	if (text == NULL)
		return false;
	size_t digits = strspn(text, "0123456789");
	char number[24];
	uint64_t n;
	if (digits == 0 || digits >= sizeof(number))
		return false;
	memcpy(number, text, digits);
	number[digits] = '\0';
	if (!cli_parse_u64(number, &n))
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(text + digits, units[i].name) != 0)
			continue;
		if (n > UINT64_MAX / units[i].ms)
			return false;
		*ms = n * units[i].ms;
		return true;
	}
	return false;
}

static int option_index(const struct cli_spec *spec, const char *name)
{
	for (size_t i = 0; i < spec->n_options; i++)
		if (strcmp(spec->options[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *cli_value(const struct cli_spec *spec, const struct cli_args *a, const char *name)
{
	int i = option_index(spec, name);
	assert(i >= 0);	/* a name not in the table is a bug of the command */
	return a->values[i];
}

bool cli_given(const struct cli_spec *spec, const struct cli_args *a, const char *name)
{
	return cli_value(spec, a, name) != NULL;
}

bool cli_u64(const struct cli_spec *spec, const struct cli_args *a, const char *name,
	     uint64_t min, uint64_t max, uint64_t *out)
{
	const char *v = cli_value(spec, a, name);
	if (v == NULL)
		return true;
	uint64_t n;
	if (!cli_parse_u64(v, &n)) {
		cli_usage_error(spec, "--%s '%s' is not a number (decimal, or hexadecimal after 0x)",
				name, v);
		return false;
	}
	if (n < min || n > max) {
		cli_usage_error(spec, "--%s %s is out of range: %llu..%llu", name, v,
				(unsigned long long)min, (unsigned long long)max);
		return false;
	}
	*out = n;
	return true;
}

bool cli_duration_ms(const struct cli_spec *spec, const struct cli_args *a, const char *name,
		     uint64_t min_ms, uint64_t max_ms, uint64_t *out_ms)
{
	const char *v = cli_value(spec, a, name);
	if (v == NULL)
		return true;
	uint64_t ms;
	if (!cli_parse_duration_ms(v, &ms)) {
		cli_usage_error(spec, "--%s '%s' is not a duration (a whole number and a unit, ms, s "
				"or m: 250ms, 30s, 2m)", name, v);
		return false;
	}
	if (ms < min_ms || ms > max_ms) {
		cli_usage_error(spec, "--%s %s is out of range: %llu ms..%llu ms", name, v,
				(unsigned long long)min_ms, (unsigned long long)max_ms);
		return false;
	}
	*out_ms = ms;
	return true;
}

/* The word of argv that held option text (for messages). */
static const char *word_at(int argc, char **argv, int index)
{
	return index >= 1 && index < argc ? argv[index] : "?";
}

/* How many long options word ("--name" or "--name=value") abbreviates. */
static unsigned long_matches(const struct cli_spec *spec, const char *word)
{
	if (strncmp(word, "--", 2) != 0)
		return 0;
	const char *name = word + 2;
	size_t len = strcspn(name, "=");
	unsigned n = 0;
	for (size_t i = 0; i < spec->n_options; i++)
		n += strncmp(spec->options[i].name, name, len) == 0;
	return n;
}

int cli_parse(const struct cli_spec *spec, int argc, char **argv, struct cli_args *out)
{
	memset(out, 0, sizeof(*out));
	assert(spec->n_options + 1 <= sizeof(out->values) / sizeof(out->values[0]));
	struct option longopts[34];
	/* ':' first: a missing value is reported as ':', not '?'. No '+':
	 * GNU permutation lets operands and options mix. */
	char shortopts[2 + 3 * 34];
	size_t s = 0;
	shortopts[s++] = ':';
	size_t n = spec->n_options;
	for (size_t i = 0; i <= n; i++) {
		const struct cli_option *o = i < n ? &spec->options[i] : &help_option;
		longopts[i] = (struct option){
			.name = o->name,
			.has_arg = o->arg == CLI_VALUE ? required_argument : no_argument,
			.flag = NULL,
			.val = OPTION_ID_BASE + (int)i,
		};
		if (o->short_name != 0) {
			shortopts[s++] = o->short_name;
			if (o->arg == CLI_VALUE)
				shortopts[s++] = ':';
		}
	}
	shortopts[s] = '\0';
	longopts[n + 1] = (struct option){ 0 };

	optind = 0;	/* GNU: start afresh (several commands may parse in one process) */
	opterr = 0;
	for (;;) {
		int idx = -1;
		int c = getopt_long(argc, argv, shortopts, longopts, &idx);
		if (c == -1)
			break;
		if (c == '?') {
			if (optopt != 0 && optopt < OPTION_ID_BASE)
				return cli_usage_error(spec, "unknown option '-%c'", optopt);
			if (optopt >= OPTION_ID_BASE)
				return cli_usage_error(spec, "'%s': the option takes no value",
						       word_at(argc, argv, optind - 1));
			const char *w = word_at(argc, argv, optind - 1);
			return cli_usage_error(spec, long_matches(spec, w) > 1
							     ? "ambiguous option '%s' (more than one starts so)"
							     : "unknown option '%s'",
					       w);
		}
		if (c == ':') {
			const char *w = word_at(argc, argv, optind - 1);
			if (optopt != 0 && optopt < OPTION_ID_BASE)
				return cli_usage_error(spec, "-%c needs a value", optopt);
			return cli_usage_error(spec, "%s needs a value", w);
		}
		size_t i;
		if (c >= OPTION_ID_BASE) {
			i = (size_t)(c - OPTION_ID_BASE);
		} else {
			for (i = 0; i <= n; i++) {
				const struct cli_option *o = i < n ? &spec->options[i] : &help_option;
				if (o->short_name == c)
					break;
			}
		}
		assert(i <= n);
		if (i == n) {
			cli_help(spec, stdout);
			return 0;
		}
		const struct cli_option *o = &spec->options[i];
		if (o->arg == CLI_FLAG) {
			out->values[i] = "";
			continue;
		}
		/* A value taken from the next word must not be an option. */
		bool separate = optind >= 1 && optarg == argv[optind - 1];
		if (optarg[0] == '\0')
			return cli_usage_error(spec, "--%s needs a non-empty %s", o->name, o->metavar);
		if (separate && optarg[0] == '-' && optarg[1] != '\0')
			return cli_usage_error(spec, "--%s needs a value (%s), and '%s' looks like an option "
					       "(write --%s=%s if that is the value)", o->name,
					       o->metavar, optarg, o->name, optarg);
		out->values[i] = optarg;
	}
	for (int i = optind; i < argc; i++) {
		if (out->n_operands == spec->operands_max || out->n_operands == CLI_OPERANDS_MAX)
			return cli_usage_error(spec, "unexpected argument '%s'", argv[i]);
		out->operands[out->n_operands++] = argv[i];
	}
	if (out->n_operands < spec->operands_min)
		return cli_usage_error(spec, "missing %s", spec->synopsis);
	return CLI_CONTINUE;
}

/* Prints text with every line after the first indented by indent. */
static void print_indented(FILE *f, const char *text, int indent)
{
	for (const char *p = text; *p; p++) {
		fputc(*p, f);
		if (*p == '\n' && p[1] != '\0')
			fprintf(f, "%*s", indent, "");
	}
}

void cli_help(const struct cli_spec *spec, FILE *f)
{
	fprintf(f, "usage: ac97sim %s %s\n", spec->command, spec->synopsis);
	if (spec->description != NULL)
		fprintf(f, "\n%s", spec->description);
	fprintf(f, "\nOptions:\n");
	const int col = 24;
	for (size_t i = 0; i <= spec->n_options; i++) {
		const struct cli_option *o = i < spec->n_options ? &spec->options[i] : &help_option;
		char head[64];
		int len;
		if (o->short_name != 0)
			len = snprintf(head, sizeof(head), "-%c, --%s%s%s", o->short_name, o->name,
				       o->arg == CLI_VALUE ? " " : "", o->arg == CLI_VALUE ? o->metavar : "");
		else
			len = snprintf(head, sizeof(head), "    --%s%s%s", o->name,
				       o->arg == CLI_VALUE ? " " : "", o->arg == CLI_VALUE ? o->metavar : "");
		fprintf(f, "  %s", head);
		if (len + 2 >= col)
			fprintf(f, "\n%*s", col, "");
		else
			fprintf(f, "%*s", col - 2 - len, "");
		print_indented(f, o->help, col);
		fputc('\n', f);
	}
	if (spec->epilogue != NULL)
		fprintf(f, "\n%s", spec->epilogue);
}
