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

/* $AC97SIM: the program the tests run (an absolute path). */
const char *prog_path(void);

#endif
