/*
 * regs_script.c - parser and runner of register scripts (format and
 * semantics in regs_script.h).
 *
 * Two passes on purpose: the whole script is parsed into a command array
 * first, so a malformed script reports every bad line and touches no device
 * state; only a clean parse runs. All parse checks that depend on nothing
 * but the text (including the running total of `advance`, since nothing
 * else moves time) are done in the first pass.
 */
#include "regs_script.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ac97.h"
#include "audio_file.h"
#include "fnv1a.h"
#include "gmem.h"
#include "simtime.h"

#define TOKENS_MAX 8	/* more than any command takes; extra ones are only counted */
#define TOKEN_SHOWN_MAX 40	/* a hostile token is cut in messages */
#define WAV_CHUNK_FRAMES 1024u
#define FILL_CHUNK_BYTES 4096u

enum cmd_kind {
	CMD_WRITE,
	CMD_READ,
	CMD_EXPECT,
	CMD_BD,
	CMD_FILL,
	CMD_UNMAP,
	CMD_MAP,
	CMD_ADVANCE,
	CMD_IRQ,
	CMD_OUT,
	CMD_FAULTS,
	CMD_LAST,
};

enum fill_pattern { FILL_ZERO, FILL_RAMP16, FILL_SINE };

struct cmd {
	enum cmd_kind kind;
	unsigned long line;
	union {
		struct {	/* write, read, expect */
			enum ac97_bar bar;
			uint32_t offset;
			unsigned width_bits;
			uint32_t value;
			uint32_t mask;
		} io;
		struct {	/* bd */
			uint64_t desc_addr;	/* LIST + 8 * INDEX, checked not to wrap */
			uint32_t dw0, dw1;
		} bd;
		struct {	/* fill, map, unmap */
			uint64_t addr;
			uint64_t len_bytes;
			enum fill_pattern pattern;
			uint32_t sine_hz;
		} mem;
		sim_ticks_t delta_ticks;	/* advance */
		int irq_want;	/* irq: -1 = just print */
		struct {	/* faults: want < 0 = just print */
			int64_t want;
		} faults;
		struct {	/* last */
			bool expect;
			uint16_t left, right;
		} last;
	} u;
};

struct script {
	struct cmd *cmds;
	size_t n_cmds, cap_cmds;
};

/* Parser state for one script: where messages go and how many so far. */
struct parser {
	const char *name;
	FILE *err;
	unsigned long line;
	unsigned long errors;
	sim_ticks_t total_ticks;	/* sum of every advance so far */
	bool out_of_memory;
};

static void parse_error(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void parse_error(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	fprintf(p->err, "ac97sim: %s:%lu: ", p->name, p->line);
	va_start(ap, fmt);
	vfprintf(p->err, fmt, ap);
	va_end(ap);
	fputc('\n', p->err);
	p->errors++;
}

/* Length of a token as shown in messages. */
static int shown(const char *tok)
{
	size_t n = strlen(tok);
	return (int)(n > TOKEN_SHOWN_MAX ? TOKEN_SHOWN_MAX : n);
}

/* Parses a decimal or 0x-hex unsigned 64-bit number. Reports and returns
 * false on a bad number or on overflow. */
static bool parse_u64(struct parser *p, const char *what, const char *tok, uint64_t *out)
{
	const char *s = tok;
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0') {
		parse_error(p, "bad number '%.*s' for %s", shown(tok), tok, what);
		return false;
	}
	uint64_t v = 0;
	for (; *s != '\0'; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else {
			parse_error(p, "bad number '%.*s' for %s", shown(tok), tok, what);
			return false;
		}
		if (v > (UINT64_MAX - d) / base) {
			parse_error(p, "number '%.*s' for %s overflows 64 bits", shown(tok), tok,
				    what);
			return false;
		}
		v = v * base + d;
	}
	*out = v;
	return true;
}

static bool parse_bar(struct parser *p, const char *tok, enum ac97_bar *bar)
{
	if (strcmp(tok, "nam") == 0) {
		*bar = AC97_BAR_NAM;
		return true;
	}
	if (strcmp(tok, "nabm") == 0) {
		*bar = AC97_BAR_NABM;
		return true;
	}
	parse_error(p, "bad BAR '%.*s' (want nam or nabm)", shown(tok), tok);
	return false;
}

static bool parse_width(struct parser *p, const char *tok, unsigned *width_bits)
{
	uint64_t w;
	if (!parse_u64(p, "WIDTH", tok, &w))
		return false;
	if (w != 8 && w != 16 && w != 32) {
		parse_error(p, "bad WIDTH %" PRIu64 " (want 8, 16 or 32)", w);
		return false;
	}
	*width_bits = (unsigned)w;
	return true;
}

static uint32_t width_mask(unsigned width_bits)
{
	return width_bits == 32 ? UINT32_MAX : (UINT32_C(1) << width_bits) - 1;
}

