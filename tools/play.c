/*
 * play.c - `ac97sim play FILE` (see play.h and the help below).
 *
 * One run of one scenario: scenario_default, with the file's audio as the
 * render source (converted to stereo, padded with silence to whole pages)
 * at the file's rate, under the random strategy. The file is streamed
 * through audio_source.h (read in blocks as the port fills IRPs and the
 * checkers look back at them), and the sink given to scenario_run is a
 * dac_tap that turns every PCM-out span into the codec's analogue output
 * (codec_dac_output with the codec as the reference driver leaves it:
 * master 0 dB, PCM out 0x0808 = 0 dB, both unmuted; a variant sets the
 * same mixer), which at 0 dB is the PCM itself, bit for bit. Its frames go
 * straight to the output WAV and to the listener as they come, so the
 * audio is never held whole; the run records no decisions (play writes no
 * trace). What still grows with the length is the port model's and the
 * checkers' record per mapping (about 40 MB an hour of 48 kHz stereo,
 * measured: 22 MB peak RSS for ten minutes, 55 MB for an hour).
 *
 * Decided here:
 * - listening happens when --listen is given, or when --out is not (the
 *   sound is then the only output) unless --no-listen; --out alone runs as
 *   fast as it can and opens no audio device at all;
 * - with nothing to hear it on, play FILE (no --out) is an error that says
 *   what to do; with --out it is a note, and the file is written;
 * - a file longer than PLAY_SECONDS_MAX is refused before it is read;
 * - a file that fails while being read (decoding, cut short) makes the
 *   command exit 2 after the run, and no output file is left;
 * - the scenario's content hash is not computed (0): play writes no trace
 *   and prints no scenario hash, and computing it would read the file
 *   twice.
 */
#include "play.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio_source.h"
#include "cli.h"
#include "dac_tap.h"
#include "driver_option.h"
#include "profile_option.h"
#include "exit_status.h"
#include "listen.h"
#include "outfile.h"
#include "scenario.h"

#define ERR_MAX 4608

/* ---- shared with capture ------------------------------------------------------------- */

static uint32_t rate_register(enum codec_converter conv)
{
	switch (conv) {
	case CODEC_CONV_ADC_LR: return CODEC_PCM_LR_ADC_RATE;
	case CODEC_CONV_ADC_MIC: return CODEC_PCM_MIC_ADC_RATE;
	default: return CODEC_PCM_FRONT_DAC_RATE;
	}
}

static void codec_for_rates(struct codec *c, const struct codec_part *part)
{
	codec_init(c, part);
	codec_write(c, CODEC_EXT_AUDIO_CTRL, CODEC_EA_VRA | CODEC_EA_VRM);
}

static bool probe_rate(struct codec *c, enum codec_converter conv, uint32_t rate_hz)
{
	/* The rate registers are 16 bits; the AC-link carries a sample a
	 * frame at most, whatever a part keeps. */
	if (rate_hz == 0 || rate_hz > SIM_FRAMES_PER_SECOND)
		return false;
	uint32_t reg = rate_register(conv);
	codec_write(c, reg, (uint16_t)rate_hz);
	return codec_read(c, reg) == rate_hz;
}

bool play_rate_supported(const struct codec_part *part, enum codec_converter conv,
			 uint32_t rate_hz)
{
	struct codec c;
	codec_for_rates(&c, part);
	return probe_rate(&c, conv, rate_hz);
}

void play_supported_rates(const struct codec_part *part, enum codec_converter conv, char *buf,
			  size_t len)
{
	struct codec c;
	codec_for_rates(&c, part);
	size_t used = 0;
	if (len > 0)
		buf[0] = '\0';
	if (c.part->rate_rule == CODEC_RATE_AS_WRITTEN) {
		snprintf(buf, len, "any from 1 to %u", (unsigned)SIM_FRAMES_PER_SECOND);
		return;
	}
	for (uint32_t hz = 1; hz <= SIM_FRAMES_PER_SECOND; hz++) {
		if (!probe_rate(&c, conv, hz) || used >= len)
			continue;
		int n = snprintf(buf + used, len - used, "%s%u", used ? ", " : "", (unsigned)hz);
		used += n > 0 ? (size_t)n : 0;
	}
}

