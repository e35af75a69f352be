/*
 * play.c - `ac97sim play FILE` (see play.h and help_play below).
 *
 * One run of one scenario: scenario_default, with the file's audio as the
 * render source (converted to stereo, padded with silence to whole pages)
 * at the file's rate, under the random strategy. The sink given to
 * scenario_run turns every PCM-out span into the codec's analogue output
 * with codec_dac_output, applied with a codec set up as the reference
 * driver leaves the real one (master 0 dB, PCM out 0x0808 = 0 dB, both
 * unmuted; a variant driver sets the same mixer): at 0 dB that is the PCM
 * itself, bit for bit. What is kept runs from the first frame of data the
 * stream sent to its last one, with every frame between - fill and
 * underrun frames as the silence or BUP value the link carried - at the
 * stream's rate; the link's idle frames before the stream started and
 * after it ended are not part of it.
 */
#include "play.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio_file.h"
#include "codec.h"
#include "dac_tap.h"
#include "listen.h"
#include "scenario.h"

enum { PLAY_PASS = 0, PLAY_FAILED = 1, PLAY_USAGE = 2 };

#define ERR_MAX 512

/* ---- shared with capture ------------------------------------------------------------- */

static uint32_t rate_register(enum codec_converter conv)
{
	switch (conv) {
	case CODEC_CONV_ADC_LR: return CODEC_PCM_LR_ADC_RATE;
	case CODEC_CONV_ADC_MIC: return CODEC_PCM_MIC_ADC_RATE;
	default: return CODEC_PCM_FRONT_DAC_RATE;
	}
}

static void codec_for_rates(struct codec *c)
{
	codec_reset(c);
	codec_write(c, CODEC_EXT_AUDIO_CTRL, CODEC_EA_VRA | CODEC_EA_VRM);
}

static bool probe_rate(struct codec *c, enum codec_converter conv, uint32_t rate_hz)
{
	if (rate_hz == 0 || rate_hz > 0xFFFFu)
		return false;	/* the rate registers are 16 bits */
	uint32_t reg = rate_register(conv);
	codec_write(c, reg, (uint16_t)rate_hz);
	return codec_read(c, reg) == rate_hz;
}

bool play_rate_supported(enum codec_converter conv, uint32_t rate_hz)
{
	struct codec c;
	codec_for_rates(&c);
	return probe_rate(&c, conv, rate_hz);
}

void play_supported_rates(enum codec_converter conv, char *buf, size_t len)
{
	struct codec c;
	codec_for_rates(&c);
	size_t used = 0;
	if (len > 0)
		buf[0] = '\0';
	for (uint32_t hz = 1; hz <= 0xFFFFu; hz++) {
		if (!probe_rate(&c, conv, hz) || used >= len)
			continue;
		int n = snprintf(buf + used, len - used, "%s%u", used ? ", " : "", (unsigned)hz);
		used += n > 0 ? (size_t)n : 0;
	}
}

bool play_parse_u64(const char *text, uint64_t *out)
{
	if (text == NULL || text[0] == '\0' || text[0] == '-' || text[0] == '+' || text[0] == ' ')
		return false;
	int base = 10;
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		base = 16;
		text += 2;
		if (text[0] == '\0' || text[0] == '-' || text[0] == '+' || text[0] == ' ')
			return false;
	}
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(text, &end, base);
	if (errno != 0 || end == text || *end != '\0')
		return false;
	*out = v;
	return true;
}

void play_driver_names(char *buf, size_t len)
{
	size_t used = 0;
	if (len > 0)
		buf[0] = '\0';
	for (size_t i = 0; scenario_drivers[i] != NULL && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", scenario_drivers[i]);
		used += n > 0 ? (size_t)n : 0;
	}
}

int play_option_value(const char *cmd, const char *name, const char *what, int argc, char **argv,
		      int *i, const char **value)
{
	const char *arg = argv[*i];
	size_t n = strlen(name);
	if (strncmp(arg, name, n) != 0 || (arg[n] != '\0' && arg[n] != '='))
		return 0;
	if (arg[n] == '=') {
		*value = arg + n + 1;
	} else if (*i + 1 < argc) {
		*value = argv[++*i];
	} else {
		*value = NULL;
	}
	if (*value == NULL || (*value)[0] == '\0') {
		fprintf(stderr, "ac97sim: %s: %s needs a %s\n", cmd, name, what);
		return -1;
	}
	return 1;
}

