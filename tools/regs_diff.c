/*
 * regs_diff.c - `ac97sim diff` (regs_diff.h): the runs are recorded by the
 * register script runner (regs_record in regs_script.h) and compared here,
 * category by category, each stopping at its first difference.
 */
#include "regs_diff.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ac97.h"
#include "cli.h"
#include "exit_status.h"
#include "profile_option.h"
#include "regs_script.h"

static const struct cli_option diff_options[] = {
	PROFILES_OPTION,
	{ "dma-latency", 0, CLI_VALUE, "TICKS",
	  "each DMA transfer's latency in ticks, on every profile\n"
	  "(default 12)" },
};

static const struct cli_spec diff_spec = {
	.command = "diff",
	.synopsis = "SCRIPT [--profiles P,Q,...] [--dma-latency TICKS]",
	.description =
		"Runs the register script SCRIPT (the format of 'ac97sim regs') on each\n"
		"profile named (default: every profile, ich first) and says, for each\n"
		"profile after the first, where its run first differs from the first\n"
		"profile's: the registers it read (read and expect, in script order), the\n"
		"interrupt line's changes, the guest memory each engine's DMA moved\n"
		"(contiguous transfers merged into runs), and the PCM-out frames that\n"
		"crossed the AC-link from the first data frame on (data, fill and underrun,\n"
		"with their ticks), each with the script line that was running. The script's\n"
		"expectations are not checked. SCRIPT '-' reads standard input.\n",
	.options = diff_options,
	.n_options = sizeof(diff_options) / sizeof(diff_options[0]),
	.operands_min = 1,
	.operands_max = 1,
	.epilogue = "Exit: 0 every profile ran as the first, 1 some differ, 2 bad usage or an\n"
		    "unreadable or malformed script.\n",
};

void help_diff(FILE *f)
{
	cli_help(&diff_spec, f);
}

#define LABEL "  %-11s "
#define CONT "              "

static const char *bar_name(uint8_t bar)
{
	return bar == AC97_BAR_NAM ? "nam" : "nabm";
}

/* Registers: the i-th value read, in script order (the script is the same,
 * so the reads are the same commands). */
static bool diff_reads(FILE *out, const char *a_name, const struct regs_record *a,
		       const char *b_name, const struct regs_record *b)
{
	size_t n = a->n_reads < b->n_reads ? a->n_reads : b->n_reads;
	size_t first = SIZE_MAX, differ = 0;
	for (size_t i = 0; i < n; i++)
		if (a->reads[i].value != b->reads[i].value) {
			if (first == SIZE_MAX)
				first = i;
			differ++;
		}
	if (first == SIZE_MAX) {
		fprintf(out, LABEL "the same (%zu read%s)\n", "registers", n, n == 1 ? "" : "s");
		return false;
	}
	const struct regs_read *ra = &a->reads[first], *rb = &b->reads[first];
	int digits = ra->width_bits / 4;
	fprintf(out,
		LABEL "line %lu, %s %s 0x%02" PRIx32 " %u: %s 0x%0*" PRIx32 ", %s 0x%0*" PRIx32
		      " (%zu of %zu reads differ)\n",
		"registers", ra->line, ra->expect ? "expect" : "read", bar_name(ra->bar), ra->offset,
		(unsigned)ra->width_bits, a_name, digits, ra->value, b_name, digits, rb->value, differ,
		n);
	return true;
}

static void print_edge(FILE *out, const char *name, const struct regs_record *r, size_t i)
{
	if (i >= r->n_edges) {
		fprintf(out, "%s: no more (%zu in all)", name, r->n_edges);
		return;
	}
	const struct regs_edge *e = &r->edges[i];
	fprintf(out, "%s %s at tick %" PRIu64 " (line %lu)", name, e->level ? "rises" : "falls",
		e->tick, e->line);
}

static bool diff_edges(FILE *out, const char *a_name, const struct regs_record *a,
		       const char *b_name, const struct regs_record *b)
{
	size_t n = a->n_edges > b->n_edges ? a->n_edges : b->n_edges;
	for (size_t i = 0; i < n; i++) {
		/* Register accesses take no time: the script line tells apart
		 * changes in one tick. */
		bool same = i < a->n_edges && i < b->n_edges &&
			    a->edges[i].tick == b->edges[i].tick &&
			    a->edges[i].level == b->edges[i].level &&
			    a->edges[i].line == b->edges[i].line;
		if (same)
			continue;
		fprintf(out, LABEL "change %zu: ", "interrupts", i + 1);
		print_edge(out, a_name, a, i);
		fprintf(out, ",\n" CONT);
		print_edge(out, b_name, b, i);
		fprintf(out, "\n");
		return true;
	}
	fprintf(out, LABEL "the same (%zu change%s of the line)\n", "interrupts", a->n_edges,
		a->n_edges == 1 ? "" : "s");
	return false;
}

