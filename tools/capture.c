/*
 * capture.c - `ac97sim capture` (see capture.h and the help below).
 *
 * One run of a capture scenario: scenario_default turned into a capture
 * stream on PCM in (stereo) or the mic engine (mono) at the file's rate,
 * with source = SOURCE_SAMPLES read through audio_source.h, so the device's
 * input plays the file like a tape that moves only while the engine takes
 * frames (scenario.h). The checkers' own capture check needs its position
 * pattern as the input, so scenario_run switches it off for such a run and
 * the check is made here instead, from what the scenario's capture sink
 * sees landing in each released mapping: every input frame must have
 * landed, once, in order, unchanged (the reference driver leaves the
 * record gains at 0 dB, unmuted, so the ADC path is bit-exact). Every other
 * checker stays on.
 *
 * Streaming: released mappings come in stream order (the port releases in
 * acquisition order and hands mappings out in stream order, and fails the
 * run otherwise), so the check walks the stream once with a cursor: a
 * mapping that starts past the cursor leaves the frames between missing,
 * one that starts before it holds bytes released twice (not written
 * again). Each whole frame that landed is compared with the input there
 * and goes to the output WAV at once; nothing is kept but the cursor and
 * the first difference. Frames that straddle two mappings are put
 * together from both.
 */
#include "capture.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "audio_source.h"
#include "cli.h"
#include "driver_option.h"
#include "profile_option.h"
#include "exit_status.h"
#include "gmem.h"
#include "outfile.h"
#include "play.h"
#include "scenario.h"

#define ERR_MAX 4608
#define OUT_CHUNK_FRAMES 4096u

struct capture_opts {
	const char *in;
	const char *out;
	const char *driver;
	const struct ac97_profile *profile;	/* NULL: ich */
	uint64_t seed;
	bool mic;
	bool quiet;
};

/* The check and the output, as the mappings land. */
struct landed {
	struct audio_source *src;
	struct wav_writer *wav;
	uint32_t channels, frame_bytes;
	uint64_t input_frames;
	uint64_t total_bytes;		/* the stream's */
	uint64_t next_byte;		/* the cursor: stream bytes before it are settled */
	uint8_t frame[4];		/* the frame at the cursor, as far as it landed */
	bool frame_whole;		/* every byte of it so far landed */
	uint64_t landed_frames;		/* whole input frames that landed (and were written) */
	uint64_t missing;		/* input frames that did not land whole */
	uint64_t first_missing, first_bad;	/* frame numbers, UINT64_MAX: none */
	int16_t bad_got[2], bad_want[2];
	uint64_t outside_bytes;		/* held by mappings past the stream's end */
	uint64_t again_bytes;		/* released a second time */
	int16_t out[OUT_CHUNK_FRAMES * 2];
	uint32_t out_frames;
};

static void flush_out(struct landed *l)
{
	if (l->out_frames > 0 && l->wav != NULL)
		wav_writer_write(l->wav, l->out, l->out_frames);	/* a failure shows at commit */
	l->out_frames = 0;
}

/* Frame f of the stream is settled: it landed whole (bytes in l->frame)
 * or not. */
static void settle_frame(struct landed *l, uint64_t f, bool whole)
{
	if (f >= l->input_frames)
		return;	/* the padding to whole pages */
	if (!whole) {
		l->missing++;
		if (l->first_missing == UINT64_MAX)
			l->first_missing = f;
		return;
	}
	int16_t *d = l->out + (size_t)l->out_frames * l->channels;
	bool same = true;
	for (uint32_t c = 0; c < l->channels; c++) {
		d[c] = (int16_t)(uint16_t)(l->frame[2 * c] | l->frame[2 * c + 1] << 8);
		int16_t want = audio_source_sample(l->src, f * l->channels + c);
		same &= d[c] == want;
		if (l->first_bad == UINT64_MAX) {
			l->bad_got[c] = d[c];
			l->bad_want[c] = want;
		}
	}
	if (!same && l->first_bad == UINT64_MAX)
		l->first_bad = f;
	l->landed_frames++;
	if (++l->out_frames == OUT_CHUNK_FRAMES)
		flush_out(l);
}

/* Moves the cursor to `to` over bytes that did not land. */
static void skip_to(struct landed *l, uint64_t to)
{
	while (l->next_byte < to) {
		uint64_t f = l->next_byte / l->frame_bytes, end = (f + 1) * l->frame_bytes;
		l->frame_whole = false;
		if (to < end) {
			l->next_byte = to;
			return;
		}
		l->next_byte = end;
		settle_frame(l, f, false);
		l->frame_whole = true;
	}
}