bool play_input_ok(const char *cmd, const char *path, const struct audio_info *in,
		   enum codec_converter conv, const struct codec_part *part)
{
	if (in->frames == 0) {
		fprintf(stderr, "ac97sim: %s: no audio in it (0 frames)\n", path);
		return false;
	}
	if (!play_rate_supported(part, conv, in->rate_hz)) {
		char rates[256];
		play_supported_rates(part, conv, rates, sizeof(rates));
		fprintf(stderr, "ac97sim: %s: %u Hz: the codec (%s) cannot %s this rate; it %s %s Hz\n",
			path, (unsigned)in->rate_hz,
			(part != NULL ? part : codec_part_default())->title,
			conv == CODEC_CONV_DAC_FRONT ? "play" : "record at",
			conv == CODEC_CONV_DAC_FRONT ? "plays" : "records", rates);
		return false;
	}
	if (in->frames > (uint64_t)PLAY_SECONDS_MAX * in->rate_hz) {
		char len[32], max[32];
		audio_length_text(in->frames, in->rate_hz, len, sizeof(len));
		audio_length_text(PLAY_SECONDS_MAX, 1, max, sizeof(max));
		fprintf(stderr, "ac97sim: %s: %s long; %s takes at most %s (6 hours: its output is a "
			"WAV file, which holds at most 4 GiB)\n", path, len, cmd, max);
		return false;
	}
	return true;
}

void play_set_budget(struct scenario *sc, uint64_t frames, uint32_t rate_hz)
{
	/* A run takes about 2 scheduling points per millisecond of audio;
	 * room for ten times that. */
	uint64_t ms = frames * 1000u / rate_hz + 1;
	sc->max_steps = 2000000u + ms * 20u;
	sc->max_ticks = 60ull * SIM_TICKS_PER_SECOND + 2u * (frames * SIM_TICKS_PER_SECOND / rate_hz);
	/* Listening is not searching: no faults switched on, so that what is
	 * heard is the driver's audio, bit for bit. */
	sc->swarm_faults = 0;
}

int play_exit_for(enum run_verdict verdict)
{
	switch (verdict) {
	case RUN_PASS: return EXIT_PASS;
	case RUN_LIMIT: return EXIT_LIMIT;
	case RUN_DIVERGED: return EXIT_DIVERGED;
	case RUN_FAIL: break;
	}
	return EXIT_FAILED;
}

/* ---- the command ------------------------------------------------------------------- */

static const struct cli_option play_options[] = {
	{ "out", 'o', CLI_VALUE, "OUT.wav", "write the output as a 16-bit stereo WAV file, as the\n"
					    "run goes (the run does not wait for a listener)" },
	{ "listen", 'l', CLI_FLAG, NULL, "play the output on the audio device through SDL2\n"
					 "(the default without --out)" },
	{ "no-listen", 0, CLI_FLAG, NULL, "do not listen, even without --out (only run and check)" },
	DRIVER_OPTION,
	PROFILE_OPTION,
	{ "seed", 's', CLI_VALUE, "N", "the schedule's seed, decimal or 0x-hex (default 1)" },
	{ "quiet", 'q', CLI_FLAG, NULL, "print nothing but errors" },
};

