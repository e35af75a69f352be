/*
 * audio_file.c - sound files in and out through libsndfile (see
 * audio_file.h for the conversion and the refusals).
 *
 * Decided here where libsndfile is silent:
 * - the header's length is the length: a file whose length libsndfile
 *   cannot give (SF_COUNT_MAX, a stream) is refused, and reading never
 *   delivers more than info.frames frames even if the decoder would;
 * - the truncation test of the parse log reads the lines libsndfile 1.x
 *   writes for WAV, RF64, AIFF and AU ("data : N (should be M)", " SSND :
 *   N (should be M)", "  Data Size   : N (should be M)"); a later
 *   libsndfile that words them otherwise still gets the seek probe and the
 *   check while reading, which catch every format but WAV/AIFF-style
 *   silent shortening;
 * - reads go through sf_readf_double in chunks of READ_CHUNK_FRAMES, so a
 *   reader holds a few hundred KiB whatever the file's length.
 *
 * Left out: sample-rate conversion (the codec's rates are the caller's
 * business), dither (the rule rounds), and MPEG truncation (see the .h).
 */
#include "audio_file.h"
#include "errf.h"
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define AUDIO_CHANNELS_MAX 1024u	/* libsndfile's own limit */
#define AUDIO_RATE_MAX_HZ 1000000u
#define READ_CHUNK_FRAMES 4096u
#define REASON_MAX 200u
#define LOG_MAX 8192u
/* A WAV file's RIFF and data sizes are 32 bits; keep clear of the limit
 * by more than any header libsndfile writes for 16-bit PCM. */
#define WAV_DATA_BYTES_MAX (UINT64_C(0xFFFFFFFF) - 4096u)

enum side { SIDE_LEFT = 1, SIDE_RIGHT = 2, SIDE_BOTH = 3 };

int16_t audio_sample_from_double(double x)
{
	if (isnan(x))
		return 0;
	double v = round(x * 32768.0);	/* round() takes halves away from zero */
	if (v >= 32767.0)
		return 32767;
	if (v <= -32768.0)
		return -32768;
	return (int16_t)v;
}

void audio_length_text(uint64_t frames, uint32_t rate_hz, char *buf, size_t len)
{
	uint64_t s = rate_hz ? frames / rate_hz : 0;
	snprintf(buf, len, "%" PRIu64 ":%02" PRIu64, s / 60, s % 60);
}

/* libsndfile's messages end with a full stop or a newline, and system
 * errors start "System error : "; drop both so that ours read as one line. */