static void on_released(void *ctx, const struct port_mapping_info *m, const uint8_t *bytes)
{
	struct landed *l = ctx;
	uint64_t at = m->stream_offset_bytes;
	uint32_t n = m->byte_count, i = 0;
	if (at < l->next_byte) {
		uint64_t behind = l->next_byte - at;
		uint32_t again = behind < n ? (uint32_t)behind : n;
		l->again_bytes += again;
		i = again;
	} else {
		skip_to(l, at);
	}
	for (; i < n; i++) {
		if (l->next_byte >= l->total_bytes) {
			l->outside_bytes += n - i;
			break;
		}
		uint32_t k = (uint32_t)(l->next_byte % l->frame_bytes);
		l->frame[k] = bytes[i];
		l->next_byte++;
		if (k + 1 == l->frame_bytes) {
			settle_frame(l, l->next_byte / l->frame_bytes - 1, l->frame_whole);
			l->frame_whole = true;
		}
	}
}

static const struct cli_option capture_options[] = {
	{ "in", 'i', CLI_VALUE, "FILE", "the sound file to record" },
	{ "out", 'o', CLI_VALUE, "OUT.wav", "where to write what was captured" },
	{ "mic", 0, CLI_FLAG, NULL, "record through the mic engine (mono) instead of PCM in" },
	DRIVER_OPTION,
	PROFILE_OPTION,
	{ "seed", 's', CLI_VALUE, "N", "the schedule's seed, decimal or 0x-hex (default 1)" },
	{ "quiet", 'q', CLI_FLAG, NULL, "print nothing but errors" },
};

static const struct cli_spec capture_spec = {
	.command = "capture",
	.synopsis = "--in FILE --out OUT.wav [--mic] [--driver NAME|PATH] [--profile P] [--seed N] "
		    "[--quiet]",
	.description =
		"Records FILE (anything libsndfile reads, converted to 16 bits as 'ac97sim play\n"
		"--help' says) through the codec's ADC and the PCM-in engine (stereo; more\n"
		"channels are mixed to left and right, mono is duplicated), or with --mic\n"
		"through the mic engine (mono: channels are averaged), the reference AC'97\n"
		"miniport (or a variant) and the WavePci port model, in one run under the\n"
		"random schedule of seed N, and writes what landed in the stream's buffers.\n"
		"\n"
		"The input plays like a tape that moves only while the engine takes frames:\n"
		"the n-th frame the ADC hands to the running engine is frame n of FILE, so\n"
		"nothing is skipped while the driver is late. The file's rate is used through\n"
		"variable rate audio (VRA for PCM in, VRM for the mic); a rate the codec\n"
		"cannot do exactly is refused, with the list of the rates it can do, and so\n"
		"are a truncated file and one longer than 6 hours. The stream is padded with\n"
		"silence to whole 4 KiB pages. The file is read and the output written as the\n"
		"run goes, so the audio is never held in memory.\n"
		"\n"
		"Output: the frames that landed in the released capture mappings, in stream\n"
		"order, up to the input's length, as a 16-bit WAV file (stereo, or mono with\n"
		"--mic) at the file's rate. The reference driver leaves the record gains at\n"
		"0 dB, unmuted, so OUT equals the input (as converted) sample for sample.\n"
		"\n"
		"Checks: every checker but the capture half of audio-conservation (which\n"
		"needs its own test pattern as the input) referees the run; in its place the\n"
		"capture is compared with the input: every input frame must land once, in\n"
		"order, unchanged. A failure names the first frame that did not.\n"
		"\n"
		"Unless --quiet, one line on standard output says what was recorded and the\n"
		"run's verdict, steps and event-log hash.\n",
	.options = capture_options,
	.n_options = sizeof(capture_options) / sizeof(capture_options[0]),
	.operands_min = 0,
	.operands_max = 0,
	.epilogue =
		"Exit status: 0 the run passed and the capture equals the input; 1 a checker\n"
		"failed or the capture differs (OUT is still written); 2 bad usage, an\n"
		"unreadable, truncated or refused FILE, or an OUT that cannot be written; 3\n"
		"the run was cut by its time or step limit.\n",
};

void help_capture(FILE *f)
{
	cli_help(&capture_spec, f);
}

