/*
 * listen.c - SDL2 output (see listen.h).
 *
 * Queue-based (SDL_QueueAudio, no callback): the caller's frames are fed a
 * quarter of a second ahead of the device, so memory stays small however
 * long the audio, and "heard so far" is what was fed less what is still
 * queued. A device that stops taking audio for LISTEN_STUCK_MS of wall
 * time ends the playing with an error rather than hanging.
 */
#include "errf.h"
#include "listen.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#define SDL_MAIN_HANDLED
#include <SDL.h>

#define LISTEN_LEAD_MS 250u
#define LISTEN_POLL_MS 10u
#define LISTEN_PROGRESS_MS 100u
#define LISTEN_STUCK_MS 5000u
#define LISTEN_BAR_WIDTH 20u

struct listener {
	SDL_AudioDeviceID dev;
	uint32_t rate_hz;
	uint32_t channels;
	uint32_t device_buffer_frames;
};


/* A device buffer of about 20 ms: the power of two at or above rate / 50. */
static Uint16 buffer_frames_for(uint32_t rate_hz)
{
	uint32_t want = rate_hz / 50u, n = 64;
	while (n < want && n < 8192)
		n *= 2;
	return (Uint16)n;
}

struct listener *listen_open(uint32_t rate_hz, uint32_t channels, char *err, size_t err_len)
{
	if (rate_hz == 0 || rate_hz > INT32_MAX || channels < 1 || channels > 2) {
		errf(err, err_len, "cannot play %u channels at %u Hz", (unsigned)channels,
			(unsigned)rate_hz);
		return NULL;
	}
	struct listener *l = SDL_calloc(1, sizeof(*l));
	if (l == NULL) {
		errf(err, err_len, "out of memory");
		return NULL;
	}
	/* SDL's events, which audio brings up, would otherwise catch SIGINT
	 * and SIGTERM for an event loop we do not have: Ctrl-C must stop us. */
	SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
	if (SDL_Init(SDL_INIT_AUDIO) != 0) {
		errf(err, err_len, "%s", SDL_GetError());
		SDL_free(l);
		SDL_Quit();
		return NULL;
	}
	SDL_AudioSpec want, have;
	SDL_zero(want);
	SDL_zero(have);
	want.freq = (int)rate_hz;
	want.format = AUDIO_S16SYS;
	want.channels = (Uint8)channels;
	want.samples = buffer_frames_for(rate_hz);
	want.callback = NULL;	/* SDL_QueueAudio */
	l->dev = SDL_OpenAudioDevice(NULL, 0, &want, &have, 0);
	if (l->dev == 0) {
		errf(err, err_len, "%s", SDL_GetError());
		SDL_free(l);
		SDL_Quit();
		return NULL;
	}
	l->rate_hz = rate_hz;
	l->channels = channels;
	l->device_buffer_frames = have.samples ? have.samples : want.samples;
	return l;
}

static uint64_t queued_frames(const struct listener *l)
{
	return SDL_GetQueuedAudioSize(l->dev) / (2u * l->channels);
}

int listen_play(struct listener *l, const int16_t *frames, uint64_t n_frames,
		listen_progress_fn progress, void *ctx, char *err, size_t err_len)
{
	const uint64_t lead_frames = (uint64_t)l->rate_hz * LISTEN_LEAD_MS / 1000u +
				     2u * l->device_buffer_frames;
	const uint32_t frame_bytes = 2u * l->channels;
	uint64_t fed = 0, heard_before = UINT64_MAX;
	Uint32 last_progress_ms = 0, last_move_ms = SDL_GetTicks();
	bool started = false;
	for (;;) {
		uint64_t queued = queued_frames(l);
		while (fed < n_frames && queued < lead_frames) {
			uint64_t n = lead_frames - queued;
			if (n > n_frames - fed)
				n = n_frames - fed;
			if (SDL_QueueAudio(l->dev, frames + fed * l->channels,
					   (Uint32)(n * frame_bytes)) != 0) {
				errf(err, err_len, "%s", SDL_GetError());
				SDL_PauseAudioDevice(l->dev, 1);
				return -1;
			}
			fed += n;
			queued += n;
		}
		if (!started) {
			SDL_PauseAudioDevice(l->dev, 0);
			started = true;
		}
		uint64_t heard = fed - (queued < fed ? queued : fed);
		Uint32 now_ms = SDL_GetTicks();
		if (heard != heard_before) {
			heard_before = heard;
			last_move_ms = now_ms;
		} else if (now_ms - last_move_ms > LISTEN_STUCK_MS) {
			errf(err, err_len, "the audio device stopped taking audio");
			SDL_PauseAudioDevice(l->dev, 1);
			return -1;
		}
		if (heard >= n_frames)
			break;
		if (progress != NULL && now_ms - last_progress_ms >= LISTEN_PROGRESS_MS) {
			progress(ctx, heard, n_frames);
			last_progress_ms = now_ms;
		}
		SDL_Delay(LISTEN_POLL_MS);
	}
	/* The last frames left the queue; let them leave the device too. */
	SDL_Delay((Uint32)(2u * l->device_buffer_frames * 1000u / l->rate_hz) + 20u);
	if (progress != NULL)
		progress(ctx, n_frames, n_frames);
	return 0;
}

void listen_close(struct listener *l)
{
	if (l == NULL)
		return;
	SDL_CloseAudioDevice(l->dev);
	SDL_free(l);
	SDL_QuitSubSystem(SDL_INIT_AUDIO);
	SDL_Quit();
}

static void mm_ss(uint64_t frames, uint32_t rate_hz, char *buf, size_t len)
{
	uint64_t s = rate_hz ? frames / rate_hz : 0;
	snprintf(buf, len, "%llu:%02llu", (unsigned long long)(s / 60), (unsigned long long)(s % 60));
}

void listen_progress_line(FILE *f, const char *name, uint64_t done_frames, uint64_t total_frames,
			  uint32_t rate_hz)
{
	if (done_frames > total_frames)
		done_frames = total_frames;
	char done[32], total[32], bar[LISTEN_BAR_WIDTH + 1];
	mm_ss(done_frames, rate_hz, done, sizeof(done));
	mm_ss(total_frames, rate_hz, total, sizeof(total));
	uint64_t filled = total_frames ? done_frames * LISTEN_BAR_WIDTH / total_frames
				       : LISTEN_BAR_WIDTH;
	for (uint32_t i = 0; i < LISTEN_BAR_WIDTH; i++)
		bar[i] = i < filled ? '#' : ' ';
	bar[LISTEN_BAR_WIDTH] = '\0';
	fprintf(f, "\rplaying %s: %s / %s [%s]", name, done, total, bar);
	if (done_frames == total_frames)
		fputc('\n', f);
	fflush(f);
}