static const char play_description[] =
	"Plays FILE (anything libsndfile reads: WAV, AIFF, FLAC, Ogg, ...; integer,\n"
	"float or double samples, any channel count) through the whole stack: the\n"
	"WavePci port model, the reference AC'97 miniport (or the driver --driver\n"
	"names), the ICH controller and the codec, with every checker on, in one run\n"
	"under the random schedule of seed N.\n"
	"\n"
	"Audio: each sample becomes 16-bit as round(x * 32768), clamped, where x is the\n"
	"sample normalized to [-1, 1) (so 16-bit files are bit-exact and a float file\n"
	"holding k/32768 gives k); then stereo for PCM out (mono is sent as the same\n"
	"sample left and right; more channels are mixed to left and right), padded\n"
	"with silence to whole 4 KiB pages, at the file's own rate. Rates other than\n"
	"48000 Hz go through variable rate audio (VRA); a rate the codec cannot do\n"
	"exactly is refused, with the list of the rates it can do. A truncated file\n"
	"(less audio than its header says) and one longer than 6 hours are refused.\n"
	"The file is read as the run goes and the output written as it comes, so the\n"
	"audio is never held in memory (the run's record of the port's mappings still\n"
	"grows with the length: about 40 MB an hour at 48 kHz stereo).\n"
	"\n"
	"Output: what the codec's DAC makes of the PCM that crossed the AC-link, with\n"
	"the codec's volume as the reference driver leaves it, whichever driver ran\n"
	"(master and PCM out at 0 dB, unmuted, so the output is the PCM bit for bit),\n"
	"from the stream's first frame of data to its last, fill and underrun frames\n"
	"between included (as the silence or repeated frame the link carried), at the\n"
	"stream's rate.\n"
	"\n"
	"Listening: with --listen, or when there is no --out, the output is played on\n"
	"the default audio device through SDL2 (loaded only then) in real time: the\n"
	"run keeps a quarter of a second ahead of the sound, with a progress line\n"
	"when standard error is a terminal:\n"
	"  playing FILE: 0:03 / 0:07 [#########           ]\n"
	"With --out alone, no audio device is opened and the run goes as fast as it\n"
	"can. When there is no audio device, play FILE is an error (write the output\n"
	"with --out instead), and --listen --out says 'no audio device: writing only'\n"
	"and writes. SDL_AUDIODRIVER picks SDL's backend: 'dummy' plays to nobody;\n"
	"'disk' writes what would be heard to the file SDL_DISKAUDIOFILE as raw\n"
	"native-endian 16-bit stereo at the stream's rate (with silence before and\n"
	"after), paced by SDL_DISKAUDIODELAY milliseconds per buffer.\n"
	"\n"
	"Unless --quiet, one line on standard output says what was played and the\n"
	"run's verdict, steps and event-log hash.\n";

static const char play_epilogue[] =
	"Exit status: 0 the run passed and the output was written and played;\n"
	"1 a checker failed (its name and message are printed; the output is still\n"
	"written and played, so the glitch can be heard); 2 bad usage, an unreadable,\n"
	"truncated or refused FILE, an OUT that cannot be written, an unknown driver,\n"
	"or no audio device to listen on without --out; 3 the run was cut by its time\n"
	"or step limit.\n";

static const struct cli_spec play_spec = {
	.command = "play",
	.synopsis = "FILE [--out OUT.wav] [--listen] [--driver NAME|PATH] [--profile P] [--seed N] "
		    "[--quiet]",
	.description = play_description,
	.options = play_options,
	.n_options = sizeof(play_options) / sizeof(play_options[0]),
	.operands_min = 1,
	.operands_max = 1,
	.epilogue = play_epilogue,
};

void help_play(FILE *f)
{
	cli_help(&play_spec, f);
}

struct play_opts {
	const char *path;
	const char *out;
	const char *driver;
	const struct ac97_profile *profile;	/* NULL: ich */
	uint64_t seed;
	bool listen;
	bool quiet;
};

/* Returns the exit status when the command is done (help, bad usage), or
 * CLI_CONTINUE. */
static int parse_play(int argc, char **argv, struct play_opts *o)
{
	struct cli_args a;
	int st = cli_parse(&play_spec, argc, argv, &a);
	if (st != CLI_CONTINUE)
		return st;
	memset(o, 0, sizeof(*o));
	o->path = a.operands[0];
	o->out = cli_value(&play_spec, &a, "out");
	o->driver = cli_value(&play_spec, &a, "driver");
	if (profile_option_get(&play_spec, &a, &o->profile) != 0)
		return EXIT_USAGE;
	o->quiet = cli_given(&play_spec, &a, "quiet");
	o->seed = 1;
	if (!cli_u64(&play_spec, &a, "seed", 0, UINT64_MAX, &o->seed))
		return EXIT_USAGE;
	bool listen = cli_given(&play_spec, &a, "listen");
	bool no_listen = cli_given(&play_spec, &a, "no-listen");
	if (listen && no_listen)
		return cli_usage_error(&play_spec, "--listen and --no-listen contradict each other");
	o->listen = listen || (o->out == NULL && !no_listen);
	return CLI_CONTINUE;
}

/* Where the tap's frames go. */
struct play_output {
	const struct play_opts *o;
	struct wav_writer *wav;		/* NULL without --out */
	struct listener *listener;	/* NULL when not listening */
	uint32_t rate_hz;
	char listen_err[ERR_MAX];	/* why listening stopped, or "" */
};

