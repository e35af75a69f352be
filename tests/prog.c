/* posix_spawn_file_actions_addchdir_np is a GNU extension (glibc 2.29). */
#define _GNU_SOURCE
#include "prog.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

extern char **environ;

static void slurp(FILE *f, char *buf, size_t cap)
{
	rewind(f);
	size_t n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
}

const char *prog_path(void)
{
	const char *prog = getenv("AC97SIM");
	ck_assert_msg(prog != NULL && prog[0] != '\0',
		      "AC97SIM is not set: run the suites with 'make test'");
	return prog;
}

void prog_run(struct prog_result *res, const char *const *args, const char *const *extra_env)
{
	prog_run_in(res, NULL, args, extra_env);
}

void prog_run_in(struct prog_result *res, const char *cwd, const char *const *args,
		 const char *const *extra_env)
{
	const char *prog = prog_path();
	char *argv[32];
	size_t argc = 0;
	argv[argc++] = (char *)prog;
	for (size_t i = 0; args[i] != NULL && argc < 31; i++)
		argv[argc++] = (char *)args[i];
	argv[argc] = NULL;
	char *envp[256];
	size_t envc = 0;
	for (size_t i = 0; extra_env != NULL && extra_env[i] != NULL && envc < 64; i++)
		envp[envc++] = (char *)extra_env[i];
	for (size_t i = 0; environ[i] != NULL && envc < 255; i++)
		envp[envc++] = environ[i];
	envp[envc] = NULL;
	FILE *out = tmpfile();
	FILE *err = tmpfile();
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(err);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fileno(out), 1);
	posix_spawn_file_actions_adddup2(&fa, fileno(err), 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (cwd != NULL)
		posix_spawn_file_actions_addchdir_np(&fa, cwd);
	pid_t pid;
	int rc = posix_spawn(&pid, prog, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	ck_assert_msg(rc == 0, "cannot run %s: %s", prog, strerror(rc));
	int wstatus;
	struct rusage ru;
	while (wait4(pid, &wstatus, 0, &ru) < 0)
		ck_assert_int_eq(errno, EINTR);
	res->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
	res->signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
	res->max_rss_kib = ru.ru_maxrss;
	slurp(out, res->out, sizeof(res->out));
	slurp(err, res->err, sizeof(res->err));
	fclose(out);
	fclose(err);
}

void prog_start(struct prog_child *c, const char *const *args)
{
	const char *prog = prog_path();
	char *argv[32];
	size_t argc = 0;
	argv[argc++] = (char *)prog;
	for (size_t i = 0; args[i] != NULL && argc < 31; i++)
		argv[argc++] = (char *)args[i];
	argv[argc] = NULL;
	FILE *out = tmpfile();
	FILE *err = tmpfile();
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(err);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fileno(out), 1);
	posix_spawn_file_actions_adddup2(&fa, fileno(err), 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attr, 0);
	pid_t pid;
	int rc = posix_spawn(&pid, prog, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	ck_assert_msg(rc == 0, "cannot run %s: %s", prog, strerror(rc));
	c->pid = pid;
	c->out = out;
	c->err = err;
}

void prog_finish(struct prog_child *c, struct prog_result *res)
{
	int wstatus;
	struct rusage ru;
	while (wait4(c->pid, &wstatus, 0, &ru) < 0)
		ck_assert_int_eq(errno, EINTR);
	res->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
	res->signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
	res->max_rss_kib = ru.ru_maxrss;
	slurp(c->out, res->out, sizeof(res->out));
	slurp(c->err, res->err, sizeof(res->err));
	fclose(c->out);
	fclose(c->err);
}

void prog_run_fsize(struct prog_result *res, long fsize_bytes, const char *const *args)
{
	/* Both are inherited by the child: set them around the spawn only. */
	struct rlimit old, lim;
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)fsize_bytes;
	struct sigaction ign, old_sa;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	ck_assert_int_eq(sigaction(SIGXFSZ, &ign, &old_sa), 0);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	prog_run_in(res, NULL, args, NULL);
	setrlimit(RLIMIT_FSIZE, &old);
	sigaction(SIGXFSZ, &old_sa, NULL);
}
