/*
 * scenario_file.c - scenario files (scenario_file.h); the format, every key
 * with its default and range, is in docs/scenario-format.md.
 *
 * libinih does the INI syntax (sections, key = value, comments, trimming),
 * but it reads the text through our line reader rather than from the file:
 * - line numbers: inih splits a line longer than its buffer and counts the
 *   pieces as lines; the reader hands over exactly one physical line per
 *   call (refusing one that does not fit), so inih's count and ours agree;
 * - hostile bytes: the file is read whole (at most 1 MiB) and a NUL byte is
 *   an error instead of a silently shortened line;
 * - sections: inih tells the handler a section's name, never where a
 *   section starts, so two [action] sections in a row would look like one;
 *   the reader sees every header and opens a new section itself;
 * - indented lines: the reader strips leading blanks, so no line is ever
 *   taken as the continuation of the previous value (inih's multi-line
 *   values), and it cuts comments that start after a blank (';' or '#').
 *
 * The first error wins: once one is recorded the reader delivers no more
 * lines, and an error inih finds itself (a line that is neither a header
 * nor key = value) is reported instead when it comes earlier. Values are
 * checked where they are read; what depends on several keys (engine and
 * direction, channels, rate, sizes against the port's memory, the audio
 * file) is checked at the end and reported at the line of the key that made
 * it wrong. No global state is used or changed (inih's run-time options
 * included).
 */
#include "scenario_file.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "audio_file.h"
#include "shown.h"
#include "audio_source.h"
#include "codec.h"

#define FILE_BYTES_MAX (1u << 20)
#define SHOWN_MAX 40u		/* user text quoted in a message is cut here */
#define AUDIO_PATH_MAX 1024u
/* driver/port.c keeps IRP pages in guest memory [4 MiB, 16 MiB) less one
 * sentinel page; port_stream_create refuses configurations needing more. */
#define PORT_POOL_PAGES 3071u
#define DESCRIPTOR_BYTES_MAX 131068u	/* 65534 samples: even, under 65535 */
#define TIME_MAX_TICKS (86400ull * SIM_TICKS_PER_SECOND)	/* a day */
#define STEPS_MAX 1000000000000ull
#define IRPS_IN_FLIGHT_MAX 64u
#define TIMER_PERIOD_MS_MAX 1000u
#define RATE_HZ_MAX 48000u

enum section_id {
	SEC_NONE,
	SEC_SCENARIO,
	SEC_DEVICE,
	SEC_STREAM,
	SEC_SOURCE,
	SEC_MINIPORT,
	SEC_CHECKERS,
	SEC_ACTION,
	SEC_COUNT
};

static const char *const section_names[SEC_COUNT] = {
	"", "scenario", "device", "stream", "source", "miniport", "checkers", "action",
};

enum key_id {
	K_NAME, K_CPUS, K_DRIVER, K_MAX_STEPS, K_MAX_TIME, K_IRQ_LATENCY_MAX, K_SWARM,
	K_FIFO_SAMPLES, K_DMA_LATENCY, K_CODEC_READY_DELAY, K_PROFILE,
	K_DIRECTION, K_ENGINE, K_STYLE, K_LAYOUT, K_CHANNELS, K_RATE, K_IRP_BYTES,
	K_IRPS_IN_FLIGHT, K_TOTAL_BYTES, K_FIRST_PAGE_OFFSET, K_LAYOUT_SEED,
	K_SOURCE_KIND, K_SOURCE_FILE,
	K_DESCRIPTOR_MAX_BYTES, K_TIMER_SERVICE, K_TIMER_PERIOD_MS,
	K_DISABLE, K_STALL_LIMIT, K_ENDS_EARLY, K_HANG_LIMIT,
	K_A_KIND, K_A_AT, K_A_IRP, K_A_STATE, K_A_DURATION, K_A_ENGINE, K_A_AT_STEP, K_A_COUNT,
	K_A_CPU, K_A_AFTER, K_A_RATE,
	KEY_COUNT
};
#define K_ACTION_FIRST K_A_KIND

/* Where an action came from, for the checks made at the end: its header
 * and the lines of its keys (0: not given). */
struct action_lines {
	uint32_t header;
	uint32_t key[KEY_COUNT - K_ACTION_FIRST];
};

struct loader {
	const char *path;	/* as given */
	struct scenario_file *sf;
	struct scenario *sc;
	char *err;
	size_t err_len;
	bool failed;
	uint32_t err_line;
	/* The text and the reader's place in it. */
	const char *text;
	size_t len, pos;
	uint32_t line;
	/* The open section. */
	enum section_id section;
	uint32_t section_line;
	const char *key;	/* the key whose value is being read */
	uint32_t key_line[KEY_COUNT];	/* 0: not set (action keys: this action) */
	struct action_lines action_line[SCENARIO_ACTIONS_MAX];
	bool action_open;
	uint32_t sections_seen;
	bool source_file;	/* [source] kind = file */
	bool no_files;		/* SCENARIO_FILE_NO_FILES */
	bool driver_given;	/* SCENARIO_FILE_DRIVER_GIVEN */
	char audio_file[AUDIO_PATH_MAX];
};

struct key_def {
	enum section_id section;
	const char *name;
	bool (*set)(struct loader *L, const char *value);
};

/* ---- messages ------------------------------------------------------------------ */

/* User text as it may be shown: printable ASCII only, cut at SHOWN_MAX. */
static const char *shown(const char *s, char *buf, size_t len)
{
	return text_shown(s, SHOWN_MAX, buf, len);
}

