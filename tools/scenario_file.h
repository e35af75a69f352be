/*
 * scenario_file.h - scenario files: INI text (read with libinih) that
 * describes a struct scenario (harness/scenario.h). Every key is documented
 * in docs/scenario-format.md. Unknown sections or keys, bad values and
 * missing files are errors reported as "FILE:LINE: reason".
 */
#ifndef AC97SIM_SCENARIO_FILE_H
#define AC97SIM_SCENARIO_FILE_H

#include <stddef.h>

#include "scenario.h"

struct audio_source;

/* What a loaded scenario owns besides the struct (the audio file named in
 * it, open and streamed, never held whole). Free with scenario_file_free. */
struct scenario_file {
	struct scenario sc;
	struct audio_source *audio;	/* sc.reader reads it for source = file */
	char path[512];
};

/* Reads path into sf. Returns 0, or -1 with err set to "FILE:LINE:
 * reason" (or "FILE: reason" for an unreadable file). Relative file names
 * inside the scenario (audio) are taken from the scenario file's folder.
 * An audio file longer than the scenario's max_time is refused with its
 * length ("m:ss long"), before it is read; one that cannot be decoded to
 * its end is refused after one streaming pass (its content hash). */
int scenario_file_load(const char *path, struct scenario_file *sf, char *err, size_t err_len);
/* scenario_file_load with flags (SCENARIO_FILE_DRIVER_GIVEN and the like). */
int scenario_file_load_flags(const char *path, unsigned flags, struct scenario_file *sf, char *err,
			     size_t err_len);
/* The same reader on text[0..len_bytes) (need not be NUL-terminated; at
 * most the size a file may have): name stands for FILE in messages and in
 * sf->path, and its folder is where relative audio file names are looked
 * for, as if the text had been read from a file so named. With
 * SCENARIO_FILE_NO_FILES in flags, a [source] file key is refused rather
 * than opened: for callers that must not open files the text names (the
 * fuzzer). Returns as scenario_file_load does. */
#define SCENARIO_FILE_NO_FILES 1u
/* The caller sets the driver itself (--driver, or a trace's): the file's
 * `driver` key is read, not resolved, so a plug-in it names need not exist
 * and is not loaded. sc.driver_ref stays the default until the caller's
 * scenario_set_driver. */
#define SCENARIO_FILE_DRIVER_GIVEN 2u
int scenario_file_load_text(const char *name, const char *text, size_t len_bytes, unsigned flags,
			    struct scenario_file *sf, char *err, size_t err_len);

void scenario_file_free(struct scenario_file *sf);

#endif
