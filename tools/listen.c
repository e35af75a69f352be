/*
 * listen.c - SDL2 output (see listen.h).
 *
 * Queue-based (SDL_QueueAudio, no callback): frames are fed at most
 * LISTEN_LEAD_MS ahead of the device, and "heard so far" is what was fed
 * less what is still queued. A device that stops taking audio for
 * LISTEN_STUCK_MS of wall time ends the playing with an error rather than
 * hanging.
 *
 * SDL is reached only through the table of entry points below, filled
 * with dlsym when a listener opens; SDL.h supplies the types and
 * constants only. The library stays loaded after listen_close (SDL_Quit
 * has run; unloading a library that started threads is asking for
 * trouble, and a process opens at most a few listeners).
 */
#include "errf.h"
#include "listen.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SDL_MAIN_HANDLED
#include <SDL.h>

#define LISTEN_SDL_LIBRARY "libSDL2-2.0.so.0"
#define LISTEN_POLL_MS 10u
#define LISTEN_PROGRESS_MS 100u
#define LISTEN_STUCK_MS 5000u
#define LISTEN_BAR_WIDTH 20u

/* The SDL2 functions used, by name, resolved at run time. */
struct sdl_api {
	SDL_bool (*SetHint)(const char *name, const char *value);
	int (*Init)(Uint32 flags);
	const char *(*GetError)(void);
	SDL_AudioDeviceID (*OpenAudioDevice)(const char *device, int iscapture,
					     const SDL_AudioSpec *desired, SDL_AudioSpec *obtained,
					     int allowed_changes);
	Uint32 (*GetQueuedAudioSize)(SDL_AudioDeviceID dev);
	int (*QueueAudio)(SDL_AudioDeviceID dev, const void *data, Uint32 len);
	void (*PauseAudioDevice)(SDL_AudioDeviceID dev, int pause_on);
	Uint32 (*GetTicks)(void);
	void (*Delay)(Uint32 ms);
	void (*CloseAudioDevice)(SDL_AudioDeviceID dev);
	void (*QuitSubSystem)(Uint32 flags);
	void (*Quit)(void);
};

static struct sdl_api sdl;
static bool sdl_loaded;

struct listener {
	SDL_AudioDeviceID dev;
	uint32_t rate_hz;
	uint32_t channels;
	uint32_t device_buffer_frames;
	uint64_t lead_frames;
	bool started;
	uint64_t fed_frames;
	uint64_t heard_before;
	Uint32 last_move_ms, last_progress_ms;
	listen_progress_fn progress;
	void *progress_ctx;
	uint64_t total_frames;
};

/* ---- quiet standard error ------------------------------------------------------- */

/* Points fd 2 at /dev/null; returns the saved descriptor (or -1). */
static int quiet_begin(void)
{
	fflush(stderr);
	int saved = dup(2);
	int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved >= 0 && null_fd >= 0)
		dup2(null_fd, 2);
	if (null_fd >= 0)
		close(null_fd);
	return saved;
}

static void quiet_end(int saved)
{
	if (saved < 0)
		return;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
}

/* ---- loading SDL ------------------------------------------------------------------ */

