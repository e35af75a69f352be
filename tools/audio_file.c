/*
 * audio_file.c - sound files in and out through libsndfile (see
 * audio_file.h).
 *
 * Reading never trusts the file's header: frames are read in chunks until
 * libsndfile stops giving them, so a header that claims a huge length costs
 * nothing, and the total is bounded by AUDIO_CLIP_FRAMES_MAX (a compressed
 * file can decode to far more than its size). Float files are read with
 * clipping on, so samples past full scale saturate instead of wrapping.
 *
 * Channel conversion, in integers (the average of n samples rounded to
 * nearest, halves away from zero, so it never leaves int16):
 * - to mono: the average of every channel;
 * - to stereo: mono is duplicated, stereo copied; with more channels, left
 *   is the average of the left-side channels and right of the right-side
 *   ones, where a channel's side comes from the file's channel map when
 *   libsndfile knows it (positions named LEFT go left, RIGHT go right, and
 *   the rest - centre, mono, LFE, ambisonic - count on both sides), else
 *   from its index (even left, odd right, as in the usual L, R, ... order).
 */
#include "audio_file.h"
#include "errf.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* About 46 minutes at 48 kHz: 512 MiB of stereo int16. */
#define AUDIO_CLIP_FRAMES_MAX (UINT64_C(1) << 27)
#define AUDIO_CHANNELS_MAX 1024u	/* libsndfile's own limit */
#define AUDIO_RATE_MAX_HZ 1000000u
#define READ_CHUNK_FRAMES 4096u

enum side { SIDE_LEFT = 1, SIDE_RIGHT = 2, SIDE_BOTH = 3 };


/* libsndfile's messages end with a full stop or a newline; drop them so
 * that ours read as one line. */
