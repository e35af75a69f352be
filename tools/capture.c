/*
 * capture.c - `ac97sim capture` (see capture.h and help_capture below).
 *
 * One run of a capture scenario: scenario_default turned into a capture
 * stream on PCM in (stereo) or the mic engine (mono) at the file's rate,
 * with source = SOURCE_SAMPLES, so the device's input plays the file like
 * a tape that moves only while the engine takes frames (scenario.h). The
 * checkers' own capture check needs its position pattern as the input, so
 * scenario_run switches it off for such a run and the check is made here
 * instead, from what the scenario's capture sink saw landing in each
 * released mapping: every input frame must have landed, once, in order,
 * unchanged (the reference driver leaves the record gains at 0 dB,
 * unmuted, so the ADC path is bit-exact). Every other checker stays on.
 */
#include "capture.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "audio_file.h"
#include "play.h"
#include "scenario.h"

enum { CAPTURE_PASS = 0, CAPTURE_FAILED = 1, CAPTURE_USAGE = 2 };

#define ERR_MAX 512

struct capture_opts {
	const char *in;
	const char *out;
	const char *driver;
	uint64_t seed;
	bool mic;
	bool quiet;
};

/* The stream's bytes as the released mappings held them. */
struct landed {
	uint8_t *bytes;
	uint8_t *covered;	/* 1 for each byte some released mapping held */
	uint64_t total_bytes;
	uint64_t outside_bytes;	/* held by mappings past the stream's end */
	uint64_t again_bytes;	/* released a second time */
};

static void on_released(void *ctx, const struct port_mapping_info *m, const uint8_t *bytes)
{
	struct landed *l = ctx;
	for (uint32_t i = 0; i < m->byte_count; i++) {
		uint64_t at = m->stream_offset_bytes + i;
		if (at >= l->total_bytes) {
			l->outside_bytes++;
			continue;
		}
		l->again_bytes += l->covered[at];
		l->covered[at] = 1;
		l->bytes[at] = bytes[i];
	}
}

void help_capture(FILE *f)
{
	fprintf(f,
		"usage: ac97sim capture --in FILE --out OUT.wav [--mic] [--driver NAME]\n"
		"                       [--seed N] [--quiet]\n"
		"\n"
		"Records FILE (anything libsndfile reads) through the codec's ADC and the\n"
		"PCM-in engine (stereo; more channels are mixed to left and right, mono is\n"
		"duplicated), or with --mic through the mic engine (mono: channels are\n"
		"averaged), the reference AC'97 miniport (or a variant) and the WavePci port\n"
		"model, in one run under the random schedule of seed N, and writes what\n"
		"landed in the stream's buffers.\n"
		"\n"
		"The input plays like a tape that moves only while the engine takes frames:\n"
		"the n-th frame the ADC hands to the running engine is frame n of FILE, so\n"
		"nothing is skipped while the driver is late. The file's rate is used through\n"
		"variable rate audio (VRA for PCM in, VRM for the mic); a rate the codec\n"
		"cannot do exactly is refused, with the list of the rates it can do. The\n"
		"stream is padded with silence to whole 4 KiB pages.\n"
		"\n"
		"Output: the bytes that landed in the released capture mappings, in stream\n"
		"order, up to the input's length, as a 16-bit WAV file (stereo, or mono with\n"
		"--mic) at the file's rate. The reference driver leaves the record gains at\n"
		"0 dB, unmuted, so OUT equals the input (as converted) sample for sample.\n"
		"\n"
		"Checks: every checker but the capture half of audio-conservation (which\n"
		"needs its own test pattern as the input) referees the run; in its place the\n"
		"capture is compared with the input: every input frame must land once, in\n"
		"order, unchanged. A failure names the first frame that did not.\n"
		"\n"
		"Options:\n"
		"  --in FILE       the sound file to record\n"
		"  --out OUT.wav   where to write what was captured\n"
		"  --mic           record through the mic engine (mono) instead of PCM in\n"
		"  --driver NAME   reference (default) or a variant (see 'ac97sim play --help')\n"
		"  --seed N        the schedule's seed, decimal or 0x-hex (default 1)\n"
		"  --quiet         print nothing but errors\n"
		"  -h, --help      show this help\n"
		"\n"
		"Unless --quiet, one line on standard output says what was recorded and the\n"
		"run's verdict, steps and event-log hash.\n"
		"\n"
		"Exit status: 0 the run passed and the capture equals the input; 1 a checker\n"
		"failed or the capture differs (OUT is still written); 2 bad usage, an\n"
		"unreadable or refused FILE, or an OUT that cannot be written.\n");
}