static void print_run(FILE *out, const char *name, const struct regs_record *r, int e, size_t i)
{
	if (i >= r->n_dma[e]) {
		fprintf(out, "%s: no more (%zu run%s in all)", name, r->n_dma[e],
			r->n_dma[e] == 1 ? "" : "s");
		return;
	}
	const struct regs_dma_run *d = &r->dma[e][i];
	fprintf(out, "%s %s 0x%08" PRIx64 " +%" PRIu64 " bytes at tick %" PRIu64 " (line %lu)", name,
		d->write ? "writes" : "reads", d->addr, d->bytes, d->tick, d->line);
}

/* The first run of engine e where a and b differ (SIZE_MAX: none). */
static size_t first_run_diff(const struct regs_record *a, const struct regs_record *b, int e)
{
	size_t n = a->n_dma[e] > b->n_dma[e] ? a->n_dma[e] : b->n_dma[e];
	for (size_t i = 0; i < n; i++) {
		if (i >= a->n_dma[e] || i >= b->n_dma[e])
			return i;
		const struct regs_dma_run *x = &a->dma[e][i], *y = &b->dma[e][i];
		if (x->write != y->write || x->addr != y->addr || x->bytes != y->bytes)
			return i;
	}
	return SIZE_MAX;
}

/* The earliest tick a run i of engine e starts on either side. */
static uint64_t run_tick(const struct regs_record *a, const struct regs_record *b, int e, size_t i)
{
	uint64_t t = UINT64_MAX;
	if (i < a->n_dma[e])
		t = a->dma[e][i].tick;
	if (i < b->n_dma[e] && b->dma[e][i].tick < t)
		t = b->dma[e][i].tick;
	return t;
}

static bool diff_dma(FILE *out, const char *a_name, const struct regs_record *a,
		     const char *b_name, const struct regs_record *b)
{
	int which = -1;
	size_t at = SIZE_MAX;
	uint64_t when = UINT64_MAX;
	size_t runs = 0;
	uint64_t bytes = 0;
	for (int e = 0; e < REGS_RECORD_ENGINES; e++) {
		runs += a->n_dma[e];
		for (size_t i = 0; i < a->n_dma[e]; i++)
			bytes += a->dma[e][i].bytes;
		size_t i = first_run_diff(a, b, e);
		if (i == SIZE_MAX)
			continue;
		uint64_t t = run_tick(a, b, e, i);
		if (which < 0 || t < when) {
			which = e;
			at = i;
			when = t;
		}
	}
	if (which < 0) {
		fprintf(out, LABEL "the same (%zu run%s, %" PRIu64 " bytes)\n", "dma", runs,
			runs == 1 ? "" : "s", bytes);
		return false;
	}
	fprintf(out, LABEL "%s run %zu: ", "dma", ac97_engine_name((enum ac97_engine_id)which),
		at + 1);
	print_run(out, a_name, a, which, at);
	fprintf(out, ",\n" CONT);
	print_run(out, b_name, b, which, at);
	fprintf(out, "\n");
	return true;
}

static const char *kind_name(uint8_t kind)
{
	switch ((enum ac97_span_kind)kind) {
	case AC97_SPAN_DATA: return "data";
	case AC97_SPAN_FILL: return "fill";
	case AC97_SPAN_UNDERRUN: return "underrun";
	}
	return "?";
}

static void print_frame(FILE *out, const char *name, const struct regs_record *r, size_t i)
{
	if (i >= r->n_frames) {
		fprintf(out, "%s: no more (%" PRIu64 " frame%s in all)", name, r->frames_total,
			r->frames_total == 1 ? "" : "s");
		return;
	}
	const struct regs_frame *f = &r->frames[i];
	fprintf(out, "%s 0x%04x 0x%04x %s at tick %" PRIu64 " (line %lu)", name,
		(unsigned)(uint16_t)f->left, (unsigned)(uint16_t)f->right, kind_name(f->kind), f->tick,
		f->line);
}

static bool frames_equal(const struct regs_frame *x, const struct regs_frame *y)
{
	return x->tick == y->tick && x->kind == y->kind && x->left == y->left &&
	       x->right == y->right;
}

/* The recorded audio starts at each run's first data frame (regs_record):
 * what the link carried before any engine played is not compared. */