__attribute__((format(printf, 3, 4)))
static bool fail_at(struct loader *L, uint32_t line, const char *fmt, ...)
{
	if (L->failed)
		return false;
	L->failed = true;
	L->err_line = line;
	if (L->err == NULL || L->err_len == 0)
		return false;
	int n = line > 0 ? snprintf(L->err, L->err_len, "%s:%" PRIu32 ": ", L->path, line)
			 : snprintf(L->err, L->err_len, "%s: ", L->path);
	if (n < 0 || (size_t)n >= L->err_len)
		return false;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(L->err + n, L->err_len - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

/* "FILE:LINE: KEY: what" for the value being read; always false. */
__attribute__((format(printf, 2, 3)))
static bool bad(struct loader *L, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return fail_at(L, L->line, "%s: %s", L->key, what);
}

/* Ticks as a person would write them: "50 ms", "1 s", "300 ticks". */
static const char *fmt_ticks(sim_ticks_t t, char *buf, size_t len)
{
	if (t != 0 && t % SIM_TICKS_PER_SECOND == 0)
		snprintf(buf, len, "%" PRIu64 " s", t / SIM_TICKS_PER_SECOND);
	else if (t != 0 && t % (SIM_TICKS_PER_SECOND / 1000u) == 0)
		snprintf(buf, len, "%" PRIu64 " ms", t / (SIM_TICKS_PER_SECOND / 1000u));
	else
		snprintf(buf, len, "%" PRIu64 " ticks", t);
	return buf;
}

/* ---- values -------------------------------------------------------------------- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* An unsigned number at *s, decimal or 0x hex; *s moves past it. 0, or -1
 * when there is none, -2 when it does not fit 64 bits. */
static int scan_uint(const char **s, uint64_t *out)
{
	const char *p = *s;
	unsigned base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && hex_digit(p[2]) >= 0) {
		base = 16;
		p += 2;
	}
	if (hex_digit(*p) < 0 || (base == 10 && !(*p >= '0' && *p <= '9')))
		return -1;
	uint64_t n = 0;
	bool overflow = false;
	for (int d; (d = hex_digit(*p)) >= 0 && (unsigned)d < base; p++) {
		if (n > (UINT64_MAX - (uint64_t)d) / base)
			overflow = true;
		else
			n = n * base + (uint64_t)d;
	}
	*s = p;
	*out = n;
	return overflow ? -2 : 0;
}

static bool get_uint(struct loader *L, const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	char q[64];
	const char *p = v;
	uint64_t n;
	int r = scan_uint(&p, &n);
	if (r == -1 || *p != '\0')
		return bad(L, "'%s' is not a number (decimal, or hex after 0x)", shown(v, q, sizeof(q)));
	if (r == -2 || n < min || n > max)
		return bad(L, "%s is out of range (%" PRIu64 "..%" PRIu64 ")", shown(v, q, sizeof(q)),
			   min, max);
	*out = n;
	return true;
}

static bool get_u32(struct loader *L, const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t n;
	if (!get_uint(L, v, min, max, &n))
		return false;
	*out = (uint32_t)n;
	return true;
}

struct unit {
	const char *name;
	uint64_t scale;		/* 0: microseconds (not a whole number of ticks) */
};

static const struct unit time_units[] = {
	{ "ticks", 1 }, { "tick", 1 },
	{ "frames", SIM_TICKS_PER_FRAME }, { "frame", SIM_TICKS_PER_FRAME },
	{ "us", 0 }, { "ms", SIM_TICKS_PER_SECOND / 1000u }, { "s", SIM_TICKS_PER_SECOND },
};

static const struct unit size_units[] = {
	{ "", 1 }, { "bytes", 1 }, { "byte", 1 }, { "KiB", 1024 }, { "MiB", 1024 * 1024 },
	{ "pages", GMEM_PAGE_BYTES }, { "page", GMEM_PAGE_BYTES },
};

/* A number and a unit from units[]; *scale gets the unit's. -1 no number,
 * -2 too large, -3 no unit (and none allowed empty), -4 unknown unit. */
static int scan_quantity(const char *v, const struct unit *units, size_t n_units, uint64_t *n,
			 const struct unit **unit)
{
	const char *p = v;
	int r = scan_uint(&p, n);
	if (r == -1)
		return -1;
	while (is_blank(*p))
		p++;
	for (size_t i = 0; i < n_units; i++) {
		if (strcmp(p, units[i].name) == 0) {
			*unit = &units[i];
			return r;
		}
	}
	return *p == '\0' ? -3 : -4;
}

#define TIME_UNITS_TEXT "ticks, frames, us, ms, s"

static bool get_time(struct loader *L, const char *v, sim_ticks_t min, sim_ticks_t max,
		     sim_ticks_t *out)
{
	char q[64], lo[32], hi[32];
	uint64_t n;
	const struct unit *u = NULL;
	int r = scan_quantity(v, time_units, sizeof(time_units) / sizeof(time_units[0]), &n, &u);
	if (r == -1)
		return bad(L, "'%s' is not a time (a whole number and a unit: " TIME_UNITS_TEXT ")",
			   shown(v, q, sizeof(q)));
	if (r == -3)
		return bad(L, "'%s' needs a unit (" TIME_UNITS_TEXT ")", shown(v, q, sizeof(q)));
	if (r == -4)
		return bad(L, "'%s' has an unknown unit (" TIME_UNITS_TEXT ")", shown(v, q, sizeof(q)));
	sim_ticks_t t = 0;
	bool fits = r == 0;
	if (fits && u->scale == 0) {
		fits = n <= UINT64_MAX / SIM_TICKS_PER_SECOND;
		t = fits ? sim_us_to_ticks(n) : 0;
	} else if (fits) {
		fits = n <= UINT64_MAX / u->scale;
		t = fits ? n * u->scale : 0;
	}
	if (!fits || t < min || t > max)
		return bad(L, "%s is out of range (%s .. %s)", shown(v, q, sizeof(q)),
			   fmt_ticks(min, lo, sizeof(lo)), fmt_ticks(max, hi, sizeof(hi)));
	*out = t;
	return true;
}

#define SIZE_UNITS_TEXT "bytes, KiB, MiB, pages"

static bool get_size(struct loader *L, const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	char q[64];
	uint64_t n;
	const struct unit *u = NULL;
	int r = scan_quantity(v, size_units, sizeof(size_units) / sizeof(size_units[0]), &n, &u);
	if (r == -1)
		return bad(L, "'%s' is not a size (a whole number, then optionally " SIZE_UNITS_TEXT ")",
			   shown(v, q, sizeof(q)));
	if (r == -4)
		return bad(L, "'%s' has an unknown unit (" SIZE_UNITS_TEXT ")", shown(v, q, sizeof(q)));
	bool fits = r == 0 && n <= UINT64_MAX / u->scale;
	if (!fits || n * u->scale < min || n * u->scale > max)
		return bad(L, "%s is out of range (%" PRIu64 "..%" PRIu64 " bytes)",
			   shown(v, q, sizeof(q)), min, max);
	*out = n * u->scale;
	return true;
}

static bool get_bool(struct loader *L, const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "1" };
	static const char *const no[] = { "no", "false", "0" };
	for (size_t i = 0; i < 3; i++) {
		if (strcmp(v, yes[i]) == 0 || strcmp(v, no[i]) == 0) {
			*out = strcmp(v, yes[i]) == 0;
			return true;
		}
	}
	char q[64];
	return bad(L, "'%s' is not yes or no (yes, no, true, false, 1, 0)", shown(v, q, sizeof(q)));
}

/* One of names[] (NULL-terminated); *index gets which. */
static bool get_choice(struct loader *L, const char *v, const char *const *names, uint32_t *index)
{
	char list[512] = "";
	size_t o = 0;
	for (uint32_t i = 0; names[i] != NULL; i++) {
		if (strcmp(v, names[i]) == 0) {
			*index = i;
			return true;
		}
		int n = snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", names[i]);
		if (n > 0 && (size_t)n < sizeof(list) - o)
			o += (size_t)n;
	}
	char q[64];
	return bad(L, "'%s' is not one of %s", shown(v, q, sizeof(q)), list);
}

/* ---- [scenario] ---------------------------------------------------------------- */

static bool set_name(struct loader *L, const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n >= SCENARIO_NAME_MAX)
		return bad(L, "a name has 1 to %u characters", SCENARIO_NAME_MAX - 1u);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] >= 0x7F)
			return bad(L, "a name is printable ASCII");
	memcpy(L->sc->name, v, n + 1);
	return true;
}

static bool set_cpus(struct loader *L, const char *v)
{
	return get_u32(L, v, 1, MACHINE_CPUS_MAX, &L->sc->cpus);
}

/* A built-in's name, or a plug-in's path: relative paths are taken from
 * the scenario file's folder, as audio files are. */
static bool set_driver(struct loader *L, const char *v)
{
	if (v[0] == '\0')
		return bad(L, "no driver named");
	char path[sizeof(L->sc->driver)];
	if (driver_is_path(v)) {
		if (L->no_files)
			return bad(L, "a plug-in driver is not loaded here");
		const char *slash = strrchr(L->path, '/');
		int n = v[0] == '/' || slash == NULL
				? snprintf(path, sizeof(path), "%s", v)
				: snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - L->path), L->path, v);
		if (n < 0 || (size_t)n >= sizeof(path))
			return bad(L, "the path is too long");
		v = path;
	}
	if (L->driver_given)
		return true;	/* the caller's driver replaces it */
	char err[512];
	if (scenario_set_driver(L->sc, v, err, sizeof(err)) != 0)
		return bad(L, "%s", err);
	return true;
}

static bool set_max_steps(struct loader *L, const char *v)
{
	return get_uint(L, v, 1, STEPS_MAX, &L->sc->max_steps);
}

static bool set_max_time(struct loader *L, const char *v)
{
	return get_time(L, v, SIM_TICKS_PER_SECOND / 1000u, TIME_MAX_TICKS, &L->sc->max_ticks);
}

static bool set_irq_latency_max(struct loader *L, const char *v)
{
	return get_time(L, v, 0, SIM_TICKS_PER_SECOND / 10u, &L->sc->irq_latency_max_ticks);
}

/* The fault kinds a run may switch on: a list of action kinds among
 * refuse-mappings, delay-interrupts, stall-cpu, stall-bus, or "none". */
