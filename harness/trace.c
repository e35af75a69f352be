/*
 * trace.c - see trace.h.
 *
 * The reader treats its input as hostile: every line is bounded
 * (TRACE_LINE_MAX bytes, CR LF tolerated), NUL bytes are refused, numbers
 * are parsed by hand with overflow checks (no strtoul: it accepts signs,
 * spaces and "0x"), and every field is checked before it is stored. The
 * first problem ends the read with "FILE:LINE: reason"; nothing is half
 * returned (on failure the header is zeroed and the log is emptied).
 *
 * The writer refuses (EINVAL) any header or log that the reader would
 * refuse, so that whatever trace_write produces trace_read accepts and
 * gives back field for field.
 */
#include "trace.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "machine.h"	/* MACHINE_CPUS_MAX */
#include "shown.h"

#define TRACE_MAGIC "ac97sim-trace"
#define TRACE_LINE_MAX 4096u		/* bytes, not counting CR LF */
#define TRACE_OPTIONS_MAX 1000000u	/* largest option count of a decision */
#define TRACE_FIELDS_MAX 8u		/* fields kept per line (more are counted) */
#define TRACE_QUOTE_MAX 40u		/* bytes of a bad field shown in a message */
#define TRACE_REASON_MAX 256u

/* Header lines, in the order a trace gives them; the parser's state is the
 * index of the next one expected, then the states after the header. */
enum trace_state {
	ST_MAGIC,
	ST_BUILD,
	ST_SCENARIO,
	ST_DRIVER,
	ST_CHECKERS_OFF,
	ST_PROFILE,	/* optional: absent for ich */
	ST_STRATEGY,
	ST_SEED,
	ST_CPUS,
	ST_DECISIONS,	/* header done: decisions, then result */
	ST_END,		/* result seen: only end may follow */
	ST_DONE,	/* end seen: only comments and blank lines may follow */
};

static const char *const header_keywords[ST_DECISIONS] = {
	[ST_MAGIC] = TRACE_MAGIC, [ST_BUILD] = "build",	  [ST_SCENARIO] = "scenario",
	[ST_DRIVER] = "driver", [ST_CHECKERS_OFF] = "checkers-off", [ST_PROFILE] = "profile",
	[ST_STRATEGY] = "strategy", [ST_SEED] = "seed", [ST_CPUS] = "cpus",
};

static const char *const verdicts[] = { "pass", "fail", "limit", "diverged" };

/* ---- field checks shared by reader and writer ----------------------------- */

/* A verdict the format knows, or false. */
static bool verdict_known(const char *text)
{
	for (size_t i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		if (strcmp(text, verdicts[i]) == 0)
			return true;
	return false;
}

/* NULL when text is a usable name (1 .. size-1 bytes, none a space or a
 * control character), else why not. what names the field in the reason. */
static const char *name_problem(const char *text, size_t size, const char *what, char *buf,
				size_t buf_len)
{
	size_t len = strnlen(text, size);
	if (len == 0) {
		snprintf(buf, buf_len, "empty %s", what);
		return buf;
	}
	if (len >= size) {
		snprintf(buf, buf_len, "%s longer than %zu bytes", what, size - 1);
		return buf;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == ' ') {
			snprintf(buf, buf_len, "%s contains a space", what);
			return buf;
		}
		if (c < 0x20 || c == 0x7f) {
			snprintf(buf, buf_len, "%s contains control character 0x%02x", what, c);
			return buf;
		}
	}
	return NULL;
}

/* NULL when the strategy can be written and read back, else why not. */
static const char *strategy_problem(const struct strategy *s, char *buf, size_t buf_len)
{
	switch (s->kind) {
	case STRATEGY_RANDOM: return NULL;
	case STRATEGY_PCT: break;
	case STRATEGY_POS:
		if (s->pct_steps >= 1)
			return NULL;
		snprintf(buf, buf_len, "pos steps %" PRIu64 " out of range", s->pct_steps);
		return buf;
	case STRATEGY_DELAY_BOUNDED:
		if (s->choice_points >= 1)
			return NULL;
		snprintf(buf, buf_len, "delay-bounded points %" PRIu64 " out of range",
			 s->choice_points);
		return buf;
	case STRATEGY_REPLAY:
		snprintf(buf, buf_len, "a replay has no strategy of its own to write");
		return buf;
	}
	if (s->pct_depth < 1 || s->pct_depth > PCT_DEPTH_MAX || s->pct_steps < 1) {
		snprintf(buf, buf_len, "pct depth %" PRIu32 " or steps %" PRIu64 " out of range",
			 s->pct_depth, s->pct_steps);
		return buf;
	}
	return NULL;
}

