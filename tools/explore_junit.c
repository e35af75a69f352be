/*
 * explore_junit.c - see explore_junit.h.
 *
 * Written with libxml2's xmlTextWriter, which escapes what XML needs
 * escaped (markup characters, and line breaks inside attributes); what it
 * cannot escape (control characters XML 1.0 forbids, bytes that are not
 * UTF-8) is made visible text first (explore_junit_text). The document is
 * built in memory and handed to outfile whole.
 *
 * The elements and attributes are those every JUnit reader takes
 * (testsuites > testsuite > properties, testcase > failure | error |
 * skipped, system-out); none that a reader requires is left out, and none
 * that depends on the host (timestamp, hostname) is written. Test cases
 * carry no time: workers run the strategies' seeds interleaved, so no
 * strategy has a wall time of its own.
 */
#include "explore_junit.h"

#include <inttypes.h>
#include <libxml/xmlwriter.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "errf.h"
#include "outfile.h"
#include "runs.h"

#define SEEDS_LISTED_MAX 10u	/* a strategy's failing seeds named in its case */

/* ---- text XML can hold ---------------------------------------------------------- */

/* The length of the UTF-8 sequence at p if it is one character XML 1.0
 * allows (#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
 * [#x10000-#x10FFFF]), else 0. */
static size_t xml_char_len(const unsigned char *p)
{
	unsigned lead = p[0];
	if (lead < 0x80)
		return lead >= 0x20 || lead == '\t' || lead == '\n' || lead == '\r' ? 1 : 0;
	size_t n;
	uint32_t cp, min;
	if (lead >= 0xC2 && lead <= 0xDF) {
		n = 2, cp = lead & 0x1Fu, min = 0x80;
	} else if (lead >= 0xE0 && lead <= 0xEF) {
		n = 3, cp = lead & 0x0Fu, min = 0x800;
	} else if (lead >= 0xF0 && lead <= 0xF4) {
		n = 4, cp = lead & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0u) != 0x80u)	/* the string's end (0) stops here too */
			return 0;
		cp = cp << 6 | (p[i] & 0x3Fu);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE ||
	    cp == 0xFFFF)
		return 0;
	return n;
}

char *explore_junit_text(const char *in)
{
	size_t len = strlen(in);
	char *out = malloc(len * 4 + 1);	/* each byte at most "\xNN" */
	if (out == NULL)
		return NULL;
	const unsigned char *p = (const unsigned char *)in;
	size_t at = 0;
	while (*p != '\0') {
		size_t n = xml_char_len(p);
		if (n == 0) {
			at += (size_t)sprintf(out + at, "\\x%02X", *p);
			p++;
			continue;
		}
		memcpy(out + at, p, n);
		at += n;
		p += n;
	}
	out[at] = '\0';
	return out;
}

/* ---- the writer ---------------------------------------------------------------- */

/* libxml2's writer, with the first failure kept so that calls can be
 * chained and checked once. */
struct xml {
	xmlTextWriterPtr w;
	bool failed;
};

static void start(struct xml *x, const char *name)
{
	if (!x->failed && xmlTextWriterStartElement(x->w, BAD_CAST name) < 0)
		x->failed = true;
}

static void end(struct xml *x)
{
	if (!x->failed && xmlTextWriterEndElement(x->w) < 0)
		x->failed = true;
}

static void attr(struct xml *x, const char *name, const char *value)
{
	char *safe = explore_junit_text(value);
	if (safe == NULL || x->failed ||
	    xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST safe) < 0)
		x->failed = true;
	free(safe);
}

static void attr_u64(struct xml *x, const char *name, uint64_t v)
{
	char text[24];
	snprintf(text, sizeof(text), "%" PRIu64, v);
	attr(x, name, text);
}

static void text(struct xml *x, const char *value)
{
	char *safe = explore_junit_text(value);
	if (safe == NULL || x->failed || xmlTextWriterWriteString(x->w, BAD_CAST safe) < 0)
		x->failed = true;
	free(safe);
}

/* ---- growing text (a case's body) ------------------------------------------------ */

struct body {
	char *text;
	size_t len, cap;
	bool failed;
};