static bool set_swarm(struct loader *L, const char *v)
{
	static const char *const offered[] = { "refuse-mappings", "delay-interrupts", "stall-cpu",
					       "stall-bus", NULL };
	static const enum scenario_action_kind offered_kinds[] = { SA_REFUSE_MAPPINGS,
								   SA_DELAY_INTERRUPTS, SA_STALL_CPU,
								   SA_STALL_BUS };
	if (strcmp(v, "none") == 0) {
		L->sc->swarm_faults = 0;
		return true;
	}
	uint32_t faults = 0;
	const char *p = v;
	for (;;) {
		while (is_blank(*p))
			p++;
		const char *end = strchr(p, ',');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		while (n > 0 && is_blank(p[n - 1]))
			n--;
		char name[32];
		if (n == 0 || n >= sizeof(name))
			return bad(L, "a list of refuse-mappings, delay-interrupts, stall-cpu, stall-bus, "
				      "or none");
		memcpy(name, p, n);
		name[n] = '\0';
		uint32_t i;
		if (!get_choice(L, name, offered, &i))
			return false;
		faults |= 1u << offered_kinds[i];
		if (end == NULL)
			break;
		p = end + 1;
	}
	L->sc->swarm_faults = faults;
	return true;
}

/* "A..B": a range each run draws from; "A" alone: fixed. */
static bool split_range(const char *v, char *lo, char *hi, size_t len)
{
	const char *dots = strstr(v, "..");
	if (dots == NULL)
		return false;
	size_t n = (size_t)(dots - v);
	while (n > 0 && is_blank(v[n - 1]))
		n--;
	snprintf(lo, len, "%.*s", (int)n, v);
	const char *h = dots + 2;
	while (is_blank(*h))
		h++;
	snprintf(hi, len, "%s", h);
	return true;
}

/* A time or a range of times: *lo and *width (0 for one time). */
static bool get_time_range(struct loader *L, const char *v, sim_ticks_t min, sim_ticks_t max,
			   sim_ticks_t *lo, sim_ticks_t *width)
{
	char a[128], b[128];
	if (!split_range(v, a, b, sizeof(a))) {
		*width = 0;
		return get_time(L, v, min, max, lo);
	}
	sim_ticks_t x, y;
	if (!get_time(L, a, min, max, &x) || !get_time(L, b, min, max, &y))
		return false;
	if (y < x)
		return bad(L, "a range goes from the smaller to the larger (%s)", v);
	*lo = x;
	*width = y - x;
	return true;
}

/* A size or a range of sizes, each a multiple of grain. */
static bool get_size_range(struct loader *L, const char *v, uint64_t min, uint64_t max,
			   uint64_t grain, const char *grain_what, uint64_t *lo, uint64_t *width)
{
	char a[128], b[128];
	uint64_t x, y;
	bool ranged = split_range(v, a, b, sizeof(a));
	if (!ranged) {
		if (!get_size(L, v, min, max, &x))
			return false;
		y = x;
	} else if (!get_size(L, a, min, max, &x) || !get_size(L, b, min, max, &y)) {
		return false;
	}
	if (x % grain != 0 || y % grain != 0)
		return bad(L, "%" PRIu64 " bytes is not a whole number of %s", x % grain ? x : y,
			   grain_what);
	if (y < x)
		return bad(L, "a range goes from the smaller to the larger");
	*lo = x;
	*width = y - x;
	return true;
}

/* ---- [device] ------------------------------------------------------------------ */

static bool set_fifo_samples(struct loader *L, const char *v)
{
	uint32_t n;
	if (!get_u32(L, v, 2, AC97_FIFO_SAMPLES_MAX, &n))
		return false;
	if (n % 2u != 0)
		return bad(L, "%" PRIu32 " is odd (the FIFO holds whole sample pairs)", n);
	L->sc->device.fifo_samples = n;
	return true;
}

static bool set_dma_latency(struct loader *L, const char *v)
{
	return get_time_range(L, v, 0, AC97_DMA_LATENCY_TICKS_MAX, &L->sc->device.dma_latency_ticks,
			      &L->sc->dma_latency_range_ticks);
}

static bool set_codec_ready_delay(struct loader *L, const char *v)
{
	return get_time(L, v, 0, SIM_TICKS_PER_SECOND, &L->sc->device.codec_ready_delay_ticks);
}

static bool set_profile(struct loader *L, const char *v)
{
	const struct ac97_profile *p = ac97_profile_find(v);
	if (p == NULL) {
		char buf[SHOWN_MAX + 8], names[256];
		ac97_profile_names(names, sizeof(names));
		return bad(L, "unknown profile '%s' (profiles: %s)", shown(v, buf, sizeof(buf)),
			   names);
	}
	L->sc->device.profile = p;
	return true;
}

/* ---- [stream] ------------------------------------------------------------------ */

static const char *const direction_names[] = { "render", "capture", NULL };
static const char *const engine_names[] = { "pi", "po", "mc", NULL };	/* enum ac97_engine_id */
_Static_assert(AC97_PI == 0 && AC97_PO == 1 && AC97_MC == 2, "engine_names follows the enum");
static const char *const style_names[] = { "kmixer", "dsound", NULL };
static const char *const layout_names[] = { "scattered", "contiguous", NULL };

static bool set_direction(struct loader *L, const char *v)
{
	uint32_t i;
	if (!get_choice(L, v, direction_names, &i))
		return false;
	L->sc->stream.direction = i == 0 ? PORT_RENDER : PORT_CAPTURE;
	return true;
}

static bool set_engine(struct loader *L, const char *v)
{
	uint32_t i;
	if (!get_choice(L, v, engine_names, &i))
		return false;
	L->sc->engine = (enum ac97_engine_id)i;
	return true;
}

static bool set_style(struct loader *L, const char *v)
{
	uint32_t i;
	if (!get_choice(L, v, style_names, &i))
		return false;
	L->sc->stream.style = i == 0 ? PORT_STYLE_KMIXER : PORT_STYLE_DSOUND;
	return true;
}

static bool set_layout(struct loader *L, const char *v)
{
	uint32_t i;
	if (!get_choice(L, v, layout_names, &i))
		return false;
	L->sc->stream.layout = i == 0 ? PORT_PAGES_SCATTERED : PORT_PAGES_CONTIGUOUS;
	return true;
}

static bool set_channels(struct loader *L, const char *v)
{
	return get_u32(L, v, 1, 2, &L->sc->stream.channels);
}

static bool set_rate(struct loader *L, const char *v)
{
	return get_u32(L, v, 1, RATE_HZ_MAX, &L->sc->stream.rate_hz);
}

static bool set_irp_bytes(struct loader *L, const char *v)
{
	uint64_t n, width;
	if (!get_size_range(L, v, 2, (uint64_t)PORT_POOL_PAGES * GMEM_PAGE_BYTES, 2,
			    "16-bit samples", &n, &width))
		return false;
	L->sc->stream.irp_bytes = (uint32_t)n;
	L->sc->irp_bytes_range = (uint32_t)width;
	return true;
}

static bool set_irps_in_flight(struct loader *L, const char *v)
{
	return get_u32(L, v, 1, IRPS_IN_FLIGHT_MAX, &L->sc->stream.irps_in_flight);
}

static bool set_total_bytes(struct loader *L, const char *v)
{
	return get_size(L, v, 2, UINT64_MAX / 2u, &L->sc->stream.total_bytes);
}

static bool set_first_page_offset(struct loader *L, const char *v)
{
	uint64_t n, width;
	if (!get_size_range(L, v, 0, GMEM_PAGE_BYTES - 2u, 2,
			    "16-bit samples (a buffer starts on a sample)", &n, &width))
		return false;
	L->sc->stream.first_page_offset_bytes = (uint32_t)n;
	L->sc->first_page_offset_range_bytes = (uint32_t)width;
	return true;
}

static bool set_layout_seed(struct loader *L, const char *v)
{
	return get_uint(L, v, 0, UINT64_MAX, &L->sc->stream.layout_seed);
}

/* ---- [source] ------------------------------------------------------------------ */