static int load_sdl(char *err, size_t err_len)
{
	if (sdl_loaded)
		return 0;
	void *lib = dlopen(LISTEN_SDL_LIBRARY, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		errf(err, err_len, "SDL2 is not installed (%s)", dlerror());
		return -1;
	}
	struct {
		const char *name;
		void **slot;
	} syms[] = {
		{ "SDL_SetHint", (void **)&sdl.SetHint },
		{ "SDL_Init", (void **)&sdl.Init },
		{ "SDL_GetError", (void **)&sdl.GetError },
		{ "SDL_OpenAudioDevice", (void **)&sdl.OpenAudioDevice },
		{ "SDL_GetQueuedAudioSize", (void **)&sdl.GetQueuedAudioSize },
		{ "SDL_QueueAudio", (void **)&sdl.QueueAudio },
		{ "SDL_PauseAudioDevice", (void **)&sdl.PauseAudioDevice },
		{ "SDL_GetTicks", (void **)&sdl.GetTicks },
		{ "SDL_Delay", (void **)&sdl.Delay },
		{ "SDL_CloseAudioDevice", (void **)&sdl.CloseAudioDevice },
		{ "SDL_QuitSubSystem", (void **)&sdl.QuitSubSystem },
		{ "SDL_Quit", (void **)&sdl.Quit },
	};
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *p = dlsym(lib, syms[i].name);
		if (p == NULL) {
			errf(err, err_len, "%s lacks %s", LISTEN_SDL_LIBRARY, syms[i].name);
			memset(&sdl, 0, sizeof(sdl));
			dlclose(lib);
			return -1;
		}
		/* POSIX: a function's address comes back from dlsym as a void *. */
		memcpy(syms[i].slot, &p, sizeof(p));
	}
	sdl_loaded = true;
	return 0;
}

/* ---- the device ----------------------------------------------------------------- */

/* A device buffer of about 20 ms: the power of two at or above rate / 50. */
static Uint16 buffer_frames_for(uint32_t rate_hz)
{
	uint32_t want = rate_hz / 50u, n = 64;
	while (n < want && n < 8192)
		n *= 2;
	return (Uint16)n;
}

static void quit_quietly(void)
{
	int saved = quiet_begin();
	sdl.Quit();
	quiet_end(saved);
}

/* SDL_Init and SDL_OpenAudioDevice, with stderr quiet; 0 or -1 with err
 * (SDL shut down again). */
static int open_device(struct listener *l, uint32_t rate_hz, uint32_t channels, char *err,
		       size_t err_len)
{
	/* SDL's events, which audio brings up, would otherwise catch SIGINT
	 * and SIGTERM for an event loop we do not have: Ctrl-C must stop us. */
	sdl.SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
	int saved = quiet_begin();
	if (sdl.Init(SDL_INIT_AUDIO) != 0) {
		quiet_end(saved);
		errf(err, err_len, "%s", sdl.GetError());
		quit_quietly();
		return -1;
	}
	SDL_AudioSpec want, have;
	memset(&want, 0, sizeof(want));
	memset(&have, 0, sizeof(have));
	want.freq = (int)rate_hz;
	want.format = AUDIO_S16SYS;
	want.channels = (Uint8)channels;
	want.samples = buffer_frames_for(rate_hz);
	want.callback = NULL;	/* SDL_QueueAudio */
	l->dev = sdl.OpenAudioDevice(NULL, 0, &want, &have, 0);
	quiet_end(saved);
	if (l->dev == 0) {
		errf(err, err_len, "%s", sdl.GetError());
		quit_quietly();
		return -1;
	}
	l->device_buffer_frames = have.samples ? have.samples : want.samples;
	return 0;
}

struct listener *listen_open(uint32_t rate_hz, uint32_t channels, char *err, size_t err_len)
{
	if (rate_hz == 0 || rate_hz > INT32_MAX || channels < 1 || channels > 2) {
		errf(err, err_len, "cannot play %u channels at %u Hz", (unsigned)channels,
			(unsigned)rate_hz);
		return NULL;
	}
	int saved = quiet_begin();
	int loaded = load_sdl(err, err_len);
	quiet_end(saved);
	if (loaded != 0)
		return NULL;
	struct listener *l = calloc(1, sizeof(*l));
	if (l == NULL) {
		errf(err, err_len, "out of memory");
		return NULL;
	}
	if (open_device(l, rate_hz, channels, err, err_len) != 0) {
		free(l);
		return NULL;
	}
	l->rate_hz = rate_hz;
	l->channels = channels;
	l->lead_frames = (uint64_t)rate_hz * LISTEN_LEAD_MS / 1000u + 2u * l->device_buffer_frames;
	l->heard_before = UINT64_MAX;
	return l;
}

