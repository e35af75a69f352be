/*
 * test_audio.c - "results you can trust" for audio: every format libsndfile
 * reads plays at full scale through one conversion, truncated and too-long
 * files are refused, play and capture stream (peak RSS measured with
 * wait4), outputs are whole or absent, SDL stays closed and quiet unless
 * listening; and in process: the conversion rule, the reader, the block
 * cache, the DAC tap's held-back fill, the scenario's sample reader and
 * hash, and the decision-recording switch.
 *
 * The program runs as a child (fork, execve, wait4) so that its peak RSS
 * and, where a test needs it, a file-size limit are its own. Files are made
 * with libsndfile in a fresh folder under $TMPDIR (or /tmp) that each test
 * removes; long inputs are sparse WAV files (a header, then a hole), so an
 * hour of audio takes no disk to read.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audio_file.h"
#include "audio_source.h"
#include "dac_tap.h"
#include "decide.h"
#include "scenario.h"
#include "scenario_file.h"

#define MIB (1024L * 1024L)
#define VOICE_FILE "fixtures/audio/front_center.wav"
#define RSS_LIMIT_KIB (64L * 1024L)	/* 64 MiB, as ru_maxrss counts (KiB) */

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

extern char **environ;

/* ---- files and folders ----------------------------------------------------------- */

struct tmp {
	char dir[256];
};

static void tmp_make(struct tmp *t)
{
	const char *base = getenv("TMPDIR");
	snprintf(t->dir, sizeof(t->dir), "%s/ac97sim-audio-XXXXXX",
		 base != NULL && base[0] != '\0' ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
}

static const char *tmp_path(const struct tmp *t, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", t->dir, name);
	return buf;
}

/* The names in t's folder other than keep, as "a b c" (for asserts). */
static void tmp_others(const struct tmp *t, const char *keep, char *buf, size_t len)
{
	DIR *d = opendir(t->dir);
	ck_assert_ptr_nonnull(d);
	size_t o = 0;
	buf[0] = '\0';
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    (keep != NULL && strcmp(e->d_name, keep) == 0))
			continue;
		int n = snprintf(buf + o, len - o, "%s%s", o ? " " : "", e->d_name);
		if (n > 0 && (size_t)n < len - o)
			o += (size_t)n;
	}
	closedir(d);
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

/* A deterministic signal: channels differ and neighbouring frames differ. */
static int16_t signal_sample(uint64_t frame, uint32_t channel)
{
	uint64_t z = (frame * 8 + channel) * 0x9e3779b97f4a7c15ull + 0x7654321ull;
	z ^= z >> 29;
	return (int16_t)(uint16_t)(z >> 17);
}

static int16_t *make_signal(uint64_t frames, uint32_t channels, uint16_t mask)
{
	int16_t *s = malloc((size_t)(frames * channels) * sizeof(*s));
	ck_assert_ptr_nonnull(s);
	for (uint64_t f = 0; f < frames; f++)
		for (uint32_t c = 0; c < channels; c++)
			s[f * channels + c] = (int16_t)((uint16_t)signal_sample(f, c) & mask);
	return s;
}

enum writing { AS_SHORT, AS_INT, AS_DOUBLE };

/* Writes s (16-bit values k) so that the exact conversion gives k back:
 * as shorts, as ints k << 16, or as doubles k / 32768. */
static void write_sound(const char *path, int format, const int16_t *s, uint64_t frames,
			uint32_t channels, uint32_t rate_hz, enum writing how)
{
	SF_INFO info = { 0 };
	info.samplerate = (int)rate_hz;
	info.channels = (int)channels;
	info.format = format;
	SNDFILE *f = sf_open(path, SFM_WRITE, &info);
	ck_assert_msg(f != NULL, "%s: %s", path, sf_strerror(NULL));
	size_t n = (size_t)(frames * channels);
	sf_count_t done = 0;
	if (how == AS_SHORT) {
		done = sf_writef_short(f, s, (sf_count_t)frames);
	} else if (how == AS_INT) {
		int *v = malloc(n * sizeof(*v));
		ck_assert_ptr_nonnull(v);
		for (size_t i = 0; i < n; i++)
			v[i] = (int)((uint32_t)(uint16_t)s[i] << 16);
		done = sf_writef_int(f, v, (sf_count_t)frames);
		free(v);
	} else {
		double *v = malloc(n * sizeof(*v));
		ck_assert_ptr_nonnull(v);
		for (size_t i = 0; i < n; i++)
			v[i] = s[i] / 32768.0;
		done = sf_writef_double(f, v, (sf_count_t)frames);
		free(v);
	}
	ck_assert_int_eq(done, (sf_count_t)frames);
	ck_assert_int_eq(sf_close(f), 0);
}

/* A 16-bit PCM WAV header claiming `frames`, then a hole to that length:
 * a valid file of any length that takes no disk. */
static void write_sparse_wav(const char *path, uint64_t frames, uint32_t channels,
			     uint32_t rate_hz)
{
	uint64_t data = frames * channels * 2u;
	ck_assert_uint_le(data, 0xFFFFFFFFu - 36u);
	uint8_t h[44];
	uint32_t v[] = { (uint32_t)(36u + data), 16u, 0, rate_hz, rate_hz * channels * 2u, 0,
			 (uint32_t)data };
	memcpy(h, "RIFF", 4);
	memcpy(h + 8, "WAVEfmt ", 8);
	memcpy(h + 36, "data", 4);
	const size_t at[] = { 4, 16, 20, 24, 28, 32, 40 };
	for (size_t i = 0; i < 7; i++)
		for (int b = 0; b < 4; b++)
			h[at[i] + (size_t)b] = (uint8_t)(v[i] >> (8 * b));
	h[20] = 1, h[21] = 0;	/* PCM */
	h[22] = (uint8_t)channels, h[23] = 0;
	h[32] = (uint8_t)(channels * 2u), h[33] = 0;
	h[34] = 16, h[35] = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, h, sizeof(h)), (ssize_t)sizeof(h));
	ck_assert_int_eq(ftruncate(fd, (off_t)(sizeof(h) + data)), 0);
	close(fd);
}

/* The first len bytes of src into dst. */
static void cut_file(const char *src, const char *dst, long len)
{
	FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	for (long i = 0; i < len; i++) {
		int c = fgetc(in);
		ck_assert_int_ne(c, EOF);
		fputc(c, out);
	}
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
}

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
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
	ck_assert_int_eq(info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
	w->frames = (uint64_t)info.frames;
	w->channels = (uint32_t)info.channels;
	w->rate_hz = (uint32_t)info.samplerate;
	w->s = calloc((size_t)(w->frames * w->channels) + 1, sizeof(*w->s));
	ck_assert_ptr_nonnull(w->s);
	ck_assert_int_eq(sf_readf_short(f, w->s, info.frames), info.frames);
	sf_close(f);
}

