/*
 * audio_file.h - sound files in and out (libsndfile), converted to what the
 * controller's PCM paths carry: 16-bit samples, stereo for PCM out and PCM
 * in, mono for the mic. `play`, `capture --in` and a scenario's
 * `[source] file = ...` all read through audio_reader (and audio_source.h
 * on top of it): one conversion, one set of refusals.
 *
 * Conversion to 16 bits, the same for every format libsndfile reads (8,
 * 16, 24 and 32-bit integer, float and double, in WAV, AIFF, FLAC, Ogg,
 * ...): libsndfile hands over each sample normalized as a double x (an
 * integer k of b bits as k / 2^(b-1), exactly), and the sample is
 *     round(x * 32768), halves away from zero, clamped to [-32768, 32767],
 * with NaN taken as 0. So a 16-bit file is read bit for bit, an 8-bit one
 * as k * 256, a 24 or 32-bit one rounded to its top 16 bits, and a float
 * file holding exactly k / 32768 gives k (1.0 and above saturate at 32767).
 *
 * Channels, after that conversion, in integers (the average of n samples
 * rounded to nearest, halves away from zero, so it never leaves int16):
 * - to mono: the average of every channel;
 * - to stereo: mono is duplicated, stereo copied; with more channels, left
 *   is the average of the left-side channels and right of the right-side
 *   ones, where a channel's side comes from the file's channel map when
 *   libsndfile knows it (positions named LEFT go left, RIGHT go right, and
 *   the rest - centre, mono, LFE, ambisonic - count on both sides), else
 *   from its index (even left, odd right, as in the usual L, R, ... order).
 *
 * Refused at open, as "FILE: reason": what libsndfile cannot read, a file
 * whose length is unknown, a channel count or rate out of range, and a
 * truncated file - one that holds less audio than its header says. For
 * WAV and AIFF that is the data (SSND) chunk claiming more bytes than the
 * file has, which libsndfile notes in its parse log (SFC_GET_LOG_INFO) and
 * then quietly shortens the file to; for FLAC and the other formats whose
 * header gives the frame count, it is the last frame that cannot be
 * reached (the reader seeks to it once at open). A file that still stops
 * early while being read is reported by audio_reader_read. MPEG files are
 * the exception: libsndfile estimates their length, so only decoding errors
 * count there. Nothing here reads a file whole: a header claiming hours
 * costs nothing until the caller reads, and a caller that refuses long
 * files checks audio_info.frames right after opening.
 */
#ifndef AC97SIM_AUDIO_FILE_H
#define AC97SIM_AUDIO_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The conversion rule above, for one normalized sample. */
int16_t audio_sample_from_double(double x);

/* "m:ss" (minutes unbounded: "125:03") for frames at rate_hz, whole
 * seconds rounded down. */
void audio_length_text(uint64_t frames, uint32_t rate_hz, char *buf, size_t len);

struct audio_info {
	uint64_t frames;	/* as the header says */
	uint32_t rate_hz;
	uint32_t channels;	/* delivered: 1 or 2 */
	uint32_t file_channels;
	int format;		/* libsndfile's SF_FORMAT_* */
};

struct audio_reader;

/* Opens path for reading as `channels` (1 or 2) 16-bit channels. Returns
 * NULL with err "FILE: reason" on a refusal (see the top). */
struct audio_reader *audio_reader_open(const char *path, uint32_t channels, char *err,
				       size_t err_len);
const struct audio_info *audio_reader_info(const struct audio_reader *r);
const char *audio_reader_path(const struct audio_reader *r);

/* Reads up to n_frames frames (channels interleaved) at the reader's
 * position. Returns how many, 0 at the end of the file's frames, or -1 when
 * decoding fails or the file ends before the frames its header gave
 * (audio_reader_error says which and where; the error sticks). */
int64_t audio_reader_read(struct audio_reader *r, int16_t *out, uint64_t n_frames);

/* Moves to frame (<= frames). 0, or -1 with the error set. */
int audio_reader_seek(struct audio_reader *r, uint64_t frame);
uint64_t audio_reader_position(const struct audio_reader *r);

/* "FILE: reason" of the first error, or "" when none. */
const char *audio_reader_error(const struct audio_reader *r);

void audio_reader_close(struct audio_reader *r);	/* NULL is accepted */

/* A whole short file in memory, through audio_reader (for tests and
 * small inputs): refused when longer than AUDIO_CLIP_FRAMES_MAX. */
#define AUDIO_CLIP_FRAMES_MAX (UINT64_C(1) << 24)	/* 5:49 at 48 kHz */

struct audio_clip {
	int16_t *samples;	/* interleaved */
	uint64_t frames;
	uint32_t channels;
	uint32_t rate_hz;
};

/* Returns 0, or -1 with err "FILE: reason" (samples NULL then). */
int audio_clip_read(const char *path, uint32_t channels, struct audio_clip *clip, char *err,
		    size_t err_len);
void audio_clip_free(struct audio_clip *clip);

/*
 * A 16-bit WAV writer that takes frames as they come, through outfile.h:
 * the file appears under its name only when wav_writer_commit succeeds; a
 * failed write, a failed commit or wav_writer_abort leaves nothing (and an
 * old file of that name as it was). A WAV file's sizes are 32 bits: frames
 * past 4 GiB of data are refused as a write error.
 */
struct wav_writer;
struct wav_writer *wav_writer_open(const char *path, uint32_t channels, uint32_t rate_hz,
				   char *err, size_t err_len);
/* 0, or -1 once a write failed (the reason is kept for the commit). */
int wav_writer_write(struct wav_writer *w, const int16_t *frames, uint64_t n_frames);
uint64_t wav_writer_frames(const struct wav_writer *w);
/* Finishes the header and puts the file in place. 0, or -1 with err
 * "PATH: reason" (nothing left behind). Frees w either way. */
int wav_writer_commit(struct wav_writer *w, char *err, size_t err_len);
/* Removes what was written and frees w. NULL is accepted. */
void wav_writer_abort(struct wav_writer *w);
/* wav_writer_commit for callers that word the error themselves. */
int wav_writer_close(struct wav_writer *w);

#endif