static bool set_source_kind(struct loader *L, const char *v)
{
	static const char *const names[] = { "pattern", "file", NULL };
	uint32_t i;
	if (!get_choice(L, v, names, &i))
		return false;
	L->source_file = i == 1;
	return true;
}

static bool set_source_file(struct loader *L, const char *v)
{
	size_t n = strlen(v);
	if (n == 0)
		return bad(L, "the path is empty");
	/* With the folder of the scenario in front it must still fit. */
	if (n + strlen(L->path) + 2 > sizeof(L->audio_file))
		return bad(L, "the path is too long");
	memcpy(L->audio_file, v, n + 1);
	return true;
}

/* ---- [miniport] ---------------------------------------------------------------- */

static bool set_descriptor_max_bytes(struct loader *L, const char *v)
{
	uint64_t n;
	if (!get_size(L, v, 4, DESCRIPTOR_BYTES_MAX, &n))
		return false;
	L->sc->descriptor_max_bytes = (uint32_t)n;
	return true;
}

static bool set_timer_service(struct loader *L, const char *v)
{
	return get_bool(L, v, &L->sc->timer_service);
}

static bool set_timer_period_ms(struct loader *L, const char *v)
{
	return get_u32(L, v, 1, TIMER_PERIOD_MS_MAX, &L->sc->timer_period_ms);
}

/* ---- [checkers] ---------------------------------------------------------------- */

static bool set_disable(struct loader *L, const char *v)
{
	char list[256];
	checker_names(list, sizeof(list));
	struct checker_config cfg = L->sc->checkers;
	cfg.disabled = 0;
	const char *p = v;
	while (*p != '\0') {
		while (is_blank(*p))
			p++;
		const char *end = strchr(p, ',');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		while (n > 0 && is_blank(p[n - 1]))
			n--;
		char name[64];
		if (n == 0)
			return bad(L, "an empty name in the list (checkers: %s)", list);
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, p, n);
		name[n] = '\0';
		if (checker_disable(&cfg, name) != 0) {
			char q[64];
			return bad(L, "'%s' is not a checker (checkers: %s)", shown(name, q, sizeof(q)),
				   list);
		}
		if (end == NULL)
			break;
		p = end + 1;
		if (*p == '\0')
			return bad(L, "an empty name in the list (checkers: %s)", list);
	}
	L->sc->checkers.disabled = cfg.disabled;
	return true;
}

static bool set_stall_limit(struct loader *L, const char *v)
{
	return get_time(L, v, SIM_TICKS_PER_FRAME, 60ull * SIM_TICKS_PER_SECOND,
			&L->sc->checkers.stall_limit_ticks);
}

static bool set_ends_early(struct loader *L, const char *v)
{
	return get_bool(L, v, &L->sc->checkers.ends_early);
}

static bool set_hang_limit(struct loader *L, const char *v)
{
	return get_time(L, v, SIM_TICKS_PER_SECOND / 1000u, 86400ull * SIM_TICKS_PER_SECOND,
			&L->sc->checkers.hang_limit_ticks);
}

/* ---- [action] ------------------------------------------------------------------ */

/* enum scenario_action_kind */
static const char *const action_kind_names[] = {
	"cancel-irp", "set-state", "query-position", "stall-bus", "stray-engine",
	"refuse-mappings", "delay-interrupts", "stall-cpu", "set-format", NULL,
};
static const char *const state_names[] = { "stop", "acquire", "pause", "run", NULL };	/* KSSTATE */
_Static_assert(SA_CANCEL_IRP == 0 && SA_SET_STATE == 1 && SA_QUERY_POSITION == 2 &&
		       SA_STALL_BUS == 3 && SA_STRAY_ENGINE == 4 && SA_REFUSE_MAPPINGS == 5 &&
		       SA_DELAY_INTERRUPTS == 6 && SA_STALL_CPU == 7 && SA_SET_FORMAT == 8 &&
		       SA_ACTION_KIND_COUNT == 9,
	       "action_kind_names follows the enum");
_Static_assert(KSSTATE_STOP == 0 && KSSTATE_ACQUIRE == 1 && KSSTATE_PAUSE == 2 && KSSTATE_RUN == 3,
	       "state_names follows KSSTATE");

/* The action the open [action] section fills. */
static struct scenario_action *current_action(struct loader *L)
{
	assert(L->action_open);
	assert(L->sc->n_actions > 0 && L->sc->n_actions <= SCENARIO_ACTIONS_MAX);
	return &L->sc->actions[L->sc->n_actions - 1u];
}

static bool set_a_kind(struct loader *L, const char *v)
{
	uint32_t i;
	if (!get_choice(L, v, action_kind_names, &i))
		return false;
	current_action(L)->kind = (enum scenario_action_kind)i;
	return true;
}

static bool set_a_at(struct loader *L, const char *v)
{
	return get_time_range(L, v, 0, TIME_MAX_TICKS, &current_action(L)->at_ticks,
			      &current_action(L)->at_range_ticks);
}

static bool set_a_irp(struct loader *L, const char *v)
{
	return get_u32(L, v, 0, IRPS_IN_FLIGHT_MAX - 1u, &current_action(L)->arg);
}

static bool set_a_state(struct loader *L, const char *v)
{
	return get_choice(L, v, state_names, &current_action(L)->arg);
}

static bool set_a_duration(struct loader *L, const char *v)
{
	return get_time(L, v, 1, SIM_TICKS_PER_SECOND, &current_action(L)->duration_ticks);
}

static bool set_a_engine(struct loader *L, const char *v)
{
	return get_choice(L, v, engine_names, &current_action(L)->arg);
}

static bool set_a_at_step(struct loader *L, const char *v)
{
	uint64_t step;
	if (!get_uint(L, v, 1, STEPS_MAX, &step))
		return false;
	current_action(L)->at_step = step;
	return true;
}

/* The most events an action may wait for. */
#define AFTER_COUNT_MAX 1000000u

/* "EVENT N" or "EVENT N..M": after the N-th (a drawn N-th) such event. */
static bool set_a_after(struct loader *L, const char *v)
{
	struct scenario_action *a = current_action(L);
	const char *space = strchr(v, ' ');
	char name[32], q[64];
	size_t n = space != NULL ? (size_t)(space - v) : strlen(v);
	if (space == NULL || n >= sizeof(name))
		return bad(L, "'%s' is not EVENT N or EVENT N..M (EVENT: GetMapping, "
			      "ReleaseMapping, irp-done or Notify)",
			   shown(v, q, sizeof(q)));
	memcpy(name, v, n);
	name[n] = '\0';
	static const char *const names[] = { "GetMapping", "ReleaseMapping", "irp-done", "Notify",
					     NULL };
	static const enum action_after kinds[] = { AFTER_GET_MAPPING, AFTER_RELEASE_MAPPING,
						   AFTER_IRP_DONE, AFTER_NOTIFY };
	uint32_t which;
	if (!get_choice(L, name, names, &which))
		return false;
	const char *count = space + 1;
	while (*count == ' ')
		count++;
	char lo_text[64], hi_text[64];
	uint64_t lo, hi;
	if (split_range(count, lo_text, hi_text, sizeof(lo_text))) {
		if (!get_uint(L, lo_text, 1, AFTER_COUNT_MAX, &lo) ||
		    !get_uint(L, hi_text, 1, AFTER_COUNT_MAX, &hi))
			return false;
		if (hi < lo)
			return bad(L, "a range goes from the smaller to the larger (%s)", count);
	} else {
		if (!get_uint(L, count, 1, AFTER_COUNT_MAX, &lo))
			return false;
		hi = lo;
	}
	a->after = kinds[which];
	a->after_count = (uint32_t)lo;
	a->after_range = (uint32_t)(hi - lo);
	return true;
}

static bool set_a_count(struct loader *L, const char *v)
{
	return get_u32(L, v, 1, 1000000u, &current_action(L)->arg);
}

static bool set_a_cpu(struct loader *L, const char *v)
{
	return get_u32(L, v, 0, MACHINE_CPUS_MAX - 1u, &current_action(L)->arg);
}