/* A value that must fit the access width (VALUE, MASK). */
static bool parse_fitting(struct parser *p, const char *what, const char *tok,
			  unsigned width_bits, uint32_t *out)
{
	uint64_t v;
	if (!parse_u64(p, what, tok, &v))
		return false;
	if (v > width_mask(width_bits)) {
		parse_error(p, "%s 0x%" PRIx64 " does not fit %u bits", what, v, width_bits);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

static bool parse_io(struct parser *p, char **tok, struct cmd *c)
{
	uint64_t off;
	if (!parse_bar(p, tok[1], &c->u.io.bar) || !parse_u64(p, "OFF", tok[2], &off))
		return false;
	if (off > UINT32_MAX) {
		parse_error(p, "OFF 0x%" PRIx64 " does not fit 32 bits", off);
		return false;
	}
	c->u.io.offset = (uint32_t)off;
	return parse_width(p, tok[3], &c->u.io.width_bits);
}

static bool parse_bd(struct parser *p, char **tok, int n_tok, struct cmd *c)
{
	uint64_t list, index, addr, samples;
	if (!parse_u64(p, "LIST", tok[1], &list) || !parse_u64(p, "INDEX", tok[2], &index) ||
	    !parse_u64(p, "ADDR", tok[3], &addr) || !parse_u64(p, "SAMPLES", tok[4], &samples))
		return false;
	if (index >= AC97_BDL_ENTRIES) {
		parse_error(p, "bd INDEX %" PRIu64 " out of range (0..31)", index);
		return false;
	}
	if (addr > UINT32_MAX) {
		parse_error(p, "bd ADDR 0x%" PRIx64 " does not fit 32 bits", addr);
		return false;
	}
	if (samples > AC97_BD_LEN_MASK) {
		parse_error(p, "bd SAMPLES %" PRIu64 " out of range (0..65535)", samples);
		return false;
	}
	uint64_t offset_bytes = index * AC97_BD_BYTES;
	if (list > UINT64_MAX - offset_bytes - (AC97_BD_BYTES - 1)) {
		parse_error(p, "bd LIST 0x%" PRIx64 " + descriptor overflows 64 bits", list);
		return false;
	}
	bool ioc = false, bup = false;
	for (int i = 5; i < n_tok; i++) {
		bool *flag = strcmp(tok[i], "ioc") == 0 ? &ioc : strcmp(tok[i], "bup") == 0 ? &bup : NULL;
		if (flag == NULL) {
			parse_error(p, "bad bd flag '%.*s' (want ioc or bup)", shown(tok[i]), tok[i]);
			return false;
		}
		if (*flag) {
			parse_error(p, "bd flag '%s' given twice", tok[i]);
			return false;
		}
		*flag = true;
	}
	c->u.bd.desc_addr = list + offset_bytes;
	c->u.bd.dw0 = (uint32_t)addr;
	c->u.bd.dw1 = (uint32_t)samples | (ioc ? AC97_BD_IOC : 0) | (bup ? AC97_BD_BUP : 0);
	return true;
}

static bool parse_pattern(struct parser *p, const char *tok, struct cmd *c)
{
	if (strcmp(tok, "zero") == 0) {
		c->u.mem.pattern = FILL_ZERO;
		return true;
	}
	if (strcmp(tok, "ramp16") == 0) {
		c->u.mem.pattern = FILL_RAMP16;
		return true;
	}
	if (strncmp(tok, "sine:", 5) == 0) {
		uint64_t hz;
		if (!parse_u64(p, "sine HZ", tok + 5, &hz))
			return false;
		if (hz < 1 || hz >= SIM_FRAMES_PER_SECOND / 2) {
			parse_error(p, "sine HZ %" PRIu64 " out of range (1..23999)", hz);
			return false;
		}
		c->u.mem.pattern = FILL_SINE;
		c->u.mem.sine_hz = (uint32_t)hz;
		return true;
	}
	parse_error(p, "bad PATTERN '%.*s' (want zero, ramp16 or sine:HZ)", shown(tok), tok);
	return false;
}

static bool parse_advance(struct parser *p, char **tok, struct cmd *c)
{
	uint64_t n;
	if (!parse_u64(p, "N", tok[1], &n))
		return false;
	sim_ticks_t delta_ticks;
	if (strcmp(tok[2], "ticks") == 0) {
		delta_ticks = n;
	} else if (strcmp(tok[2], "frames") == 0) {
		if (n > UINT64_MAX / SIM_TICKS_PER_FRAME) {
			parse_error(p, "advance %" PRIu64 " frames overflows the tick count", n);
			return false;
		}
		delta_ticks = sim_frames_to_ticks(n);
	} else if (strcmp(tok[2], "us") == 0) {
		/* sim_us_to_ticks multiplies us / 1000 by 12288. */
		if (n / 1000u > UINT64_MAX / 12288u - 1) {
			parse_error(p, "advance %" PRIu64 " us overflows the tick count", n);
			return false;
		}
		delta_ticks = sim_us_to_ticks(n);
	} else {
		parse_error(p, "bad UNIT '%.*s' (want ticks, frames or us)", shown(tok[2]), tok[2]);
		return false;
	}
	/* Time stops at the clock's horizon (simtime.h); nothing else moves
	 * it, so the running total says where every advance ends. */
	if (delta_ticks > SIM_TICKS_HORIZON - p->total_ticks) {
		parse_error(p, "advance goes past the simulated clock's horizon (2^56 ticks, "
			    "about 186 years)");
		return false;
	}
	p->total_ticks += delta_ticks;
	c->u.delta_ticks = delta_ticks;
	return true;
}

struct cmd_spec {
	const char *name;
	enum cmd_kind kind;
	int args_min, args_max;
	const char *usage;
};

static const struct cmd_spec cmd_specs[] = {
	{ "write", CMD_WRITE, 4, 4, "write BAR OFF WIDTH VALUE" },
	{ "read", CMD_READ, 3, 3, "read BAR OFF WIDTH" },
	{ "expect", CMD_EXPECT, 4, 5, "expect BAR OFF WIDTH VALUE [MASK]" },
	{ "bd", CMD_BD, 4, 6, "bd LIST INDEX ADDR SAMPLES [ioc] [bup]" },
	{ "fill", CMD_FILL, 3, 3, "fill ADDR BYTES PATTERN" },
	{ "unmap", CMD_UNMAP, 2, 2, "unmap ADDR BYTES" },
	{ "map", CMD_MAP, 2, 2, "map ADDR BYTES" },
	{ "advance", CMD_ADVANCE, 2, 2, "advance N UNIT" },
	{ "irq", CMD_IRQ, 0, 1, "irq [LEVEL]" },
	{ "out", CMD_OUT, 0, 0, "out" },
	{ "faults", CMD_FAULTS, 0, 1, "faults [N]" },
	{ "last", CMD_LAST, 0, 2, "last [L R]" },
};

/* Parses one command from its tokens (tok[0] is the command name, n_tok
 * counts every token even past TOKENS_MAX). Returns false, having reported
 * why, when the line is malformed. */
static bool parse_command(struct parser *p, char **tok, int n_tok, struct cmd *c)
{
	const struct cmd_spec *spec = NULL;
	for (size_t i = 0; i < sizeof(cmd_specs) / sizeof(cmd_specs[0]); i++)
		if (strcmp(tok[0], cmd_specs[i].name) == 0)
			spec = &cmd_specs[i];
	if (spec == NULL) {
		parse_error(p, "unknown command '%.*s'", shown(tok[0]), tok[0]);
		return false;
	}
	int n_args = n_tok - 1;
	if (n_args < spec->args_min || n_args > spec->args_max) {
		if (spec->args_min == spec->args_max)
			parse_error(p, "%s takes %d argument%s, got %d (usage: %s)", spec->name,
				    spec->args_min, spec->args_min == 1 ? "" : "s", n_args,
				    spec->usage);
		else
			parse_error(p, "%s takes %d to %d arguments, got %d (usage: %s)",
				    spec->name, spec->args_min, spec->args_max, n_args, spec->usage);
		return false;
	}
	memset(c, 0, sizeof(*c));
	c->kind = spec->kind;
	c->line = p->line;
	switch (spec->kind) {
	case CMD_WRITE:
		return parse_io(p, tok, c) &&
		       parse_fitting(p, "VALUE", tok[4], c->u.io.width_bits, &c->u.io.value);
	case CMD_READ:
		return parse_io(p, tok, c);
	case CMD_EXPECT:
		if (!parse_io(p, tok, c) ||
		    !parse_fitting(p, "VALUE", tok[4], c->u.io.width_bits, &c->u.io.value))
			return false;
		c->u.io.mask = width_mask(c->u.io.width_bits);
		return n_args < 5 ||
		       parse_fitting(p, "MASK", tok[5], c->u.io.width_bits, &c->u.io.mask);
	case CMD_BD:
		return parse_bd(p, tok, n_tok, c);
	case CMD_FILL:
		return parse_u64(p, "ADDR", tok[1], &c->u.mem.addr) &&
		       parse_u64(p, "BYTES", tok[2], &c->u.mem.len_bytes) &&
		       parse_pattern(p, tok[3], c);
	case CMD_UNMAP:
	case CMD_MAP:
		return parse_u64(p, "ADDR", tok[1], &c->u.mem.addr) &&
		       parse_u64(p, "BYTES", tok[2], &c->u.mem.len_bytes);
	case CMD_ADVANCE:
		return parse_advance(p, tok, c);
	case CMD_IRQ:
		c->u.irq_want = -1;
		if (n_args == 1) {
			if (strcmp(tok[1], "0") != 0 && strcmp(tok[1], "1") != 0) {
				parse_error(p, "bad irq LEVEL '%.*s' (want 0 or 1)", shown(tok[1]),
					    tok[1]);
				return false;
			}
			c->u.irq_want = tok[1][0] - '0';
		}
		return true;
	case CMD_OUT:
		return true;
	case CMD_FAULTS: {
		c->u.faults.want = -1;
		uint64_t n;
		if (n_args == 0)
			return true;
		if (!parse_u64(p, "N", tok[1], &n))
			return false;
		if (n > INT64_MAX) {
			parse_error(p, "faults N %" PRIu64 " out of range", n);
			return false;
		}
		c->u.faults.want = (int64_t)n;
		return true;
	}
	case CMD_LAST: {
		if (n_args == 0)
			return true;
		if (n_args != 2) {
			parse_error(p, "last takes 0 or 2 arguments, got %d (usage: last [L R])", n_args);
			return false;
		}
		uint32_t l, r;
		if (!parse_fitting(p, "L", tok[1], 16, &l) || !parse_fitting(p, "R", tok[2], 16, &r))
			return false;
		c->u.last.expect = true;
		c->u.last.left = (uint16_t)l;
		c->u.last.right = (uint16_t)r;
		return true;
	}
	}
	return false;
}

static bool script_push(struct script *s, const struct cmd *c)
{
	if (s->n_cmds == s->cap_cmds) {
		size_t cap = s->cap_cmds ? s->cap_cmds * 2 : 64;
		if (cap > SIZE_MAX / sizeof(*s->cmds))
			return false;
		struct cmd *grown = realloc(s->cmds, cap * sizeof(*s->cmds));
		if (grown == NULL)
			return false;
		s->cmds = grown;
		s->cap_cmds = cap;
	}
	s->cmds[s->n_cmds++] = *c;
	return true;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* Parses one line in place (line[len_bytes] is writable scratch). */
static void parse_line(struct parser *p, struct script *s, char *line, size_t len_bytes)
{
	if (memchr(line, '\0', len_bytes) != NULL) {
		parse_error(p, "NUL byte in line");
		return;
	}
	line[len_bytes] = '\0';
	char *hash = strchr(line, '#');
	if (hash != NULL)
		*hash = '\0';
	char *tok[TOKENS_MAX];
	int n_tok = 0;
	for (char *q = line; *q != '\0';) {
		while (is_blank(*q))
			q++;
		if (*q == '\0')
			break;
		if (n_tok < TOKENS_MAX)
			tok[n_tok] = q;
		if (n_tok < INT_MAX)
			n_tok++;
		while (*q != '\0' && !is_blank(*q))
			q++;
		if (*q != '\0')
			*q++ = '\0';
	}
	if (n_tok == 0)
		return;
	if (n_tok > TOKENS_MAX) {
		/* No command takes this many; let the count check say so. */
		for (size_t i = 0; i < sizeof(cmd_specs) / sizeof(cmd_specs[0]); i++) {
			if (strcmp(tok[0], cmd_specs[i].name) == 0) {
				parse_error(p, "%s takes at most %d arguments, got %d (usage: %s)",
					    cmd_specs[i].name, cmd_specs[i].args_max, n_tok - 1,
					    cmd_specs[i].usage);
				return;
			}
		}
		parse_error(p, "unknown command '%.*s'", shown(tok[0]), tok[0]);
		return;
	}
	struct cmd c;
	if (!parse_command(p, tok, n_tok, &c))
		return;
	if (!script_push(s, &c))
		p->out_of_memory = true;
}

/* Parses text (modified in place; text[len_bytes] must be writable). Returns
 * REGS_SCRIPT_PASS or REGS_SCRIPT_BAD_INPUT. */
static int parse_script(const char *name, char *text, size_t len_bytes, FILE *err,
			struct script *s)
{
	struct parser p = { .name = name, .err = err };
	size_t pos = 0;
	while (pos < len_bytes && !p.out_of_memory) {
		char *nl = memchr(text + pos, '\n', len_bytes - pos);
		size_t line_bytes = nl != NULL ? (size_t)(nl - (text + pos)) : len_bytes - pos;
		if (p.line < ULONG_MAX)
			p.line++;
		parse_line(&p, s, text + pos, line_bytes);
		pos += line_bytes + (nl != NULL);
	}
	if (p.out_of_memory) {
		fprintf(err, "ac97sim: %s: out of memory\n", name);
		return REGS_SCRIPT_BAD_INPUT;
	}
	return p.errors != 0 ? REGS_SCRIPT_BAD_INPUT : REGS_SCRIPT_PASS;
}

/* ---- the integer sine of the sine:HZ fill ---- */

/* sin(x * pi / 2) for x in Q30 on [0, 1], result in Q30: the Taylor
 * polynomial to x^9 (error below 4e-6, under 0.1 LSB at the amplitude used),
 * coefficients (pi/2)^k / k! in Q30. Division, not shifts, so that negative
 * intermediates round the same way on every compiler. */
static int64_t quarter_sine_q30(int64_t x_q30)
{
	const int64_t one = INT64_C(1) << 30;
	int64_t x2 = x_q30 * x_q30 / one;
	int64_t r = INT64_C(172272);
	r = -INT64_C(5026995) + r * x2 / one;
	r = INT64_C(85569306) + r * x2 / one;
	r = -INT64_C(693598668) + r * x2 / one;
	r = INT64_C(1686629713) + r * x2 / one;
	return r * x_q30 / one;
}

int16_t regs_script_sine_sample(uint32_t hz, uint64_t frame)
{
	const uint64_t rate = SIM_FRAMES_PER_SECOND;
	/* Phase as a fraction of a turn, exact: (frame * hz mod rate) / rate. */
	uint64_t phase = (frame % rate) * (hz % rate) % rate;
	uint64_t quarter_pos = phase * 4;	/* in quarters * rate */
	uint64_t quadrant = quarter_pos / rate;
	uint64_t within = quarter_pos % rate;	/* position in the quadrant, / rate */
	if (quadrant == 1 || quadrant == 3)
		within = rate - within;	/* mirror: sin falls back to 0 */
	int64_t x_q30 = (int64_t)((within << 30) / rate);
	int64_t s_q30 = quarter_sine_q30(x_q30);
	/* Amplitude 16384 (-6 dBFS): Q30 -> Q14, rounded half up. */
	int64_t v = s_q30 <= 0 ? 0 : (s_q30 + (INT64_C(1) << 15)) / (INT64_C(1) << 16);
	if (v > 16384)
		v = 16384;
	return (int16_t)(quadrant >= 2 ? -v : v);
}

/* ---- the runner ---- */

struct runner {
	const char *name;
	FILE *out, *err;
	struct gmem mem;
	struct ac97 *dev;
	int status;
	uint64_t out_frames;
	uint64_t out_fnv;
	/* The last PCM-out frame on the link, of any kind (`last`). */
	bool have_last;
	uint16_t last_left, last_right;
	/* opts->record, and the line of the command running. */
	struct regs_record *rec;
	unsigned long line_now;
	/* WAV output. */
	const char *wav_path;
	struct wav_writer *wav;	/* opened at the first PCM-out span */
	bool wav_failed;
	bool wav_full;
	uint64_t wav_frames;
};

/* The WAV goes through audio_file.h's writer: a temporary file renamed
 * into place only when whole (outfile.h). */
static void wav_open(struct runner *r, uint32_t rate_hz)
{
	char err[1200];
	r->wav = wav_writer_open(r->wav_path, 2, rate_hz != 0 ? rate_hz : SIM_FRAMES_PER_SECOND, err,
				 sizeof(err));
	if (r->wav == NULL) {
		fprintf(r->err, "ac97sim: %s\n", err);
		r->wav_failed = true;
		r->status = REGS_SCRIPT_BAD_INPUT;
	}
}

static int16_t le16_sample(const uint8_t *p)
{
	int32_t u = p[0] | (int32_t)p[1] << 8;
	return (int16_t)(u >= 0x8000 ? u - 0x10000 : u);
}

/* Appends the codec's DAC output for a PCM-out span to the WAV. */
static void wav_write_span(struct runner *r, const struct ac97_span *span)
{
	if (r->wav == NULL && !r->wav_failed)
		wav_open(r, span->cadence.rate_hz);
	if (r->wav == NULL || r->wav_failed || r->wav_full)
		return;
	int16_t in[WAV_CHUNK_FRAMES * 2], out[WAV_CHUNK_FRAMES * 2];
	uint32_t ch = span->channels;
	uint64_t done_frames = 0;
	while (done_frames < span->n_frames) {
		uint64_t room_frames = REGS_SCRIPT_WAV_FRAMES_MAX - r->wav_frames;
		if (room_frames == 0) {
			fprintf(r->err, "ac97sim: %s: warning: WAV full at %" PRIu64
				" frames; the rest of the output is not written\n",
				r->wav_path, r->wav_frames);
			r->wav_full = true;
			return;
		}
		uint64_t n = span->n_frames - done_frames;
		if (n > WAV_CHUNK_FRAMES)
			n = WAV_CHUNK_FRAMES;
		if (n > room_frames)
			n = room_frames;
		for (uint64_t i = 0; i < n; i++) {
			if (span->kind == AC97_SPAN_DATA) {
				const uint8_t *f = span->pcm_le + (done_frames + i) * ch * 2;
				in[2 * i] = le16_sample(f);
				in[2 * i + 1] = le16_sample(ch >= 2 ? f + 2 : f);
			} else {
				in[2 * i] = span->fill[0];
				in[2 * i + 1] = span->fill[ch >= 2 ? 1 : 0];
			}
		}
		codec_dac_output(&r->dev->codec, in, out, (size_t)n);
		if (wav_writer_write(r->wav, out, n) != 0)
			return;	/* the commit reports it */
		r->wav_frames += n;
		done_frames += n;
	}
}

/* ---- the record of a run (regs_record) ---- */

/* Room for one more item of size item_bytes in *items (cap *cap); false
 * when memory runs out (the record says so). */
static bool record_room(struct regs_record *rec, void **items, size_t n, size_t *cap,
			size_t item_bytes)
{
	if (n < *cap)
		return true;
	size_t grown = *cap != 0 ? *cap * 2 : 256;
	void *p = grown <= SIZE_MAX / item_bytes ? realloc(*items, grown * item_bytes) : NULL;
	if (p == NULL) {
		rec->out_of_memory = true;
		return false;
	}
	*items = p;
	*cap = grown;
	return true;
}

void regs_record_free(struct regs_record *rec)
{
	free(rec->reads);
	free(rec->edges);
	for (int e = 0; e < REGS_RECORD_ENGINES; e++)
		free(rec->dma[e]);
	free(rec->frames);
	memset(rec, 0, sizeof(*rec));
}

static void record_read(struct runner *r, const struct cmd *c, uint32_t value)
{
	struct regs_record *rec = r->rec;
	if (rec == NULL || !record_room(rec, (void **)&rec->reads, rec->n_reads, &rec->cap_reads,
					sizeof(*rec->reads)))
		return;
	rec->reads[rec->n_reads++] = (struct regs_read){
		.line = c->line, .offset = c->u.io.offset, .value = value,
		.bar = (uint8_t)c->u.io.bar, .width_bits = (uint8_t)c->u.io.width_bits,
		.expect = c->kind == CMD_EXPECT,
	};
}

static void on_device_event(void *ctx, const struct ac97_event *ev)
{
	struct runner *r = ctx;
	struct regs_record *rec = r->rec;
	if (ev->kind == AC97_EV_IRQ) {
		if (record_room(rec, (void **)&rec->edges, rec->n_edges, &rec->cap_edges,
				sizeof(*rec->edges)))
			rec->edges[rec->n_edges++] = (struct regs_edge){ ev->tick, r->line_now, ev->a != 0 };
		return;
	}
	if (ev->kind != AC97_EV_DMA || ev->engine < 0 || ev->engine >= REGS_RECORD_ENGINES)
		return;
	int e = ev->engine;
	bool write = ev->code != 0;
	size_t n = rec->n_dma[e];
	struct regs_dma_run *last = n > 0 ? &rec->dma[e][n - 1] : NULL;
	if (last != NULL && last->write == write && last->addr + last->bytes == ev->a) {
		last->bytes += ev->b;	/* the same run, however the device chunked it */
		return;
	}
	if (record_room(rec, (void **)&rec->dma[e], n, &rec->cap_dma[e], sizeof(*rec->dma[e])))
		rec->dma[e][rec->n_dma[e]++] = (struct regs_dma_run){
			.tick = ev->tick, .line = r->line_now, .addr = ev->a, .bytes = ev->b,
			.write = write,
		};
}

static void record_frames(struct runner *r, const struct ac97_span *span)
{
	struct regs_record *rec = r->rec;
	uint32_t ch = span->channels;
	if (rec->frames_total == 0 && span->kind != AC97_SPAN_DATA)
		return;	/* no audio yet */
	for (uint64_t i = 0; i < span->n_frames; i++) {
		struct regs_frame f = {
			.tick = cadence_tick_of(&span->cadence, span->first_request + i),
			.line = r->line_now,
			.kind = (uint8_t)span->kind,
		};
		if (span->kind == AC97_SPAN_DATA) {
			const uint8_t *p = span->pcm_le + i * ch * 2;
			f.left = le16_sample(p);
			f.right = le16_sample(ch >= 2 ? p + 2 : p);
		} else {
			f.left = span->fill[0];
			f.right = span->fill[ch >= 2 ? 1 : 0];
		}
		uint8_t bytes[13];
		for (int b = 0; b < 8; b++)
			bytes[b] = (uint8_t)(f.tick >> (8 * b));
		bytes[8] = f.kind;
		bytes[9] = (uint8_t)((uint16_t)f.left & 0xFF);
		bytes[10] = (uint8_t)((uint16_t)f.left >> 8);
		bytes[11] = (uint8_t)((uint16_t)f.right & 0xFF);
		bytes[12] = (uint8_t)((uint16_t)f.right >> 8);
		rec->frames_fnv = fnv1a64(rec->frames_fnv, bytes, sizeof(bytes));
		rec->frames_total++;
		if (rec->n_frames < REGS_RECORD_FRAMES_MAX &&
		    record_room(rec, (void **)&rec->frames, rec->n_frames, &rec->cap_frames,
				sizeof(*rec->frames)))
			rec->frames[rec->n_frames++] = f;
	}
}

static void on_span(void *ctx, const struct ac97_span *span)
{
	struct runner *r = ctx;
	if (span->engine != AC97_PO || span->n_frames == 0)
		return;
	uint32_t ch = span->channels;
	if (ch == 0 || (span->kind == AC97_SPAN_DATA && span->pcm_le == NULL))
		return;	/* nothing to read; the device never sends this */
	if (r->rec != NULL)
		record_frames(r, span);
	if (span->kind == AC97_SPAN_DATA) {
		r->out_frames += span->n_frames;
		r->out_fnv = fnv1a64(r->out_fnv, span->pcm_le, (size_t)(span->n_frames * ch * 2));
		const uint8_t *f = span->pcm_le + (span->n_frames - 1) * ch * 2;
		r->last_left = (uint16_t)le16_sample(f);
		r->last_right = (uint16_t)le16_sample(ch >= 2 ? f + 2 : f);
	} else {
		r->last_left = (uint16_t)span->fill[0];
		r->last_right = (uint16_t)span->fill[ch >= 2 ? 1 : 0];
	}
	r->have_last = true;
	if (r->wav_path != NULL)
		wav_write_span(r, span);
}

static const char *bar_name(enum ac97_bar bar)
{
	return bar == AC97_BAR_NAM ? "nam" : "nabm";
}

static uint8_t pattern_byte(const struct cmd *c, uint64_t pos, int16_t *sine_cache,
			    uint64_t *sine_cache_frame)
{
	switch (c->u.mem.pattern) {
	case FILL_ZERO:
		break;
	case FILL_RAMP16: {
		uint16_t v = (uint16_t)(pos / 2);
		return (uint8_t)(pos % 2 ? v >> 8 : v);
	}
	case FILL_SINE: {
		uint64_t frame = pos / 4;
		if (frame != *sine_cache_frame) {
			*sine_cache = regs_script_sine_sample(c->u.mem.sine_hz, frame);
			*sine_cache_frame = frame;
		}
		uint16_t v = (uint16_t)*sine_cache;
		return (uint8_t)(pos % 2 ? v >> 8 : v);
	}
	}
	return 0;
}

static void run_fill(struct runner *r, const struct cmd *c)
{
	/* Only bytes inside memory can land, so a huge BYTES costs no more
	 * than the memory size. */
	uint64_t addr = c->u.mem.addr;
	if (addr >= r->mem.size_bytes)
		return;
	uint64_t len_bytes = c->u.mem.len_bytes;
	if (len_bytes > r->mem.size_bytes - addr)
		len_bytes = r->mem.size_bytes - addr;
	uint8_t chunk[FILL_CHUNK_BYTES];
	int16_t sine_cache = 0;
	uint64_t sine_cache_frame = UINT64_MAX;
	for (uint64_t done = 0; done < len_bytes;) {
		uint64_t n = len_bytes - done;
		if (n > sizeof(chunk))
			n = sizeof(chunk);
		for (uint64_t i = 0; i < n; i++)
			chunk[i] = pattern_byte(c, done + i, &sine_cache, &sine_cache_frame);
		gmem_write(&r->mem, addr + done, chunk, n);
		done += n;
	}
}

static void run_command(struct runner *r, const struct cmd *c)
{
	struct ac97 *dev = r->dev;
	switch (c->kind) {
	case CMD_WRITE:
		ac97_io_write(dev, c->u.io.bar, c->u.io.offset, c->u.io.width_bits, c->u.io.value);
		break;
	case CMD_READ: {
		uint32_t v = ac97_io_read(dev, c->u.io.bar, c->u.io.offset, c->u.io.width_bits) &
			     width_mask(c->u.io.width_bits);
		record_read(r, c, v);
		fprintf(r->out, "read %s 0x%02" PRIx32 " %u = 0x%0*" PRIx32 "\n", bar_name(c->u.io.bar),
			c->u.io.offset, c->u.io.width_bits, (int)(c->u.io.width_bits / 4), v);
		break;
	}
	case CMD_EXPECT: {
		unsigned digits = c->u.io.width_bits / 4;
		uint32_t v = ac97_io_read(dev, c->u.io.bar, c->u.io.offset, c->u.io.width_bits) &
			     width_mask(c->u.io.width_bits);
		record_read(r, c, v);
		if ((v & c->u.io.mask) == (c->u.io.value & c->u.io.mask))
			break;
		fprintf(r->out,
			"%s:%lu: expect %s 0x%02" PRIx32 " %u: got 0x%0*" PRIx32 " want 0x%0*" PRIx32
			" (mask 0x%0*" PRIx32 ")\n",
			r->name, c->line, bar_name(c->u.io.bar), c->u.io.offset, c->u.io.width_bits,
			(int)digits, v, (int)digits, c->u.io.value, (int)digits, c->u.io.mask);
		if (r->status == REGS_SCRIPT_PASS)
			r->status = REGS_SCRIPT_CHECK_FAILED;
		break;
	}
	case CMD_BD: {
		uint8_t b[AC97_BD_BYTES];
		for (unsigned i = 0; i < 4; i++) {
			b[i] = (uint8_t)(c->u.bd.dw0 >> (8 * i));
			b[4 + i] = (uint8_t)(c->u.bd.dw1 >> (8 * i));
		}
		gmem_write(&r->mem, c->u.bd.desc_addr, b, sizeof(b));
		break;
	}
	case CMD_FILL:
		run_fill(r, c);
		break;
	case CMD_UNMAP:
	case CMD_MAP:
		gmem_set_mapped(&r->mem, c->u.mem.addr, c->u.mem.len_bytes, c->kind == CMD_MAP);
		break;
	case CMD_ADVANCE: {
		/* The parser kept the total within the horizon. */
		bool moved = ac97_advance_to(dev, ac97_now(dev) + c->u.delta_ticks);
		assert(moved);
		(void)moved;
		break;
	}
	case CMD_IRQ: {
		int level = ac97_irq_line(dev) ? 1 : 0;
		fprintf(r->out, "irq = %d\n", level);
		if (c->u.irq_want >= 0 && level != c->u.irq_want) {
			fprintf(r->out, "%s:%lu: irq: got %d want %d\n", r->name, c->line, level,
				c->u.irq_want);
			if (r->status == REGS_SCRIPT_PASS)
				r->status = REGS_SCRIPT_CHECK_FAILED;
		}
		break;
	}
	case CMD_OUT:
		fprintf(r->out, "out frames = %" PRIu64 " fnv1a64 = 0x%016" PRIx64 "\n", r->out_frames,
			r->out_fnv);
		break;
	case CMD_FAULTS:
		fprintf(r->out, "faults = %" PRIu64 "\n", dev->faults_total);
		if (c->u.faults.want >= 0 && dev->faults_total != (uint64_t)c->u.faults.want) {
			fprintf(r->out, "%s:%lu: faults: got %" PRIu64 " want %" PRId64 "\n", r->name,
				c->line, dev->faults_total, c->u.faults.want);
			if (r->status == REGS_SCRIPT_PASS)
				r->status = REGS_SCRIPT_CHECK_FAILED;
		}
		break;
	case CMD_LAST:
		if (r->have_last)
			fprintf(r->out, "last = 0x%04x 0x%04x\n", r->last_left, r->last_right);
		else
			fprintf(r->out, "last = none\n");
		if (c->u.last.expect &&
		    (!r->have_last || r->last_left != c->u.last.left ||
		     r->last_right != c->u.last.right)) {
			fprintf(r->out, "%s:%lu: last: got ", r->name, c->line);
			if (r->have_last)
				fprintf(r->out, "0x%04x 0x%04x", r->last_left, r->last_right);
			else
				fprintf(r->out, "none");
			fprintf(r->out, " want 0x%04x 0x%04x\n", c->u.last.left, c->u.last.right);
			if (r->status == REGS_SCRIPT_PASS)
				r->status = REGS_SCRIPT_CHECK_FAILED;
		}
		break;
	}
}

static int run_script(const char *name, const struct script *s,
		      const struct regs_script_opts *opts, FILE *out, FILE *err)
{
	struct runner r;
	memset(&r, 0, sizeof(r));
	r.name = name;
	r.out = out;
	r.err = err;
	r.out_fnv = FNV1A64_INIT;
	r.wav_path = opts != NULL ? opts->wav_path : NULL;
	r.dev = calloc(1, sizeof(*r.dev));
	if (r.dev == NULL || gmem_init(&r.mem, GMEM_DEFAULT_BYTES) != 0) {
		fprintf(err, "ac97sim: %s: out of memory\n", name);
		free(r.dev);
		return REGS_SCRIPT_BAD_INPUT;
	}
	struct ac97_config cfg;
	ac97_config_default(&cfg);
	if (opts != NULL && opts->profile != NULL)
		cfg.profile = opts->profile;
	if (opts != NULL && opts->dma_latency_given)
		cfg.dma_latency_ticks = opts->dma_latency_ticks;
	ac97_init(r.dev, &cfg, gmem_dma_ops(), &r.mem);
	ac97_set_sink(r.dev, (struct ac97_sink){ .on_span = on_span, .ctx = &r });
	r.rec = opts != NULL ? opts->record : NULL;
	if (r.rec != NULL) {
		r.rec->frames_fnv = FNV1A64_INIT;
		ac97_set_observer(r.dev, (struct ac97_observer){ .on_event = on_device_event,
								 .ctx = &r });
	}

	for (size_t i = 0; i < s->n_cmds; i++) {
		r.line_now = s->cmds[i].line;
		run_command(&r, &s->cmds[i]);
	}

	if (r.wav_path != NULL) {
		if (r.wav == NULL && !r.wav_failed)
			wav_open(&r, SIM_FRAMES_PER_SECOND);	/* no PCM-out span came */
		char werr[1200];
		if (r.wav != NULL && wav_writer_commit(r.wav, werr, sizeof(werr)) != 0) {
			fprintf(err, "ac97sim: %s\n", werr);
			r.status = REGS_SCRIPT_BAD_INPUT;
		}
	}
	fflush(out);
	gmem_free(&r.mem);
	free(r.dev);
	return r.status;
}

/* Parses then runs text, which must have one writable byte past len_bytes. */
static int parse_and_run(const char *name, char *text, size_t len_bytes,
			 const struct regs_script_opts *opts, FILE *out, FILE *err)
{
	struct script s = { 0 };
	int status = parse_script(name, text, len_bytes, err, &s);
	if (status == REGS_SCRIPT_PASS)
		status = run_script(name, &s, opts, out, err);
	free(s.cmds);
	return status;
}

int regs_script_run_string(const char *name, const char *text, size_t len_bytes,
			   const struct regs_script_opts *opts, FILE *out, FILE *err)
{
	if (len_bytes > REGS_SCRIPT_MAX_BYTES) {
		fprintf(err, "ac97sim: %s: script larger than %u bytes\n", name,
			REGS_SCRIPT_MAX_BYTES);
		return REGS_SCRIPT_BAD_INPUT;
	}
	char *copy = malloc(len_bytes + 1);
	if (copy == NULL) {
		fprintf(err, "ac97sim: %s: out of memory\n", name);
		return REGS_SCRIPT_BAD_INPUT;
	}
	if (len_bytes != 0)
		memcpy(copy, text, len_bytes);
	int status = parse_and_run(name, copy, len_bytes, opts, out, err);
	free(copy);
	return status;
}

/* Reads a whole stream into a malloc'd buffer with one spare byte. Returns
 * NULL with errno set (EFBIG when over the size limit). */
static char *read_all(FILE *f, size_t *len_bytes)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	if (buf == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 2) {
			if (cap > REGS_SCRIPT_MAX_BYTES) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			char *grown = realloc(buf, cap * 2);
			if (grown == NULL) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = grown;
			cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		int saved = errno != 0 ? errno : EIO;
		free(buf);
		errno = saved;
		return NULL;
	}
	if (len > REGS_SCRIPT_MAX_BYTES) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	*len_bytes = len;
	return buf;
}

int regs_script_load(const char *path, char **text, size_t *len_bytes, const char **name,
		     FILE *err)
{
	bool use_stdin = strcmp(path, "-") == 0;
	*name = use_stdin ? "<stdin>" : path;
	FILE *f = use_stdin ? stdin : fopen(path, "rb");
	if (f == NULL) {
		fprintf(err, "ac97sim: %s: %s\n", *name, strerror(errno));
		return REGS_SCRIPT_BAD_INPUT;
	}
	errno = 0;
	*len_bytes = 0;
	*text = read_all(f, len_bytes);
	int saved = errno;
	if (!use_stdin)
		fclose(f);
	if (*text == NULL) {
		if (saved == EFBIG)
			fprintf(err, "ac97sim: %s: script larger than %u bytes\n", *name,
				REGS_SCRIPT_MAX_BYTES);
		else
			fprintf(err, "ac97sim: %s: %s\n", *name, strerror(saved));
		return REGS_SCRIPT_BAD_INPUT;
	}
	return REGS_SCRIPT_PASS;
}

int regs_script_run_file(const char *path, const struct regs_script_opts *opts, FILE *out,
			 FILE *err)
{
	char *text;
	size_t len_bytes;
	const char *name;
	if (regs_script_load(path, &text, &len_bytes, &name, err) != REGS_SCRIPT_PASS)
		return REGS_SCRIPT_BAD_INPUT;
	/* read_all left a spare byte past the text, which the parser needs. */
	int status = parse_and_run(name, text, len_bytes, opts, out, err);
	free(text);
	return status;
}