/* ---- the program as a child -------------------------------------------------------- */

struct child {
	int status;		/* exit status, or -1 when it did not exit */
	long maxrss_kib;	/* peak resident set (wait4's ru_maxrss) */
	long runner_maxrss_kib;	/* the test's own peak when it forked */
	char out[16384];
	char err[16384];
};

static void slurp(int fd, char *buf, size_t cap)
{
	lseek(fd, 0, SEEK_SET);
	ssize_t n = read(fd, buf, cap - 1);
	buf[n > 0 ? n : 0] = '\0';
}

/* Runs $AC97SIM args with extra_env first in its environment; a non-zero
 * fsize_limit caps the size of any file it writes (SIGXFSZ ignored, so a
 * write past it fails with EFBIG, as on a full disk). */
static void run_child(struct child *c, const char *const *args, const char *const *extra_env,
		      rlim_t fsize_limit)
{
	const char *prog = getenv("AC97SIM");
	ck_assert_msg(prog != NULL && prog[0] != '\0', "AC97SIM is not set: run 'make test'");
	char *argv[32], *envp[300];
	size_t argc = 0, envc = 0;
	argv[argc++] = (char *)prog;
	for (size_t i = 0; args[i] != NULL && argc < 31; i++)
		argv[argc++] = (char *)args[i];
	argv[argc] = NULL;
	for (size_t i = 0; extra_env != NULL && extra_env[i] != NULL && envc < 32; i++)
		envp[envc++] = (char *)extra_env[i];
	for (size_t i = 0; environ[i] != NULL && envc < 299; i++)
		envp[envc++] = environ[i];
	envp[envc] = NULL;
	FILE *out = tmpfile(), *err = tmpfile();
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(err);
	fflush(NULL);
	struct rusage self;
	getrusage(RUSAGE_SELF, &self);
	c->runner_maxrss_kib = self.ru_maxrss;
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null_fd = open("/dev/null", O_RDONLY);
		dup2(null_fd, 0);
		dup2(fileno(out), 1);
		dup2(fileno(err), 2);
		if (fsize_limit != 0) {
			struct rlimit rl = { fsize_limit, fsize_limit };
			signal(SIGXFSZ, SIG_IGN);
			setrlimit(RLIMIT_FSIZE, &rl);
		}
		execve(prog, argv, envp);
		_exit(127);
	}
	int wstatus;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	while (wait4(pid, &wstatus, 0, &ru) < 0)
		ck_assert_int_eq(errno, EINTR);
	c->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
	c->maxrss_kib = ru.ru_maxrss;
	slurp(fileno(out), c->out, sizeof(c->out));
	slurp(fileno(err), c->err, sizeof(c->err));
	fclose(out);
	fclose(err);
}

static struct child *child_new(void)
{
	struct child *c = calloc(1, sizeof(*c));
	ck_assert_ptr_nonnull(c);
	return c;
}

/* ---- every format at full scale ----------------------------------------------------- */

struct format_case {
	const char *name;
	int format;
	enum writing how;
	uint16_t mask;		/* 8-bit formats keep the top byte only */
	uint32_t rate_hz;
};

