/*
 * audio_file.h - sound files in and out (libsndfile), converted to what the
 * controller's PCM paths carry: 16-bit samples, stereo for PCM out and PCM
 * in, mono for the mic.
 */
#ifndef AC97SIM_AUDIO_FILE_H
#define AC97SIM_AUDIO_FILE_H

#include <stddef.h>
#include <stdint.h>

struct audio_clip {
	int16_t *samples;	/* interleaved */
	uint64_t frames;
	uint32_t channels;
	uint32_t rate_hz;
};

/* Reads any file libsndfile reads and converts it to `channels` channels
 * (1 or 2: mono is duplicated to stereo, several channels are mixed down
 * to stereo by averaging left-side and right-side channels, or to mono by
 * averaging all), 16-bit. Returns 0, or -1 with err "FILE: reason". */
int audio_clip_read(const char *path, uint32_t channels, struct audio_clip *clip, char *err,
		    size_t err_len);
void audio_clip_free(struct audio_clip *clip);

/* A 16-bit WAV writer that takes frames as they come. */
struct wav_writer;
struct wav_writer *wav_writer_open(const char *path, uint32_t channels, uint32_t rate_hz,
				   char *err, size_t err_len);
int wav_writer_write(struct wav_writer *w, const int16_t *frames, uint64_t n_frames);
int wav_writer_close(struct wav_writer *w);	/* 0, or -1 when the file is bad */

#endif
