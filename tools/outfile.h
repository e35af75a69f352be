/*
 * outfile.h - every file the program writes, written whole or not at all.
 *
 * An output is written to a temporary file beside its final name (same
 * folder, so the rename is atomic) and renamed into place only when it is
 * complete and every write, flush and close succeeded. On any failure, or
 * when the program is interrupted (SIGINT, SIGTERM, SIGHUP), the temporary
 * file is removed: a reader never sees half a trace, a log cut short or a
 * WAV whose header was patched to look whole, and an old file of the same
 * name stays as it was.
 *
 * A path that names something other than a regular file (a character
 * device such as /dev/null or /dev/full, a FIFO) is written directly: it
 * cannot be renamed over, and nothing is left behind in it anyway.
 *
 * Errors are "PATH: reason" in the caller's buffer; the commands print them
 * as "ac97sim: PATH: reason" and exit 2.
 */
#ifndef AC97SIM_OUTFILE_H
#define AC97SIM_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Checks, creating nothing, that path could be written: its folder exists
 * and is a writable folder, and path itself is not a folder. Commands call
 * it for every output before a long run starts. Returns 0, or -1 with err.
 */
int outfile_check(const char *path, char *err, size_t err_len);

/* Checks that dir is an existing, writable folder (for outputs named later,
 * such as explore's trace). Returns 0, or -1 with err. */
int outfile_check_dir(const char *dir, char *err, size_t err_len);

struct outfile;

/* Opens the temporary file for path. NULL with err on failure. */
struct outfile *outfile_open(const char *path, char *err, size_t err_len);

/* stdio on the temporary file (opened on first call). */
FILE *outfile_stream(struct outfile *o);
/* The descriptor, for libraries that write through one (libsndfile). */
int outfile_fd(const struct outfile *o);
const char *outfile_path(const struct outfile *o);

/* Notes a write error seen by the caller (e.g. a library's), so that the
 * commit fails with it. */
void outfile_set_error(struct outfile *o, const char *reason);

/*
 * Flushes, closes and renames into place. Returns 0, or -1 with err (the
 * temporary file is then gone). Frees o either way.
 */
int outfile_commit(struct outfile *o, char *err, size_t err_len);

/* Removes the temporary file and frees o. NULL is accepted. */
void outfile_abort(struct outfile *o);

/* Removes every temporary file open now (async-signal-safe): for a
 * command that handles SIGINT itself. */
void outfile_remove_temps(void);

/* Writes a whole buffer to path through the above. Returns 0 or -1 with
 * err. */
int outfile_write_all(const char *path, const void *data, size_t len, char *err,
		      size_t err_len);

#endif