/* Returns the exit status when done (help, bad usage), or -1 to go on. */
static int parse_capture(int argc, char **argv, struct capture_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *v = NULL;
		int r;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			help_capture(stdout);
			return CAPTURE_PASS;
		} else if (strcmp(arg, "--mic") == 0) {
			o->mic = true;
		} else if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0) {
			o->quiet = true;
		} else if ((r = play_option_value("capture", "--in", "FILE", argc, argv, &i, &v)) != 0) {
			if (r < 0)
				return CAPTURE_USAGE;
			o->in = v;
		} else if ((r = play_option_value("capture", "--out", "FILE", argc, argv, &i, &v)) != 0) {
			if (r < 0)
				return CAPTURE_USAGE;
			o->out = v;
		} else if ((r = play_option_value("capture", "--driver", "NAME", argc, argv, &i, &v)) !=
			   0) {
			if (r < 0)
				return CAPTURE_USAGE;
			o->driver = v;
		} else if ((r = play_option_value("capture", "--seed", "number N", argc, argv, &i, &v)) !=
			   0) {
			if (r < 0)
				return CAPTURE_USAGE;
			if (!play_parse_u64(v, &o->seed)) {
				fprintf(stderr,
					"ac97sim: capture: --seed '%s' is not a number (decimal or 0x-hex)\n",
					v);
				return CAPTURE_USAGE;
			}
		} else if (arg[0] == '-') {
			fprintf(stderr,
				"ac97sim: capture: unknown option '%s' (try 'ac97sim capture --help')\n",
				arg);
			return CAPTURE_USAGE;
		} else {
			fprintf(stderr,
				"ac97sim: capture: unexpected argument '%s' (the input is --in FILE)\n",
				arg);
			return CAPTURE_USAGE;
		}
	}
	if (o->in == NULL || o->out == NULL) {
		fprintf(stderr, "ac97sim: capture: missing %s (try 'ac97sim capture --help')\n",
			o->in == NULL ? "--in FILE" : "--out FILE");
		return CAPTURE_USAGE;
	}
	return -1;
}

/* Reads, checks and pads the input; fills sc. Returns CAPTURE_USAGE on a
 * bad input (reported), else -1. */