static bool set_a_rate(struct loader *L, const char *v)
{
	return get_u32(L, v, 1, RATE_HZ_MAX, &current_action(L)->arg);
}

static const struct key_def keys[KEY_COUNT] = {
	[K_NAME] = { SEC_SCENARIO, "name", set_name },
	[K_CPUS] = { SEC_SCENARIO, "cpus", set_cpus },
	[K_DRIVER] = { SEC_SCENARIO, "driver", set_driver },
	[K_MAX_STEPS] = { SEC_SCENARIO, "max_steps", set_max_steps },
	[K_MAX_TIME] = { SEC_SCENARIO, "max_time", set_max_time },
	[K_IRQ_LATENCY_MAX] = { SEC_SCENARIO, "irq_latency_max", set_irq_latency_max },
	[K_SWARM] = { SEC_SCENARIO, "swarm", set_swarm },
	[K_FIFO_SAMPLES] = { SEC_DEVICE, "fifo_samples", set_fifo_samples },
	[K_DMA_LATENCY] = { SEC_DEVICE, "dma_latency", set_dma_latency },
	[K_CODEC_READY_DELAY] = { SEC_DEVICE, "codec_ready_delay", set_codec_ready_delay },
	[K_PROFILE] = { SEC_DEVICE, "profile", set_profile },
	[K_DIRECTION] = { SEC_STREAM, "direction", set_direction },
	[K_ENGINE] = { SEC_STREAM, "engine", set_engine },
	[K_STYLE] = { SEC_STREAM, "style", set_style },
	[K_LAYOUT] = { SEC_STREAM, "layout", set_layout },
	[K_CHANNELS] = { SEC_STREAM, "channels", set_channels },
	[K_RATE] = { SEC_STREAM, "rate", set_rate },
	[K_IRP_BYTES] = { SEC_STREAM, "irp_bytes", set_irp_bytes },
	[K_IRPS_IN_FLIGHT] = { SEC_STREAM, "irps_in_flight", set_irps_in_flight },
	[K_TOTAL_BYTES] = { SEC_STREAM, "total_bytes", set_total_bytes },
	[K_FIRST_PAGE_OFFSET] = { SEC_STREAM, "first_page_offset", set_first_page_offset },
	[K_LAYOUT_SEED] = { SEC_STREAM, "layout_seed", set_layout_seed },
	[K_SOURCE_KIND] = { SEC_SOURCE, "kind", set_source_kind },
	[K_SOURCE_FILE] = { SEC_SOURCE, "file", set_source_file },
	[K_DESCRIPTOR_MAX_BYTES] = { SEC_MINIPORT, "descriptor_max_bytes", set_descriptor_max_bytes },
	[K_TIMER_SERVICE] = { SEC_MINIPORT, "timer_service", set_timer_service },
	[K_TIMER_PERIOD_MS] = { SEC_MINIPORT, "timer_period_ms", set_timer_period_ms },
	[K_DISABLE] = { SEC_CHECKERS, "disable", set_disable },
	[K_STALL_LIMIT] = { SEC_CHECKERS, "stall_limit", set_stall_limit },
	[K_ENDS_EARLY] = { SEC_CHECKERS, "ends_early", set_ends_early },
	[K_HANG_LIMIT] = { SEC_CHECKERS, "hang_limit", set_hang_limit },
	[K_A_KIND] = { SEC_ACTION, "kind", set_a_kind },
	[K_A_AT] = { SEC_ACTION, "at", set_a_at },
	[K_A_IRP] = { SEC_ACTION, "irp", set_a_irp },
	[K_A_STATE] = { SEC_ACTION, "state", set_a_state },
	[K_A_DURATION] = { SEC_ACTION, "duration", set_a_duration },
	[K_A_ENGINE] = { SEC_ACTION, "engine", set_a_engine },
	[K_A_AT_STEP] = { SEC_ACTION, "at_step", set_a_at_step },
	[K_A_COUNT] = { SEC_ACTION, "count", set_a_count },
	[K_A_CPU] = { SEC_ACTION, "cpu", set_a_cpu },
	[K_A_AFTER] = { SEC_ACTION, "after", set_a_after },
	[K_A_RATE] = { SEC_ACTION, "rate", set_a_rate },
};

/* ---- sections ------------------------------------------------------------------ */

/* The checks of an [action] that need all its keys: run when the next
 * section starts and at the end of the file. */
static bool close_action(struct loader *L)
{
	/* Which argument keys each kind takes (and needs, with what to say). */
	static const struct {
		enum scenario_action_kind kind;
		enum key_id key;
		const char *needs;
	} arg_keys[] = {
		{ SA_CANCEL_IRP, K_A_IRP, NULL },
		{ SA_SET_STATE, K_A_STATE, "state = stop, acquire, pause or run" },
		{ SA_STALL_BUS, K_A_DURATION, "duration = TIME (how long DMA waits)" },
		{ SA_STRAY_ENGINE, K_A_ENGINE, "engine = pi, po or mc" },
		{ SA_REFUSE_MAPPINGS, K_A_COUNT, "count = N (how many GetMapping calls to refuse)" },
		{ SA_DELAY_INTERRUPTS, K_A_DURATION, "duration = TIME (how long no interrupt comes)" },
		{ SA_STALL_CPU, K_A_CPU, "cpu = N (which CPU stops)" },
		{ SA_STALL_CPU, K_A_DURATION, "duration = TIME (how long the CPU runs nothing)" },
		{ SA_SET_FORMAT, K_A_RATE, "rate = HZ (the rate the client asks for)" },
	};
	static const enum key_id arg_key_ids[] = { K_A_IRP, K_A_STATE, K_A_DURATION, K_A_ENGINE,
						   K_A_COUNT, K_A_CPU, K_A_RATE };
	struct scenario_action *a = current_action(L);
	struct action_lines *lines = &L->action_line[L->sc->n_actions - 1u];
	uint32_t header = lines->header;
	for (int k = K_ACTION_FIRST; k < KEY_COUNT; k++)
		lines->key[k - K_ACTION_FIRST] = L->key_line[k];
	L->action_open = false;
	if (L->key_line[K_A_KIND] == 0)
		return fail_at(L, header, "[action] needs kind = cancel-irp, set-state, "
					  "query-position, stall-bus, stray-engine, refuse-mappings, "
					  "delay-interrupts, stall-cpu or set-format");
	unsigned whens = (L->key_line[K_A_AT] != 0) + (L->key_line[K_A_AT_STEP] != 0) +
			 (L->key_line[K_A_AFTER] != 0);
	if (whens == 0)
		return fail_at(L, header, "[action] needs at = TIME (after the stream starts running), "
					  "at_step = N or after = EVENT N");
	if (whens > 1) {
		uint32_t second = L->key_line[K_A_AT] > L->key_line[K_A_AT_STEP]
					  ? L->key_line[K_A_AT]
					  : L->key_line[K_A_AT_STEP];
		if (L->key_line[K_A_AFTER] > second)
			second = L->key_line[K_A_AFTER];
		return fail_at(L, second, "%s: give one of at, at_step and after",
			       second == L->key_line[K_A_AT]	    ? "at"
			       : second == L->key_line[K_A_AT_STEP] ? "at_step"
								    : "after");
	}
	for (size_t i = 0; i < sizeof(arg_keys) / sizeof(arg_keys[0]); i++)
		if (a->kind == arg_keys[i].kind && L->key_line[arg_keys[i].key] == 0 &&
		    arg_keys[i].needs != NULL)
			return fail_at(L, header, "[action] of kind %s needs %s",
				       action_kind_names[a->kind], arg_keys[i].needs);
	for (size_t k = 0; k < sizeof(arg_key_ids) / sizeof(arg_key_ids[0]); k++) {
		uint32_t line = L->key_line[arg_key_ids[k]];
		if (line == 0)
			continue;
		bool applies = false;
		for (size_t i = 0; i < sizeof(arg_keys) / sizeof(arg_keys[0]); i++)
			applies |= arg_keys[i].kind == a->kind && arg_keys[i].key == arg_key_ids[k];
		if (!applies)
			return fail_at(L, line, "%s: does not apply to kind = %s",
				       keys[arg_key_ids[k]].name, action_kind_names[a->kind]);
	}
	return true;
}