static bool diff_audio(FILE *out, const char *a_name, const struct regs_record *a,
		       const char *b_name, const struct regs_record *b)
{
	size_t n = a->n_frames > b->n_frames ? a->n_frames : b->n_frames;
	for (size_t i = 0; i < n; i++) {
		if (i < a->n_frames && i < b->n_frames && frames_equal(&a->frames[i], &b->frames[i]))
			continue;
		fprintf(out, LABEL "PO frame %zu of the audio: ", "audio", i + 1);
		print_frame(out, a_name, a, i);
		fprintf(out, ",\n" CONT);
		print_frame(out, b_name, b, i);
		fprintf(out, "\n");
		return true;
	}
	if (a->frames_total == 0 && b->frames_total == 0) {
		fprintf(out, LABEL "the same (no data frame on either)\n", "audio");
		return false;
	}
	if (a->frames_total != b->frames_total || a->frames_fnv != b->frames_fnv) {
		fprintf(out,
			LABEL "past the first %u PO frames, which are the same: %s %" PRIu64
			      " frames in all, %s %" PRIu64 "\n",
			"audio", REGS_RECORD_FRAMES_MAX, a_name, a->frames_total, b_name,
			b->frames_total);
		return true;
	}
	fprintf(out, LABEL "the same (%" PRIu64 " PO frame%s from the first data frame)\n",
		"audio", a->frames_total, a->frames_total == 1 ? "" : "s");
	return false;
}

/* Compares b's run with a's; prints the block and returns whether they
 * differ. */
static bool diff_runs(FILE *out, const char *script, const struct ac97_profile *pa,
		      const struct regs_record *a, const struct ac97_profile *pb,
		      const struct regs_record *b)
{
	/* Each category is printed whatever the others found, so the block is
	 * written to memory first and its headline said once it is known. */
	char *body = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&body, &len);
	if (m == NULL)
		return true;
	bool differ = diff_reads(m, pa->name, a, pb->name, b);
	differ |= diff_edges(m, pa->name, a, pb->name, b);
	differ |= diff_dma(m, pa->name, a, pb->name, b);
	differ |= diff_audio(m, pa->name, a, pb->name, b);
	fclose(m);
	fprintf(out, "%s: %s against %s: %s\n%s", script, pb->name, pa->name,
		differ ? "differs" : "the same", body != NULL ? body : "");
	free(body);
	return differ;
}

int cmd_diff(int argc, char **argv)
{
	struct cli_args a;
	int st = cli_parse(&diff_spec, argc, argv, &a);
	if (st != CLI_CONTINUE)
		return st;
	const struct ac97_profile *profiles[PROFILE_LIST_MAX];
	size_t n = 0;
	const char *list = cli_value(&diff_spec, &a, "profiles");
	if (list != NULL) {
		if (profile_list_parse(&diff_spec, list, profiles, &n) != 0)
			return EXIT_USAGE;
	} else {
		for (size_t i = 0; i < ac97_profiles_count && n < PROFILE_LIST_MAX; i++)
			profiles[n++] = ac97_profiles[i];
	}
	if (n < 2)
		return cli_usage_error(&diff_spec, "--profiles needs two profiles or more to compare");
	struct regs_script_opts opts = { 0 };
	opts.dma_latency_given = cli_given(&diff_spec, &a, "dma-latency");
	if (!cli_u64(&diff_spec, &a, "dma-latency", 0, AC97_DMA_LATENCY_TICKS_MAX,
		     &opts.dma_latency_ticks))
		return EXIT_USAGE;

	char *text;
	size_t len_bytes;
	const char *name;
	if (regs_script_load(a.operands[0], &text, &len_bytes, &name, stderr) != REGS_SCRIPT_PASS)
		return EXIT_USAGE;
	struct regs_record *recs = calloc(n, sizeof(*recs));
	FILE *sink = fopen("/dev/null", "w");
	int status = recs != NULL && sink != NULL ? EXIT_PASS : EXIT_USAGE;
	if (status != EXIT_PASS)
		fprintf(stderr, "ac97sim: diff: out of memory\n");
	for (size_t i = 0; i < n && status == EXIT_PASS; i++) {
		opts.profile = profiles[i];
		opts.record = &recs[i];
		/* The script's own report is not the diff's: its output goes
		 * nowhere, its errors (a malformed script) to stderr, once. */
		int s = regs_script_run_string(name, text, len_bytes, &opts, sink, stderr);
		if (s == REGS_SCRIPT_BAD_INPUT) {
			status = EXIT_USAGE;
		} else if (recs[i].out_of_memory) {
			fprintf(stderr, "ac97sim: diff: out of memory recording the run on %s\n",
				profiles[i]->name);
			status = EXIT_USAGE;
		}
	}
	bool differ = false;
	for (size_t i = 1; i < n && status == EXIT_PASS; i++)
		differ |= diff_runs(stdout, name, profiles[0], &recs[0], profiles[i], &recs[i]);
	if (status == EXIT_PASS && differ)
		status = EXIT_FAILED;
	if (recs != NULL)
		for (size_t i = 0; i < n; i++)
			regs_record_free(&recs[i]);
	free(recs);
	if (sink != NULL)
		fclose(sink);
	free(text);
	if (fflush(stdout) != 0 && status != EXIT_USAGE) {
		fprintf(stderr, "ac97sim: diff: cannot write standard output\n");
		status = EXIT_USAGE;
	}
	return status;
}