static const struct format_case format_cases[] = {
	{ "pcm16.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, AS_SHORT, 0xFFFF, 48000 },
	{ "float.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, AS_DOUBLE, 0xFFFF, 48000 },
	{ "double.wav", SF_FORMAT_WAV | SF_FORMAT_DOUBLE, AS_DOUBLE, 0xFFFF, 44100 },
	{ "pcm24.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, AS_INT, 0xFFFF, 48000 },
	{ "pcm32.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_32, AS_INT, 0xFFFF, 32000 },
	{ "u8.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, AS_INT, 0xFF00, 22050 },
	{ "pcm16.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16, AS_SHORT, 0xFFFF, 48000 },
	{ "float.aiff", SF_FORMAT_AIFF | SF_FORMAT_FLOAT, AS_DOUBLE, 0xFFFF, 48000 },
	{ "s8.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_S8, AS_INT, 0xFF00, 16000 },
	{ "pcm16.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, AS_INT, 0xFFFF, 48000 },
	{ "pcm24.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24, AS_INT, 0xFFFF, 44100 },
	{ "s8.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_S8, AS_INT, 0xFF00, 8000 },
};

/* Plays path with --out and returns the output (stereo at rate_hz). */
static void play_out(const struct tmp *t, const char *path, uint32_t rate_hz, struct wav *w)
{
	char out[512];
	tmp_path(t, "out.wav", out, sizeof(out));
	struct child *c = child_new();
	run_child(c, (const char *const[]){ "play", path, "--out", out, "--quiet", NULL }, NULL, 0);
	ck_assert_msg(c->status == 0, "%s: status %d: %s", path, c->status, c->err);
	ck_assert_str_eq(c->err, "");
	read_wav(out, w);
	ck_assert_uint_eq(w->channels, 2);
	ck_assert_uint_eq(w->rate_hz, rate_hz);
	unlink(out);
	free(c);
}

START_TEST(every_format_plays_bit_exact)
{
	/* Goal: a stereo file in each format (float and double WAV, 24, 32
	 * and 8-bit WAV, AIFF 16/float/8, FLAC 16/24/8) holding the values k
	 * exactly plays through play --out as k, sample for sample (float
	 * files hold k / 32768), then silence to a whole page. */
	struct tmp t;
	tmp_make(&t);
	const uint64_t frames = 2500;
	for (size_t i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
		const struct format_case *fc = &format_cases[i];
		char in[512];
		tmp_path(&t, fc->name, in, sizeof(in));
		int16_t *k = make_signal(frames, 2, fc->mask);
		write_sound(in, fc->format, k, frames, 2, fc->rate_hz, fc->how);
		struct wav w;
		play_out(&t, in, fc->rate_hz, &w);
		ck_assert_uint_eq(w.frames, 3072);	/* 2500 frames padded to 3 pages */
		for (uint64_t j = 0; j < 2 * frames; j++)
			ck_assert_msg(w.s[j] == k[j], "%s: sample %llu: got %d, want %d", fc->name,
				      (unsigned long long)j, w.s[j], k[j]);
		for (uint64_t j = 2 * frames; j < 2 * w.frames; j++)
			ck_assert_int_eq(w.s[j], 0);
		free(w.s);
		free(k);
		unlink(in);
	}
	tmp_remove(&t);
}
END_TEST

START_TEST(multichannel_float_equals_its_16_bit_conversion)
{
	/* Goal: a 6-channel float WAV holding k / 32768 plays exactly as the
	 * 6-channel 16-bit WAV holding k: conversion first, then the same
	 * integer mix-down to stereo; and the mix is not just one channel. */
	struct tmp t;
	tmp_make(&t);
	const uint64_t frames = 3000;
	int16_t *k = make_signal(frames, 6, 0xFFFF);
	char fpath[512], ipath[512];
	tmp_path(&t, "six-float.wav", fpath, sizeof(fpath));
	tmp_path(&t, "six-16.wav", ipath, sizeof(ipath));
	write_sound(fpath, SF_FORMAT_WAV | SF_FORMAT_FLOAT, k, frames, 6, 48000, AS_DOUBLE);
	write_sound(ipath, SF_FORMAT_WAV | SF_FORMAT_PCM_16, k, frames, 6, 48000, AS_SHORT);
	struct wav a, b;
	play_out(&t, fpath, 48000, &a);
	play_out(&t, ipath, 48000, &b);
	ck_assert_uint_eq(a.frames, b.frames);
	ck_assert_int_eq(memcmp(a.s, b.s, (size_t)a.frames * 4), 0);
	uint64_t differs = 0;
	for (uint64_t f = 0; f < frames; f++)
		differs += a.s[2 * f] != k[6 * f] || a.s[2 * f + 1] != k[6 * f + 1];
	ck_assert_uint_gt(differs, frames / 2);
	free(a.s);
	free(b.s);
	free(k);
	tmp_remove(&t);
}
END_TEST

START_TEST(conversion_rule)
{
	/* Goal: round(x * 32768), halves away from zero, clamped, NaN 0: k /
	 * 32768 gives k for every k; a 24-bit sample half-way between two
	 * 16-bit values goes away from zero when read from a file. */
	for (int k = -32768; k <= 32767; k++)
		ck_assert_int_eq(audio_sample_from_double(k / 32768.0), k);
	ck_assert_int_eq(audio_sample_from_double(0.5 / 32768.0), 1);
	ck_assert_int_eq(audio_sample_from_double(-0.5 / 32768.0), -1);
	ck_assert_int_eq(audio_sample_from_double(0.49 / 32768.0), 0);
	ck_assert_int_eq(audio_sample_from_double(1.0), 32767);
	ck_assert_int_eq(audio_sample_from_double(7.5), 32767);
	ck_assert_int_eq(audio_sample_from_double(-1.0), -32768);
	ck_assert_int_eq(audio_sample_from_double(-1e300), -32768);
	ck_assert_int_eq(audio_sample_from_double(INFINITY), 32767);
	ck_assert_int_eq(audio_sample_from_double(-INFINITY), -32768);
	ck_assert_int_eq(audio_sample_from_double(NAN), 0);
	struct tmp t;
	tmp_make(&t);
	char p[512];
	tmp_path(&t, "half.wav", p, sizeof(p));
	SF_INFO info = { .samplerate = 48000, .channels = 1,
			 .format = SF_FORMAT_WAV | SF_FORMAT_PCM_24 };
	SNDFILE *f = sf_open(p, SFM_WRITE, &info);
	ck_assert_ptr_nonnull(f);
	/* 24-bit values 5.5, -5.5, 5.25 and 32767.5 in 16-bit steps. */
	int v[] = { (5 << 16) + (128 << 8), -((5 << 16) + (128 << 8)), (5 << 16) + (64 << 8),
		    (32767 << 16) + (128 << 8) };
	ck_assert_int_eq(sf_writef_int(f, v, 4), 4);
	sf_close(f);
	struct audio_clip c;
	char err[512];
	ck_assert_msg(audio_clip_read(p, 1, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(c.frames, 4);
	ck_assert_int_eq(c.samples[0], 6);
	ck_assert_int_eq(c.samples[1], -6);
	ck_assert_int_eq(c.samples[2], 5);
	ck_assert_int_eq(c.samples[3], 32767);
	audio_clip_free(&c);
	tmp_remove(&t);
}
END_TEST

/* ---- refusals ------------------------------------------------------------------------ */

/* play and capture of path both exit 2 with err starting
 * "ac97sim: PATH: " and containing what; no output is left. */
static void expect_refused(const struct tmp *t, const char *path, const char *what)
{
	char out[512], want[600];
	tmp_path(t, "refused-out.wav", out, sizeof(out));
	snprintf(want, sizeof(want), "ac97sim: %s: ", path);
	const char *const cmds[][8] = {
		{ "play", path, "--out", out, NULL },
		{ "capture", "--in", path, "--out", out, NULL },
	};
	for (size_t i = 0; i < 2; i++) {
		struct child *c = child_new();
		run_child(c, cmds[i], NULL, 0);
		ck_assert_msg(c->status == 2, "%s %s: status %d: %s", cmds[i][0], path, c->status,
			      c->err);
		ck_assert_msg(strncmp(c->err, want, strlen(want)) == 0 && strstr(c->err, what) != NULL,
			      "%s %s: %s", cmds[i][0], path, c->err);
		ck_assert_msg(strchr(c->err, '\n') == c->err + strlen(c->err) - 1, "not one line: %s",
			      c->err);
		ck_assert_int_eq(access(out, F_OK), -1);
		ck_assert_str_eq(c->out, "");
		free(c);
	}
}

START_TEST(truncated_files_are_refused)
{
	/* Goal: a WAV, an AIFF and a FLAC file cut short (less audio than
	 * their headers say) are refused by play and capture with exit 2,
	 * "truncated" and the lengths, and no output file. */
	struct tmp t;
	tmp_make(&t);
	const uint64_t frames = 48000;
	int16_t *k = make_signal(frames, 2, 0xFFFF);
	static const struct {
		const char *whole, *cut;
		int format;
		const char *what;
	} cases[] = {
		{ "w.wav", "cut.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16,
		  "truncated: its header says 48000 frames (0:01) of audio, the file holds" },
		{ "a.aiff", "cut.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16,
		  "truncated: its header says 48000 frames (0:01) of audio, the file holds" },
		{ "f.flac", "cut.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16,
		  "truncated or damaged: its header says 48000 frames (0:01)" },
	};
	for (size_t i = 0; i < 3; i++) {
		char whole[512], cut[512];
		tmp_path(&t, cases[i].whole, whole, sizeof(whole));
		tmp_path(&t, cases[i].cut, cut, sizeof(cut));
		write_sound(whole, cases[i].format, k, frames, 2, 48000, AS_SHORT);
		cut_file(whole, cut, file_size(whole) * 2 / 3);
		expect_refused(&t, cut, cases[i].what);
		/* The whole file is fine. */
		struct audio_clip c;
		char err[512];
		ck_assert_msg(audio_clip_read(whole, 2, &c, err, sizeof(err)) == 0, "%s", err);
		ck_assert_int_eq(memcmp(c.samples, k, (size_t)frames * 4), 0);
		audio_clip_free(&c);
	}
	free(k);
	tmp_remove(&t);
}
END_TEST

START_TEST(too_long_files_are_refused_before_reading)
{
	/* Goal: a file longer than 6 hours (a sparse 8 kHz WAV of 7 h) is
	 * refused by play and capture with its length in minutes and seconds,
	 * from its header alone (the reader opens it without reading a frame);
	 * a scenario source longer than its max_time is refused the same way
	 * at the file key's line. */
	struct tmp t;
	tmp_make(&t);
	char longp[512];
	tmp_path(&t, "seven-hours.wav", longp, sizeof(longp));
	write_sparse_wav(longp, 7ull * 3600u * 8000u, 1, 8000);
	expect_refused(&t, longp, "420:00 long; ");
	struct child *c = child_new();
	run_child(c, (const char *const[]){ "play", longp, "--no-listen", NULL }, NULL, 0);
	ck_assert_msg(strstr(c->err, "420:00 long; play takes at most 360:00") != NULL, "%s",
		      c->err);
	free(c);
	char err[512];
	struct audio_reader *r = audio_reader_open(longp, 1, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	ck_assert_uint_eq(audio_reader_info(r)->frames, 7ull * 3600u * 8000u);
	ck_assert_uint_eq(audio_reader_position(r), 0);
	audio_reader_close(r);
	/* A scenario whose source outlasts max_time. */
	char wav[512], ini[512];
	tmp_path(&t, "three-s.wav", wav, sizeof(wav));
	int16_t *k = make_signal(3 * 48000, 2, 0xFFFF);
	write_sound(wav, SF_FORMAT_WAV | SF_FORMAT_PCM_16, k, 3 * 48000, 2, 48000, AS_SHORT);
	free(k);
	tmp_path(&t, "s.ini", ini, sizeof(ini));
	FILE *f = fopen(ini, "w");
	ck_assert_ptr_nonnull(f);
	fputs("[scenario]\nmax_time = 2s\n[source]\nfile = three-s.wav\n", f);
	fclose(f);
	struct scenario_file sf;
	char serr[2048], want[1200];
	ck_assert_int_eq(scenario_file_load(ini, &sf, serr, sizeof(serr)), -1);
	snprintf(want, sizeof(want), "%s:4: file: %s: 0:03 long; the scenario's max_time is 0:02",
		 ini, wav);
	ck_assert_msg(strncmp(serr, want, strlen(want)) == 0, "got %s\nwant %s", serr, want);
	ck_assert_ptr_null(sf.audio);
	tmp_remove(&t);
}
END_TEST

/* ---- flat memory --------------------------------------------------------------------- */

/* Under ASan every allocation carries shadow memory and a quarantine, so
 * the sanitizer build plays a tenth of the length. */
#define HOUR_FRAMES (UNDER_ASAN ? 360u * 48000u : 3600u * 48000u)

/* The child's peak RSS is under 64 MiB. Linux's ru_maxrss also counts the
 * peak of the image the child replaced at exec - the forked copy of this
 * test - so a bound can only be seen above the test's own peak: the plain
 * runner's is a few MiB, but the sanitizer runner's is about 70 MiB, so
 * there the check is only that the child never outgrew the runner. */
static void expect_rss_bounded(const struct child *c)
{
	if (UNDER_ASAN && c->runner_maxrss_kib >= RSS_LIMIT_KIB)
		ck_assert_msg(c->maxrss_kib <= c->runner_maxrss_kib + 1024,
			      "peak RSS %ld KiB, above the runner's own %ld KiB", c->maxrss_kib,
			      c->runner_maxrss_kib);
	else
		ck_assert_msg(c->maxrss_kib < RSS_LIMIT_KIB, "peak RSS %ld KiB (runner %ld KiB)",
			      c->maxrss_kib, c->runner_maxrss_kib);
}

START_TEST(an_hour_plays_in_flat_memory)
{
	/* Goal: an hour of 48 kHz stereo (a sparse WAV) plays with --out in
	 * under 64 MiB of peak RSS, and the output is written whole (six
	 * minutes under ASan, same bound). */
	struct tmp t;
	tmp_make(&t);
	char in[512], out[512];
	tmp_path(&t, "hour.wav", in, sizeof(in));
	tmp_path(&t, "out.wav", out, sizeof(out));
	write_sparse_wav(in, HOUR_FRAMES, 2, 48000);
	struct child *c = child_new();
	run_child(c, (const char *const[]){ "play", in, "--out", out, NULL }, NULL, 0);
	ck_assert_msg(c->status == 0, "status %d: %s", c->status, c->err);
	expect_rss_bounded(c);
	ck_assert_int_eq(file_size(out), 44L + (long)HOUR_FRAMES * 4L);
	ck_assert_ptr_nonnull(strstr(c->out, "run pass"));
	unlink(out);
	free(c);
	tmp_remove(&t);
}
END_TEST

START_TEST(a_long_capture_streams)
{
	/* Goal: capture --in of half an hour of 48 kHz stereo (three minutes
	 * under ASan) stays under 64 MiB of peak RSS and writes every frame. */
	struct tmp t;
	tmp_make(&t);
	char in[512], out[512];
	tmp_path(&t, "long.wav", in, sizeof(in));
	tmp_path(&t, "out.wav", out, sizeof(out));
	uint64_t frames = HOUR_FRAMES / 2u;
	write_sparse_wav(in, frames, 2, 48000);
	struct child *c = child_new();
	run_child(c, (const char *const[]){ "capture", "--in", in, "--out", out, NULL }, NULL, 0);
	ck_assert_msg(c->status == 0, "status %d: %s", c->status, c->err);
	expect_rss_bounded(c);
	ck_assert_int_eq(file_size(out), 44L + (long)frames * 4L);
	ck_assert_ptr_nonnull(strstr(c->out, "equal to the input"));
	unlink(out);
	free(c);
	tmp_remove(&t);
}
END_TEST

/* ---- outputs: whole or absent --------------------------------------------------------- */

START_TEST(unwritable_outputs_leave_nothing)
{
	/* Goal: play and capture with --out /dev/full, with --out in a folder
	 * that does not exist, and with a file-size limit that makes a write
	 * fail half-way, exit 2 with "ac97sim: PATH: reason" and leave no
	 * file (and no temporary file) behind. */
	struct tmp t;
	tmp_make(&t);
	char in[512], missing[512], limited[512], others[1024];
	tmp_path(&t, "in.wav", in, sizeof(in));
	tmp_path(&t, "no/such/dir/x.wav", missing, sizeof(missing));
	tmp_path(&t, "limited.wav", limited, sizeof(limited));
	const uint64_t frames = 48000;
	int16_t *k = make_signal(frames, 2, 0xFFFF);
	write_sound(in, SF_FORMAT_WAV | SF_FORMAT_PCM_16, k, frames, 2, 48000, AS_SHORT);
	free(k);
	const char *outs[] = { "/dev/full", missing, limited };
	for (size_t i = 0; i < 3; i++) {
		for (int cap = 0; cap <= 1; cap++) {
			const char *const play_args[] = { "play", in, "--out", outs[i], NULL };
			const char *const cap_args[] = { "capture", "--in", in, "--out", outs[i], NULL };
			struct child *c = child_new();
			run_child(c, cap ? cap_args : play_args, NULL, i == 2 ? 64 * 1024 : 0);
			char want[600];
			snprintf(want, sizeof(want), "ac97sim: %s: ", outs[i]);
			ck_assert_msg(c->status == 2, "%s %s: status %d: %s", cap ? "capture" : "play",
				      outs[i], c->status, c->err);
			ck_assert_msg(strstr(c->err, want) != NULL, "%s: %s", outs[i], c->err);
			tmp_others(&t, "in.wav", others, sizeof(others));
			ck_assert_msg(strcmp(others, "") == 0, "left behind: %s", others);
			free(c);
		}
	}
	tmp_remove(&t);
}
END_TEST

START_TEST(no_device_and_no_out_says_what_to_do)
{
	/* Goal: play FILE with no audio device (a backend SDL does not have)
	 * and no --out exits 2 before running, saying to use --out or the disk
	 * backend; play --out does not open SDL at all (the disk backend,
	 * were it opened, would write SDL_DISKAUDIOFILE) and prints nothing on
	 * stderr even with ALSA as the backend; play --listen --out on ALSA
	 * without a sound card says only our one line, none of ALSA's. */
	struct tmp t;
	tmp_make(&t);
	char in[512], out[512], raw[512], env_raw[600];
	tmp_path(&t, "in.wav", in, sizeof(in));
	tmp_path(&t, "out.wav", out, sizeof(out));
	tmp_path(&t, "heard.raw", raw, sizeof(raw));
	snprintf(env_raw, sizeof(env_raw), "SDL_DISKAUDIOFILE=%s", raw);
	const uint64_t frames = 4800;
	int16_t *k = make_signal(frames, 2, 0xFFFF);
	write_sound(in, SF_FORMAT_WAV | SF_FORMAT_PCM_16, k, frames, 2, 48000, AS_SHORT);
	free(k);
	struct child *c = child_new();
	run_child(c, (const char *const[]){ "play", in, NULL },
		  (const char *const[]){ "SDL_AUDIODRIVER=no-such-backend", NULL }, 0);
	ck_assert_int_eq(c->status, 2);
	ck_assert_msg(strstr(c->err, "no audio device") != NULL && strstr(c->err, "--out") != NULL &&
			      strstr(c->err, "SDL_AUDIODRIVER=disk") != NULL,
		      "%s", c->err);
	ck_assert_str_eq(c->out, "");
	free(c);
	c = child_new();
	run_child(c, (const char *const[]){ "play", in, "--out", out, NULL },
		  (const char *const[]){ "SDL_AUDIODRIVER=disk", env_raw, NULL }, 0);
	ck_assert_msg(c->status == 0, "%s", c->err);
	ck_assert_int_eq(access(out, F_OK), 0);
	ck_assert_int_eq(access(raw, F_OK), -1);
	ck_assert_str_eq(c->err, "");
	free(c);
	c = child_new();
	run_child(c, (const char *const[]){ "play", in, "--out", out, NULL },
		  (const char *const[]){ "SDL_AUDIODRIVER=alsa", NULL }, 0);
	ck_assert_msg(c->status == 0, "%s", c->err);
	ck_assert_str_eq(c->err, "");
	free(c);
	c = child_new();
	run_child(c, (const char *const[]){ "play", in, "--out", out, "--listen", "--quiet", NULL },
		  (const char *const[]){ "SDL_AUDIODRIVER=alsa", NULL }, 0);
	ck_assert_msg(c->status == 0, "%s", c->err);
	for (const char *line = c->err; *line != '\0';) {
		ck_assert_msg(strncmp(line, "ac97sim: ", 9) == 0, "not ours: %s", c->err);
		const char *nl = strchr(line, '\n');
		line = nl != NULL ? nl + 1 : line + strlen(line);
	}
	free(c);
	tmp_remove(&t);
}
END_TEST

/* ---- in process ------------------------------------------------------------------------- */

START_TEST(source_reads_any_order_and_hashes)
{
	/* Goal: the block cache gives sample i of the file for any order of
	 * asking (forwards, backwards, jumps past its blocks), 0 past the end;
	 * its content hash is scenario_samples_hash of the samples; a file cut
	 * short after it was opened gives 0s and a sticky "truncated" error. */
	struct tmp t;
	tmp_make(&t);
	char p[512], err[512];
	tmp_path(&t, "s.wav", p, sizeof(p));
	const uint64_t frames = 5u * AUDIO_SOURCE_BLOCK_FRAMES * AUDIO_SOURCE_BLOCKS / 4u + 77u;
	int16_t *k = make_signal(frames, 2, 0xFFFF);
	write_sound(p, SF_FORMAT_WAV | SF_FORMAT_PCM_16, k, frames, 2, 48000, AS_SHORT);
	struct audio_reader *r = audio_reader_open(p, 2, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	struct audio_source *s = audio_source_create(r);
	ck_assert_ptr_nonnull(s);
	uint64_t n = 2 * frames;
	ck_assert_uint_eq(audio_source_samples(s), n);
	for (uint64_t i = 0; i < n; i += 7)
		ck_assert_int_eq(audio_source_sample(s, i), k[i]);
	for (uint64_t i = n; i-- > 0;)
		ck_assert_int_eq(audio_source_sample(s, i), k[i]);
	uint64_t z = 9;
	for (int j = 0; j < 20000; j++) {
		z = z * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t i = (z >> 11) % (n + 100);
		ck_assert_int_eq(audio_source_sample(s, i), i < n ? k[i] : 0);
	}
	uint64_t h;
	ck_assert_int_eq(audio_source_hash(s, &h, err, sizeof(err)), 0);
	ck_assert_uint_eq(h, scenario_samples_hash(k, n));
	ck_assert_int_eq(audio_source_sample(s, n - 1), k[n - 1]);
	ck_assert_str_eq(audio_source_error(s), "");
	audio_source_close(s);
	/* Cut the file under a freshly opened source: blocks past the cut
	 * fail, and the failure sticks. */
	r = audio_reader_open(p, 2, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	s = audio_source_create(r);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(truncate(p, 44 + 4 * 1000), 0);
	ck_assert_int_eq(audio_source_sample(s, n - 1), 0);
	ck_assert_msg(strstr(audio_source_error(s), "truncated") != NULL, "%s",
		      audio_source_error(s));
	ck_assert_int_eq(audio_source_sample(s, 2), 0);	/* the reader's error sticks */
	audio_source_close(s);
	free(k);
	tmp_remove(&t);
}
END_TEST

/* A span of PCM out for the tap. */
static void feed(struct dac_tap *d, enum ac97_span_kind kind, uint64_t n, int16_t a, int16_t b)
{
	uint8_t pcm[64];
	for (uint64_t i = 0; i < n && i < 16; i++) {
		int16_t v[2] = { (int16_t)(a + (int16_t)i), (int16_t)(b + (int16_t)i) };
		for (int c = 0; c < 2; c++) {
			pcm[4 * i + 2 * (uint64_t)c] = (uint8_t)((uint16_t)v[c] & 0xFFu);
			pcm[4 * i + 2 * (uint64_t)c + 1] = (uint8_t)((uint16_t)v[c] >> 8);
		}
	}
	struct ac97_span sp;
	memset(&sp, 0, sizeof(sp));
	sp.engine = AC97_PO;
	sp.kind = kind;
	sp.channels = 2;
	sp.n_frames = n;
	sp.cadence.rate_hz = 48000;
	sp.pcm_le = pcm;
	sp.fill[0] = a;
	sp.fill[1] = b;
	struct ac97_sink sink = dac_tap_sink(d);
	sink.on_span(sink.ctx, &sp);
}

struct emitted {
	int16_t s[64];
	uint64_t frames;
	int calls;
};

static int keep(void *ctx, const int16_t *frames, uint64_t n)
{
	struct emitted *e = ctx;
	for (uint64_t i = 0; i < 2 * n && e->frames * 2 + i < 64; i++)
		e->s[e->frames * 2 + i] = frames[i];
	e->frames += n;
	e->calls++;
	return 0;
}

START_TEST(dac_tap_holds_back_trailing_fill)
{
	/* Goal: the tap emits from the first data frame on, emits fill and
	 * underrun frames only once a data frame follows them (in order, with
	 * their values), and never the fill after the last data frame;
	 * collecting gives the same frames. */
	int16_t want[] = { 10, 20, 11, 21, 12, 22, 0, 0, 0, 0, 7, 8, 30, 40 };
	for (int mode = 0; mode < 2; mode++) {
		struct emitted e = { 0 };
		struct dac_tap *d = malloc(sizeof(*d));
		ck_assert_ptr_nonnull(d);
		if (mode == 0)
			dac_tap_init_stream(d, keep, &e);
		else
			dac_tap_init(d);
		feed(d, AC97_SPAN_FILL, 5, 0, 0);	/* before the start: not part of it */
		feed(d, AC97_SPAN_DATA, 3, 10, 20);
		feed(d, AC97_SPAN_FILL, 1, 0, 0);
		feed(d, AC97_SPAN_FILL, 1, 0, 0);	/* merged with the run before */
		ck_assert_uint_eq(d->frames, 3);
		ck_assert_uint_eq(d->n_held, 1);
		feed(d, AC97_SPAN_UNDERRUN, 1, 7, 8);
		feed(d, AC97_SPAN_DATA, 1, 30, 40);
		ck_assert_uint_eq(d->frames, 7);
		feed(d, AC97_SPAN_FILL, 1000, 0, 0);
		feed(d, AC97_SPAN_UNDERRUN, 3, 30, 40);
		ck_assert_uint_eq(d->frames, 7);
		const int16_t *got = mode == 0 ? e.s : d->pcm;
		ck_assert_int_eq(memcmp(got, want, sizeof(want)), 0);
		ck_assert(!d->other_rate && !d->out_of_memory && !d->emit_failed);
		dac_tap_free(d);
		free(d);
	}
}
END_TEST

START_TEST(scenario_hash_is_the_audio_content)
{
	/* Goal: a scenario whose samples come from a file (streamed) and the
	 * same scenario with the same samples in memory hash alike; one
	 * changed sample changes the hash; and both run to the same event-log
	 * hash. */
	struct tmp t;
	tmp_make(&t);
	char wav[512], ini[512], err[1024];
	tmp_path(&t, "a.wav", wav, sizeof(wav));
	tmp_path(&t, "s.ini", ini, sizeof(ini));
	const uint64_t frames = 4096;
	int16_t *k = make_signal(frames, 2, 0xFFFF);
	write_sound(wav, SF_FORMAT_WAV | SF_FORMAT_PCM_16, k, frames, 2, 48000, AS_SHORT);
	FILE *f = fopen(ini, "w");
	ck_assert_ptr_nonnull(f);
	fputs("[source]\nfile = a.wav\n", f);
	fclose(f);
	struct scenario_file sf;
	ck_assert_msg(scenario_file_load(ini, &sf, err, sizeof(err)) == 0, "%s", err);
	struct scenario mem = sf.sc;
	mem.reader = (struct scenario_sample_reader){ 0 };
	mem.samples = k;
	ck_assert_uint_eq(scenario_hash(&mem), scenario_hash(&sf.sc));
	k[1000] ^= 1;
	ck_assert_uint_ne(scenario_hash(&mem), scenario_hash(&sf.sc));
	k[1000] ^= 1;
	struct strategy st = { .kind = STRATEGY_RANDOM };
	struct scenario_outcome a, b;
	const char *why = NULL;
	ck_assert_int_eq(scenario_run(&sf.sc, &st, 3, NULL, NULL, NULL, &a, NULL, &why), 0);
	ck_assert_int_eq(scenario_run(&mem, &st, 3, NULL, NULL, NULL, &b, NULL, &why), 0);
	ck_assert_msg(a.result.verdict == RUN_PASS, "%s", a.result.message);
	ck_assert_uint_eq(a.result.evlog_hash, b.result.evlog_hash);
	ck_assert_uint_eq(a.audio_fnv, b.audio_fnv);
	scenario_file_free(&sf);
	free(k);
	tmp_remove(&t);
}
END_TEST

START_TEST(decisions_are_kept_only_when_asked)
{
	/* Goal: a decider that does not record makes the same choices as one
	 * that does and keeps none; scenario_run keeps decisions only when
	 * given a log, and the run is the same either way. */
	struct strategy s = { .kind = STRATEGY_RANDOM };
	struct decider on, off;
	decider_init(&on, &s, 77);
	decider_init(&off, &s, 77);
	ck_assert(on.record);
	off.record = false;
	uint32_t agents[3] = { 0, 1, 2 };
	for (int i = 0; i < 500; i++) {
		ck_assert_uint_eq(decide_uniform(&on, SITE_STALL, 7, (uint64_t)i),
				  decide_uniform(&off, SITE_STALL, 7, (uint64_t)i));
		ck_assert_uint_eq(decide_schedule(&on, 3, agents, agents, (uint64_t)i),
				  decide_schedule(&off, 3, agents, agents, (uint64_t)i));
	}
	ck_assert_uint_eq(on.recorded.count, 1000);
	ck_assert_uint_eq(off.recorded.count, 0);
	ck_assert_uint_eq(off.step, 1000);
	decider_free(&on);
	decider_free(&off);
	struct scenario sc;
	scenario_default(&sc);
	struct scenario_outcome a, b;
	struct decision_log log = { 0 };
	const char *why = NULL;
	ck_assert_int_eq(scenario_run(&sc, &s, 5, NULL, NULL, NULL, &a, &log, &why), 0);
	ck_assert_int_eq(scenario_run(&sc, &s, 5, NULL, NULL, NULL, &b, NULL, &why), 0);
	ck_assert_uint_gt(log.count, 0);
	ck_assert_uint_eq(a.result.evlog_hash, b.result.evlog_hash);
	ck_assert_uint_eq(a.result.steps, b.result.steps);
	decision_log_free(&log);
}
END_TEST

START_TEST(reader_shared_by_forked_processes)
{
	/* Goal: a reader opened before a fork reads right in each process
	 * while the other seeks and reads too (explore's workers share the
	 * scenario's audio): each process has its own position in the file.
	 * Both read the whole recording in 97-frame pieces, the child from
	 * the far end backwards, and compare each piece with the file read
	 * alone beforehand. */
	char err[512];
	struct audio_clip whole;
	ck_assert_msg(audio_clip_read(VOICE_FILE, 1, &whole, err, sizeof(err)) == 0, "%s", err);
	struct audio_reader *r = audio_reader_open(VOICE_FILE, 1, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	const uint64_t piece = 97;
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	bool child = pid == 0;
	unsigned bad = 0;
	for (int pass = 0; pass < 20; pass++) {
		for (uint64_t k = 0; k * piece < whole.frames; k++) {
			uint64_t at = child ? (whole.frames - 1) / piece * piece - k * piece : k * piece;
			int16_t got[97];
			uint64_t want = whole.frames - at < piece ? whole.frames - at : piece;
			if (audio_reader_seek(r, at) != 0 || audio_reader_read(r, got, want) != (int64_t)want ||
			    memcmp(got, whole.samples + at, want * sizeof(int16_t)) != 0)
				bad++;
		}
	}
	if (child)
		_exit(bad == 0 ? 0 : 1);
	int ws;
	ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
	ck_assert_msg(bad == 0, "%u pieces read wrong in the parent", bad);
	ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "pieces read wrong in the child");
	audio_reader_close(r);
	audio_clip_free(&whole);
}
END_TEST

START_TEST(verdict_only_runs_are_the_same_run)
{
	/* Goal: a run that asks for its verdict alone (explore's workers) is
	 * the same run as a full one: the same verdict, steps, event-log hash,
	 * windows and failure message; only the link audio's count and hash,
	 * which nothing then reads, are left at 0. A passing scenario and a
	 * failing one (a driver variant's). */
	const char *paths[] = { "fixtures/scenarios/release-vs-revoke-0.ini",
				"fixtures/scenarios/bugs/wdk81-revoke-resets-dma.ini" };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct scenario_file sf;
		char err[1024];
		ck_assert_msg(scenario_file_load(paths[i], &sf, err, sizeof(err)) == 0, "%s", err);
		struct strategy st = { .kind = STRATEGY_RANDOM };
		struct scenario_outcome full, quick;
		const struct scenario_run_options verdict_only = { .verdict_only = true };
		const char *why = NULL;
		ck_assert_int_eq(scenario_run(&sf.sc, &st, 2, NULL, NULL, NULL, &full, NULL, &why), 0);
		ck_assert_int_eq(scenario_run_with(&sf.sc, &st, 2, &verdict_only, &quick, &why), 0);
		ck_assert_int_eq(full.result.verdict, i == 0 ? RUN_PASS : RUN_FAIL);
		ck_assert_int_eq(quick.result.verdict, full.result.verdict);
		ck_assert_uint_eq(quick.result.steps, full.result.steps);
		ck_assert_uint_eq(quick.result.evlog_hash, full.result.evlog_hash);
		ck_assert_uint_eq(quick.result.windows_hit, full.result.windows_hit);
		ck_assert_str_eq(quick.result.checker, full.result.checker);
		ck_assert_str_eq(quick.result.message, full.result.message);
		ck_assert_uint_gt(full.link_frames, 0);
		ck_assert_uint_eq(quick.link_frames, 0);
		ck_assert_uint_eq(quick.audio_fnv, 0);
		scenario_file_free(&sf);
	}
}
END_TEST

static void run_seed(const struct scenario_file *sf, uint64_t seed, struct scenario_outcome *out)
{
	struct strategy st = { .kind = STRATEGY_RANDOM };
	const char *why = NULL;
	ck_assert_msg(scenario_run(&sf->sc, &st, seed, NULL, NULL, NULL, out, NULL, &why) == 0, "%s",
		      why);
}

START_TEST(a_run_is_the_same_after_other_runs)
{
	/* Goal: a scenario run does not depend on the runs before it in the
	 * process, though each takes the guest memory of the one before
	 * (machine_config.recycle_memory): the same verdict, steps, event-log
	 * hash, link audio and message as the run made on fresh host memory.
	 * Render, capture (DMA writes memory), a failing variant and partial
	 * frames, each run after the others, in two orders. */
	const char *paths[] = { "fixtures/scenarios/release-vs-revoke-0.ini",
				"fixtures/scenarios/capture-pi-0.ini",
				"fixtures/scenarios/bugs/wdk81-revoke-resets-dma.ini",
				"fixtures/scenarios/partial-frames-3.ini" };
	enum { N = sizeof(paths) / sizeof(paths[0]) };
	struct scenario_file sf[N];
	struct scenario_outcome alone[N];
	for (size_t i = 0; i < N; i++) {
		char err[1024];
		ck_assert_msg(scenario_file_load(paths[i], &sf[i], err, sizeof(err)) == 0, "%s", err);
		machine_drop_spare_memory();
		run_seed(&sf[i], 3 + i, &alone[i]);
	}
	for (int round = 0; round < 2; round++)
		for (size_t k = 0; k < N; k++) {
			size_t i = round == 0 ? k : N - 1 - k;
			struct scenario_outcome again;
			run_seed(&sf[i], 3 + i, &again);
			ck_assert_int_eq(again.result.verdict, alone[i].result.verdict);
			ck_assert_uint_eq(again.result.steps, alone[i].result.steps);
			ck_assert_uint_eq(again.result.evlog_hash, alone[i].result.evlog_hash);
			ck_assert_uint_eq(again.audio_fnv, alone[i].audio_fnv);
			ck_assert_str_eq(again.result.message, alone[i].result.message);
		}
	ck_assert_int_eq(alone[2].result.verdict, RUN_FAIL);
	for (size_t i = 0; i < N; i++)
		scenario_file_free(&sf[i]);
}
END_TEST

START_TEST(hash_is_the_same_with_and_without_a_text_log)
{
	/* Goal: a run writing its event log as text and one that does not
	 * fold the same events into the same hash: without a log, events that
	 * nobody subscribes to (kernel calls, register accesses, scheduling
	 * decisions) are hashed from their fields without being built
	 * (machine.c, publish_payload). Passing and failing runs, render and
	 * capture. */
	const char *paths[] = { "fixtures/scenarios/release-vs-revoke-0.ini",
				"fixtures/scenarios/capture-pi-0.ini",
				"fixtures/scenarios/bugs/wdk81-revoke-resets-dma.ini",
				"fixtures/scenarios/bugs/ddk1999-lock-held.ini" };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct scenario_file sf;
		char err[1024];
		ck_assert_msg(scenario_file_load(paths[i], &sf, err, sizeof(err)) == 0, "%s", err);
		for (uint64_t seed = 1; seed <= 3; seed++) {
			struct strategy st = { .kind = STRATEGY_PCT, .pct_depth = 2, .pct_steps = 900 };
			struct scenario_outcome plain, logged;
			const char *why = NULL;
			FILE *text = tmpfile();
			ck_assert_ptr_nonnull(text);
			ck_assert_int_eq(scenario_run(&sf.sc, &st, seed, NULL, NULL, NULL, &plain, NULL, &why),
					 0);
			ck_assert_int_eq(scenario_run(&sf.sc, &st, seed, NULL, text, NULL, &logged, NULL, &why),
					 0);
			ck_assert_uint_eq(plain.result.evlog_hash, logged.result.evlog_hash);
			ck_assert_uint_eq(plain.result.events, logged.result.events);
			ck_assert_uint_gt(plain.result.events, 100);
			ck_assert_int_eq(plain.result.verdict, logged.result.verdict);
			ck_assert(ftell(text) > 0);
			fclose(text);
		}
		scenario_file_free(&sf);
	}
}
END_TEST

START_TEST(pattern_in_bulk_is_the_pattern)
{
	/* Goal: the pattern in bulk (little-endian bytes, from the table made
	 * once per process or computed past it) is the pattern sample by
	 * sample: from the start, across the table's end (128 Ki samples) and
	 * far past it, asked in any order. */
	const uint64_t firsts[] = { 0, 1, 8191, 8192, 131000, 131072, 1ull << 40, 5 };
	uint8_t le[2 * 600];
	for (size_t k = 0; k < sizeof(firsts) / sizeof(firsts[0]); k++) {
		memset(le, 0xA5, sizeof(le));
		scenario_pattern_samples_le(NULL, firsts[k], le, 600);
		for (uint32_t i = 0; i < 600; i++) {
			uint16_t want = (uint16_t)scenario_pattern_sample(NULL, firsts[k] + i);
			ck_assert_uint_eq(le[2 * i], want & 0xFFu);
			ck_assert_uint_eq(le[2 * i + 1], want >> 8);
		}
	}
}
END_TEST

Suite *suite_audio(void);
Suite *suite_audio(void)
{
	Suite *s = suite_create("tools/audio");
	TCase *tc = tcase_create("formats");
	tcase_add_test(tc, every_format_plays_bit_exact);
	tcase_add_test(tc, multichannel_float_equals_its_16_bit_conversion);
	tcase_add_test(tc, conversion_rule);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	tc = tcase_create("refusals");
	tcase_add_test(tc, truncated_files_are_refused);
	tcase_add_test(tc, too_long_files_are_refused_before_reading);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	tc = tcase_create("outputs");
	tcase_add_test(tc, unwritable_outputs_leave_nothing);
	tcase_add_test(tc, no_device_and_no_out_says_what_to_do);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	tc = tcase_create("memory");
	tcase_add_test(tc, an_hour_plays_in_flat_memory);
	tcase_add_test(tc, a_long_capture_streams);
	tcase_set_timeout(tc, 600);
	suite_add_tcase(s, tc);
	tc = tcase_create("in-process");
	tcase_add_test(tc, source_reads_any_order_and_hashes);
	tcase_add_test(tc, reader_shared_by_forked_processes);
	tcase_add_test(tc, dac_tap_holds_back_trailing_fill);
	tcase_add_test(tc, scenario_hash_is_the_audio_content);
	tcase_add_test(tc, decisions_are_kept_only_when_asked);
	tcase_add_test(tc, verdict_only_runs_are_the_same_run);
	tcase_add_test(tc, pattern_in_bulk_is_the_pattern);
	tcase_add_test(tc, a_run_is_the_same_after_other_runs);
	tcase_add_test(tc, hash_is_the_same_with_and_without_a_text_log);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