/* Returns the exit status when done (help, bad usage), or CLI_CONTINUE. */
static int parse_capture(int argc, char **argv, struct capture_opts *o)
{
	struct cli_args a;
	int st = cli_parse(&capture_spec, argc, argv, &a);
	if (st != CLI_CONTINUE)
		return st;
	memset(o, 0, sizeof(*o));
	o->in = cli_value(&capture_spec, &a, "in");
	o->out = cli_value(&capture_spec, &a, "out");
	o->driver = cli_value(&capture_spec, &a, "driver");
	if (profile_option_get(&capture_spec, &a, &o->profile) != 0)
		return EXIT_USAGE;
	o->mic = cli_given(&capture_spec, &a, "mic");
	o->quiet = cli_given(&capture_spec, &a, "quiet");
	o->seed = 1;
	if (!cli_u64(&capture_spec, &a, "seed", 0, UINT64_MAX, &o->seed))
		return EXIT_USAGE;
	if (o->in == NULL || o->out == NULL)
		return cli_usage_error(&capture_spec, "missing %s",
				       o->in == NULL ? "--in FILE" : "--out FILE");
	return CLI_CONTINUE;
}

/* Opens and checks the input; NULL after saying why. */
static struct audio_source *open_input(const struct capture_opts *o)
{
	char err[ERR_MAX];
	uint32_t ch = o->mic ? 1 : 2;
	enum codec_converter conv = o->mic ? CODEC_CONV_ADC_MIC : CODEC_CONV_ADC_LR;
	struct audio_reader *r = audio_reader_open(o->in, ch, err, sizeof(err));
	if (r == NULL) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return NULL;
	}
	if (!play_input_ok("capture", o->in, audio_reader_info(r), conv,
			   o->profile != NULL ? o->profile->codec : NULL)) {
		audio_reader_close(r);
		return NULL;
	}
	struct audio_source *src = audio_source_create(r);
	if (src == NULL)
		fprintf(stderr, "ac97sim: %s: out of memory\n", o->in);
	return src;
}

/* Returns -1 after saying why when the driver cannot be had. */
static int set_up(const struct capture_opts *o, struct audio_source *src, struct scenario *sc)
{
	const struct audio_info *in = audio_source_info(src);
	uint32_t ch = in->channels;
	scenario_default(sc);
	snprintf(sc->name, sizeof(sc->name), "capture");
	if (o->profile != NULL)
		sc->device.profile = o->profile;
	if (driver_option_apply("capture", o->driver, sc) != 0)
		return -1;
	uint64_t page_frames = GMEM_PAGE_BYTES / (2u * ch);
	uint64_t frames = (in->frames + page_frames - 1) / page_frames * page_frames;
	sc->engine = o->mic ? AC97_MC : AC97_PI;
	sc->stream.direction = PORT_CAPTURE;
	sc->stream.channels = ch;
	sc->stream.rate_hz = in->rate_hz;
	sc->stream.total_bytes = frames * ch * 2u;
	sc->source = SOURCE_SAMPLES;
	sc->n_samples = audio_source_samples(src);
	sc->reader = (struct scenario_sample_reader){ audio_source_sample, src, 0 };
	play_set_budget(sc, frames, in->rate_hz);
	return 0;
}

static void frame_text(const int16_t *s, uint32_t ch, char *buf, size_t len)
{
	if (ch == 1)
		snprintf(buf, len, "%d", s[0]);
	else
		snprintf(buf, len, "(%d, %d)", s[0], s[1]);
}

/* Says whether every input frame landed once, unchanged (and if not, the
 * first that did not). */