static int prepare(const struct capture_opts *o, struct audio_clip *clip, int16_t **padded,
		   struct scenario *sc)
{
	char err[ERR_MAX];
	uint32_t ch = o->mic ? 1 : 2;
	enum codec_converter conv = o->mic ? CODEC_CONV_ADC_MIC : CODEC_CONV_ADC_LR;
	if (audio_clip_read(o->in, ch, clip, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return CAPTURE_USAGE;
	}
	if (clip->frames == 0) {
		fprintf(stderr, "ac97sim: %s: no audio in it (0 frames)\n", o->in);
		return CAPTURE_USAGE;
	}
	if (!play_rate_supported(conv, clip->rate_hz)) {
		char rates[256];
		play_supported_rates(conv, rates, sizeof(rates));
		fprintf(stderr,
			"ac97sim: %s: %u Hz: the codec (%s) cannot record at this rate; "
			"it records %s Hz\n",
			o->in, (unsigned)clip->rate_hz, codec_part_name(), rates);
		return CAPTURE_USAGE;
	}
	scenario_default(sc);
	snprintf(sc->name, sizeof(sc->name), "capture");
	if (o->driver != NULL && scenario_set_driver(sc, o->driver) != 0) {
		char names[512];
		play_driver_names(names, sizeof(names));
		fprintf(stderr, "ac97sim: capture: unknown driver '%s' (drivers: %s)\n", o->driver,
			names);
		return CAPTURE_USAGE;
	}
	uint64_t page_frames = GMEM_PAGE_BYTES / (2u * ch);
	uint64_t frames = (clip->frames + page_frames - 1) / page_frames * page_frames;
	*padded = calloc((size_t)(frames * ch), sizeof(**padded));
	if (*padded == NULL) {
		fprintf(stderr, "ac97sim: %s: out of memory\n", o->in);
		return CAPTURE_USAGE;
	}
	memcpy(*padded, clip->samples, (size_t)(clip->frames * ch) * sizeof(int16_t));
	sc->engine = o->mic ? AC97_MC : AC97_PI;
	sc->stream.direction = PORT_CAPTURE;
	sc->stream.channels = ch;
	sc->stream.rate_hz = clip->rate_hz;
	sc->stream.total_bytes = frames * ch * 2u;
	sc->source = SOURCE_SAMPLES;
	sc->samples = *padded;
	sc->n_samples = frames * ch;
	play_set_budget(sc, frames, clip->rate_hz);
	return -1;
}

static int16_t le16(const uint8_t *p)
{
	return (int16_t)(uint16_t)(p[0] | p[1] << 8);
}

static void frame_text(const int16_t *s, uint32_t ch, char *buf, size_t len)
{
	if (ch == 1)
		snprintf(buf, len, "%d", s[0]);
	else
		snprintf(buf, len, "(%d, %d)", s[0], s[1]);
}

/* Compares what landed with the input; collects the landed frames (in
 * stream order, up to the input's length) into out. Returns true when every
 * input frame landed once, unchanged. */
static bool compare(const struct capture_opts *o, const struct audio_clip *clip,
		    const struct landed *l, int16_t *out, uint64_t *out_frames)
{
	uint32_t ch = clip->channels, fb = 2u * ch;
	uint64_t missing = 0, first_missing = UINT64_MAX, first_bad = UINT64_MAX;
	*out_frames = 0;
	for (uint64_t f = 0; f < clip->frames; f++) {
		bool whole = true;
		for (uint32_t b = 0; b < fb; b++)
			whole &= l->covered[f * fb + b] != 0;
		if (!whole) {
			missing++;
			if (first_missing == UINT64_MAX)
				first_missing = f;
			continue;
		}
		int16_t *d = out + *out_frames * ch;
		for (uint32_t c = 0; c < ch; c++)
			d[c] = le16(l->bytes + f * fb + 2u * c);
		if (first_bad == UINT64_MAX && memcmp(d, clip->samples + f * ch, fb) != 0)
			first_bad = f;
		(*out_frames)++;
	}
	char got[40], want[40];
	if (first_bad != UINT64_MAX && (first_missing == UINT64_MAX || first_bad < first_missing)) {
		/* The frame as landed sits at its stream position in l->bytes. */
		int16_t s[2] = { le16(l->bytes + first_bad * fb), 0 };
		if (ch == 2)
			s[1] = le16(l->bytes + first_bad * fb + 2);
		frame_text(s, ch, got, sizeof(got));
		frame_text(clip->samples + first_bad * ch, ch, want, sizeof(want));
		fprintf(stderr,
			"ac97sim: capture: %s: audio-conservation: input frame %" PRIu64 " (at %.3f s) "
			"was captured as %s, but the input is %s: frames were lost, repeated or changed "
			"on the way\n",
			o->in, first_bad, (double)first_bad / clip->rate_hz, got, want);
		return false;
	}
	if (first_missing != UINT64_MAX) {
		fprintf(stderr,
			"ac97sim: capture: %s: audio-conservation: input frame %" PRIu64 " (at %.3f s) "
			"never landed in a released buffer (%" PRIu64 " of %" PRIu64 " frames missing)\n",
			o->in, first_missing, (double)first_missing / clip->rate_hz, missing,
			clip->frames);
		return false;
	}
	if (l->again_bytes != 0 || l->outside_bytes != 0) {
		fprintf(stderr,
			"ac97sim: capture: %s: audio-conservation: %" PRIu64 " bytes released twice, %" PRIu64
			" bytes past the stream's end\n",
			o->in, l->again_bytes, l->outside_bytes);
		return false;
	}
	return true;
}

static int write_out(const char *path, const int16_t *frames, uint64_t n, uint32_t ch,
		     uint32_t rate_hz)
{
	char err[ERR_MAX];
	struct wav_writer *w = wav_writer_open(path, ch, rate_hz, err, sizeof(err));
	if (w == NULL) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return -1;
	}
	int rc = wav_writer_write(w, frames, n);
	if (wav_writer_close(w) != 0 || rc != 0) {
		fprintf(stderr, "ac97sim: %s: cannot write the WAV file\n", path);
		return -1;
	}
	return 0;
}