static bool close_section(struct loader *L)
{
	return L->action_open ? close_action(L) : true;
}

static bool is_label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* [name]: "action" and "action.LABEL" both open a new action. */
static enum section_id section_of(const char *name, size_t n)
{
	for (int i = 1; i < SEC_COUNT; i++)
		if (strlen(section_names[i]) == n && memcmp(name, section_names[i], n) == 0)
			return (enum section_id)i;
	if (n > 7 && memcmp(name, "action.", 7) == 0) {
		for (size_t i = 7; i < n; i++)
			if (!is_label_char(name[i]))
				return SEC_NONE;
		return SEC_ACTION;
	}
	return SEC_NONE;
}

/* A header line (starting with '['), checked and opened before inih sees it. */
static bool open_section(struct loader *L, const char *line, size_t n)
{
	const char *close = memchr(line, ']', n);
	if (close == NULL)
		return fail_at(L, L->line, "a section header needs a closing ']'");
	for (const char *p = close + 1; p < line + n; p++)
		if (!is_blank(*p))
			return fail_at(L, L->line, "unexpected text after ']'");
	const char *name = line + 1;
	size_t name_len = (size_t)(close - name);
	while (name_len > 0 && is_blank(*name)) {
		name++;
		name_len--;
	}
	while (name_len > 0 && is_blank(name[name_len - 1]))
		name_len--;
	if (!close_section(L))
		return false;
	L->sections_seen++;
	enum section_id id = section_of(name, name_len);
	if (id == SEC_NONE) {
		char raw[SHOWN_MAX + 2], q[64];	/* one more than shown: "..." */
		size_t k = name_len <= SHOWN_MAX ? name_len : SHOWN_MAX + 1u;
		memcpy(raw, name, k);
		raw[k] = '\0';
		return fail_at(L, L->line,
			       "unknown section [%s] (sections: scenario, device, stream, source, "
			       "miniport, checkers, action)", shown(raw, q, sizeof(q)));
	}
	if (id == SEC_ACTION) {
		if (L->sc->n_actions >= SCENARIO_ACTIONS_MAX)
			return fail_at(L, L->line, "too many actions (at most %u)", SCENARIO_ACTIONS_MAX);
		uint32_t i = L->sc->n_actions++;
		L->sc->actions[i] = (struct scenario_action){ .kind = SA_CANCEL_IRP };
		L->action_line[i] = (struct action_lines){ .header = L->line };
		for (int k = K_ACTION_FIRST; k < KEY_COUNT; k++)
			L->key_line[k] = 0;
		L->action_open = true;
	}
	L->section = id;
	L->section_line = L->line;
	return true;
}

/* ---- the reader and the handler given to inih ---------------------------------- */

/* Length of line[0..n) without a comment that starts after a blank. */
static size_t cut_comment(const char *line, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if ((line[i] == ';' || line[i] == '#') && is_blank(line[i - 1]))
			return i;
	return n;
}

/* inih's ini_reader: one physical line per call (see the top of the file). */
static char *read_line(char *str, int num, void *stream)
{
	struct loader *L = stream;
	if (L->failed || L->pos >= L->len || num < 8)
		return NULL;
	const char *start = L->text + L->pos;
	size_t rest = L->len - L->pos;
	const char *nl = memchr(start, '\n', rest);
	size_t n = nl != NULL ? (size_t)(nl - start) : rest;
	L->pos += nl != NULL ? n + 1u : n;
	L->line++;
	if (memchr(start, '\0', n) != NULL) {
		fail_at(L, L->line, "a NUL byte (is this a scenario file?)");
		return NULL;
	}
	if (L->line == 1 && n >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0) {
		start += 3;	/* a UTF-8 byte order mark */
		n -= 3;
	}
	while (n > 0 && is_blank(*start)) {
		start++;
		n--;
	}
	if (n > 0 && *start != ';' && *start != '#')
		n = cut_comment(start, n);
	while (n > 0 && is_blank(start[n - 1]))
		n--;
	/* inih needs room for the line, '\r', '\n' and '\0'. */
	if (n + 3u > (size_t)num) {
		fail_at(L, L->line, "line too long (at most %d characters)", num - 3);
		return NULL;
	}
	memcpy(str, start, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	if (n > 0 && str[0] == '[' && !open_section(L, str, n))
		return NULL;
	return str;
}

static bool unknown_key(struct loader *L, const char *name)
{
	char list[512] = "", q[64];
	size_t o = 0;
	for (int k = 0; k < KEY_COUNT; k++) {
		if (keys[k].section != L->section)
			continue;
		int n = snprintf(list + o, sizeof(list) - o, "%s%s", o ? ", " : "", keys[k].name);
		if (n > 0 && (size_t)n < sizeof(list) - o)
			o += (size_t)n;
	}
	return fail_at(L, L->line, "unknown key '%s' in [%s] (keys: %s)", shown(name, q, sizeof(q)),
		       section_names[L->section], list);
}

/* inih's handler: one key = value of the section the reader opened. */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct loader *L = user;
	(void)section;	/* the reader knows better: see open_section */
	char q[64];
	if (L->failed)
		return 0;
	if (name == NULL)
		return 1;	/* a section start, if inih was built to report them */
	if (L->section == SEC_NONE)
		return fail_at(L, L->line, "'%s' is outside any section (sections: scenario, device, "
					   "stream, source, miniport, checkers, action)",
			       shown(name, q, sizeof(q)));
	if (name[0] == '\0')
		return fail_at(L, L->line, "a key name is missing before '='");
	if (value == NULL)
		return fail_at(L, L->line, "'%s' needs '= value'", shown(name, q, sizeof(q)));
	int k = 0;
	while (k < KEY_COUNT && !(keys[k].section == L->section && strcmp(keys[k].name, name) == 0))
		k++;
	if (k == KEY_COUNT)
		return unknown_key(L, name);
	if (L->key_line[k] != 0)
		return fail_at(L, L->line, "duplicate key '%s' in [%s] (first set on line %" PRIu32 ")",
			       keys[k].name, section_names[L->section], L->key_line[k]);
	assert(keys[k].set != NULL);
	L->key_line[k] = L->line;
	L->key = keys[k].name;
	return keys[k].set(L, value) ? 1 : 0;
}

/* ---- what depends on several keys ---------------------------------------------- */

static uint32_t first_set(const struct loader *L, enum key_id a, enum key_id b)
{
	return L->key_line[a] != 0 ? L->key_line[a] : L->key_line[b];
}

/* Engine and direction each default from the other; channels from the
 * engine (the reference miniport plays stereo on PO and PI, mono on MC). */
static bool finish_engine(struct loader *L)
{
	struct scenario *sc = L->sc;
	bool capture = sc->stream.direction == PORT_CAPTURE;
	if (L->key_line[K_ENGINE] == 0)
		sc->engine = capture ? AC97_PI : AC97_PO;
	else if (L->key_line[K_DIRECTION] == 0)
		sc->stream.direction = sc->engine == AC97_PO ? PORT_RENDER : PORT_CAPTURE;
	else if (capture == (sc->engine == AC97_PO))
		return fail_at(L, L->key_line[K_ENGINE],
			       "engine: %s %s; a %s stream uses %s", engine_names[sc->engine],
			       sc->engine == AC97_PO ? "plays" : "records", capture ? "capture" : "render",
			       capture ? "pi or mc" : "po");
	uint32_t channels = sc->engine == AC97_MC ? 1u : 2u;
	if (L->key_line[K_CHANNELS] != 0 && sc->stream.channels != channels)
		return fail_at(L, L->key_line[K_CHANNELS], "channels: the %s engine carries %" PRIu32
			       " channel%s", engine_names[sc->engine], channels, channels == 1 ? "" : "s");
	sc->stream.channels = channels;
	return true;
}