static bool judged_equal(const struct capture_opts *o, const struct landed *l, uint32_t rate_hz)
{
	char got[40], want[40];
	if (l->first_bad != UINT64_MAX &&
	    (l->first_missing == UINT64_MAX || l->first_bad < l->first_missing)) {
		frame_text(l->bad_got, l->channels, got, sizeof(got));
		frame_text(l->bad_want, l->channels, want, sizeof(want));
		fprintf(stderr,
			"ac97sim: capture: %s: audio-conservation: input frame %" PRIu64 " (at %.3f s) "
			"was captured as %s, but the input is %s: frames were lost, repeated or changed "
			"on the way\n",
			o->in, l->first_bad, (double)l->first_bad / rate_hz, got, want);
		return false;
	}
	if (l->first_missing != UINT64_MAX) {
		fprintf(stderr,
			"ac97sim: capture: %s: audio-conservation: input frame %" PRIu64 " (at %.3f s) "
			"never landed in a released buffer (%" PRIu64 " of %" PRIu64 " frames missing)\n",
			o->in, l->first_missing, (double)l->first_missing / rate_hz, l->missing,
			l->input_frames);
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

/* After a run that could be set up: checks, writes, reports. */
static int finish(const struct capture_opts *o, const struct scenario *sc,
		  const struct scenario_outcome *out, struct landed *l)
{
	const struct run_result *r = &out->result;
	const struct audio_info *in = audio_source_info(l->src);
	int status = play_exit_for(r->verdict);
	if (r->verdict != RUN_PASS)
		fprintf(stderr, "ac97sim: capture: %s: %s: %s: %s\n", o->in,
			run_verdict_name(r->verdict), r->checker[0] ? r->checker : "run", r->message);
	/* Frames the stream never got to did not land either. */
	skip_to(l, l->input_frames * l->frame_bytes);
	flush_out(l);
	bool same = judged_equal(o, l, in->rate_hz);
	if (!same && status == EXIT_PASS)
		status = EXIT_FAILED;
	char err[ERR_MAX];
	if (audio_source_error(l->src)[0] != '\0') {
		fprintf(stderr, "ac97sim: %s\n", audio_source_error(l->src));
		wav_writer_abort(l->wav);
		status = EXIT_USAGE;
	} else if (wav_writer_commit(l->wav, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		status = EXIT_USAGE;
	}
	l->wav = NULL;
	if (!o->quiet) {
		printf("capture: %s: %" PRIu64 " frames at %u Hz through %s -> %s: %" PRIu64
		       " frames landed%s; driver %s, seed %" PRIu64 ": run %s, %" PRIu64
		       " steps, event log 0x%016" PRIx64 "\n",
		       o->in, in->frames, (unsigned)in->rate_hz, o->mic ? "the mic" : "PCM in", o->out,
		       l->landed_frames, same ? ", equal to the input" : ", NOT equal to the input",
		       sc->driver, o->seed, run_verdict_name(r->verdict), r->steps, r->evlog_hash);
		fflush(stdout);
	}
	return status;
}

int cmd_capture(int argc, char **argv)
{
	struct capture_opts o;
	int status = parse_capture(argc, argv, &o);
	if (status != CLI_CONTINUE)
		return status;
	char err[ERR_MAX];
	if (outfile_check(o.out, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return EXIT_USAGE;
	}
	struct audio_source *src = open_input(&o);
	if (src == NULL)
		return EXIT_USAGE;
	struct scenario *sc = calloc(1, sizeof(*sc));
	struct landed *l = calloc(1, sizeof(*l));
	if (sc == NULL || l == NULL) {
		fprintf(stderr, "ac97sim: capture: out of memory\n");
		status = EXIT_USAGE;
		goto done;
	}
	if (set_up(&o, src, sc) != 0) {
		status = EXIT_USAGE;
		goto done;
	}
	const struct audio_info *in = audio_source_info(src);
	*l = (struct landed){
		.src = src,
		.channels = in->channels,
		.frame_bytes = 2u * in->channels,
		.input_frames = in->frames,
		.total_bytes = sc->stream.total_bytes,
		.frame_whole = true,
		.first_missing = UINT64_MAX,
		.first_bad = UINT64_MAX,
	};
	l->wav = wav_writer_open(o.out, in->channels, in->rate_hz, err, sizeof(err));
	if (l->wav == NULL) {
		fprintf(stderr, "ac97sim: %s\n", err);
		status = EXIT_USAGE;
		goto done;
	}
	sc->capture_sink = (struct scenario_capture_sink){ on_released, l };
	struct strategy st = { .kind = STRATEGY_RANDOM };
	struct scenario_outcome out;
	const char *why = NULL;
	if (scenario_run(sc, &st, o.seed, NULL, NULL, NULL, &out, NULL, &why) != 0) {
		fprintf(stderr, "ac97sim: capture: %s: cannot set up the run: %s\n", o.in,
			why ? why : "?");
		status = EXIT_USAGE;
	} else {
		status = finish(&o, sc, &out, l);
	}
done:
	if (l != NULL)
		wav_writer_abort(l->wav);
	free(l);
	if (sc != NULL)
		scenario_release(sc);
	free(sc);
	audio_source_close(src);
	return status;
}