/* ---- the command ------------------------------------------------------------------- */

struct play_opts {
	const char *path;
	const char *out;
	const char *driver;
	uint64_t seed;
	bool listen;
	bool quiet;
};

void help_play(FILE *f)
{
	fprintf(f,
		"usage: ac97sim play FILE [--out OUT.wav] [--driver NAME] [--seed N]\n"
		"                         [--no-listen] [--quiet]\n"
		"\n"
		"Plays FILE (anything libsndfile reads: WAV, FLAC, Ogg, AIFF, ...) through the\n"
		"whole stack: the WavePci port model, the reference AC'97 miniport (or a\n"
		"variant), the ICH controller and the codec, with every checker on, in one\n"
		"run under the random schedule of seed N.\n"
		"\n"
		"Audio: converted to 16-bit stereo for PCM out (mono is sent as the same\n"
		"sample left and right; more channels are mixed to left and right), padded\n"
		"with silence to whole 4 KiB pages, at the file's own rate. Rates other than\n"
		"48000 Hz go through variable rate audio (VRA); a rate the codec cannot do\n"
		"exactly is refused, with the list of the rates it can do.\n"
		"\n"
		"Output: what the codec's DAC makes of the PCM that crossed the AC-link, with\n"
		"the codec's volume as the reference driver leaves it (master and PCM out at\n"
		"0 dB, unmuted, so the output is the PCM bit for bit), from the stream's first\n"
		"frame of data to its last, fill and underrun frames between included (as the\n"
		"silence or repeated frame the link carried), at the stream's rate.\n"
		"\n"
		"Options:\n"
		"  --out OUT.wav   write the output as a 16-bit stereo WAV file\n"
		"  --driver NAME   the driver: reference (default) or a variant that has a\n"
		"                  known historical bug (the names are listed below)\n"
		"  --seed N        the schedule's seed, decimal or 0x-hex (default 1)\n"
		"  --no-listen     do not play the output through SDL2\n"
		"  --quiet         print nothing but errors\n"
		"  -h, --help      show this help\n"
		"\n"
		"Listening: unless --no-listen, the output is played on the default audio\n"
		"device through SDL2 in real time (the run itself takes a fraction of that),\n"
		"with a progress line when standard error is a terminal:\n"
		"  playing FILE: 0:03 / 0:07 [#########           ]\n"
		"Without an audio device, 'no audio device: writing only' is said and the\n"
		"rest goes on. SDL_AUDIODRIVER picks SDL's backend: 'dummy' plays to nobody;\n"
		"'disk' writes what would be heard to the file SDL_DISKAUDIOFILE as raw\n"
		"native-endian 16-bit stereo at the stream's rate (with silence before and\n"
		"after), paced by SDL_DISKAUDIODELAY milliseconds per buffer.\n"
		"\n"
		"Unless --quiet, one line on standard output says what was played and the\n"
		"run's verdict, steps and event-log hash.\n"
		"\n"
		"Drivers (--driver NAME):\n");
	for (size_t i = 0; scenario_drivers[i] != NULL; i++)
		fprintf(f, "  %s\n", scenario_drivers[i]);
	fprintf(f, "\n"
		   "Exit status: 0 the run passed and the output was written and played;\n"
		   "1 a checker failed (its name and message are printed; the output is still\n"
		   "written and played, so the glitch can be heard); 2 bad usage, an unreadable\n"
		   "or refused FILE, or an OUT that cannot be written.\n");
}

/* Returns the exit status when the command is done (help, bad usage), or
 * -1 to go on. */