/* Whether the codec model takes hz on the engine's converter (VRA/VRM). */
static bool codec_takes(struct codec *c, enum ac97_engine_id e, uint32_t hz)
{
	uint32_t reg = e == AC97_PO ? CODEC_PCM_FRONT_DAC_RATE
		       : e == AC97_PI ? CODEC_PCM_LR_ADC_RATE : CODEC_PCM_MIC_ADC_RATE;
	enum codec_converter conv = e == AC97_PO ? CODEC_CONV_DAC_FRONT
				    : e == AC97_PI ? CODEC_CONV_ADC_LR : CODEC_CONV_ADC_MIC;
	codec_write(c, reg, (uint16_t)hz);
	return codec_rate_hz(c, conv) == hz;
}

static bool finish_rate(struct loader *L)
{
	const struct scenario *sc = L->sc;
	struct codec c;
	/* The profile's codec decides: [device] may follow [stream]. */
	codec_init(&c, sc->device.profile != NULL ? sc->device.profile->codec : NULL);
	codec_write(&c, CODEC_EXT_AUDIO_CTRL, CODEC_EA_VRA | CODEC_EA_VRM);
	if (sc->stream.rate_hz <= RATE_HZ_MAX && codec_takes(&c, sc->engine, sc->stream.rate_hz))
		return true;
	char list[256] = "";
	size_t o = 0;
	for (uint32_t hz = 1; hz <= RATE_HZ_MAX; hz++) {
		if (!codec_takes(&c, sc->engine, hz))
			continue;
		int n = snprintf(list + o, sizeof(list) - o, "%s%" PRIu32, o ? ", " : "", hz);
		if (n > 0 && (size_t)n < sizeof(list) - o)
			o += (size_t)n;
	}
	return fail_at(L, L->key_line[K_RATE], "rate: the codec (%s) cannot run its %s converter at "
		       "%" PRIu32 " Hz (rates: %s)", c.part->title,
		       sc->engine == AC97_PO ? "DAC" : "ADC", sc->stream.rate_hz, list);
}

static bool finish_sizes(struct loader *L)
{
	struct port_stream_config *st = &L->sc->stream;
	uint32_t frame = 2u * st->channels;
	if (st->direction == PORT_CAPTURE && st->first_page_offset_bytes % frame != 0)
		return fail_at(L, L->key_line[K_FIRST_PAGE_OFFSET],
			       "first_page_offset: a capture buffer starts on a frame (%" PRIu32 " bytes)",
			       frame);
	if (st->style == PORT_STYLE_DSOUND && L->key_line[K_IRPS_IN_FLIGHT] != 0 &&
	    st->irps_in_flight != 1)
		return fail_at(L, L->key_line[K_IRPS_IN_FLIGHT],
			       "irps_in_flight: a dsound stream is one looping buffer (1)");
	uint64_t pages = ((uint64_t)st->first_page_offset_bytes + st->irp_bytes +
			  GMEM_PAGE_BYTES - 1u) / GMEM_PAGE_BYTES;
	uint64_t in_flight = st->style == PORT_STYLE_KMIXER ? st->irps_in_flight : 1u;
	if (pages * in_flight > PORT_POOL_PAGES)
		return fail_at(L, first_set(L, K_IRP_BYTES, K_IRPS_IN_FLIGHT),
			       "%s: %" PRIu64 " IRPs of %" PRIu64 " pages need more than the %u guest "
			       "pages the port has", L->key_line[K_IRP_BYTES] ? "irp_bytes" : "irps_in_flight",
			       in_flight, pages, PORT_POOL_PAGES);
	if (st->total_bytes % frame != 0)
		return fail_at(L, L->key_line[K_TOTAL_BYTES],
			       "total_bytes: %" PRIu64 " is not a whole number of %" PRIu32 "-byte frames",
			       st->total_bytes, frame);
	return true;
}

static void audio_path(const struct loader *L, char *out, size_t len)
{
	const char *slash = strrchr(L->path, '/');
	if (L->audio_file[0] == '/' || slash == NULL)
		snprintf(out, len, "%s", L->audio_file);
	else
		snprintf(out, len, "%.*s/%s", (int)(slash - L->path), L->path, L->audio_file);
}

/* The file's whole length must fit in the run's simulated time. */
static bool fits_max_time(const struct scenario *sc, uint64_t frames, uint32_t rate_hz)
{
	uint64_t t = sc->max_ticks;
	uint64_t allowed = t / SIM_TICKS_PER_SECOND * rate_hz +
			   t % SIM_TICKS_PER_SECOND * rate_hz / SIM_TICKS_PER_SECOND;
	return frames <= allowed;
}

/* [source] file: opened through audio_source.h (streamed, never read
 * whole), checked against the stream (rate, max_time), and read through
 * once for its content hash, which also finds a file that cannot be
 * decoded to its end before any run starts. */
static bool finish_source(struct loader *L)
{
	struct scenario *sc = L->sc;
	uint32_t file_line = L->key_line[K_SOURCE_FILE];
	if (file_line == 0 && L->source_file)
		return fail_at(L, L->key_line[K_SOURCE_KIND], "kind: kind = file needs file = PATH");
	if (file_line == 0)
		return true;
	if (L->key_line[K_SOURCE_KIND] != 0 && !L->source_file)
		return fail_at(L, file_line, "file: the source is kind = pattern (say kind = file)");
	if (sc->stream.direction == PORT_CAPTURE)
		return fail_at(L, file_line, "file: a capture stream records the checkers' input "
					     "pattern; [source] is for render streams");
	if (L->no_files)
		return fail_at(L, file_line, "file: this scenario may not name files (read from "
					     "memory)");
	char path[AUDIO_PATH_MAX + 512], aerr[768];
	audio_path(L, path, sizeof(path));
	struct audio_reader *r = audio_reader_open(path, sc->stream.channels, aerr, sizeof(aerr));
	if (r == NULL)
		return fail_at(L, file_line, "file: %s", aerr);
	const struct audio_info in = *audio_reader_info(r);
	if (in.rate_hz != sc->stream.rate_hz) {
		audio_reader_close(r);
		return fail_at(L, file_line, "file: %s is %" PRIu32 " Hz but the stream runs at "
			       "%" PRIu32 " Hz (set rate = %" PRIu32 " in [stream], or convert "
			       "the file)", path, in.rate_hz, sc->stream.rate_hz, in.rate_hz);
	}
	if (in.frames == 0) {
		audio_reader_close(r);
		return fail_at(L, file_line, "file: %s has no audio", path);
	}
	if (!fits_max_time(sc, in.frames, in.rate_hz)) {
		char len[32], max[32];
		audio_length_text(in.frames, in.rate_hz, len, sizeof(len));
		audio_length_text(sc->max_ticks / SIM_TICKS_PER_SECOND, 1, max, sizeof(max));
		audio_reader_close(r);
		return fail_at(L, file_line, "file: %s: %s long; the scenario's max_time is %s (set "
			       "max_time in [scenario], or cut the file)", path, len, max);
	}
	struct audio_source *src = audio_source_create(r);
	if (src == NULL)
		return fail_at(L, file_line, "file: %s: out of host memory", path);
	uint64_t hash;
	if (audio_source_hash(src, &hash, aerr, sizeof(aerr)) != 0) {
		audio_source_close(src);
		return fail_at(L, file_line, "file: %s", aerr);
	}
	L->sf->audio = src;
	sc->source = SOURCE_SAMPLES;
	sc->samples = NULL;
	sc->n_samples = audio_source_samples(src);
	sc->reader = (struct scenario_sample_reader){ audio_source_sample, src, hash };
	if (L->key_line[K_TOTAL_BYTES] == 0)
		sc->stream.total_bytes = sc->n_samples * 2u;
	return true;
}

/* The line of action i's key k (0 when it was not given). */
static uint32_t action_key_line(const struct loader *L, uint32_t i, enum key_id k)
{
	return L->action_line[i].key[k - K_ACTION_FIRST];
}

/* Actions are checked against the scenario they act on: a CPU, an IRP or
 * an engine it does not have, or a moment after the run's own limit, is a
 * mistake in the file, not something to skip quietly at run time. */