__attribute__((format(printf, 2, 3))) static void add(struct body *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || b->failed) {
		b->failed = true;
		return;
	}
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = (b->len + (size_t)n + 1) * 2;
		char *p = realloc(b->text, cap);
		if (p == NULL) {
			b->failed = true;
			return;
		}
		b->text = p;
		b->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(b->text + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static const char *body_text(const struct body *b)
{
	return b->text != NULL ? b->text : "";
}

/* Writes the body as an element's text and empties it. */
static void flush_body(struct xml *x, struct body *b)
{
	if (b->failed)
		x->failed = true;
	text(x, body_text(b));
	b->len = 0;
	if (b->text != NULL)
		b->text[0] = '\0';
}

/* ---- the report ----------------------------------------------------------------- */

/* What a class's test case says, by what its runs found. */
enum case_kind { CASE_PASSED, CASE_FAILED, CASE_LIMIT, CASE_SKIPPED };

static enum case_kind case_kind_of(const struct explore_result *r, unsigned c)
{
	const struct explore_class_outcome *co = &r->by_class[c];
	if (co->failed > 0)
		return CASE_FAILED;
	if (co->limited > 0)
		return CASE_LIMIT;
	return r->runs_by_class[c] > 0 ? CASE_PASSED : CASE_SKIPPED;
}

/* The scenario as a JUnit class name: readers such as Jenkins split a
 * class name at its last dot (package, class), so the file's extension
 * and a leading "./" go; the driver and checkers given on the command
 * line follow, so that one scenario explored with two drivers gives two
 * classes. */
static void class_name(const struct explore_search *s, char *buf, size_t len)
{
	const char *path = s->scenario;
	while (strncmp(path, "./", 2) == 0)
		path += 2;
	size_t n = strlen(path);
	if (n > 4 && strcmp(path + n - 4, ".ini") == 0)
		n -= 4;
	snprintf(buf, len, "%.*s%s%s%s%s%s%s", (int)n, path, s->driver_option[0] ? " --driver " : "",
		 s->driver_option, s->no_check_option[0] ? " --no-check " : "", s->no_check_option,
		 s->profile_option[0] ? " --profile " : "", s->profile_option);
}

static void property(struct xml *x, const char *name, const char *value)
{
	start(x, "property");
	attr(x, "name", name);
	attr(x, "value", value);
	end(x);
}

static void property_u64(struct xml *x, const char *name, uint64_t v)
{
	char text_v[24];
	snprintf(text_v, sizeof(text_v), "%" PRIu64, v);
	property(x, name, text_v);
}

static void property_hex(struct xml *x, const char *name, uint64_t v)
{
	char text_v[24];
	snprintf(text_v, sizeof(text_v), "0x%016" PRIx64, v);
	property(x, name, text_v);
}

/* The search, as the JSON names it: what a reader needs to run it again
 * or to tell two reports apart. */
static void properties(struct xml *x, const struct explore_result *r)
{
	const struct explore_search *s = &r->search;
	char v[64];
	start(x, "properties");
	property(x, "scenario", s->scenario);
	property_hex(x, "scenario_hash", s->scenario_hash);
	property(x, "driver", s->driver);
	property_hex(x, "driver_binary_hash", s->driver_binary_hash);
	property(x, "checkers_off", s->checkers_off);
	property(x, "build", s->build);
	property(x, "strategy", strategy_choice_name(s->choice));
	if (s->choice == CHOICE_PCT)
		property_u64(x, "depth", s->pct_depth);
	property_u64(x, "first_seed", s->first_seed);
	property_u64(x, "runs_asked", s->runs);
	property(x, "keep_going", s->keep_going ? "true" : "false");
	if (s->shard_count > 1) {
		snprintf(v, sizeof(v), "%" PRIu64 "/%" PRIu64, r->shard_index, s->shard_count);
		property(x, "shard", v);
	}
	if (r->merged_of > 0) {
		snprintf(v, sizeof(v), "%" PRIu64 " of %" PRIu64, r->merged_of - r->n_missing,
			 r->merged_of);
		property(x, "merged_shards", v);
	}
	property(x, "stopped", explore_stop_name(r->stopped));
	property_u64(x, "covered_prefix_runs", r->prefix);
	if (r->prefix > 0)
		property_u64(x, "covered_through_seed", explore_seed_of(r, r->prefix - 1));
	property_u64(x, "runs", r->runs);
	property_u64(x, "passed", r->passed);
	property_u64(x, "failed", r->failed);
	property_u64(x, "limit", r->limited);
	if (r->trace[0] != '\0')
		property(x, "trace", r->trace);
	end(x);
}

/* "seed 12 (pct depth=2 steps=256)". */
static void seed_label(const struct explore_search *s, uint64_t seed, char *buf, size_t len)
{
	struct strategy st = explore_strategy_for(s, seed);
	char label[64];
	strategy_format(&st, label, sizeof(label));
	snprintf(buf, len, "seed %" PRIu64 " (%s)", seed, label);
}

/* The class's failing seeds, lowest first, as many as are listed. */
static void list_failing_seeds(struct body *b, const struct explore_result *r, unsigned c)
{
	const struct explore_class_outcome *co = &r->by_class[c];
	uint64_t listed = 0;
	add(b, "failing seeds of this strategy:");
	for (uint64_t k = 0; k < r->n_failures && listed < SEEDS_LISTED_MAX; k++)
		if (explore_class_of(&r->search, r->failures[k].seed) == c) {
			add(b, " %" PRIu64, r->failures[k].seed);
			listed++;
		}
	add(b, "%s (%" PRIu64 " of its %" PRIu64 " runs)\n", co->failed > listed ? " ..." : "",
	    co->failed, r->runs_by_class[c]);
}

static void failure(struct xml *x, struct body *b, const struct explore_result *r, unsigned c)
{
	const struct explore_search *s = &r->search;
	const struct explore_class_outcome *co = &r->by_class[c];
	char label[128], command[EXPLORE_COMMAND_MAX];
	const char *message = co->first_message;
	size_t first_line = strcspn(message, "\n");
	add(b, "seed %" PRIu64 ": %s: %.*s", co->first_failure, co->first_checker, (int)first_line,
	    message[0] ? message : "(its message was not recorded: the search was interrupted)");
	start(x, "failure");
	attr(x, "type", co->first_checker);
	attr(x, "message", body_text(b));
	b->len = 0;
	seed_label(s, co->first_failure, label, sizeof(label));
	add(b, "%s failed: %s\n", label, co->first_checker);
	if (message[0])
		add(b, "%s\n", message);
	if (co->first_failure == r->first_failure && r->trace[0] != '\0')
		add(b, "replay it: %s replay %s\n", runs_program, r->trace);
	explore_run_command(s, co->first_failure, command, sizeof(command));
	add(b, "run it again: %s\n", command);
	list_failing_seeds(b, r, c);
	if (co->limited > 0)
		add(b, "%" PRIu64 " run(s) cut by a limit too, the lowest seed %" PRIu64 " (%s)\n",
		    co->limited, co->first_limit, co->limit_checker);
	flush_body(x, b);
	end(x);
}

static void limit_error(struct xml *x, struct body *b, const struct explore_result *r, unsigned c)
{
	const struct explore_search *s = &r->search;
	const struct explore_class_outcome *co = &r->by_class[c];
	char label[128], command[EXPLORE_COMMAND_MAX];
	add(b, "seed %" PRIu64 ": %s: %" PRIu64 " of %" PRIu64 " runs cut by a limit before their end",
	    co->first_limit, co->limit_checker, co->limited, r->runs_by_class[c]);
	start(x, "error");
	attr(x, "type", co->limit_checker);
	attr(x, "message", body_text(b));
	b->len = 0;
	seed_label(s, co->first_limit, label, sizeof(label));
	add(b, "%s was cut by its %s: a run cut short has not passed (it says nothing of how the "
	       "stream would have ended); raise the scenario's max_steps or max_time, or find why "
	       "it does not end\n", label, co->limit_checker);
	explore_run_command(s, co->first_limit, command, sizeof(command));
	add(b, "run it again: %s\n", command);
	flush_body(x, b);
	end(x);
}

static void skipped(struct xml *x, struct body *b, const struct explore_result *r)
{
	add(b, "none of this strategy's seeds ran (seeds %" PRIu64 "..%" PRIu64 "%s; the search "
	       "stopped: %s)",
	    r->search.first_seed, r->search.first_seed + r->search.runs - 1,
	    r->search.shard_count > 1 ? ", this shard's" : "", explore_stop_name(r->stopped));
	start(x, "skipped");
	attr(x, "message", body_text(b));
	end(x);
	b->len = 0;
}

/* The case's runs and the race windows they reached, for people reading
 * the report in a CI system. */
static void system_out(struct xml *x, struct body *b, const struct explore_result *r, unsigned c,
		       const char *name)
{
	const struct explore_class_outcome *co = &r->by_class[c];
	uint64_t runs = r->runs_by_class[c];
	add(b, "%" PRIu64 " runs of %s: %" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64
	       " cut by a limit\nrace windows reached (runs each):",
	    runs, name, runs - co->failed - co->limited, co->failed, co->limited);
	unsigned reached = 0;
	for (unsigned w = 0; w < WINDOW_COUNT; w++)
		if (r->window_runs[w][c] > 0)
			add(b, "%s %s %" PRIu64, reached++ ? "," : "", race_windows[w].name,
			    r->window_runs[w][c]);
	add(b, "%s\n", reached ? "" : " none (ac97sim help windows)");
	if (r->stopped != EXPLORE_COMPLETE)
		add(b, "the search stopped before its end (%s): these are the runs that ran\n",
		    explore_stop_name(r->stopped));
	start(x, "system-out");
	flush_body(x, b);
	end(x);
}

static void test_case(struct xml *x, struct body *b, const struct explore_result *r, unsigned c,
		      const char *classname)
{
	char name[24];
	explore_class_name(&r->search, c, name, sizeof(name));
	start(x, "testcase");
	attr(x, "classname", classname);
	attr(x, "name", name);
	switch (case_kind_of(r, c)) {
	case CASE_PASSED: break;
	case CASE_FAILED: failure(x, b, r, c); break;
	case CASE_LIMIT: limit_error(x, b, r, c); break;
	case CASE_SKIPPED: skipped(x, b, r); break;
	}
	if (r->runs_by_class[c] > 0)
		system_out(x, b, r, c, name);
	end(x);
}

static void document(struct xml *x, const struct explore_result *r)
{
	const struct explore_search *s = &r->search;
	unsigned n_classes = explore_class_count(s);
	uint64_t count[4] = { 0 };
	for (unsigned c = 0; c < n_classes; c++)
		count[case_kind_of(r, c)]++;
	char seconds[32], classname[1400];
	snprintf(seconds, sizeof(seconds), "%.3f", r->seconds);
	class_name(s, classname, sizeof(classname));
	if (!x->failed && xmlTextWriterStartDocument(x->w, NULL, "UTF-8", NULL) < 0)
		x->failed = true;
	start(x, "testsuites");
	attr(x, "name", "ac97sim explore");
	attr_u64(x, "tests", n_classes);
	attr_u64(x, "failures", count[CASE_FAILED]);
	attr_u64(x, "errors", count[CASE_LIMIT]);
	attr(x, "time", seconds);
	start(x, "testsuite");
	attr(x, "name", s->scenario);
	attr_u64(x, "tests", n_classes);
	attr_u64(x, "failures", count[CASE_FAILED]);
	attr_u64(x, "errors", count[CASE_LIMIT]);
	attr_u64(x, "skipped", count[CASE_SKIPPED]);
	attr(x, "time", seconds);
	properties(x, r);
	struct body b = { 0 };
	for (unsigned c = 0; c < n_classes; c++)
		test_case(x, &b, r, c, classname);
	free(b.text);
	end(x);
	end(x);
	if (!x->failed && xmlTextWriterEndDocument(x->w) < 0)
		x->failed = true;
}

int explore_junit_write(const char *path, const struct explore_result *r, char *err,
			size_t err_len)
{
	xmlBufferPtr buf = xmlBufferCreate();
	struct xml x = { buf != NULL ? xmlNewTextWriterMemory(buf, 0) : NULL, false };
	if (x.w == NULL) {
		xmlBufferFree(buf);
		errf(err, err_len, "%s: out of memory", path);
		return -1;
	}
	xmlTextWriterSetIndent(x.w, 1);
	xmlTextWriterSetIndentString(x.w, BAD_CAST "  ");
	document(&x, r);
	xmlFreeTextWriter(x.w);	/* flushes into buf */
	int rc = -1;
	if (x.failed)
		errf(err, err_len, "%s: cannot make the XML (out of memory)", path);
	else
		rc = outfile_write_all(path, xmlBufferContent(buf), (size_t)xmlBufferLength(buf), err,
				       err_len);
	xmlBufferFree(buf);
	return rc;
}
