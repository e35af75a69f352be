/*
 * test_play.c - `ac97sim play` and `ac97sim capture` end to end (the
 * program exec'd from $AC97SIM, which `make test` sets), the listening path
 * headless through SDL's disk driver, and in-process: audio_file (reading
 * and converting, hostile files, the WAV writer), the codec's rate list,
 * and scenario_run capturing from samples.
 *
 * Tests run from the top of the tree, so fixtures/ is a relative path.
 * Every file a test makes lives in a fresh folder under $TMPDIR (or /tmp)
 * that the test removes.
 */
#include <check.h>
#include <dirent.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audio_file.h"
#include "play.h"
#include "prog.h"
#include "scenario.h"

#define FRONT_CENTER "fixtures/audio/front_center.wav"
#define FRONT_CENTER_FRAMES 68545u

/* ---- helpers ---------------------------------------------------------------------- */

struct tmp {
	char dir[256];
};

static void tmp_make(struct tmp *t)
{
	const char *base = getenv("TMPDIR");
	snprintf(t->dir, sizeof(t->dir), "%s/ac97sim-play-XXXXXX",
		 base != NULL && base[0] != '\0' ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
}

static const char *tmp_path(const struct tmp *t, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", t->dir, name);
	return buf;
}

static void tmp_remove(struct tmp *t)
{
	DIR *d = opendir(t->dir);
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char p[512];
		snprintf(p, sizeof(p), "%s/%s", t->dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(t->dir);
}

/* A deterministic test signal: left and right differ and neighbouring
 * frames differ, so a lost, repeated or swapped frame shows. */
static int16_t signal_sample(uint64_t frame, uint32_t channel)
{
	uint64_t z = (frame * 2 + channel) * 0x9e3779b97f4a7c15ull + 0x1234567ull;
	z ^= z >> 29;
	return (int16_t)(uint16_t)(z >> 17);
}

static int16_t *make_signal(uint64_t frames, uint32_t channels)
{
	int16_t *s = malloc((size_t)(frames * channels) * sizeof(*s));
	ck_assert_ptr_nonnull(s);
	for (uint64_t f = 0; f < frames; f++)
		for (uint32_t c = 0; c < channels; c++)
			s[f * channels + c] = signal_sample(f, c);
	return s;
}

static void write_wav(const char *path, const int16_t *s, uint64_t frames, uint32_t channels,
		      uint32_t rate_hz, int format)
{
	SF_INFO info = { 0 };
	info.samplerate = (int)rate_hz;
	info.channels = (int)channels;
	info.format = format;
	SNDFILE *f = sf_open(path, SFM_WRITE, &info);
	ck_assert_msg(f != NULL, "%s: %s", path, sf_strerror(NULL));
	ck_assert_int_eq(sf_writef_short(f, s, (sf_count_t)frames), (sf_count_t)frames);
	ck_assert_int_eq(sf_close(f), 0);
}

/* The same samples as normalized floats, k / 32768 (what float files
 * hold), in a float or double format. */
static void write_wav_float(const char *path, const int16_t *s, uint64_t frames,
			    uint32_t channels, uint32_t rate_hz, int format)
{
	SF_INFO info = { 0 };
	info.samplerate = (int)rate_hz;
	info.channels = (int)channels;
	info.format = format;
	SNDFILE *f = sf_open(path, SFM_WRITE, &info);
	ck_assert_msg(f != NULL, "%s: %s", path, sf_strerror(NULL));
	double *d = malloc((size_t)(frames * channels) * sizeof(*d));
	ck_assert_ptr_nonnull(d);
	for (uint64_t i = 0; i < frames * channels; i++)
		d[i] = s[i] / 32768.0;
	ck_assert_int_eq(sf_writef_double(f, d, (sf_count_t)frames), (sf_count_t)frames);
	ck_assert_int_eq(sf_close(f), 0);
	free(d);
}

struct wav {
	int16_t *s;
	uint64_t frames;
	uint32_t channels, rate_hz;
};

static void read_wav(const char *path, struct wav *w)
{
	SF_INFO info = { 0 };
	SNDFILE *f = sf_open(path, SFM_READ, &info);
	ck_assert_msg(f != NULL, "%s: %s", path, sf_strerror(NULL));
	ck_assert_int_eq(info.format & SF_FORMAT_TYPEMASK, SF_FORMAT_WAV);
	ck_assert_int_eq(info.format & SF_FORMAT_SUBMASK, SF_FORMAT_PCM_16);
	w->frames = (uint64_t)info.frames;
	w->channels = (uint32_t)info.channels;
	w->rate_hz = (uint32_t)info.samplerate;
	w->s = calloc((size_t)(w->frames * w->channels) + 1, sizeof(*w->s));
	ck_assert_ptr_nonnull(w->s);
	ck_assert_int_eq(sf_readf_short(f, w->s, info.frames), info.frames);
	sf_close(f);
}

static void read_raw(const char *path, struct wav *w, uint32_t channels)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s: not written", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	ck_assert_int_ge(n, 0);
	w->s = malloc((size_t)n + 2);
	ck_assert_ptr_nonnull(w->s);
	ck_assert_uint_eq(fread(w->s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	w->channels = channels;
	w->frames = (uint64_t)n / (2u * channels);
}

/* Frames [lo, hi) of w that lie between the first and the last frame with
 * a sample other than 0. */
static void trim_silence(const struct wav *w, uint64_t *lo, uint64_t *hi)
{
	uint32_t ch = w->channels;
	uint64_t a = 0, b = w->frames;
	while (a < b && w->s[a * ch] == 0 && w->s[a * ch + ch - 1] == 0)
		a++;
	while (b > a && w->s[(b - 1) * ch] == 0 && w->s[(b - 1) * ch + ch - 1] == 0)
		b--;
	*lo = a;
	*hi = b;
}

/* out must be `want` (frames of `channels`, duplicated to stereo when
 * channels is 1 and out is stereo), then silence to a page boundary. */
static void expect_audio(const struct wav *out, const int16_t *want, uint64_t frames,
			 uint32_t channels, uint32_t rate_hz)
{
	ck_assert_uint_eq(out->rate_hz, rate_hz);
	uint64_t page_frames = 4096u / (2u * out->channels);
	uint64_t padded = (frames + page_frames - 1) / page_frames * page_frames;
	ck_assert_uint_eq(out->frames, padded);
	for (uint64_t f = 0; f < frames; f++)
		for (uint32_t c = 0; c < out->channels; c++) {
			int16_t w = want[f * channels + (channels == 1 ? 0 : c)];
			ck_assert_msg(out->s[f * out->channels + c] == w,
				      "frame %llu channel %u: got %d want %d", (unsigned long long)f,
				      c, out->s[f * out->channels + c], w);
		}
	for (uint64_t i = frames * out->channels; i < padded * out->channels; i++)
		ck_assert_int_eq(out->s[i], 0);
}

static struct prog_result *run(const char *const *args, const char *const *env)
{
	struct prog_result *r = calloc(1, sizeof(*r));
	ck_assert_ptr_nonnull(r);
	prog_run(r, args, env);
	return r;
}

static void read_front_center(int16_t **mono)
{
	struct wav w;
	read_wav(FRONT_CENTER, &w);
	ck_assert_uint_eq(w.channels, 1);
	ck_assert_uint_eq(w.frames, FRONT_CENTER_FRAMES);
	*mono = w.s;
}

/* ---- play -------------------------------------------------------------------------- */

START_TEST(play_front_center_bit_exact)
{
	/* Goal: the bundled mono recording played at 0 dB comes out of the DAC
	 * equal to the file, the same sample left and right, then silence to
	 * the end of the last page. */
	struct tmp t;
	tmp_make(&t);
	char out[512];
	tmp_path(&t, "out.wav", out, sizeof(out));
	struct prog_result *r =
		run((const char *const[]){ "play", FRONT_CENTER, "--out", out, "--no-listen", NULL },
		    NULL);
	ck_assert_msg(r->status == 0, "status %d: %s", r->status, r->err);
	ck_assert_ptr_nonnull(strstr(r->out, "pass"));
	int16_t *mono;
	read_front_center(&mono);
	struct wav w;
	read_wav(out, &w);
	ck_assert_uint_eq(w.channels, 2);
	expect_audio(&w, mono, FRONT_CENTER_FRAMES, 1, 48000);
	free(w.s);
	free(mono);
	free(r);
	tmp_remove(&t);
}
END_TEST

static void play_at_rate(uint32_t rate_hz)
{
	struct tmp t;
	tmp_make(&t);
	char in[512], out[512];
	tmp_path(&t, "in.wav", in, sizeof(in));
	tmp_path(&t, "out.wav", out, sizeof(out));
	uint64_t frames = rate_hz / 2 + 123;	/* half a second, not whole pages */
	int16_t *s = make_signal(frames, 2);
	write_wav(in, s, frames, 2, rate_hz, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
	struct prog_result *r = run(
		(const char *const[]){ "play", in, "--out", out, "--no-listen", "--quiet", NULL }, NULL);
	ck_assert_msg(r->status == 0, "status %d: %s", r->status, r->err);
	ck_assert_str_eq(r->out, "");
	struct wav w;
	read_wav(out, &w);
	ck_assert_uint_eq(w.channels, 2);
	expect_audio(&w, s, frames, 2, rate_hz);
	free(w.s);
	free(s);
	free(r);
	tmp_remove(&t);
}

START_TEST(play_44100_through_vra)
{
	/* Goal: a 44.1 kHz stereo file plays through VRA at 44.1 kHz and the
	 * output equals it, left and right in place. */
	play_at_rate(44100);
}
END_TEST

START_TEST(play_22050_through_vra)
{
	/* Goal: the same at 22.05 kHz. */
	play_at_rate(22050);
}
END_TEST

static int avg2(int a, int b)
{
	int sum = a + b;
	return sum >= 0 ? (sum + 1) / 2 : -((-sum + 1) / 2);
}

START_TEST(play_other_formats_and_channels)
{
	/* Goal: a 4-channel file at 8 kHz plays with channels 0 and 2 mixed
	 * to the left and 1 and 3 to the right; a 32-bit float file holding
	 * k / 32768 plays as k exactly. */
	struct tmp t;
	tmp_make(&t);
	char in[512], fin[512], out[512];
	tmp_path(&t, "quad.wav", in, sizeof(in));
	tmp_path(&t, "float.wav", fin, sizeof(fin));
	tmp_path(&t, "out.wav", out, sizeof(out));
	uint64_t frames = 3000;
	int16_t *quad = make_signal(frames, 4);
	write_wav(in, quad, frames, 4, 8000, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
	struct prog_result *r = run(
		(const char *const[]){ "play", in, "--out", out, "--no-listen", "--quiet", NULL }, NULL);
	ck_assert_msg(r->status == 0, "status %d: %s", r->status, r->err);
	free(r);
	struct wav w;
	read_wav(out, &w);
	ck_assert_uint_eq(w.rate_hz, 8000);
	for (uint64_t f = 0; f < frames; f++) {
		ck_assert_int_eq(w.s[2 * f], avg2(quad[f * 4], quad[f * 4 + 2]));
		ck_assert_int_eq(w.s[2 * f + 1], avg2(quad[f * 4 + 1], quad[f * 4 + 3]));
	}
	free(w.s);
	int16_t *st = make_signal(frames, 2);
	write_wav_float(fin, st, frames, 2, 32000, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
	r = run((const char *const[]){ "play", fin, "--out", out, "--no-listen", "--quiet", NULL },
		NULL);
	ck_assert_msg(r->status == 0, "status %d: %s", r->status, r->err);
	read_wav(out, &w);
	ck_assert_uint_eq(w.rate_hz, 32000);
	for (uint64_t i = 0; i < 2 * frames; i++)
		ck_assert_int_eq(w.s[i], st[i]);
	free(w.s);
	free(st);
	free(quad);
	free(r);
	tmp_remove(&t);
}
END_TEST

START_TEST(play_refuses_unsupported_rate)
{
	/* Goal: a rate the codec cannot do exactly is refused up front (exit
	 * 2) with a message naming the rate and the supported rates. */
	struct tmp t;
	tmp_make(&t);
	char in[512];
	tmp_path(&t, "odd.wav", in, sizeof(in));
	int16_t *s = make_signal(1000, 2);
	write_wav(in, s, 1000, 2, 12345, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
	struct prog_result *r = run((const char *const[]){ "play", in, "--no-listen", NULL }, NULL);
	ck_assert_int_eq(r->status, 2);
	ck_assert_msg(strncmp(r->err, "ac97sim: ", 9) == 0 && strstr(r->err, in) != NULL, "%s",
		      r->err);
	ck_assert_msg(strstr(r->err, "12345 Hz") != NULL, "%s", r->err);
	ck_assert_msg(strstr(r->err, "8000, 9600, 11025, 13714, 16000, 22050, 24000, 32000, "
				     "44100, 48000 Hz") != NULL,
		      "%s", r->err);
	ck_assert_str_eq(r->out, "");
	free(s);
	free(r);
	tmp_remove(&t);
}
END_TEST

START_TEST(play_refuses_non_audio)
{
	/* Goal: a file libsndfile cannot read, a missing file and a folder
	 * each give exit 2 and "ac97sim: FILE: reason". */
	struct tmp t;
	tmp_make(&t);
	char text[512], missing[512], want[600];
	tmp_path(&t, "notes.wav", text, sizeof(text));
	tmp_path(&t, "missing.wav", missing, sizeof(missing));
	FILE *f = fopen(text, "w");
	ck_assert_ptr_nonnull(f);
	fputs("this is not a sound file\n", f);
	fclose(f);
	const char *cases[] = { text, missing, t.dir };
	for (size_t i = 0; i < 3; i++) {
		struct prog_result *r =
			run((const char *const[]){ "play", cases[i], "--no-listen", NULL }, NULL);
		ck_assert_int_eq(r->status, 2);
		snprintf(want, sizeof(want), "ac97sim: %s: ", cases[i]);
		ck_assert_msg(strncmp(r->err, want, strlen(want)) == 0, "%s", r->err);
		ck_assert_msg(strchr(r->err, '\n') == r->err + strlen(r->err) - 1,
			      "not one line: %s", r->err);
		free(r);
	}
	struct prog_result *r =
		run((const char *const[]){ "play", text, "--no-listen", NULL }, NULL);
	ck_assert_ptr_nonnull(strstr(r->err, "not a sound file libsndfile reads"));
	free(r);
	tmp_remove(&t);
}
END_TEST

START_TEST(play_usage_errors)
{
	/* Goal: bad usage exits 2 with a one-line reason; --help exits 0 and
	 * documents every option, the output and the listening path. */
	static const char *const bad[][5] = {
		{ "play", NULL },
		{ "play", FRONT_CENTER, "--seed", "x1", NULL },
		{ "play", FRONT_CENTER, "--seed", NULL },
		{ "play", FRONT_CENTER, "--driver", "nosuch", NULL },
		{ "play", FRONT_CENTER, "--loud", NULL },
		{ "play", FRONT_CENTER, FRONT_CENTER, NULL },
		{ "capture", "--in", FRONT_CENTER, NULL },
		{ "capture", "--out", "x.wav", NULL },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct prog_result *r = run(bad[i], NULL);
		ck_assert_msg(r->status == 2, "case %zu: status %d", i, r->status);
		ck_assert_msg(strncmp(r->err, "ac97sim: ", 9) == 0, "case %zu: %s", i, r->err);
		free(r);
	}
	struct prog_result *r = run((const char *const[]){ "play", "--help", NULL }, NULL);
	ck_assert_int_eq(r->status, 0);
	const char *words[] = { "--out", "--listen", "--driver", "--seed", "--no-listen", "--quiet", "VRA",
				"SDL_AUDIODRIVER", "SDL_DISKAUDIOFILE", "no audio device",
				"reference", "Exit status" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		ck_assert_msg(strstr(r->out, words[i]) != NULL, "play --help lacks %s", words[i]);
	free(r);
	r = run((const char *const[]){ "capture", "--help", NULL }, NULL);
	ck_assert_int_eq(r->status, 0);
	const char *cwords[] = { "--in", "--out", "--mic", "--seed", "--driver", "Exit status" };
	for (size_t i = 0; i < sizeof(cwords) / sizeof(cwords[0]); i++)
		ck_assert_msg(strstr(r->out, cwords[i]) != NULL, "capture --help lacks %s", cwords[i]);
	free(r);
}
END_TEST

START_TEST(play_a_variant_that_fails)
{
	/* Goal: a driver variant whose bug fires exits 1 naming the checker;
	 * the output is still written. */
	struct tmp t;
	tmp_make(&t);
	char out[512];
	tmp_path(&t, "out.wav", out, sizeof(out));
	struct prog_result *r = run((const char *const[]){ "play", FRONT_CENTER, "--driver",
							   "ddk1999-lock-held", "--out", out,
							   "--no-listen", NULL },
				    NULL);
	ck_assert_int_eq(r->status, 1);
	ck_assert_msg(strstr(r->err, "lock-across-port-call") != NULL, "%s", r->err);
	ck_assert_int_eq(access(out, R_OK), 0);
	free(r);
	tmp_remove(&t);
}
END_TEST

/* ---- listening, headless ------------------------------------------------------------ */

START_TEST(listen_through_sdl_disk_driver)
{
	/* Goal: what SDL's disk driver says was heard (raw native-endian
	 * 16-bit stereo at the stream's rate) is the DAC output - the --out
	 * WAV, and so the file - with only silence around it, and it took
	 * real time to hear. */
	struct tmp t;
	tmp_make(&t);
	char out[512], raw[512], env_file[600];
	tmp_path(&t, "out.wav", out, sizeof(out));
	tmp_path(&t, "heard.raw", raw, sizeof(raw));
	snprintf(env_file, sizeof(env_file), "SDL_DISKAUDIOFILE=%s", raw);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct prog_result *r =
		run((const char *const[]){ "play", FRONT_CENTER, "--out", out, "--listen", NULL },
		    (const char *const[]){ "SDL_AUDIODRIVER=disk", env_file, NULL });
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_msg(r->status == 0, "status %d: %s", r->status, r->err);
	ck_assert_msg(strstr(r->err, "no audio device") == NULL, "%s", r->err);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(secs >= 1.2, "1.43 s of audio heard in %.2f s: not paced", secs);
	struct wav dac, heard;
	read_wav(out, &dac);
	read_raw(raw, &heard, 2);
	uint64_t a0, a1, b0, b1;
	trim_silence(&dac, &a0, &a1);
	trim_silence(&heard, &b0, &b1);
	ck_assert_uint_gt(a1 - a0, FRONT_CENTER_FRAMES / 2);
	ck_assert_uint_eq(b1 - b0, a1 - a0);
	ck_assert_int_eq(memcmp(heard.s + 2 * b0, dac.s + 2 * a0, (size_t)(a1 - a0) * 4), 0);
	/* And the DAC output is the file. */
	int16_t *mono;
	read_front_center(&mono);
	for (uint64_t f = a0; f < a1; f++)
		ck_assert_int_eq(dac.s[2 * f], mono[f]);
	free(mono);
	free(dac.s);
	free(heard.s);
	free(r);
	tmp_remove(&t);
}
END_TEST

START_TEST(listen_without_a_device_writes_only)
{
	/* Goal: with no audio backend SDL can use, play --listen --out says
	 * "no audio device: writing only", still writes --out and exits 0;
	 * with the dummy backend play FILE listens without complaint. */
	struct tmp t;
	tmp_make(&t);
	char in[512], out[512];
	tmp_path(&t, "in.wav", in, sizeof(in));
	tmp_path(&t, "out.wav", out, sizeof(out));
	int16_t *s = make_signal(2400, 2);
	write_wav(in, s, 2400, 2, 48000, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
	struct prog_result *r =
		run((const char *const[]){ "play", in, "--out", out, "--listen", NULL },
		    (const char *const[]){ "SDL_AUDIODRIVER=no-such-backend", NULL });
	ck_assert_msg(r->status == 0, "status %d: %s", r->status, r->err);
	ck_assert_msg(strstr(r->err, "no audio device: writing only") != NULL, "%s", r->err);
	struct wav w;
	read_wav(out, &w);
	expect_audio(&w, s, 2400, 2, 48000);
	free(w.s);
	free(r);
	r = run((const char *const[]){ "play", in, "--quiet", NULL },
		(const char *const[]){ "SDL_AUDIODRIVER=dummy", NULL });
	ck_assert_msg(r->status == 0, "status %d: %s", r->status, r->err);
	ck_assert_str_eq(r->err, "");
	ck_assert_str_eq(r->out, "");
	free(r);
	free(s);
	tmp_remove(&t);
}
END_TEST

/* ---- capture ---------------------------------------------------------------------- */

static void capture_roundtrip(bool mic, uint32_t file_channels, uint32_t rate_hz)
{
	struct tmp t;
	tmp_make(&t);
	char in[512], out[512];
	tmp_path(&t, "in.wav", in, sizeof(in));
	tmp_path(&t, "out.wav", out, sizeof(out));
	uint64_t frames = rate_hz / 3 + 77;
	int16_t *s = make_signal(frames, file_channels);
	write_wav(in, s, frames, file_channels, rate_hz, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
	const char *args[] = { "capture", "--in", in, "--out", out, mic ? "--mic" : "--quiet", NULL };
	struct prog_result *r = run(args, NULL);
	ck_assert_msg(r->status == 0, "status %d: %s", r->status, r->err);
	struct wav w;
	read_wav(out, &w);
	ck_assert_uint_eq(w.channels, mic ? 1 : 2);
	ck_assert_uint_eq(w.rate_hz, rate_hz);
	ck_assert_uint_eq(w.frames, frames);
	for (uint64_t f = 0; f < frames; f++)
		for (uint32_t c = 0; c < w.channels; c++)
			ck_assert_int_eq(w.s[f * w.channels + c],
					 s[f * file_channels + (file_channels == 1 ? 0 : c)]);
	free(w.s);
	free(s);
	free(r);
	tmp_remove(&t);
}

START_TEST(capture_pcm_in_reproduces_input)
{
	/* Goal: a stereo file recorded through PCM in at 48 kHz and at
	 * 44.1 kHz (VRA) lands in the buffers equal to the file. */
	capture_roundtrip(false, 2, 48000);
	capture_roundtrip(false, 2, 44100);
}
END_TEST

START_TEST(capture_mic_reproduces_input)
{
	/* Goal: a mono file recorded through the mic engine at 48 kHz and at
	 * 16 kHz (VRM) lands equal to the file. */
	capture_roundtrip(true, 1, 48000);
	capture_roundtrip(true, 1, 16000);
}
END_TEST

START_TEST(capture_front_center_through_pcm_in)
{
	/* Goal: the bundled mono recording captured through PCM in comes back
	 * as stereo with the file on both channels. */
	struct tmp t;
	tmp_make(&t);
	char out[512];
	tmp_path(&t, "out.wav", out, sizeof(out));
	struct prog_result *r = run(
		(const char *const[]){ "capture", "--in", FRONT_CENTER, "--out", out, "--seed", "7",
				       NULL },
		NULL);
	ck_assert_msg(r->status == 0, "status %d: %s", r->status, r->err);
	ck_assert_ptr_nonnull(strstr(r->out, "equal to the input"));
	int16_t *mono;
	read_front_center(&mono);
	struct wav w;
	read_wav(out, &w);
	ck_assert_uint_eq(w.frames, FRONT_CENTER_FRAMES);
	for (uint64_t f = 0; f < FRONT_CENTER_FRAMES; f++) {
		ck_assert_int_eq(w.s[2 * f], mono[f]);
		ck_assert_int_eq(w.s[2 * f + 1], mono[f]);
	}
	free(w.s);
	free(mono);
	free(r);
	tmp_remove(&t);
}
END_TEST

START_TEST(capture_refuses_unsupported_rate)
{
	/* Goal: capture refuses a rate the codec's ADC cannot do, exit 2. */
	struct tmp t;
	tmp_make(&t);
	char in[512], out[512];
	tmp_path(&t, "in.wav", in, sizeof(in));
	tmp_path(&t, "out.wav", out, sizeof(out));
	int16_t *s = make_signal(100, 1);
	write_wav(in, s, 100, 1, 96000, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
	struct prog_result *r = run(
		(const char *const[]){ "capture", "--in", in, "--out", out, "--mic", NULL }, NULL);
	ck_assert_int_eq(r->status, 2);
	ck_assert_msg(strstr(r->err, "96000 Hz") != NULL && strstr(r->err, "44100") != NULL, "%s",
		      r->err);
	ck_assert_int_ne(access(out, F_OK), 0);
	free(s);
	free(r);
	tmp_remove(&t);
}
END_TEST

/* ---- in process --------------------------------------------------------------------- */

static void collect(void *ctx, const struct port_mapping_info *m, const uint8_t *bytes)
{
	uint8_t *stream = ctx;
	memcpy(stream + m->stream_offset_bytes, bytes, m->byte_count);
}

START_TEST(scenario_captures_samples_in_order)
{
	/* Goal: scenario_run with a capture stream and SOURCE_SAMPLES plays the
	 * samples as the device's input and shows every released mapping to
	 * the capture sink, so the stream's bytes are the samples; the other
	 * checkers still pass it. */
	for (int mic = 0; mic <= 1; mic++) {
		struct scenario sc;
		scenario_default(&sc);
		uint32_t ch = mic ? 1 : 2;
		sc.engine = mic ? AC97_MC : AC97_PI;
		sc.stream.direction = PORT_CAPTURE;
		sc.stream.channels = ch;
		sc.stream.total_bytes = 8 * 4096;
		uint64_t frames = sc.stream.total_bytes / (2u * ch);
		int16_t *s = make_signal(frames, ch);
		sc.source = SOURCE_SAMPLES;
		sc.samples = s;
		sc.n_samples = frames * ch;
		uint8_t *stream = calloc(sc.stream.total_bytes, 1);
		ck_assert_ptr_nonnull(stream);
		sc.capture_sink = (struct scenario_capture_sink){ collect, stream };
		struct strategy st = { .kind = STRATEGY_RANDOM };
		struct scenario_outcome out;
		const char *why = NULL;
		ck_assert_int_eq(scenario_run(&sc, &st, 3, NULL, NULL, NULL, &out, NULL, &why), 0);
		ck_assert_msg(out.result.verdict == RUN_PASS, "%s: %s", out.result.checker,
			      out.result.message);
		for (uint64_t i = 0; i < frames * ch; i++)
			ck_assert_int_eq((int16_t)(uint16_t)(stream[2 * i] | stream[2 * i + 1] << 8),
					 s[i]);
		free(stream);
		free(s);
	}
}
END_TEST

START_TEST(rates_come_from_the_codec)
{
	/* Goal: the rate list is the codec model's: every converter does the
	 * ten rates of the part and nothing else (not 12345, not 96000). */
	enum codec_converter convs[] = { CODEC_CONV_DAC_FRONT, CODEC_CONV_ADC_LR,
					 CODEC_CONV_ADC_MIC };
	for (size_t i = 0; i < 3; i++) {
		char list[256];
		play_supported_rates(NULL, convs[i], list, sizeof(list));
		ck_assert_str_eq(list, "8000, 9600, 11025, 13714, 16000, 22050, 24000, 32000, 44100, "
				       "48000");
		ck_assert(play_rate_supported(NULL, convs[i], 44100));
		ck_assert(!play_rate_supported(NULL, convs[i], 12345));
		ck_assert(!play_rate_supported(NULL, convs[i], 96000));
		ck_assert(!play_rate_supported(NULL, convs[i], 0));
		ck_assert(!play_rate_supported(NULL, convs[i], 44100 + 65536));
		/* A codec that keeps rates as written runs any rate the link
		 * carries, and says so. */
		ck_assert(play_rate_supported(&codec_part_stac9700_qemu, convs[i], 12345));
		ck_assert(!play_rate_supported(&codec_part_stac9700_qemu, convs[i], 48001));
		play_supported_rates(&codec_part_stac9700_qemu, convs[i], list, sizeof(list));
		ck_assert_str_eq(list, "any from 1 to 48000");
	}
}
END_TEST

START_TEST(audio_clip_converts_channels)
{
	/* Goal: mono is duplicated to stereo; stereo averages to mono; four
	 * channels mix to left (0, 2) and right (1, 3) and to mono (all), each
	 * average rounded to nearest, halves away from zero. */
	struct tmp t;
	tmp_make(&t);
	char p[512];
	tmp_path(&t, "quad.wav", p, sizeof(p));
	const int16_t quad[] = { 1, 2, 4, 7, -1, -2, -4, -8, 32767, 32767, 32767, 32767,
				 -32768, -32768, -32768, -32767 };
	write_wav(p, quad, 4, 4, 32000, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
	struct audio_clip c;
	char err[256];
	ck_assert_int_eq(audio_clip_read(p, 2, &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.frames, 4);
	ck_assert_uint_eq(c.channels, 2);
	ck_assert_uint_eq(c.rate_hz, 32000);
	const int16_t want2[] = { 3, 5, -3, -5, 32767, 32767, -32768, -32768 };
	ck_assert_int_eq(memcmp(c.samples, want2, sizeof(want2)), 0);
	audio_clip_free(&c);
	ck_assert_int_eq(audio_clip_read(p, 1, &c, err, sizeof(err)), 0);
	const int16_t want1[] = { 4, -4, 32767, -32768 };
	ck_assert_int_eq(memcmp(c.samples, want1, sizeof(want1)), 0);
	audio_clip_free(&c);
	ck_assert_int_eq(audio_clip_read(FRONT_CENTER, 2, &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.frames, FRONT_CENTER_FRAMES);
	for (uint64_t f = 0; f < c.frames; f++)
		ck_assert_int_eq(c.samples[2 * f], c.samples[2 * f + 1]);
	audio_clip_free(&c);
	ck_assert_int_eq(audio_clip_read(FRONT_CENTER, 3, &c, err, sizeof(err)), -1);
	tmp_remove(&t);
}
END_TEST

START_TEST(audio_clip_survives_hostile_files)
{
	/* Goal: empty, random, truncated and lying files give -1 with
	 * "FILE: reason" (or a short clip), never a crash or a huge
	 * allocation. */
	struct tmp t;
	tmp_make(&t);
	char p[512];
	tmp_path(&t, "h.wav", p, sizeof(p));
	/* A valid header, then cut at every length; then a header whose data
	 * size claims 2 GiB with 8 bytes behind it. */
	char good[512];
	tmp_path(&t, "good.wav", good, sizeof(good));
	int16_t *s = make_signal(64, 2);
	write_wav(good, s, 64, 2, 48000, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
	uint8_t bytes[1024];
	FILE *f = fopen(good, "rb");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(bytes, 1, sizeof(bytes), f);
	fclose(f);
	for (size_t len = 0; len <= n; len++) {
		f = fopen(p, "wb");
		ck_assert_ptr_nonnull(f);
		fwrite(bytes, 1, len, f);
		fclose(f);
		struct audio_clip c;
		char err[256] = "";
		int rc = audio_clip_read(p, 2, &c, err, sizeof(err));
		if (rc != 0) {
			ck_assert_msg(strncmp(err, p, strlen(p)) == 0 && err[strlen(p)] == ':',
				      "len %zu: %s", len, err);
			ck_assert_ptr_null(c.samples);
		} else {
			ck_assert_uint_le(c.frames, 64);
			audio_clip_free(&c);
		}
	}
	uint8_t liar[44 + 8];
	memcpy(liar, bytes, 44);
	memset(liar + 44, 0x11, 8);
	liar[40] = 0xF0, liar[41] = 0xFF, liar[42] = 0xFF, liar[43] = 0x7F;
	liar[4] = 0xFF, liar[5] = 0xFF, liar[6] = 0xFF, liar[7] = 0x7F;
	f = fopen(p, "wb");
	fwrite(liar, 1, sizeof(liar), f);
	fclose(f);
	struct audio_clip c;
	char err[256] = "";
	if (audio_clip_read(p, 2, &c, err, sizeof(err)) == 0) {
		ck_assert_uint_le(c.frames, 2);
		audio_clip_free(&c);
	}
	/* Random bytes with a RIFF/WAVE start. */
	uint64_t z = 42;
	for (int round = 0; round < 200; round++) {
		memcpy(bytes, "RIFF\x24\x00\x00\x00WAVEfmt ", 16);
		for (size_t i = 16; i < 200; i++) {
			z = z * 6364136223846793005ull + 1442695040888963407ull;
			bytes[i] = (uint8_t)(z >> 56);
		}
		f = fopen(p, "wb");
		fwrite(bytes, 1, 200, f);
		fclose(f);
		if (audio_clip_read(p, 1, &c, err, sizeof(err)) == 0)
			audio_clip_free(&c);
	}
	free(s);
	tmp_remove(&t);
}
END_TEST

START_TEST(wav_writer_round_trip)
{
	/* Goal: frames written in pieces read back as one 16-bit WAV at the
	 * rate and channel count given; an unwritable path fails at open with
	 * "FILE: reason". */
	struct tmp t;
	tmp_make(&t);
	char p[512], bad[600];
	tmp_path(&t, "w.wav", p, sizeof(p));
	int16_t *s = make_signal(1000, 2);
	char err[256];
	struct wav_writer *w = wav_writer_open(p, 2, 22050, err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	ck_assert_int_eq(wav_writer_write(w, s, 300), 0);
	ck_assert_int_eq(wav_writer_write(w, s + 600, 0), 0);
	ck_assert_int_eq(wav_writer_write(w, s + 600, 700), 0);
	ck_assert_int_eq(wav_writer_close(w), 0);
	struct wav back;
	read_wav(p, &back);
	ck_assert_uint_eq(back.rate_hz, 22050);
	ck_assert_uint_eq(back.channels, 2);
	ck_assert_uint_eq(back.frames, 1000);
	ck_assert_int_eq(memcmp(back.s, s, 4000), 0);
	free(back.s);
	snprintf(bad, sizeof(bad), "%s/no/such/folder/x.wav", t.dir);
	ck_assert_ptr_null(wav_writer_open(bad, 2, 48000, err, sizeof(err)));
	ck_assert_msg(strncmp(err, bad, strlen(bad)) == 0, "%s", err);
	free(s);
	tmp_remove(&t);
}
END_TEST

Suite *suite_play(void);
Suite *suite_play(void)
{
	Suite *s = suite_create("tools/play");
	TCase *tc = tcase_create("play");
	tcase_add_test(tc, play_front_center_bit_exact);
	tcase_add_test(tc, play_44100_through_vra);
	tcase_add_test(tc, play_22050_through_vra);
	tcase_add_test(tc, play_other_formats_and_channels);
	tcase_add_test(tc, play_refuses_unsupported_rate);
	tcase_add_test(tc, play_refuses_non_audio);
	tcase_add_test(tc, play_usage_errors);
	tcase_add_test(tc, play_a_variant_that_fails);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tc = tcase_create("listen");
	tcase_add_test(tc, listen_through_sdl_disk_driver);
	tcase_add_test(tc, listen_without_a_device_writes_only);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tc = tcase_create("capture");
	tcase_add_test(tc, capture_pcm_in_reproduces_input);
	tcase_add_test(tc, capture_mic_reproduces_input);
	tcase_add_test(tc, capture_front_center_through_pcm_in);
	tcase_add_test(tc, capture_refuses_unsupported_rate);
	tcase_add_test(tc, scenario_captures_samples_in_order);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tc = tcase_create("audio_file");
	tcase_add_test(tc, rates_come_from_the_codec);
	tcase_add_test(tc, audio_clip_converts_channels);
	tcase_add_test(tc, audio_clip_survives_hostile_files);
	tcase_add_test(tc, wav_writer_round_trip);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