static bool finish_actions(struct loader *L)
{
	const struct scenario *sc = L->sc;
	uint32_t outstanding = sc->stream.style == PORT_STYLE_KMIXER ? sc->stream.irps_in_flight : 1u;
	for (uint32_t i = 0; i < sc->n_actions; i++) {
		const struct scenario_action *a = &sc->actions[i];
		char t1[48], t2[48];
		if (a->kind == SA_STRAY_ENGINE && a->arg == (uint32_t)sc->engine)
			return fail_at(L, action_key_line(L, i, K_A_ENGINE),
				       "engine: %s is the stream's own engine; a stray engine is one "
				       "no stream owns", engine_names[a->arg]);
		if (a->kind == SA_STALL_CPU && a->arg >= sc->cpus)
			return fail_at(L, action_key_line(L, i, K_A_CPU),
				       "cpu: %" PRIu32 " is not a CPU of the scenario (cpus = %" PRIu32
				       ": 0..%" PRIu32 ")", a->arg, sc->cpus, sc->cpus - 1u);
		if (a->kind == SA_CANCEL_IRP && a->arg >= outstanding)
			return fail_at(L, action_key_line(L, i, K_A_IRP),
				       "irp: the stream keeps %" PRIu32 " IRP%s outstanding (irp 0..%" PRIu32
				       "), so there is no IRP %" PRIu32, outstanding,
				       outstanding == 1 ? "" : "s", outstanding - 1u, a->arg);
		if (a->at_step == 0 && a->at_ticks > sc->max_ticks)
			return fail_at(L, action_key_line(L, i, K_A_AT),
				       "at: %s is after the run's max_time (%s): the action would "
				       "never happen", fmt_ticks(a->at_ticks, t1, sizeof(t1)),
				       fmt_ticks(sc->max_ticks, t2, sizeof(t2)));
		if (a->at_step != 0 && a->at_step > sc->max_steps)
			return fail_at(L, action_key_line(L, i, K_A_AT_STEP),
				       "at_step: %" PRIu64 " is after the run's max_steps (%" PRIu64
				       "): the action would never happen", a->at_step, sc->max_steps);
	}
	return true;
}

/* A file with no section at all is not a scenario (an empty or truncated
 * file, the wrong file): say so rather than run the defaults. */
static bool finish_nonempty(struct loader *L)
{
	if (L->sections_seen == 0)
		return fail_at(L, L->line > 0 ? L->line : 1,
			       "no [scenario] or any other section: not a scenario file");
	return true;
}

/* The file's name without folder and ".ini": the scenario's default name. */
static void default_name(const char *path, char *name, size_t len)
{
	const char *base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	size_t n = strlen(base);
	if (n > 4 && strcmp(base + n - 4, ".ini") == 0)
		n -= 4;
	if (n >= len)
		n = len - 1;
	for (size_t i = 0; i < n; i++)
		name[i] = (unsigned char)base[i] >= 0x20 && (unsigned char)base[i] < 0x7F ? base[i] : '_';
	name[n] = '\0';
	if (n == 0)
		snprintf(name, len, "scenario");
}

static bool finish(struct loader *L)
{
	if (L->key_line[K_NAME] == 0)
		default_name(L->path, L->sc->name, sizeof(L->sc->name));
	return close_section(L) && finish_nonempty(L) && finish_engine(L) && finish_rate(L) && finish_sizes(L) &&
	       finish_actions(L) && finish_source(L);
}

/* ---- loading ------------------------------------------------------------------- */

/* The whole file into *text (NUL-terminated for safety, length in *len). */
static bool read_text(struct loader *L, char **text, size_t *len)
{
	FILE *f = fopen(L->path, "rb");
	if (f == NULL)
		return fail_at(L, 0, "cannot open: %s", strerror(errno));
	char *buf = malloc(FILE_BYTES_MAX + 1u);
	if (buf == NULL) {
		fclose(f);
		return fail_at(L, 0, "out of host memory");
	}
	size_t n = fread(buf, 1, FILE_BYTES_MAX + 1u, f);
	bool failed = ferror(f) != 0;
	int read_errno = errno;
	fclose(f);
	if (failed) {
		free(buf);
		return fail_at(L, 0, "cannot read: %s", strerror(read_errno));
	}
	if (n > FILE_BYTES_MAX) {
		free(buf);
		return fail_at(L, 0, "too large for a scenario file (more than %u bytes)",
			       FILE_BYTES_MAX);
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return true;
}

/* Both entry points: the scenario's text is the file at path (given_text
 * NULL) or given_text[0..given_len), and path names it either way. */
static int load(const char *path, const char *given_text, size_t given_len, unsigned flags,
		struct scenario_file *sf, char *err, size_t err_len)
{
	if (err != NULL && err_len > 0)
		err[0] = '\0';
	if (sf == NULL)
		return -1;
	memset(sf, 0, sizeof(*sf));
	scenario_default(&sf->sc);
	struct loader *L = calloc(1, sizeof(*L));
	if (L == NULL || path == NULL) {
		if (err != NULL && err_len > 0)
			snprintf(err, err_len, "%s: %s", path ? path : "(no file)",
				 L ? "no scenario file named" : "out of host memory");
		free(L);
		return -1;
	}
	*L = (struct loader){ .path = path, .sf = sf, .sc = &sf->sc, .err = err, .err_len = err_len,
			      .no_files = (flags & SCENARIO_FILE_NO_FILES) != 0,
			      .driver_given = (flags & SCENARIO_FILE_DRIVER_GIVEN) != 0 };
	snprintf(sf->path, sizeof(sf->path), "%s", path);
	char *text = NULL;
	bool ok = strlen(path) < sizeof(sf->path);
	if (!ok)
		fail_at(L, 0, "path too long (at most %zu characters)", sizeof(sf->path) - 1u);
	else if (given_text == NULL)
		ok = read_text(L, &text, &L->len);
	else if (given_len > FILE_BYTES_MAX)
		ok = fail_at(L, 0, "too large for a scenario file (more than %u bytes)",
			     FILE_BYTES_MAX);
	else
		L->len = given_len;
	if (ok) {
		L->text = given_text != NULL ? given_text : text;
		int r = ini_parse_stream(read_line, L, on_key, L);
		if (r == -2)
			fail_at(L, 0, "out of host memory");
		else if (r > 0 && (!L->failed || (uint32_t)r < L->err_line)) {
			L->failed = false;
			fail_at(L, (uint32_t)r, "expected [section] or key = value");
		}
		ok = !L->failed && finish(L);
	}
	free(text);
	free(L);
	if (!ok) {
		scenario_file_free(sf);
		return -1;
	}
	return 0;
}

int scenario_file_load(const char *path, struct scenario_file *sf, char *err, size_t err_len)
{
	return load(path, NULL, 0, 0, sf, err, err_len);
}

int scenario_file_load_flags(const char *path, unsigned flags, struct scenario_file *sf, char *err,
			     size_t err_len)
{
	return load(path, NULL, 0, flags, sf, err, err_len);
}

int scenario_file_load_text(const char *name, const char *text, size_t len_bytes, unsigned flags,
			    struct scenario_file *sf, char *err, size_t err_len)
{
	if (text == NULL && len_bytes == 0)
		text = "";
	if (text == NULL) {
		if (err != NULL && err_len > 0)
			snprintf(err, err_len, "%s: no text", name ? name : "(no name)");
		if (sf != NULL)
			memset(sf, 0, sizeof(*sf));
		return -1;
	}
	return load(name, text, len_bytes, flags, sf, err, err_len);
}

void scenario_file_free(struct scenario_file *sf)
{
	if (sf == NULL)
		return;
	audio_source_close(sf->audio);
	sf->audio = NULL;
	sf->sc.samples = NULL;
	sf->sc.n_samples = 0;
	sf->sc.reader = (struct scenario_sample_reader){ 0 };
	sf->sc.source = SOURCE_PATTERN;
	scenario_release(&sf->sc);
}
