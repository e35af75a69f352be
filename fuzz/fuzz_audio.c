/*
 * fuzz_audio.c - fuzz target `audio`: the audio input reader
 * (tools/audio_file.h), as a thin adapter.
 *
 * The input is the content of a sound file, read twice, to stereo and to
 * mono, as `play` and the mic input read theirs. The reader takes a path,
 * and is being rewritten; so the input is handed to it from memory as a
 * memfd (an anonymous file in RAM, named /proc/self/fd/N), which works with
 * any reader that takes a path and touches no disk. read_clip() is the one
 * place that knows the reader's API: point it at the new one when it lands
 * (with a reader that takes libsndfile's virtual I/O, the memfd goes).
 *
 * Checked: an accepted file gives the channels asked for, a rate and, when
 * it has frames, samples; a refused one comes with "FILE: reason".
 */
#define _GNU_SOURCE	/* memfd_create */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "audio_file.h"
#include "fuzz.h"

#define ERR_MAX 1024u

/* LeakSanitizer (libFuzzer's, and the sanitizer build's at exit) reads
 * this. libsndfile 1.2.0 with libvorbis leaks the vorbis_info of an Ogg
 * file whose headers end early, inside sf_open (a five-line program that
 * only calls sf_open and sf_close leaks it too; upstream: libsndfile#1013,
 * xiph/vorbis#125). Only allocations made inside the codec libraries are
 * excused: a SNDFILE the reader forgot to close is allocated by
 * libsndfile itself and is still reported. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libvorbis.so\nleak:libogg.so\nleak:libFLAC.so\nleak:libopus.so\n"
	       "leak:libmpg123.so\nleak:libmp3lame.so\n";
}

/* The reader's API, in one place. Returns 0 or -1 as audio_clip_read. */
static int read_clip(const char *path, uint32_t channels, struct audio_clip *clip, char *err,
		     size_t err_len)
{
	return audio_clip_read(path, channels, clip, err, err_len);
}

static void check_one(const char *path, uint32_t channels)
{
	struct audio_clip clip;
	char err[ERR_MAX] = "";
	if (read_clip(path, channels, &clip, err, sizeof(err)) != 0) {
		size_t n = strlen(path);
		if (strncmp(err, path, n) != 0 || strncmp(err + n, ": ", 2) != 0 || err[n + 2] == '\0')
			fuzz_fail("audio", "refused without FILE: reason: '%s'", err);
		return;
	}
	if (clip.channels != channels || clip.rate_hz == 0 || (clip.frames != 0 && clip.samples == NULL))
		fuzz_fail("audio", "accepted as %u channels at %u Hz, %llu frames, samples %p",
			  (unsigned)clip.channels, (unsigned)clip.rate_hz,
			  (unsigned long long)clip.frames, (void *)clip.samples);
	audio_clip_free(&clip);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	if (fd < 0 && (fd = memfd_create("fuzz-audio", 0)) < 0)
		fuzz_fail("audio", "memfd_create failed");
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		fuzz_fail("audio", "cannot write the input to the memfd");
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	check_one(path, 2);
	check_one(path, 1);
	return 0;
}
