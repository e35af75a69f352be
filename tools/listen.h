/*
 * listen.h - hearing audio through SDL2: open the output device at a rate
 * and channel count, queue interleaved int16 frames as they are made (the
 * maker waits while the device is far enough ahead), wait until they have
 * been heard, close. Used by `play` and `replay --listen`.
 *
 * SDL2 is loaded when a listener is opened (dlopen of libSDL2-2.0.so.0),
 * never before: the program is built against SDL's headers only, so a run
 * that does not listen neither pays SDL's start-up (its libraries and
 * theirs: X11, Wayland, PulseAudio, ALSA) nor depends on SDL being
 * installed. Without SDL2 there is simply no audio device.
 *
 * Quiet: ALSA (which SDL loads) prints its configuration complaints to
 * standard error on a machine without a sound card. Standard error is
 * pointed at /dev/null while SDL starts, opens and closes the device, and
 * the reason a device could not be opened is SDL_GetError's, returned to
 * the caller to say in its own words. Left out: anything a backend prints
 * from its own thread while playing.
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

/* How far ahead of what is heard listen_queue lets its caller run. */
#define LISTEN_LEAD_MS 250u

struct listener;

/* Called while playing, about ten times a second, with the frames heard
 * so far; once more at the end of listen_drain with done == total. */
typedef void (*listen_progress_fn)(void *ctx, uint64_t done_frames, uint64_t total_frames);

/* Loads SDL2, starts its audio and opens the default output device for
 * channels (1 or 2) interleaved int16 at rate_hz. Returns NULL with err
 * ("reason": SDL not installed, or SDL's own words) when there is no
 * device to open; SDL is then shut down again. */
struct listener *listen_open(uint32_t rate_hz, uint32_t channels, char *err, size_t err_len);

/* progress (may be NULL) is called while queueing and draining; total is
 * what the caller expects to queue in all (for the progress line). */
void listen_set_progress(struct listener *l, listen_progress_fn progress, void *ctx,
			 uint64_t total_frames);

/* Queues frames[0 .. n_frames) for the device, which starts on the first
 * call. Waits (wall time) while more than LISTEN_LEAD_MS plus two device
 * buffers are queued, so memory stays flat and the caller runs at most
 * that far ahead of the sound. Returns 0, or -1 with err when SDL refuses
 * the audio or the device stops taking it for 5 s. */
int listen_queue(struct listener *l, const int16_t *frames, uint64_t n_frames, char *err,
		 size_t err_len);

/* Returns once everything queued has been heard: the queue drains, then
 * one more device buffer's time passes so that the last frames leave the
 * hardware. 0, or -1 with err as listen_queue. */
int listen_drain(struct listener *l, char *err, size_t err_len);

/* listen_set_progress, listen_queue of the whole buffer, listen_drain. */
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
