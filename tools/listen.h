/*
 * listen.h - hearing audio through SDL2: open the output device at a rate
 * and channel count, play interleaved int16 frames paced in real time, wait
 * until they have been heard, close. Used by `play` and `replay --listen`.
 *
 * The backend is SDL's choice and SDL_AUDIODRIVER overrides it. Headless
 * runs use SDL_AUDIODRIVER=dummy (heard by nobody) or SDL_AUDIODRIVER=disk:
 * SDL 2 then writes what would be heard to the file named by
 * SDL_DISKAUDIOFILE (default "sdlaudio.raw") as raw samples in the format
 * the device was opened with - here native-endian signed 16-bit,
 * interleaved, at rate_hz - pacing itself by SDL_DISKAUDIODELAY
 * milliseconds per device buffer (default: the buffer's duration). The
 * file also holds the silence the device plays before the first frame is
 * queued and after the last one (SDL plays silence while paused or
 * starved), never anything else.
 *
 * The device is opened with no changes allowed: SDL converts to whatever
 * the hardware wants, so the caller's format is what is "heard".
 */
#ifndef AC97SIM_LISTEN_H
#define AC97SIM_LISTEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct listener;

/* Called while playing, about ten times a second and once at the end
 * (done_frames == total_frames), with the frames heard so far. */
typedef void (*listen_progress_fn)(void *ctx, uint64_t done_frames, uint64_t total_frames);

/* Starts SDL's audio and opens the default output device for channels
 * (1 or 2) interleaved int16 at rate_hz. Returns NULL with err ("reason",
 * SDL's words) when SDL has no audio driver or no device opens; SDL is
 * then shut down again. */
struct listener *listen_open(uint32_t rate_hz, uint32_t channels, char *err, size_t err_len);

/* Plays frames[0 .. n_frames) and returns once they have been heard: the
 * frames are queued a little ahead of the device (never the whole buffer at
 * once), then the queue drains and one more device buffer's time passes so
 * that the last frames leave the hardware. progress may be NULL. Returns 0,
 * or -1 with err when SDL refuses the audio. */
int listen_play(struct listener *l, const int16_t *frames, uint64_t n_frames,
		listen_progress_fn progress, void *ctx, char *err, size_t err_len);

/* Closes the device and shuts SDL down. NULL is accepted. */
void listen_close(struct listener *l);

/* A progress line for a terminal, rewritten in place:
 *   "\rplaying NAME: 0:03 / 0:07 [#####     ]"
 * and a newline when done_frames == total_frames. */
void listen_progress_line(FILE *f, const char *name, uint64_t done_frames, uint64_t total_frames,
			  uint32_t rate_hz);

#endif