static const char *cpus_problem(uint64_t cpus, char *buf, size_t buf_len)
{
	if (cpus >= 1 && cpus <= MACHINE_CPUS_MAX)
		return NULL;
	snprintf(buf, buf_len, "cpus %" PRIu64 " out of range (1..%u)", cpus, MACHINE_CPUS_MAX);
	return buf;
}

/* NULL when decision d can stand at index `expected` of a trace. */
static const char *decision_problem(const struct decision *d, uint64_t expected, char *buf,
				    size_t buf_len)
{
	if (d->step != expected) {
		snprintf(buf, buf_len, "decision step %" PRIu64 " out of order (expected %" PRIu64 ")",
			 d->step, expected);
		return buf;
	}
	if ((int)d->site < 1 || (int)d->site >= SITE_COUNT ||
	    decide_site_by_name(decide_site_name(d->site)) != d->site) {
		snprintf(buf, buf_len, "decision site %d unknown", (int)d->site);
		return buf;
	}
	if (d->n_options < 1 || d->n_options > TRACE_OPTIONS_MAX) {
		snprintf(buf, buf_len, "option count %" PRIu32 " out of range (1..%u)", d->n_options,
			 TRACE_OPTIONS_MAX);
		return buf;
	}
	if (d->choice >= d->n_options) {
		snprintf(buf, buf_len, "choice %" PRIu32 " out of range for %" PRIu32 " options",
			 d->choice, d->n_options);
		return buf;
	}
	if (d->site != SITE_SCHEDULE && d->chosen != d->choice) {
		snprintf(buf, buf_len, "chosen %" PRIu32 " is not the choice %" PRIu32, d->chosen,
			 d->choice);
		return buf;
	}
	return NULL;
}

/* NULL when h can be written (and so read back), else why not. */
static const char *header_problem(const struct trace_header *h, char *buf, size_t buf_len)
{
	const char *why;
	if (h->format != TRACE_FORMAT_VERSION) {
		snprintf(buf, buf_len, "format %" PRIu32 " is not %u", h->format, TRACE_FORMAT_VERSION);
		return buf;
	}
	if ((why = name_problem(h->build_id, sizeof(h->build_id), "build id", buf, buf_len)))
		return why;
	if ((why = name_problem(h->scenario_name, sizeof(h->scenario_name), "scenario name", buf,
				buf_len)))
		return why;
	if ((why = name_problem(h->driver_name, sizeof(h->driver_name), "driver name", buf,
				buf_len)))
		return why;
	if ((why = name_problem(h->driver_path, sizeof(h->driver_path), "driver path", buf,
				buf_len)))
		return why;
	if (h->checkers_off[0] != '\0' &&
	    ((why = name_problem(h->checkers_off, sizeof(h->checkers_off), "checkers-off list", buf,
				 buf_len)) != NULL))
		return why;
	if (strcmp(h->checkers_off, "-") == 0) {
		snprintf(buf, buf_len, "checkers-off '-' is reserved for none");
		return buf;
	}
	if (h->profile[0] != '\0' &&
	    ((why = name_problem(h->profile, sizeof(h->profile), "profile", buf, buf_len)) != NULL))
		return why;
	if ((why = strategy_problem(&h->strategy, buf, buf_len)))
		return why;
	if ((why = cpus_problem(h->cpus, buf, buf_len)))
		return why;
	if (strnlen(h->verdict, sizeof(h->verdict)) >= sizeof(h->verdict) || !verdict_known(h->verdict)) {
		snprintf(buf, buf_len, "verdict is not pass, fail, limit or diverged");
		return buf;
	}
	if (h->checker[0] == '\0')
		return NULL;	/* none, written as "-" */
	if ((why = name_problem(h->checker, sizeof(h->checker), "checker", buf, buf_len)))
		return why;
	/* A checker really named "-" could not be told from none. */
	if (strcmp(h->checker, "-") == 0) {
		snprintf(buf, buf_len, "checker '-' is reserved for none");
		return buf;
	}
	return NULL;
}