static int emit(void *ctx, const int16_t *frames, uint64_t n_frames)
{
	struct play_output *p = ctx;
	if (p->wav != NULL && wav_writer_write(p->wav, frames, n_frames) != 0)
		return -1;	/* the output is lost: the command exits 2 */
	if (p->listener != NULL &&
	    listen_queue(p->listener, frames, n_frames, p->listen_err, sizeof(p->listen_err)) != 0) {
		listen_close(p->listener);
		p->listener = NULL;
	}
	return p->wav != NULL || p->listener != NULL ? 0 : -1;
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

/* Opens the input and checks it. NULL after saying why. */
static struct audio_source *open_input(const struct play_opts *o)
{
	char err[ERR_MAX];
	struct audio_reader *r = audio_reader_open(o->path, 2, err, sizeof(err));
	if (r == NULL) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return NULL;
	}
	if (!play_input_ok("play", o->path, audio_reader_info(r), CODEC_CONV_DAC_FRONT,
			   o->profile != NULL ? o->profile->codec : NULL)) {
		audio_reader_close(r);
		return NULL;
	}
	struct audio_source *src = audio_source_create(r);
	if (src == NULL)
		fprintf(stderr, "ac97sim: %s: out of memory\n", o->path);
	return src;
}

/* Opens what the output goes to: the WAV file and/or the audio device.
 * Returns CLI_CONTINUE, or EXIT_USAGE after saying why. */
static int open_output(const struct play_opts *o, uint32_t rate_hz, uint64_t total_frames,
		       struct play_output *p, struct progress_ctx *progress)
{
	char err[ERR_MAX];
	if (o->listen) {
		p->listener = listen_open(rate_hz, 2, err, sizeof(err));
		if (p->listener == NULL && o->out == NULL) {
			fprintf(stderr, "ac97sim: play: no audio device to listen on (%s): write the "
				"output with --out FILE.wav, or set SDL_AUDIODRIVER=disk to have SDL "
				"write what it would play to SDL_DISKAUDIOFILE\n", err);
			return EXIT_USAGE;
		}
		if (p->listener == NULL)
			fprintf(stderr, "ac97sim: play: no audio device: writing only (%s)\n", err);
		else if (!o->quiet && isatty(2))
			listen_set_progress(p->listener, on_progress, progress, total_frames);
	}
	if (o->out != NULL) {
		p->wav = wav_writer_open(o->out, 2, rate_hz, err, sizeof(err));
		if (p->wav == NULL) {
			fprintf(stderr, "ac97sim: %s\n", err);
			return EXIT_USAGE;
		}
	}
	return CLI_CONTINUE;
}

/* Reports the run; returns its exit status. */
static int report(const struct play_opts *o, const struct audio_info *in,
		  const struct scenario *sc, const struct scenario_outcome *out,
		  const struct dac_tap *d)
{
	const struct run_result *r = &out->result;
	int status = play_exit_for(r->verdict);
	if (r->verdict != RUN_PASS)
		fprintf(stderr, "ac97sim: play: %s: %s: %s: %s\n", o->path, run_verdict_name(r->verdict),
			r->checker[0] ? r->checker : "run", r->message);
	if (d->other_rate || (d->started && d->rate_hz != in->rate_hz)) {
		fprintf(stderr, "ac97sim: play: %s: the codec played at %u Hz, not %u Hz\n", o->path,
			(unsigned)d->rate_hz, (unsigned)in->rate_hz);
		if (status == EXIT_PASS)
			status = EXIT_FAILED;
	}
	if (!o->quiet) {
		char len[32];
		audio_length_text(in->frames, in->rate_hz, len, sizeof(len));
		printf("play: %s: %" PRIu64 " frames (%s) at %u Hz -> %" PRIu64
		       " frames out; driver %s, seed %" PRIu64 ": run %s, %" PRIu64
		       " steps, event log 0x%016" PRIx64 "\n",
		       o->path, in->frames, len, (unsigned)in->rate_hz, d->frames, sc->driver, o->seed,
		       run_verdict_name(r->verdict), r->steps, r->evlog_hash);
		fflush(stdout);
	}
	return status;
}

