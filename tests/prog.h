/*
 * prog.h - running the built ac97sim program from a test: its path comes
 * from $AC97SIM, which `make test` sets; stdin is /dev/null, stdout and
 * stderr are captured.
 */
#ifndef AC97SIM_TESTS_PROG_H
#define AC97SIM_TESTS_PROG_H

struct prog_result {
	int status;	/* exit status, or -1 if it did not exit normally */
	int signal;	/* the signal that ended it, or 0 */
	long max_rss_kib;	/* its peak resident set */
	char out[65536];
	char err[16384];
};

/* Runs $AC97SIM with args (NULL-terminated); extra_env (NULL-terminated
 * "NAME=value" strings, or NULL) is added to the environment. */
void prog_run(struct prog_result *res, const char *const *args, const char *const *extra_env);

/* The same in folder cwd (NULL: the tests' own). */
void prog_run_in(struct prog_result *res, const char *cwd, const char *const *args,
		 const char *const *extra_env);

/* The same with files limited to fsize_bytes (RLIMIT_FSIZE, SIGXFSZ
 * ignored): a write past it fails with EFBIG, as on a full disk. */
void prog_run_fsize(struct prog_result *res, long fsize_bytes, const char *const *args);

/* A program started in the background, for tests that signal it while it
 * runs. */
struct prog_child {
	int pid;
	void *out, *err;	/* FILE *: its captured output */
};

/* Starts $AC97SIM with args in a process group of its own, as a shell
 * starts a job (so that kill(-pid, sig) reaches it and its children, as
 * Ctrl-C on a terminal does); stdin is /dev/null. */
void prog_start(struct prog_child *c, const char *const *args);

/* Waits for it to end and fills res as prog_run does. */
void prog_finish(struct prog_child *c, struct prog_result *res);

/* $AC97SIM: the program the tests run (an absolute path). */
const char *prog_path(void);

#endif