/* Formats into err when the caller gave room for it. */
static void set_err(char *err, size_t err_len, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t err_len, const char *format, ...)
{
	if (err == NULL || err_len == 0)
		return;
	va_list ap;
	va_start(ap, format);
	vsnprintf(err, err_len, format, ap);
	va_end(ap);
}

/* ---- writing ------------------------------------------------------------------ */

static int write_body(FILE *out, const struct trace_header *h, const struct decision_log *log)
{
	char strategy[64];
	strategy_format(&h->strategy, strategy, sizeof(strategy));
	fprintf(out, "%s %u\n", TRACE_MAGIC, TRACE_FORMAT_VERSION);
	fprintf(out, "build %s\n", h->build_id);
	fprintf(out, "scenario %016" PRIx64 " %s\n", h->scenario_hash, h->scenario_name);
	fprintf(out, "driver %s %016" PRIx64 " %s\n", h->driver_name, h->driver_binary_hash,
		h->driver_path);
	fprintf(out, "checkers-off %s\n", h->checkers_off[0] ? h->checkers_off : "-");
	if (h->profile[0] != '\0')
		fprintf(out, "profile %s\n", h->profile);
	fprintf(out, "strategy %s\n", strategy);
	fprintf(out, "seed %" PRIu64 "\n", h->seed);
	fprintf(out, "cpus %" PRIu32 "\n", h->cpus);
	for (size_t i = 0; i < log->count && !ferror(out); i++) {
		const struct decision *d = &log->items[i];
		fprintf(out, "d %" PRIu64 " %s %" PRIu32 " %" PRIu32 " %" PRIu32 " %016" PRIx64 "\n",
			d->step, decide_site_name(d->site), d->n_options, d->choice, d->chosen,
			d->evlog_hash);
	}
	fprintf(out, "result %s %s %" PRIu64 " %016" PRIx64 "\n", h->verdict,
		h->checker[0] ? h->checker : "-", h->steps, h->evlog_hash);
	fprintf(out, "end\n");
	if (fflush(out) != 0 || ferror(out)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* NULL when header and log can be written (and so read back). */
static const char *trace_problem(const struct trace_header *h, const struct decision_log *log,
				 char *buf, size_t buf_len)
{
	const char *why = header_problem(h, buf, buf_len);
	for (size_t i = 0; why == NULL && i < log->count; i++)
		why = decision_problem(&log->items[i], i, buf, buf_len);
	return why;
}

/* Checks everything first so that a refused trace writes nothing. */
int trace_write(FILE *out, const struct trace_header *h, const struct decision_log *log)
{
	char buf[TRACE_REASON_MAX];
	if (trace_problem(h, log, buf, sizeof(buf)) != NULL) {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	return write_body(out, h, log);
}

/* A refused trace gives its reason; a failed write removes the partial
 * file so that no truncated trace is left to be replayed. */
int trace_write_file(const char *path, const struct trace_header *h,
		     const struct decision_log *log, char *err, size_t err_len)
{
	char buf[TRACE_REASON_MAX];
	const char *why = trace_problem(h, log, buf, sizeof(buf));
	if (why != NULL) {
		set_err(err, err_len, "%s: not written: %s", path, why);
		errno = EINVAL;
		return -1;
	}
	FILE *out = fopen(path, "w");
	if (out == NULL) {
		set_err(err, err_len, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = trace_write(out, h, log);
	int saved = errno;
	if (fclose(out) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc != 0) {
		set_err(err, err_len, "%s: %s", path, strerror(saved));
		remove(path);
		errno = saved;
	}
	return rc;
}

/* ---- reading: lines ------------------------------------------------------------ */

struct reader {
	FILE *in;
	const char *name;
	uint64_t line_no;	/* of the line in line[] (1-based) */
	bool any_bytes;		/* the input was not empty */
	char line[TRACE_LINE_MAX + 2];
	size_t len;
	char *field[TRACE_FIELDS_MAX];
	size_t n_fields;	/* all fields, even those past TRACE_FIELDS_MAX */
	const char *rest;	/* the line after its keyword and one space */
	char *err;
	size_t err_len;
};

static int fail(struct reader *r, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Sets r->err to "FILE:LINE: reason"; returns -1 for the caller to pass on. */
static int fail(struct reader *r, const char *format, ...)
{
	char reason[TRACE_REASON_MAX];
	va_list ap;
	va_start(ap, format);
	vsnprintf(reason, sizeof(reason), format, ap);
	va_end(ap);
	set_err(r->err, r->err_len, "%s:%" PRIu64 ": %s", r->name, r->line_no ? r->line_no : 1,
		reason);
	return -1;
}

/* A field from the input fit for a message (shown.h). */
static const char *quote(const char *text, char *buf, size_t buf_len)
{
	assert(buf_len > TRACE_QUOTE_MAX + 3);
	return text_shown(text, TRACE_QUOTE_MAX, buf, buf_len);
}

/* Reads the next line into r->line without its LF or CR LF. Returns 1 for
 * a line, 0 at the end of the input, -1 on error (r->err set). A line's
 * bytes past the buffer are counted, not kept, so any length is safe. */
static int read_line(struct reader *r)
{
	size_t total = 0;
	int c = EOF, last = EOF;
	while ((c = getc(r->in)) != EOF && c != '\n') {
		r->any_bytes = true;
		if (total == 0)
			r->line_no++;
		if (c == '\0')
			return fail(r, "NUL byte in line");
		if (total < sizeof(r->line) - 1)
			r->line[total] = (char)c;
		total++;
		last = c;
	}
	if (ferror(r->in)) {
		set_err(r->err, r->err_len, "%s: read error: %s", r->name, strerror(errno));
		return -1;
	}
	if (c == EOF && total == 0)
		return 0;
	if (total == 0)
		r->line_no++;	/* an empty line */
	r->any_bytes = true;
	if (last == '\r')
		total--;
	if (total > TRACE_LINE_MAX)
		return fail(r, "line longer than %u bytes", TRACE_LINE_MAX);
	r->line[total] = '\0';
	r->len = total;
	return 1;
}

/* Blank (spaces and tabs only) or a comment ('#' after them). */
static bool line_ignored(const char *line)
{
	line += strspn(line, " \t");
	return *line == '\0' || *line == '#';
}

/* Splits r->line at single spaces into r->field[] and counts the fields.
 * A strategy line is cut after its keyword only: its text, spaces and all,
 * stays whole in r->rest for strategy_parse. */
static int split_fields(struct reader *r)
{
	char *p = r->line;
	if (p[0] == ' ' || p[r->len - 1] == ' ' || strstr(p, "  ") != NULL)
		return fail(r, "fields are separated by single spaces");
	r->n_fields = 1;
	for (const char *s = p; (s = strchr(s, ' ')) != NULL; s++)
		r->n_fields++;
	r->rest = "";
	bool keep_rest = strncmp(p, "strategy ", 9) == 0;
	for (size_t i = 0; i < TRACE_FIELDS_MAX; i++) {
		char *space = strchr(p, ' ');
		r->field[i] = p;
		if (space == NULL)
			break;
		*space = '\0';
		p = space + 1;
		if (i == 0)
			r->rest = p;
		if (keep_rest)
			break;
	}
	return 0;
}

/* ---- reading: fields ------------------------------------------------------------- */

enum num_result { NUM_OK, NUM_BAD, NUM_OVERFLOW };

/* Decimal digits only: no sign, no space, no prefix. */
static enum num_result parse_u64(const char *text, uint64_t *out)
{
	uint64_t v = 0;
	if (*text == '\0')
		return NUM_BAD;
	for (; *text != '\0'; text++) {
		if (*text < '0' || *text > '9')
			return NUM_BAD;
		unsigned digit = (unsigned)(*text - '0');
		if (v > (UINT64_MAX - digit) / 10)
			return NUM_OVERFLOW;
		v = v * 10 + digit;
	}
	*out = v;
	return NUM_OK;
}

/* Exactly 16 hex digits, either case. */
static bool parse_hash(const char *text, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	for (; text[i] != '\0'; i++) {
		char c = text[i];
		unsigned digit;
		if (i >= 16)
			return false;
		if (c >= '0' && c <= '9')
			digit = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			digit = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			digit = (unsigned)(c - 'A' + 10);
		else
			return false;
		v = v << 4 | digit;
	}
	if (i != 16)
		return false;
	*out = v;
	return true;
}

/* A decimal field of the current line, or -1 with the reason. */
static int field_u64(struct reader *r, size_t index, const char *what, uint64_t *out)
{
	char q[TRACE_QUOTE_MAX + 4];
	switch (parse_u64(r->field[index], out)) {
	case NUM_OK: return 0;
	case NUM_BAD:
		return fail(r, "bad %s '%s' (a decimal number)", what,
			    quote(r->field[index], q, sizeof(q)));
	case NUM_OVERFLOW:
		return fail(r, "%s '%s' too large", what, quote(r->field[index], q, sizeof(q)));
	}
	return -1;
}

static int field_hash(struct reader *r, size_t index, const char *what, uint64_t *out)
{
	char q[TRACE_QUOTE_MAX + 4];
	if (parse_hash(r->field[index], out))
		return 0;
	return fail(r, "bad %s '%s' (16 hex digits)", what, quote(r->field[index], q, sizeof(q)));
}

/* Copies a name field after checking it. */
static int field_name(struct reader *r, size_t index, const char *what, char *dst, size_t size)
{
	char buf[TRACE_REASON_MAX];
	const char *why = name_problem(r->field[index], size, what, buf, sizeof(buf));
	if (why != NULL)
		return fail(r, "%s", why);
	memcpy(dst, r->field[index], strlen(r->field[index]) + 1);
	return 0;
}

static int want_fields(struct reader *r, size_t n, const char *usage)
{
	if (r->n_fields != n)
		return fail(r, "expected '%s'", usage);
	return 0;
}

/* ---- reading: lines by kind -------------------------------------------------------- */

static int parse_magic(struct reader *r, struct trace_header *h)
{
	char q[TRACE_QUOTE_MAX + 4];
	uint64_t v = 0;
	if (want_fields(r, 2, TRACE_MAGIC " VERSION"))
		return -1;
	enum num_result res = parse_u64(r->field[1], &v);
	if (res == NUM_BAD)
		return fail(r, "bad trace format version '%s'", quote(r->field[1], q, sizeof(q)));
	if (res == NUM_OVERFLOW || v != TRACE_FORMAT_VERSION)
		return fail(r, "unsupported trace format %s (this build reads %u)",
			    quote(r->field[1], q, sizeof(q)), TRACE_FORMAT_VERSION);
	h->format = TRACE_FORMAT_VERSION;
	return 0;
}

static int parse_strategy(struct reader *r, struct trace_header *h)
{
	char q[TRACE_QUOTE_MAX + 4], canonical[64];
	const char *why = NULL;
	if (r->n_fields < 2)
		return fail(r, "expected 'strategy random' or 'strategy pct depth=D steps=K'");
	if (strategy_parse(r->rest, &h->strategy, &why) != 0)
		return fail(r, "%s", why);
	/* strategy_parse reads leading zeros ("steps=05") that strategy_format
	 * never writes: one strategy, one spelling. */
	strategy_format(&h->strategy, canonical, sizeof(canonical));
	if (strcmp(canonical, r->rest) != 0)
		return fail(r, "strategy '%s' is not written as '%s'", quote(r->rest, q, sizeof(q)),
			    canonical);
	return 0;
}

static int parse_header_line(struct reader *r, enum trace_state state, struct trace_header *h)
{
	uint64_t v = 0;
	switch (state) {
	case ST_MAGIC: return parse_magic(r, h);
	case ST_BUILD:
		if (r->n_fields > 2)
			return fail(r, "build id contains a space");
		if (want_fields(r, 2, "build ID"))
			return -1;
		return field_name(r, 1, "build id", h->build_id, sizeof(h->build_id));
	case ST_SCENARIO:
		if (r->n_fields > 3)
			return fail(r, "scenario name contains a space");
		if (want_fields(r, 3, "scenario HASH NAME") || field_hash(r, 1, "scenario hash", &h->scenario_hash))
			return -1;
		return field_name(r, 2, "scenario name", h->scenario_name, sizeof(h->scenario_name));
	case ST_DRIVER:
		if (r->n_fields > 4)
			return fail(r, "driver path contains a space");
		if (want_fields(r, 4, "driver NAME HASH PATH") ||
		    field_name(r, 1, "driver name", h->driver_name, sizeof(h->driver_name)) ||
		    field_hash(r, 2, "driver hash", &h->driver_binary_hash))
			return -1;
		return field_name(r, 3, "driver path", h->driver_path, sizeof(h->driver_path));
	case ST_CHECKERS_OFF:
		if (want_fields(r, 2, "checkers-off NAMES"))
			return -1;
		if (strcmp(r->field[1], "-") == 0) {
			h->checkers_off[0] = '\0';
			return 0;
		}
		return field_name(r, 1, "checkers-off list", h->checkers_off, sizeof(h->checkers_off));
	case ST_PROFILE:
		if (want_fields(r, 2, "profile NAME"))
			return -1;
		return field_name(r, 1, "profile", h->profile, sizeof(h->profile));
	case ST_STRATEGY: return parse_strategy(r, h);
	case ST_SEED:
		if (want_fields(r, 2, "seed N"))
			return -1;
		return field_u64(r, 1, "seed", &h->seed);
	case ST_CPUS: {
		char buf[TRACE_REASON_MAX];
		if (want_fields(r, 2, "cpus N") || field_u64(r, 1, "cpu count", &v))
			return -1;
		if (cpus_problem(v, buf, sizeof(buf)) != NULL)
			return fail(r, "%s", buf);
		h->cpus = (uint32_t)v;
		return 0;
	}
	default: break;
	}
	assert(!"not a header state");
	return -1;
}

static int parse_decision(struct reader *r, struct decision_log *log)
{
	char q[TRACE_QUOTE_MAX + 4];
	struct decision d = { 0 };
	uint64_t n = 0, choice = 0, chosen = 0;
	if (want_fields(r, 7, "d STEP SITE N CHOICE CHOSEN EVHASH") ||
	    field_u64(r, 1, "decision step", &d.step))
		return -1;
	if (d.step != log->count)
		return fail(r, "decision step %" PRIu64 " out of order (expected %zu)", d.step, log->count);
	d.site = decide_site_by_name(r->field[2]);
	if (d.site == 0)
		return fail(r, "unknown decision site '%s'", quote(r->field[2], q, sizeof(q)));
	if (field_u64(r, 3, "option count", &n))
		return -1;
	if (n < 1 || n > TRACE_OPTIONS_MAX)
		return fail(r, "option count %" PRIu64 " out of range (1..%u)", n, TRACE_OPTIONS_MAX);
	if (field_u64(r, 4, "choice", &choice))
		return -1;
	if (choice >= n)
		return fail(r, "choice %" PRIu64 " out of range for %" PRIu64 " options", choice, n);
	if (field_u64(r, 5, "chosen", &chosen))
		return -1;
	if (d.site == SITE_SCHEDULE ? chosen >= DECIDE_OPTION_INTERRUPT + TRACE_OPTIONS_MAX
				    : chosen != choice)
		return fail(r, "chosen %" PRIu64 " is no option of a %s decision with choice %" PRIu64,
			    chosen, decide_site_name(d.site), choice);
	if (field_hash(r, 6, "event-log hash", &d.evlog_hash))
		return -1;
	d.n_options = (uint32_t)n;
	d.choice = (uint32_t)choice;
	d.chosen = (uint32_t)chosen;
	if (decision_log_push(log, &d) != 0)
		return fail(r, "out of memory after %zu decisions", log->count);
	return 0;
}

static int parse_result(struct reader *r, struct trace_header *h)
{
	char q[TRACE_QUOTE_MAX + 4];
	if (want_fields(r, 5, "result VERDICT CHECKER STEPS EVHASH"))
		return -1;
	if (!verdict_known(r->field[1]))
		return fail(r, "unknown verdict '%s' (pass, fail, limit or diverged)",
			    quote(r->field[1], q, sizeof(q)));
	memcpy(h->verdict, r->field[1], strlen(r->field[1]) + 1);
	if (strcmp(r->field[2], "-") == 0)
		h->checker[0] = '\0';
	else if (field_name(r, 2, "checker", h->checker, sizeof(h->checker)))
		return -1;
	if (field_u64(r, 3, "steps", &h->steps))
		return -1;
	return field_hash(r, 4, "event-log hash", &h->evlog_hash);
}

/* One meaningful line: the keyword picks the parser, the state says
 * whether it may come here. */
static int parse_line(struct reader *r, enum trace_state *state, struct trace_header *h,
		      struct decision_log *log)
{
	char q[TRACE_QUOTE_MAX + 4];
	if (*state == ST_DONE)
		return fail(r, "text after end");
	if (split_fields(r))
		return -1;
	const char *kw = r->field[0];
	/* The profile line is written only for a profile other than ich. */
	if (*state == ST_PROFILE && strcmp(kw, header_keywords[ST_PROFILE]) != 0) {
		h->profile[0] = '\0';
		*state = ST_STRATEGY;
	}
	for (int i = ST_MAGIC; i < ST_DECISIONS; i++) {
		if (strcmp(kw, header_keywords[i]) != 0)
			continue;
		if (*state == ST_MAGIC && i != ST_MAGIC)
			return fail(r, "not an ac97sim trace");
		if (i < (int)*state)
			return fail(r, "header line '%s' repeated", kw);
		if (i > (int)*state)
			return fail(r, "header line '%s' out of order (expected '%s')", kw,
				    header_keywords[*state]);
		if (parse_header_line(r, *state, h))
			return -1;
		(*state)++;
		return 0;
	}
	bool known = strcmp(kw, "d") == 0 || strcmp(kw, "result") == 0 || strcmp(kw, "end") == 0;
	if (*state == ST_MAGIC)
		return fail(r, "not an ac97sim trace");
	if (!known)
		return fail(r, "unknown line '%s'", quote(kw, q, sizeof(q)));
	if (*state < ST_DECISIONS)
		return fail(r, "missing header line '%s'", header_keywords[*state]);
	if (strcmp(kw, "d") == 0) {
		if (*state == ST_END)
			return fail(r, "decision after the result line");
		return parse_decision(r, log);
	}
	if (strcmp(kw, "result") == 0) {
		if (*state == ST_END)
			return fail(r, "result line repeated");
		*state = ST_END;
		return parse_result(r, h);
	}
	if (*state == ST_DECISIONS)
		return fail(r, "missing result line before end");
	if (r->n_fields != 1)
		return fail(r, "text after end");
	*state = ST_DONE;
	return 0;
}

/* What is missing when the input ends in state. */
static int fail_at_eof(struct reader *r, enum trace_state state)
{
	if (state == ST_PROFILE)
		state = ST_STRATEGY;	/* the profile line is optional */
	if (!r->any_bytes)
		return fail(r, "empty file");
	switch (state) {
	case ST_MAGIC: return fail(r, "not an ac97sim trace");
	case ST_DECISIONS: return fail(r, "missing result line (truncated?)");
	case ST_END: return fail(r, "missing end line (truncated?)");
	default: return fail(r, "missing header line '%s'", header_keywords[state]);
	}
}

static int read_all(struct reader *r, struct trace_header *h, struct decision_log *log)
{
	enum trace_state state = ST_MAGIC;
	int got;
	while ((got = read_line(r)) == 1) {
		if (line_ignored(r->line))
			continue;
		if (parse_line(r, &state, h, log))
			return -1;
	}
	if (got < 0)
		return -1;
	return state == ST_DONE ? 0 : fail_at_eof(r, state);
}

int trace_read(FILE *in, const char *name, struct trace_header *h, struct decision_log *log,
	       char *err, size_t err_len)
{
	assert(log->count == 0);
	struct reader r = { .in = in, .name = name, .err = err, .err_len = err_len };
	memset(h, 0, sizeof(*h));
	if (err != NULL && err_len > 0)
		err[0] = '\0';
	if (read_all(&r, h, log) == 0)
		return 0;
	memset(h, 0, sizeof(*h));
	decision_log_free(log);
	return -1;
}

int trace_read_file(const char *path, struct trace_header *h, struct decision_log *log,
		    char *err, size_t err_len)
{
	FILE *in = fopen(path, "rb");
	if (in == NULL) {
		set_err(err, err_len, "%s: %s", path, strerror(errno));
		memset(h, 0, sizeof(*h));
		return -1;
	}
	int rc = trace_read(in, path, h, log, err, err_len);
	fclose(in);
	return rc;
}