static int parse_play(int argc, char **argv, struct play_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->listen = true;
	bool options_done = false;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *v = NULL;
		if (!options_done && arg[0] == '-' && arg[1] != '\0') {
			int r;
			if (strcmp(arg, "--") == 0) {
				options_done = true;
			} else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
				help_play(stdout);
				return PLAY_PASS;
			} else if (strcmp(arg, "--no-listen") == 0) {
				o->listen = false;
			} else if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0) {
				o->quiet = true;
			} else if ((r = play_option_value("play", "--out", "FILE", argc, argv, &i, &v)) != 0) {
				if (r < 0)
					return PLAY_USAGE;
				o->out = v;
			} else if ((r = play_option_value("play", "--driver", "NAME", argc, argv, &i, &v)) !=
				   0) {
				if (r < 0)
					return PLAY_USAGE;
				o->driver = v;
			} else if ((r = play_option_value("play", "--seed", "number N", argc, argv, &i, &v)) !=
				   0) {
				if (r < 0)
					return PLAY_USAGE;
				if (!play_parse_u64(v, &o->seed)) {
					fprintf(stderr,
						"ac97sim: play: --seed '%s' is not a number (decimal or 0x-hex)\n",
						v);
					return PLAY_USAGE;
				}
			} else {
				fprintf(stderr,
					"ac97sim: play: unknown option '%s' (try 'ac97sim play --help')\n",
					arg);
				return PLAY_USAGE;
			}
			continue;
		}
		if (o->path != NULL) {
			fprintf(stderr, "ac97sim: play: more than one FILE ('%s' and '%s')\n", o->path,
				arg);
			return PLAY_USAGE;
		}
		o->path = arg;
	}
	if (o->path == NULL) {
		fprintf(stderr, "ac97sim: play: missing FILE (try 'ac97sim play --help')\n");
		return PLAY_USAGE;
	}
	return -1;	/* go on */
}

void play_set_budget(struct scenario *sc, uint64_t frames, uint32_t rate_hz)
{
	/* The stream script wakes every millisecond and a run takes about 3.5
	 * scheduling points per millisecond of audio. */
	uint64_t ms = frames * 1000u / rate_hz + 1;
	sc->max_steps = 2000000u + ms * 20u;
	sc->max_ticks = 60ull * SIM_TICKS_PER_SECOND + 2u * (frames * SIM_TICKS_PER_SECOND / rate_hz);
}

struct progress_ctx {
	const char *name;
	uint32_t rate_hz;
};

static void on_progress(void *ctx, uint64_t done_frames, uint64_t total_frames)
{
	const struct progress_ctx *p = ctx;
	listen_progress_line(stderr, p->name, done_frames, total_frames, p->rate_hz);
}

static int write_wav(const char *path, const struct dac_tap *d, uint32_t rate_hz)
{
	char err[ERR_MAX];
	struct wav_writer *w = wav_writer_open(path, 2, rate_hz, err, sizeof(err));
	if (w == NULL) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return -1;
	}
	int rc = wav_writer_write(w, d->pcm, d->frames);
	if (wav_writer_close(w) != 0 || rc != 0) {
		fprintf(stderr, "ac97sim: %s: cannot write the WAV file\n", path);
		return -1;
	}
	return 0;
}

static void listen_to(const struct play_opts *o, const struct dac_tap *d, uint32_t rate_hz)
{
	char err[ERR_MAX];
	struct listener *l = listen_open(rate_hz, 2, err, sizeof(err));
	if (l == NULL) {
		fprintf(stderr, "ac97sim: play: no audio device: writing only (%s)\n", err);
		return;
	}
	struct progress_ctx p = { o->path, rate_hz };
	bool show = !o->quiet && isatty(2);
	if (listen_play(l, d->pcm, d->frames, show ? on_progress : NULL, &p, err, sizeof(err)) != 0)
		fprintf(stderr, "ac97sim: play: audio device: %s\n", err);
	listen_close(l);
}

/* Reads, checks and pads the file; fills sc. Returns PLAY_USAGE on a bad
 * file (reported), else -1. */