static void trimmed(const char *in, char *out, size_t out_len)
{
	snprintf(out, out_len, "%s", in != NULL ? in : "unknown error");
	size_t n = strlen(out);
	while (n > 0 && (out[n - 1] == '.' || out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
}

static int16_t average(int64_t sum, int64_t n)
{
	int64_t q = sum >= 0 ? (sum + n / 2) / n : -((-sum + n / 2) / n);
	return (int16_t)q;
}

static enum side side_of_position(int pos)
{
	switch (pos) {
	case SF_CHANNEL_MAP_LEFT:
	case SF_CHANNEL_MAP_FRONT_LEFT:
	case SF_CHANNEL_MAP_REAR_LEFT:
	case SF_CHANNEL_MAP_FRONT_LEFT_OF_CENTER:
	case SF_CHANNEL_MAP_SIDE_LEFT:
	case SF_CHANNEL_MAP_TOP_FRONT_LEFT:
	case SF_CHANNEL_MAP_TOP_REAR_LEFT:
		return SIDE_LEFT;
	case SF_CHANNEL_MAP_RIGHT:
	case SF_CHANNEL_MAP_FRONT_RIGHT:
	case SF_CHANNEL_MAP_REAR_RIGHT:
	case SF_CHANNEL_MAP_FRONT_RIGHT_OF_CENTER:
	case SF_CHANNEL_MAP_SIDE_RIGHT:
	case SF_CHANNEL_MAP_TOP_FRONT_RIGHT:
	case SF_CHANNEL_MAP_TOP_REAR_RIGHT:
		return SIDE_RIGHT;
	default:
		return SIDE_BOTH;
	}
}

/* Which side each of the file's channels feeds (only used for > 2). */
static void channel_sides(SNDFILE *f, uint32_t n, uint8_t *sides)
{
	int *map = calloc(n, sizeof(*map));
	bool have_map = map != NULL &&
			sf_command(f, SFC_GET_CHANNEL_MAP_INFO, map, (int)(n * sizeof(*map))) == SF_TRUE;
	for (uint32_t i = 0; i < n; i++)
		sides[i] = have_map ? (uint8_t)side_of_position(map[i])
				    : (uint8_t)(i % 2 == 0 ? SIDE_LEFT : SIDE_RIGHT);
	free(map);
}

/* Converts n frames of in_ch channels to out_ch (1 or 2). */
static void convert(const int16_t *in, uint32_t in_ch, const uint8_t *sides, int16_t *out,
		    uint32_t out_ch, size_t n)
{
	for (size_t f = 0; f < n; f++) {
		const int16_t *s = in + f * in_ch;
		int16_t *d = out + f * out_ch;
		if (out_ch == in_ch) {
			memcpy(d, s, out_ch * sizeof(*d));
		} else if (out_ch == 2 && in_ch == 1) {
			d[0] = d[1] = s[0];
		} else if (out_ch == 1) {
			int64_t sum = 0;
			for (uint32_t c = 0; c < in_ch; c++)
				sum += s[c];
			d[0] = average(sum, in_ch);
		} else {
			int64_t sum[2] = { 0, 0 }, cnt[2] = { 0, 0 };
			for (uint32_t c = 0; c < in_ch; c++)
				for (int k = 0; k < 2; k++)
					if (sides[c] & (1u << k)) {
						sum[k] += s[c];
						cnt[k]++;
					}
			/* A side no channel feeds takes the other side. */
			for (int k = 0; k < 2; k++)
				if (cnt[k] == 0) {
					sum[k] = sum[1 - k];
					cnt[k] = cnt[1 - k];
				}
			d[0] = average(sum[0], cnt[0]);
			d[1] = average(sum[1], cnt[1]);
		}
	}
}

static bool grow(struct audio_clip *clip, uint64_t need_frames, uint64_t *cap_frames)
{
	if (need_frames <= *cap_frames)
		return true;
	uint64_t cap = *cap_frames ? *cap_frames : 65536;
	while (cap < need_frames)
		cap *= 2;
	if (cap > AUDIO_CLIP_FRAMES_MAX)
		cap = AUDIO_CLIP_FRAMES_MAX;
	int16_t *p = realloc(clip->samples, (size_t)(cap * clip->channels * sizeof(*p)));
	if (p == NULL)
		return false;
	clip->samples = p;
	*cap_frames = cap;
	return true;
}

/* Checks what can be said of path before libsndfile sees it. */
static int check_path(const char *path, char *err, size_t err_len)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		errf(err, err_len, "%s: cannot open (%s)", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		errf(err, err_len, "%s: is a directory, not a sound file", path);
		return -1;
	}
	return 0;
}

static int read_frames(SNDFILE *f, const char *path, uint32_t in_ch, const uint8_t *sides,
		       struct audio_clip *clip, char *err, size_t err_len)
{
	int16_t *chunk = malloc((size_t)READ_CHUNK_FRAMES * in_ch * sizeof(*chunk));
	if (chunk == NULL) {
		errf(err, err_len, "%s: out of memory", path);
		return -1;
	}
	uint64_t cap_frames = 0;
	int rc = 0;
	for (;;) {
		sf_count_t got = sf_readf_short(f, chunk, READ_CHUNK_FRAMES);
		if (got <= 0)
			break;
		if (clip->frames + (uint64_t)got > AUDIO_CLIP_FRAMES_MAX) {
			errf(err, err_len, "%s: too long: more than %" PRIu64 " frames", path,
				(uint64_t)AUDIO_CLIP_FRAMES_MAX);
			rc = -1;
			break;
		}
		if (!grow(clip, clip->frames + (uint64_t)got, &cap_frames)) {
			errf(err, err_len, "%s: out of memory", path);
			rc = -1;
			break;
		}
		convert(chunk, in_ch, sides, clip->samples + clip->frames * clip->channels,
			clip->channels, (size_t)got);
		clip->frames += (uint64_t)got;
	}
	if (rc == 0 && sf_error(f) != SF_ERR_NO_ERROR) {
		char why[160];
		trimmed(sf_strerror(f), why, sizeof(why));
		errf(err, err_len, "%s: cannot decode (%s)", path, why);
		rc = -1;
	}
	free(chunk);
	return rc;
}

int audio_clip_read(const char *path, uint32_t channels, struct audio_clip *clip, char *err,
		    size_t err_len)
{
	memset(clip, 0, sizeof(*clip));
	if (channels != 1 && channels != 2) {
		errf(err, err_len, "%s: cannot convert to %u channels (1 or 2)", path,
			(unsigned)channels);
		return -1;
	}
	if (check_path(path, err, err_len) != 0)
		return -1;
	SF_INFO info;
	memset(&info, 0, sizeof(info));
	SNDFILE *f = sf_open(path, SFM_READ, &info);
	if (f == NULL) {
		char why[160];
		trimmed(sf_strerror(NULL), why, sizeof(why));
		errf(err, err_len, "%s: not a sound file libsndfile reads (%s)", path, why);
		return -1;
	}
	if (info.channels < 1 || (uint32_t)info.channels > AUDIO_CHANNELS_MAX) {
		errf(err, err_len, "%s: %d channels: not supported (1 to %u)", path, info.channels,
			AUDIO_CHANNELS_MAX);
		sf_close(f);
		return -1;
	}
	if (info.samplerate < 1 || (uint32_t)info.samplerate > AUDIO_RATE_MAX_HZ) {
		errf(err, err_len, "%s: sample rate %d Hz is out of range (1 to %u)", path,
			info.samplerate, AUDIO_RATE_MAX_HZ);
		sf_close(f);
		return -1;
	}
	sf_command(f, SFC_SET_CLIPPING, NULL, SF_TRUE);
	uint32_t in_ch = (uint32_t)info.channels;
	uint8_t *sides = calloc(in_ch, 1);
	if (sides == NULL) {
		errf(err, err_len, "%s: out of memory", path);
		sf_close(f);
		return -1;
	}
	if (in_ch > 2)
		channel_sides(f, in_ch, sides);
	clip->channels = channels;
	clip->rate_hz = (uint32_t)info.samplerate;
	int rc = read_frames(f, path, in_ch, sides, clip, err, err_len);
	free(sides);
	sf_close(f);
	if (rc != 0)
		audio_clip_free(clip);
	return rc;
}

void audio_clip_free(struct audio_clip *clip)
{
	if (clip == NULL)
		return;
	free(clip->samples);
	memset(clip, 0, sizeof(*clip));
}

/* ---- the WAV writer ---------------------------------------------------------------- */

struct wav_writer {
	SNDFILE *f;
	uint32_t channels;
	bool failed;
};

struct wav_writer *wav_writer_open(const char *path, uint32_t channels, uint32_t rate_hz,
				   char *err, size_t err_len)
{
	if (channels < 1 || channels > 8 || rate_hz < 1 || rate_hz > AUDIO_RATE_MAX_HZ) {
		errf(err, err_len, "%s: cannot write %u channels at %u Hz", path,
			(unsigned)channels, (unsigned)rate_hz);
		return NULL;
	}
	struct wav_writer *w = calloc(1, sizeof(*w));
	if (w == NULL) {
		errf(err, err_len, "%s: out of memory", path);
		return NULL;
	}
	SF_INFO info;
	memset(&info, 0, sizeof(info));
	info.samplerate = (int)rate_hz;
	info.channels = (int)channels;
	info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
	w->f = sf_open(path, SFM_WRITE, &info);
	if (w->f == NULL) {
		char why[160];
		trimmed(sf_strerror(NULL), why, sizeof(why));
		errf(err, err_len, "%s: cannot write a WAV file (%s)", path, why);
		free(w);
		return NULL;
	}
	w->channels = channels;
	return w;
}

int wav_writer_write(struct wav_writer *w, const int16_t *frames, uint64_t n_frames)
{
	if (w == NULL || w->failed)
		return -1;
	while (n_frames > 0) {
		sf_count_t n = n_frames > (uint64_t)(INT_MAX / 8) ? (sf_count_t)(INT_MAX / 8)
								  : (sf_count_t)n_frames;
		if (sf_writef_short(w->f, frames, n) != n) {
			w->failed = true;
			return -1;
		}
		frames += (size_t)n * w->channels;
		n_frames -= (uint64_t)n;
	}
	return 0;
}

int wav_writer_close(struct wav_writer *w)
{
	if (w == NULL)
		return -1;
	int rc = w->failed ? -1 : 0;
	if (sf_close(w->f) != 0)
		rc = -1;
	free(w);
	return rc;
}