void listen_set_progress(struct listener *l, listen_progress_fn progress, void *ctx,
			 uint64_t total_frames)
{
	l->progress = progress;
	l->progress_ctx = ctx;
	l->total_frames = total_frames;
}

static uint64_t queued_frames(const struct listener *l)
{
	return sdl.GetQueuedAudioSize(l->dev) / (2u * l->channels);
}

static uint64_t heard_frames(const struct listener *l)
{
	uint64_t q = queued_frames(l);
	return l->fed_frames - (q < l->fed_frames ? q : l->fed_frames);
}

/* One poll while waiting on the device: progress, and the stuck test.
 * 0, or -1 with err. */
static int wait_a_little(struct listener *l, char *err, size_t err_len)
{
	uint64_t heard = heard_frames(l);
	Uint32 now_ms = sdl.GetTicks();
	if (heard != l->heard_before) {
		l->heard_before = heard;
		l->last_move_ms = now_ms;
	} else if (now_ms - l->last_move_ms > LISTEN_STUCK_MS) {
		errf(err, err_len, "the audio device stopped taking audio");
		sdl.PauseAudioDevice(l->dev, 1);
		return -1;
	}
	if (l->progress != NULL && now_ms - l->last_progress_ms >= LISTEN_PROGRESS_MS) {
		uint64_t total = l->total_frames > heard ? l->total_frames : heard + 1;
		l->progress(l->progress_ctx, heard, total);
		l->last_progress_ms = now_ms;
	}
	sdl.Delay(LISTEN_POLL_MS);
	return 0;
}

int listen_queue(struct listener *l, const int16_t *frames, uint64_t n_frames, char *err,
		 size_t err_len)
{
	const uint32_t frame_bytes = 2u * l->channels;
	uint64_t done = 0;
	while (done < n_frames) {
		uint64_t queued = queued_frames(l);
		if (queued >= l->lead_frames) {
			if (!l->started) {
				sdl.PauseAudioDevice(l->dev, 0);
				l->started = true;
				l->last_move_ms = sdl.GetTicks();
			}
			if (wait_a_little(l, err, err_len) != 0)
				return -1;
			continue;
		}
		uint64_t n = l->lead_frames - queued;
		if (n > n_frames - done)
			n = n_frames - done;
		if (sdl.QueueAudio(l->dev, frames + done * l->channels, (Uint32)(n * frame_bytes)) !=
		    0) {
			errf(err, err_len, "%s", sdl.GetError());
			sdl.PauseAudioDevice(l->dev, 1);
			return -1;
		}
		done += n;
		l->fed_frames += n;
	}
	return 0;
}

int listen_drain(struct listener *l, char *err, size_t err_len)
{
	if (!l->started) {
		sdl.PauseAudioDevice(l->dev, 0);
		l->started = true;
		l->last_move_ms = sdl.GetTicks();
	}
	while (heard_frames(l) < l->fed_frames)
		if (wait_a_little(l, err, err_len) != 0)
			return -1;
	/* The last frames left the queue; let them leave the device too. */
	sdl.Delay((Uint32)(2u * l->device_buffer_frames * 1000u / l->rate_hz) + 20u);
	if (l->progress != NULL)
		l->progress(l->progress_ctx, l->fed_frames, l->fed_frames);
	return 0;
}

int listen_play(struct listener *l, const int16_t *frames, uint64_t n_frames,
		listen_progress_fn progress, void *ctx, char *err, size_t err_len)
{
	listen_set_progress(l, progress, ctx, n_frames);
	if (listen_queue(l, frames, n_frames, err, err_len) != 0)
		return -1;
	return listen_drain(l, err, err_len);
}

void listen_close(struct listener *l)
{
	if (l == NULL)
		return;
	int saved = quiet_begin();
	sdl.CloseAudioDevice(l->dev);
	sdl.QuitSubSystem(SDL_INIT_AUDIO);
	sdl.Quit();
	quiet_end(saved);
	free(l);
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