static int prepare(const struct play_opts *o, struct audio_clip *clip, int16_t **padded,
		   struct scenario *sc)
{
	char err[ERR_MAX];
	if (audio_clip_read(o->path, 2, clip, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return PLAY_USAGE;
	}
	if (clip->frames == 0) {
		fprintf(stderr, "ac97sim: %s: no audio in it (0 frames)\n", o->path);
		return PLAY_USAGE;
	}
	if (!play_rate_supported(CODEC_CONV_DAC_FRONT, clip->rate_hz)) {
		char rates[256];
		play_supported_rates(CODEC_CONV_DAC_FRONT, rates, sizeof(rates));
		fprintf(stderr,
			"ac97sim: %s: %u Hz: the codec (%s) cannot play this rate; "
			"it plays %s Hz\n",
			o->path, (unsigned)clip->rate_hz, codec_part_name(), rates);
		return PLAY_USAGE;
	}
	scenario_default(sc);
	snprintf(sc->name, sizeof(sc->name), "play");
	if (o->driver != NULL && scenario_set_driver(sc, o->driver) != 0) {
		char names[512];
		play_driver_names(names, sizeof(names));
		fprintf(stderr, "ac97sim: play: unknown driver '%s' (drivers: %s)\n", o->driver, names);
		return PLAY_USAGE;
	}
	const uint64_t page_frames = GMEM_PAGE_BYTES / 4u;
	uint64_t frames = (clip->frames + page_frames - 1) / page_frames * page_frames;
	*padded = calloc((size_t)frames * 2, sizeof(**padded));
	if (*padded == NULL) {
		fprintf(stderr, "ac97sim: %s: out of memory\n", o->path);
		return PLAY_USAGE;
	}
	memcpy(*padded, clip->samples, (size_t)clip->frames * 4);
	sc->source = SOURCE_SAMPLES;
	sc->samples = *padded;
	sc->n_samples = 2 * frames;
	sc->stream.rate_hz = clip->rate_hz;
	sc->stream.total_bytes = 4 * frames;
	play_set_budget(sc, frames, clip->rate_hz);
	return -1;
}

/* Reports the run; returns PLAY_PASS or PLAY_FAILED. */
static int report(const struct play_opts *o, const struct audio_clip *clip,
		  const struct scenario *sc, const struct scenario_outcome *out,
		  const struct dac_tap *d)
{
	const struct run_result *r = &out->result;
	int status = PLAY_PASS;
	if (r->verdict != RUN_PASS) {
		fprintf(stderr, "ac97sim: play: %s: %s: %s: %s\n", o->path, run_verdict_name(r->verdict),
			r->checker[0] ? r->checker : "run", r->message);
		status = PLAY_FAILED;
	}
	if (d->other_rate || (d->started && d->rate_hz != clip->rate_hz)) {
		fprintf(stderr, "ac97sim: play: %s: the codec played at %u Hz, not %u Hz\n", o->path,
			(unsigned)d->rate_hz, (unsigned)clip->rate_hz);
		status = PLAY_FAILED;
	}
	if (d->out_of_memory) {
		fprintf(stderr, "ac97sim: play: %s: out of memory for the output\n", o->path);
		status = PLAY_FAILED;
	}
	if (!o->quiet) {
		uint64_t s = clip->frames / clip->rate_hz;
		printf("play: %s: %" PRIu64 " frames (%" PRIu64 ":%02" PRIu64 ") at %u Hz -> %" PRIu64
		       " frames out; driver %s, seed %" PRIu64 ": run %s, %" PRIu64
		       " steps, event log 0x%016" PRIx64 "\n",
		       o->path, clip->frames, s / 60, s % 60, (unsigned)clip->rate_hz, d->frames,
		       sc->driver, o->seed, run_verdict_name(r->verdict), r->steps, r->evlog_hash);
		fflush(stdout);
	}
	return status;
}

int cmd_play(int argc, char **argv)
{
	struct play_opts o;
	int status = parse_play(argc, argv, &o);
	if (status >= 0)
		return status;
	struct audio_clip clip;
	int16_t *padded = NULL;
	struct scenario *sc = malloc(sizeof(*sc));
	struct dac_tap *d = malloc(sizeof(*d));
	memset(&clip, 0, sizeof(clip));
	if (sc == NULL || d == NULL) {
		fprintf(stderr, "ac97sim: play: out of memory\n");
		free(sc);
		free(d);
		return PLAY_USAGE;
	}
	dac_tap_init(d);
	status = prepare(&o, &clip, &padded, sc);
	if (status < 0) {
		struct strategy st = { .kind = STRATEGY_RANDOM };
		struct ac97_sink sink = dac_tap_sink(d);
		struct scenario_outcome out;
		const char *why = NULL;
		if (scenario_run(sc, &st, o.seed, NULL, NULL, &sink, &out, NULL, &why) != 0) {
			fprintf(stderr, "ac97sim: play: %s: cannot set up the run: %s\n", o.path,
				why ? why : "?");
			status = PLAY_USAGE;
		} else {
			d->frames = d->data_end_frames;	/* the idle link after the stream */
			status = report(&o, &clip, sc, &out, d);
			if (o.out != NULL && write_wav(o.out, d, clip.rate_hz) != 0)
				status = PLAY_USAGE;
			else if (o.listen && d->frames > 0)
				listen_to(&o, d, clip.rate_hz);
		}
	}
	dac_tap_free(d);
	free(d);
	free(sc);
	free(padded);
	audio_clip_free(&clip);
	return status;
}