/* After the run: finishes the outputs. Returns EXIT_USAGE when one of them
 * (or the input) failed, else status. */
static int finish_outputs(const struct play_opts *o, struct audio_source *src,
			  struct play_output *p, const struct dac_tap *d, int status)
{
	char err[ERR_MAX];
	if (p->listener != NULL) {
		if (listen_drain(p->listener, p->listen_err, sizeof(p->listen_err)) != 0)
			fprintf(stderr, "ac97sim: play: audio device: %s\n", p->listen_err);
		listen_close(p->listener);
		p->listener = NULL;
	} else if (p->listen_err[0] != '\0') {
		fprintf(stderr, "ac97sim: play: audio device: %s\n", p->listen_err);
	}
	if (audio_source_error(src)[0] != '\0') {
		fprintf(stderr, "ac97sim: %s\n", audio_source_error(src));
		wav_writer_abort(p->wav);
		p->wav = NULL;
		return EXIT_USAGE;
	}
	if (d->out_of_memory) {
		fprintf(stderr, "ac97sim: play: %s: out of memory for the output\n", o->path);
		wav_writer_abort(p->wav);
		p->wav = NULL;
		return EXIT_USAGE;
	}
	if (p->wav != NULL) {
		int rc = wav_writer_commit(p->wav, err, sizeof(err));
		p->wav = NULL;
		if (rc != 0) {
			fprintf(stderr, "ac97sim: %s\n", err);
			return EXIT_USAGE;
		}
	}
	return status;
}

int cmd_play(int argc, char **argv)
{
	struct play_opts o;
	int status = parse_play(argc, argv, &o);
	if (status != CLI_CONTINUE)
		return status;
	char err[ERR_MAX];
	if (o.out != NULL && outfile_check(o.out, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return EXIT_USAGE;
	}
	struct audio_source *src = open_input(&o);
	if (src == NULL)
		return EXIT_USAGE;
	const struct audio_info in = *audio_source_info(src);
	const uint64_t page_frames = GMEM_PAGE_BYTES / 4u;
	uint64_t frames = (in.frames + page_frames - 1) / page_frames * page_frames;
	struct scenario *sc = malloc(sizeof(*sc));
	struct dac_tap *d = malloc(sizeof(*d));
	struct play_output p = { .o = &o, .rate_hz = in.rate_hz };
	struct progress_ctx progress = { o.path, in.rate_hz };
	if (sc == NULL || d == NULL) {
		fprintf(stderr, "ac97sim: play: out of memory\n");
		status = EXIT_USAGE;
		goto done;
	}
	scenario_default(sc);
	snprintf(sc->name, sizeof(sc->name), "play");
	if (o.profile != NULL)
		sc->device.profile = o.profile;
	if (driver_option_apply("play", o.driver, sc) != 0) {
		status = EXIT_USAGE;
		goto done;
	}
	status = open_output(&o, in.rate_hz, frames, &p, &progress);
	if (status != CLI_CONTINUE)
		goto done;
	sc->source = SOURCE_SAMPLES;
	sc->n_samples = audio_source_samples(src);
	sc->reader = (struct scenario_sample_reader){ audio_source_sample, src, 0 };
	sc->stream.rate_hz = in.rate_hz;
	sc->stream.total_bytes = 4 * frames;
	play_set_budget(sc, frames, in.rate_hz);
	dac_tap_init_stream(d, emit, &p);
	struct strategy st = { .kind = STRATEGY_RANDOM };
	struct ac97_sink sink = dac_tap_sink(d);
	struct scenario_outcome out;
	const char *why = NULL;
	if (scenario_run(sc, &st, o.seed, NULL, NULL, &sink, &out, NULL, &why) != 0) {
		fprintf(stderr, "ac97sim: play: %s: cannot set up the run: %s\n", o.path,
			why ? why : "?");
		status = EXIT_USAGE;
	} else {
		status = report(&o, &in, sc, &out, d);
		status = finish_outputs(&o, src, &p, d, status);
	}
	dac_tap_free(d);
done:
	listen_close(p.listener);
	wav_writer_abort(p.wav);
	free(d);
	if (sc != NULL)
		scenario_release(sc);
	free(sc);
	audio_source_close(src);
	return status;
}
