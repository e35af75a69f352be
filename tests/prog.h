/*
 * prog.h - running the built ac97sim program from a test: its path comes
 * from $AC97SIM, which `make test` sets; stdin is /dev/null, stdout and
 * stderr are captured.
 */
#ifndef AC97SIM_TESTS_PROG_H
#define AC97SIM_TESTS_PROG_H

struct prog_result {
	int status;	/* exit status, or -1 if it did not exit normally */
	char out[65536];
	char err[16384];
};

/* Runs $AC97SIM with args (NULL-terminated); extra_env (NULL-terminated
 * "NAME=value" strings, or NULL) is added to the environment. */
void prog_run(struct prog_result *res, const char *const *args, const char *const *extra_env);

#endif