static void trimmed(const char *in, char *out, size_t out_len)
{
	const char *sys = "System error : ";
	if (in != NULL && strncmp(in, sys, strlen(sys)) == 0)
		in += strlen(sys);
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
static void mix(const int16_t *in, uint32_t in_ch, const uint8_t *sides, int16_t *out,
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

/* ---- the reader --------------------------------------------------------------------- */

/* The file as libsndfile reads it (its virtual I/O): pread at an offset
 * kept here, never the descriptor's own. A reader may be used by several
 * processes forked after it opened (explore's workers share the
 * scenario's audio): a descriptor's offset is shared between them, and
 * with libsndfile's own read and lseek one worker's read would move
 * another's position, so that each decoded audio from the wrong place. */
struct reader_io {
	int fd;			/* -1: not open */
	sf_count_t offset;
	sf_count_t length;
};

struct audio_reader {
	SNDFILE *f;
	struct reader_io io;
	char *path;
	struct audio_info info;
	bool exact_length;	/* the header's count is exact (not MPEG) */
	uint8_t *sides;
	double *chunk;		/* READ_CHUNK_FRAMES x file_channels */
	int16_t *ints;		/* the same, converted */
	uint64_t position;	/* next frame */
	char error[REASON_MAX + 4096];
};

static sf_count_t io_length(void *user)
{
	return ((struct reader_io *)user)->length;
}

static sf_count_t io_seek(sf_count_t offset, int whence, void *user)
{
	struct reader_io *io = user;
	sf_count_t base = whence == SEEK_CUR ? io->offset : whence == SEEK_END ? io->length : 0;
	if ((offset > 0 && base > SF_COUNT_MAX - offset) || base + offset < 0)
		return -1;
	io->offset = base + offset;
	return io->offset;
}

static sf_count_t io_read(void *ptr, sf_count_t count, void *user)
{
	struct reader_io *io = user;
	sf_count_t done = 0;
	while (done < count) {
		ssize_t n = pread(io->fd, (char *)ptr + done, (size_t)(count - done),
				  (off_t)(io->offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += n;
	}
	io->offset += done;
	return done;
}

static sf_count_t io_write(const void *ptr, sf_count_t count, void *user)
{
	(void)ptr;
	(void)count;
	(void)user;
	return 0;	/* a reader writes nothing */
}

static sf_count_t io_tell(void *user)
{
	return ((struct reader_io *)user)->offset;
}

/* Opens path for libsndfile through reader_io into *f. Returns 0; -1
 * when the file cannot be opened (*sys_errno says why); -2 when
 * libsndfile refused it (sf_strerror(NULL) says why). */
static int open_for_reading(struct reader_io *io, const char *path, SF_INFO *sfi, SNDFILE **f,
			    int *sys_errno)
{
	static SF_VIRTUAL_IO vio = { io_length, io_seek, io_read, io_write, io_tell };
	struct stat st;
	io->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (io->fd < 0 || fstat(io->fd, &st) != 0) {
		*sys_errno = errno;
		if (io->fd >= 0)
			close(io->fd);
		io->fd = -1;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		/* Not a regular file (a FIFO, a device): libsndfile's own I/O,
		 * which refuses what has no length. */
		close(io->fd);
		io->fd = -1;
		*f = sf_open(path, SFM_READ, sfi);
		return *f != NULL ? 0 : -2;
	}
	io->offset = 0;
	io->length = (sf_count_t)st.st_size;
	*f = sf_open_virtual(&vio, SFM_READ, sfi, io);
	if (*f == NULL) {
		close(io->fd);
		io->fd = -1;
		return -2;
	}
	return 0;
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

/* Bytes per sample of a fixed-size encoding, or 0 (compressed, ADPCM). */
static uint32_t sample_bytes(int format)
{
	switch (format & SF_FORMAT_SUBMASK) {
	case SF_FORMAT_PCM_S8:
	case SF_FORMAT_PCM_U8:
	case SF_FORMAT_ULAW:
	case SF_FORMAT_ALAW: return 1;
	case SF_FORMAT_PCM_16: return 2;
	case SF_FORMAT_PCM_24: return 3;
	case SF_FORMAT_PCM_32:
	case SF_FORMAT_FLOAT: return 4;
	case SF_FORMAT_DOUBLE: return 8;
	default: return 0;
	}
}

/* "N bytes", or "N frames (m:ss)" when the encoding has a fixed size. */
static void amount_text(const struct audio_info *in, uint64_t bytes, char *buf, size_t len)
{
	uint32_t frame_bytes = sample_bytes(in->format) * in->file_channels;
	if (frame_bytes == 0) {
		snprintf(buf, len, "%" PRIu64 " bytes", bytes);
		return;
	}
	char t[32];
	audio_length_text(bytes / frame_bytes, in->rate_hz, t, sizeof(t));
	snprintf(buf, len, "%" PRIu64 " frames (%s)", bytes / frame_bytes, t);
}

/* The data chunk's size against the file's, from libsndfile's parse log
 * (see the top). Returns -1 with err when the header claims more. */
static int check_log(SNDFILE *f, const char *path, const struct audio_info *in, char *err,
		     size_t err_len)
{
	char *log = calloc(LOG_MAX, 1);
	if (log == NULL)
		return 0;	/* no log, no verdict: the later checks remain */
	sf_command(f, SFC_GET_LOG_INFO, log, LOG_MAX);
	log[LOG_MAX - 1] = '\0';
	static const char *const labels[] = { "data", "SSND", "Data Size", NULL };
	int rc = 0;
	for (char *line = log; line != NULL && *line != '\0' && rc == 0;) {
		char *next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		while (*line == ' ')
			line++;
		for (size_t i = 0; labels[i] != NULL; i++) {
			size_t n = strlen(labels[i]);
			if (strncmp(line, labels[i], n) != 0)
				continue;
			const char *p = line + n;
			while (*p == ' ')
				p++;
			unsigned long long claimed, real;
			if (*p != ':' || sscanf(p, ": %llu (should be %llu)", &claimed, &real) != 2 ||
			    claimed <= real)
				continue;
			/* AIFF counts SSND's 8-byte offset and block size in both. */
			uint64_t hdr = strcmp(labels[i], "SSND") == 0 ? 8u : 0u;
			char says[64], holds[64];
			amount_text(in, claimed > hdr ? claimed - hdr : 0, says, sizeof(says));
			amount_text(in, real > hdr ? real - hdr : 0, holds, sizeof(holds));
			errf(err, err_len, "%s: truncated: its header says %s of audio, the file "
				"holds %s", path, says, holds);
			rc = -1;
			break;
		}
		line = next;
	}
	free(log);
	return rc;
}

/* Seeks to the last frame and reads it: a FLAC (or other) file cut short
 * cannot get there. Leaves the file at frame 0. */
static int probe_end(struct audio_reader *r, char *err, size_t err_len)
{
	const struct audio_info *in = &r->info;
	if (in->frames == 0 || !r->exact_length)
		return 0;
	sf_count_t last = (sf_count_t)(in->frames - 1);
	bool ok = sf_seek(r->f, last, SEEK_SET) == last && sf_readf_double(r->f, r->chunk, 1) == 1;
	if (ok)
		ok = sf_seek(r->f, 0, SEEK_SET) == 0;
	if (!ok) {
		char t[32];
		audio_length_text(in->frames, in->rate_hz, t, sizeof(t));
		errf(err, err_len, "%s: truncated or damaged: its header says %" PRIu64 " frames "
			"(%s), and the last of them cannot be read", r->path, in->frames, t);
		return -1;
	}
	return 0;
}

/* Everything after sf_open: the checks of the header and the buffers. */
static int reader_setup(struct audio_reader *r, const SF_INFO *sfi, char *err, size_t err_len)
{
	const char *path = r->path;
	if (sfi->channels < 1 || (uint32_t)sfi->channels > AUDIO_CHANNELS_MAX) {
		errf(err, err_len, "%s: %d channels: not supported (1 to %u)", path, sfi->channels,
			AUDIO_CHANNELS_MAX);
		return -1;
	}
	if (sfi->samplerate < 1 || (uint32_t)sfi->samplerate > AUDIO_RATE_MAX_HZ) {
		errf(err, err_len, "%s: sample rate %d Hz is out of range (1 to %u)", path,
			sfi->samplerate, AUDIO_RATE_MAX_HZ);
		return -1;
	}
	if (sfi->frames < 0 || sfi->frames == SF_COUNT_MAX) {
		errf(err, err_len, "%s: its length is unknown (a stream, not a file?)", path);
		return -1;
	}
	r->info.frames = (uint64_t)sfi->frames;
	r->info.rate_hz = (uint32_t)sfi->samplerate;
	r->info.file_channels = (uint32_t)sfi->channels;
	r->info.format = sfi->format;
	r->exact_length = (sfi->format & SF_FORMAT_TYPEMASK) != SF_FORMAT_MPEG;
	uint32_t ch = r->info.file_channels;
	r->sides = calloc(ch, 1);
	r->chunk = calloc((size_t)READ_CHUNK_FRAMES * ch, sizeof(*r->chunk));
	r->ints = calloc((size_t)READ_CHUNK_FRAMES * ch, sizeof(*r->ints));
	if (r->sides == NULL || r->chunk == NULL || r->ints == NULL) {
		errf(err, err_len, "%s: out of memory", path);
		return -1;
	}
	if (ch > 2)
		channel_sides(r->f, ch, r->sides);
	/* Normalized doubles are libsndfile's default; say so anyway, since
	 * the conversion rule depends on it. */
	sf_command(r->f, SFC_SET_NORM_DOUBLE, NULL, SF_TRUE);
	if (check_log(r->f, path, &r->info, err, err_len) != 0)
		return -1;
	return probe_end(r, err, err_len);
}

struct audio_reader *audio_reader_open(const char *path, uint32_t channels, char *err,
				       size_t err_len)
{
	if (channels != 1 && channels != 2) {
		errf(err, err_len, "%s: cannot convert to %u channels (1 or 2)", path,
			(unsigned)channels);
		return NULL;
	}
	if (check_path(path, err, err_len) != 0)
		return NULL;
	struct audio_reader *r = calloc(1, sizeof(*r));
	char *copy = strdup(path);
	if (r == NULL || copy == NULL) {
		errf(err, err_len, "%s: out of memory", path);
		free(r);
		free(copy);
		return NULL;
	}
	r->path = copy;
	r->io.fd = -1;
	r->info.channels = channels;
	SF_INFO sfi;
	memset(&sfi, 0, sizeof(sfi));
	int sys_errno = 0;
	int opened = open_for_reading(&r->io, path, &sfi, &r->f, &sys_errno);
	if (opened == -1) {
		errf(err, err_len, "%s: cannot open (%s)", path, strerror(sys_errno));
		audio_reader_close(r);
		return NULL;
	}
	if (opened != 0) {
		char why[REASON_MAX];
		trimmed(sf_strerror(NULL), why, sizeof(why));
		errf(err, err_len, "%s: not a sound file libsndfile reads (%s)", path, why);
		audio_reader_close(r);
		return NULL;
	}
	if (reader_setup(r, &sfi, err, err_len) != 0) {
		audio_reader_close(r);
		return NULL;
	}
	return r;
}

const struct audio_info *audio_reader_info(const struct audio_reader *r)
{
	return &r->info;
}

const char *audio_reader_path(const struct audio_reader *r)
{
	return r->path;
}

uint64_t audio_reader_position(const struct audio_reader *r)
{
	return r->position;
}

const char *audio_reader_error(const struct audio_reader *r)
{
	return r->error;
}

static int64_t read_failed(struct audio_reader *r, bool ended)
{
	if (r->error[0] != '\0')
		return -1;
	char why[REASON_MAX], at[32], total[32];
	audio_length_text(r->position, r->info.rate_hz, at, sizeof(at));
	audio_length_text(r->info.frames, r->info.rate_hz, total, sizeof(total));
	if (ended) {
		snprintf(r->error, sizeof(r->error),
			 "%s: truncated: decoding stopped at frame %" PRIu64 " (%s) of the %" PRIu64
			 " (%s) its header says", r->path, r->position, at, r->info.frames, total);
	} else {
		trimmed(sf_strerror(r->f), why, sizeof(why));
		snprintf(r->error, sizeof(r->error), "%s: cannot decode at frame %" PRIu64 " (%s): %s",
			 r->path, r->position, at, why);
	}
	return -1;
}

int64_t audio_reader_read(struct audio_reader *r, int16_t *out, uint64_t n_frames)
{
	if (r->error[0] != '\0')
		return -1;
	uint64_t left = r->info.frames - r->position;
	if (n_frames > left)
		n_frames = left;
	uint32_t in_ch = r->info.file_channels;
	uint64_t done = 0;
	while (done < n_frames) {
		uint64_t want = n_frames - done;
		if (want > READ_CHUNK_FRAMES)
			want = READ_CHUNK_FRAMES;
		sf_count_t got = sf_readf_double(r->f, r->chunk, (sf_count_t)want);
		if (got < 0 || (uint64_t)got > want)
			got = 0;
		for (size_t i = 0; i < (size_t)got * in_ch; i++)
			r->ints[i] = audio_sample_from_double(r->chunk[i]);
		mix(r->ints, in_ch, r->sides, out + done * r->info.channels, r->info.channels,
		    (size_t)got);
		done += (uint64_t)got;
		r->position += (uint64_t)got;
		if ((uint64_t)got < want) {
			if (sf_error(r->f) != SF_ERR_NO_ERROR)
				return read_failed(r, false);
			if (r->exact_length)
				return read_failed(r, true);
			/* MPEG: the estimate was long; the file ends here. */
			r->info.frames = r->position;
			break;
		}
	}
	return (int64_t)done;
}

int audio_reader_seek(struct audio_reader *r, uint64_t frame)
{
	if (r->error[0] != '\0')
		return -1;
	if (frame > r->info.frames)
		frame = r->info.frames;
	if (frame == r->position)
		return 0;
	if (sf_seek(r->f, (sf_count_t)frame, SEEK_SET) != (sf_count_t)frame) {
		char why[REASON_MAX], at[32];
		trimmed(sf_strerror(r->f), why, sizeof(why));
		audio_length_text(frame, r->info.rate_hz, at, sizeof(at));
		snprintf(r->error, sizeof(r->error), "%s: cannot seek to frame %" PRIu64 " (%s): %s",
			 r->path, frame, at, why);
		return -1;
	}
	r->position = frame;
	return 0;
}

void audio_reader_close(struct audio_reader *r)
{
	if (r == NULL)
		return;
	if (r->f != NULL)
		sf_close(r->f);
	if (r->io.fd >= 0)
		close(r->io.fd);
	free(r->sides);
	free(r->chunk);
	free(r->ints);
	free(r->path);
	free(r);
}

/* ---- a whole clip ------------------------------------------------------------------- */

int audio_clip_read(const char *path, uint32_t channels, struct audio_clip *clip, char *err,
		    size_t err_len)
{
	memset(clip, 0, sizeof(*clip));
	struct audio_reader *r = audio_reader_open(path, channels, err, err_len);
	if (r == NULL)
		return -1;
	const struct audio_info *in = audio_reader_info(r);
	if (in->frames > AUDIO_CLIP_FRAMES_MAX) {
		char t[32], max[32];
		audio_length_text(in->frames, in->rate_hz, t, sizeof(t));
		audio_length_text(AUDIO_CLIP_FRAMES_MAX, in->rate_hz, max, sizeof(max));
		errf(err, err_len, "%s: %s long; at most %s is read whole", path, t, max);
		audio_reader_close(r);
		return -1;
	}
	clip->samples = malloc((size_t)(in->frames ? in->frames : 1) * channels * sizeof(int16_t));
	if (clip->samples == NULL) {
		errf(err, err_len, "%s: out of memory", path);
		audio_reader_close(r);
		return -1;
	}
	clip->channels = channels;
	clip->rate_hz = in->rate_hz;
	int64_t got = audio_reader_read(r, clip->samples, in->frames);
	if (got < 0) {
		errf(err, err_len, "%s", audio_reader_error(r));
		audio_reader_close(r);
		audio_clip_free(clip);
		return -1;
	}
	clip->frames = (uint64_t)got;
	audio_reader_close(r);
	return 0;
}

void audio_clip_free(struct audio_clip *clip)
{
	if (clip == NULL)
		return;
	free(clip->samples);
	memset(clip, 0, sizeof(*clip));
}

/* ---- the WAV writer ---------------------------------------------------------------- */

/* On the first failure the partial file is removed at once (out and f
 * NULL, the reason kept), so nothing is left behind even by a caller that
 * never gets to commit or abort. */
struct wav_writer {
	struct outfile *out;
	SNDFILE *f;
	char *path;
	uint32_t channels;
	uint64_t frames;
	bool failed;
	char reason[REASON_MAX];
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
	char *copy = strdup(path);
	if (w == NULL || copy == NULL) {
		errf(err, err_len, "%s: out of memory", path);
		free(w);
		free(copy);
		return NULL;
	}
	w->path = copy;
	w->out = outfile_open(path, err, err_len);
	if (w->out == NULL) {
		free(w->path);
		free(w);
		return NULL;
	}
	SF_INFO info;
	memset(&info, 0, sizeof(info));
	info.samplerate = (int)rate_hz;
	info.channels = (int)channels;
	info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
	/* The descriptor stays outfile's: it closes, renames or removes. */
	w->f = sf_open_fd(outfile_fd(w->out), SFM_WRITE, &info, SF_FALSE);
	if (w->f == NULL) {
		char why[REASON_MAX];
		trimmed(sf_strerror(NULL), why, sizeof(why));
		errf(err, err_len, "%s: cannot write a WAV file (%s)", path, why);
		outfile_abort(w->out);
		free(w->path);
		free(w);
		return NULL;
	}
	w->channels = channels;
	return w;
}

static void writer_failed(struct wav_writer *w, const char *reason)
{
	if (w->failed)
		return;
	w->failed = true;
	snprintf(w->reason, sizeof(w->reason), "%s", reason);
	if (w->f != NULL)
		sf_close(w->f);
	outfile_abort(w->out);
	w->f = NULL;
	w->out = NULL;
}

int wav_writer_write(struct wav_writer *w, const int16_t *frames, uint64_t n_frames)
{
	if (w == NULL || w->failed)
		return -1;
	if ((w->frames + n_frames) * 2u * w->channels > WAV_DATA_BYTES_MAX) {
		writer_failed(w, "longer than a WAV file can hold (4 GiB of audio)");
		return -1;
	}
	while (n_frames > 0) {
		sf_count_t n = n_frames > (uint64_t)(INT_MAX / 8) ? (sf_count_t)(INT_MAX / 8)
								  : (sf_count_t)n_frames;
		if (sf_writef_short(w->f, frames, n) != n) {
			char why[REASON_MAX];
			trimmed(sf_strerror(w->f), why, sizeof(why));
			writer_failed(w, why);
			return -1;
		}
		frames += (size_t)n * w->channels;
		n_frames -= (uint64_t)n;
		w->frames += (uint64_t)n;
	}
	return 0;
}

uint64_t wav_writer_frames(const struct wav_writer *w)
{
	return w->frames;
}

int wav_writer_commit(struct wav_writer *w, char *err, size_t err_len)
{
	if (w == NULL) {
		errf(err, err_len, "no WAV file open");
		return -1;
	}
	/* sf_close writes the header's final sizes: its failure is a write
	 * failure too. */
	if (!w->failed && sf_close(w->f) != 0) {
		char why[REASON_MAX];
		trimmed(sf_strerror(NULL), why, sizeof(why));
		w->f = NULL;
		writer_failed(w, why);
	}
	int rc;
	if (w->failed) {
		errf(err, err_len, "%s: %s", w->path, w->reason);
		rc = -1;
	} else {
		rc = outfile_commit(w->out, err, err_len);
	}
	free(w->path);
	free(w);
	return rc;
}

void wav_writer_abort(struct wav_writer *w)
{
	if (w == NULL)
		return;
	if (w->f != NULL)
		sf_close(w->f);
	outfile_abort(w->out);
	free(w->path);
	free(w);
}

int wav_writer_close(struct wav_writer *w)
{
	return wav_writer_commit(w, NULL, 0);
}