/* After a run that could be set up: checks, writes, reports. */
static int finish(const struct capture_opts *o, const struct audio_clip *clip,
		  const struct scenario *sc, const struct scenario_outcome *out,
		  const struct landed *l)
{
	const struct run_result *r = &out->result;
	int status = CAPTURE_PASS;
	if (r->verdict != RUN_PASS) {
		fprintf(stderr, "ac97sim: capture: %s: %s: %s: %s\n", o->in,
			run_verdict_name(r->verdict), r->checker[0] ? r->checker : "run", r->message);
		status = CAPTURE_FAILED;
	}
	int16_t *frames = malloc((size_t)(clip->frames * clip->channels) * sizeof(*frames));
	if (frames == NULL) {
		fprintf(stderr, "ac97sim: capture: %s: out of memory\n", o->in);
		return CAPTURE_USAGE;
	}
	uint64_t n = 0;
	bool same = compare(o, clip, l, frames, &n);
	if (!same && status == CAPTURE_PASS)
		status = CAPTURE_FAILED;
	if (write_out(o->out, frames, n, clip->channels, clip->rate_hz) != 0)
		status = CAPTURE_USAGE;
	free(frames);
	if (!o->quiet) {
		printf("capture: %s: %" PRIu64 " frames at %u Hz through %s -> %s: %" PRIu64
		       " frames landed%s; driver %s, seed %" PRIu64 ": run %s, %" PRIu64
		       " steps, event log 0x%016" PRIx64 "\n",
		       o->in, clip->frames, (unsigned)clip->rate_hz, o->mic ? "the mic" : "PCM in",
		       o->out, n, same ? ", equal to the input" : ", NOT equal to the input",
		       sc->driver, o->seed, run_verdict_name(r->verdict), r->steps, r->evlog_hash);
		fflush(stdout);
	}
	return status;
}

int cmd_capture(int argc, char **argv)
{
	struct capture_opts o;
	int status = parse_capture(argc, argv, &o);
	if (status >= 0)
		return status;
	struct audio_clip clip;
	memset(&clip, 0, sizeof(clip));
	int16_t *padded = NULL;
	struct landed l = { 0 };
	struct scenario *sc = malloc(sizeof(*sc));
	if (sc == NULL) {
		fprintf(stderr, "ac97sim: capture: out of memory\n");
		return CAPTURE_USAGE;
	}
	status = prepare(&o, &clip, &padded, sc);
	if (status < 0) {
		l.total_bytes = sc->stream.total_bytes;
		l.bytes = calloc((size_t)l.total_bytes, 1);
		l.covered = calloc((size_t)l.total_bytes, 1);
		if (l.bytes == NULL || l.covered == NULL) {
			fprintf(stderr, "ac97sim: capture: %s: out of memory\n", o.in);
			status = CAPTURE_USAGE;
		}
	}
	if (status < 0) {
		sc->capture_sink = (struct scenario_capture_sink){ on_released, &l };
		struct strategy st = { .kind = STRATEGY_RANDOM };
		struct scenario_outcome out;
		const char *why = NULL;
		if (scenario_run(sc, &st, o.seed, NULL, NULL, NULL, &out, NULL, &why) != 0) {
			fprintf(stderr, "ac97sim: capture: %s: cannot set up the run: %s\n", o.in,
				why ? why : "?");
			status = CAPTURE_USAGE;
		} else {
			status = finish(&o, &clip, sc, &out, &l);
		}
	}
	free(l.bytes);
	free(l.covered);
	free(sc);
	free(padded);
	audio_clip_free(&clip);
	return status;
}
