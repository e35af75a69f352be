/*
 * outfile.c - see outfile.h.
 *
 * Interruption: the names of the temporary files that exist are kept in a
 * fixed table that a signal handler can walk (unlink is async-signal-safe);
 * the handler removes them, restores the default action and raises the
 * signal again, so the exit status still says what killed us.
 */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errf.h"

#define TEMPS_MAX 16u

struct outfile {
	char path[PATH_MAX];
	char temp[PATH_MAX + 32];	/* "" when writing path directly */
	int fd;
	FILE *stream;
	int slot;		/* in temps[], or -1 */
	char error[256];	/* the first write error, or "" */
};

/* Temporary names, for the signal handler. A slot is in use when its first
 * byte is not 0; it is written before the file exists and cleared after it
 * is renamed or removed. */
static char temps[TEMPS_MAX][PATH_MAX + 32];
static volatile sig_atomic_t handlers_installed;

void outfile_remove_temps(void)
{
	for (unsigned i = 0; i < TEMPS_MAX; i++)
		if (temps[i][0] != '\0')
			unlink(temps[i]);
}

static void on_signal(int sig)
{
	outfile_remove_temps();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_handlers(void)
{
	if (handlers_installed)
		return;
	handlers_installed = 1;
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction sa, old;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		/* Keep a handler someone else chose (it calls
		 * outfile_remove_temps itself); replace only defaults. */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL)
			sigaction(sigs[i], &sa, NULL);
	}
}

/* The folder part of path ("." when there is none). */
static void folder_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, len, ".");
	else if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

int outfile_check_dir(const char *dir, char *err, size_t err_len)
{
	struct stat st;
	if (stat(dir, &st) != 0) {
		errf(err, err_len, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		errf(err, err_len, "%s: not a folder", dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		errf(err, err_len, "%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* True when path exists and is not a regular file (a device, a FIFO). */
static bool is_special(const char *path, bool *is_dir)
{
	struct stat st;
	*is_dir = false;
	if (stat(path, &st) != 0)
		return false;
	*is_dir = S_ISDIR(st.st_mode);
	return !S_ISREG(st.st_mode) && !*is_dir;
}

int outfile_check(const char *path, char *err, size_t err_len)
{
	if (path == NULL || path[0] == '\0') {
		errf(err, err_len, "an output file needs a name");
		return -1;
	}
	if (strlen(path) + 32 >= PATH_MAX) {
		errf(err, err_len, "%s: name too long", path);
		return -1;
	}
	bool is_dir;
	if (is_special(path, &is_dir)) {
		if (access(path, W_OK) != 0) {
			errf(err, err_len, "%s: %s", path, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (is_dir) {
		errf(err, err_len, "%s: is a folder, not a file", path);
		return -1;
	}
	char dir[PATH_MAX];
	folder_of(path, dir, sizeof(dir));
	char why[PATH_MAX + 64];
	if (outfile_check_dir(dir, why, sizeof(why)) != 0) {
		/* Name the output, then what is wrong with its folder. */
		errf(err, err_len, "%s: cannot be written: %s", path, why);
		return -1;
	}
	return 0;
}

struct outfile *outfile_open(const char *path, char *err, size_t err_len)
{
	if (outfile_check(path, err, err_len) != 0)
		return NULL;
	struct outfile *o = calloc(1, sizeof(*o));
	if (o == NULL) {
		errf(err, err_len, "%s: out of memory", path);
		return NULL;
	}
	snprintf(o->path, sizeof(o->path), "%s", path);
	o->slot = -1;
	o->fd = -1;
	bool is_dir;
	if (is_special(path, &is_dir)) {
		o->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (o->fd < 0) {
			errf(err, err_len, "%s: %s", path, strerror(errno));
			free(o);
			return NULL;
		}
		return o;
	}
	install_handlers();
	/* ".NAME.tmp-XXXXXX" beside NAME (outfile_check bounded the length). */
	const char *slash = strrchr(path, '/');
	int dir_len = slash ? (int)(slash - path + 1) : 0;
	snprintf(o->temp, sizeof(o->temp), "%.*s.%s.tmp-XXXXXX", dir_len, path,
		 path + dir_len);
	for (unsigned i = 0; i < TEMPS_MAX && o->slot < 0; i++)
		if (temps[i][0] == '\0')
			o->slot = (int)i;
	if (o->slot < 0) {
		errf(err, err_len, "%s: too many outputs open at once", path);
		free(o);
		return NULL;
	}
	/* The file and its entry in the table come into being together: no
	 * signal between them can leave a file the handler does not know. */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	o->fd = mkstemp(o->temp);
	int saved = errno;
	if (o->fd >= 0) {
		memcpy(temps[o->slot], o->temp, sizeof(o->temp));
		fcntl(o->fd, F_SETFD, FD_CLOEXEC);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (o->fd < 0) {
		errf(err, err_len, "%s: %s", path, strerror(saved));
		free(o);
		return NULL;
	}
	/* mkstemp makes the file 0600; an output is an ordinary file. */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(o->fd, 0666 & ~mask);
	return o;
}

FILE *outfile_stream(struct outfile *o)
{
	if (o->stream == NULL)
		o->stream = fdopen(o->fd, "w");
	return o->stream;
}

int outfile_fd(const struct outfile *o)
{
	return o->fd;
}

const char *outfile_path(const struct outfile *o)
{
	return o->path;
}

void outfile_set_error(struct outfile *o, const char *reason)
{
	if (o->error[0] == '\0')
		snprintf(o->error, sizeof(o->error), "%s", reason);
}

static void release_slot(struct outfile *o)
{
	if (o->slot >= 0)
		temps[o->slot][0] = '\0';
	o->slot = -1;
}

static void close_all(struct outfile *o)
{
	if (o->stream != NULL) {
		if (fclose(o->stream) != 0)
			outfile_set_error(o, strerror(errno));
		o->stream = NULL;
		o->fd = -1;
	} else if (o->fd >= 0) {
		if (close(o->fd) != 0)
			outfile_set_error(o, strerror(errno));
		o->fd = -1;
	}
}

int outfile_commit(struct outfile *o, char *err, size_t err_len)
{
	if (o->stream != NULL && (fflush(o->stream) != 0 || ferror(o->stream)))
		outfile_set_error(o, errno != 0 ? strerror(errno) : "write error");
	close_all(o);
	if (o->error[0] == '\0' && o->temp[0] != '\0' && rename(o->temp, o->path) != 0)
		outfile_set_error(o, strerror(errno));
	int rc = 0;
	if (o->error[0] != '\0') {
		errf(err, err_len, "%s: %s", o->path, o->error);
		if (o->temp[0] != '\0')
			unlink(o->temp);
		rc = -1;
	}
	release_slot(o);
	free(o);
	return rc;
}

void outfile_abort(struct outfile *o)
{
	if (o == NULL)
		return;
	close_all(o);
	if (o->temp[0] != '\0')
		unlink(o->temp);
	release_slot(o);
	free(o);
}

int outfile_write_all(const char *path, const void *data, size_t len, char *err, size_t err_len)
{
	struct outfile *o = outfile_open(path, err, err_len);
	if (o == NULL)
		return -1;
	FILE *f = outfile_stream(o);
	if (f == NULL || fwrite(data, 1, len, f) != len)
		outfile_set_error(o, strerror(errno));
	return outfile_commit(o, err, err_len);
}
