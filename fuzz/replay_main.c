/*
 * replay_main.c - runs a fuzz target on saved inputs, once each, without
 * libFuzzer: the corpus replay of `make check`, in the plain and the
 * sanitizer builds, so that an input that once crashed keeps being run.
 *
 *   replay-TARGET NAME PATH...
 *
 * Each PATH is a file or a folder (its regular files, in name order, not
 * recursing). Each input is read into a buffer of exactly its size, so an
 * overread is caught as it would be under libFuzzer. A target that finds
 * a broken invariant aborts; so does a crash. Prints one line,
 * "fuzz-replay NAME: N inputs, B bytes"; exit 0, or 2 when a path cannot
 * be read or holds no input (a corpus that silently went missing would
 * otherwise pass).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

struct totals {
	uint64_t inputs;
	uint64_t bytes;
};

static int replay_file(const char *path, struct totals *t)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "fuzz-replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);
	for (size_t n; buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0;) {
		len += n;
		if (len == cap) {
			uint8_t *grown = realloc(buf, cap * 2);
			if (grown == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = grown;
			cap *= 2;
		}
	}
	bool failed = buf == NULL || ferror(f);
	fclose(f);
	if (failed) {
		fprintf(stderr, "fuzz-replay: %s: cannot read\n", path);
		free(buf);
		return -1;
	}
	/* Exactly len bytes, as libFuzzer hands them over. */
	uint8_t *input = malloc(len != 0 ? len : 1);
	if (input == NULL) {
		free(buf);
		return -1;
	}
	memcpy(input, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(input, len);
	free(input);
	t->inputs++;
	t->bytes += len;
	return 0;
}

static int regular_only(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

static int replay_path(const char *path, struct totals *t)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "fuzz-replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path, t);
	struct dirent **names;
	int n = scandir(path, &names, regular_only, alphasort);
	if (n < 0) {
		fprintf(stderr, "fuzz-replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	int rc = 0;
	uint64_t before = t->inputs;
	for (int i = 0; i < n; i++) {
		char file[4096];
		snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name);
		if (rc == 0 && stat(file, &st) == 0 && S_ISREG(st.st_mode))
			rc = replay_file(file, t);
		free(names[i]);
	}
	free(names);
	if (rc == 0 && t->inputs == before) {
		fprintf(stderr, "fuzz-replay: %s: no inputs\n", path);
		rc = -1;
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s NAME PATH...\n", argv[0]);
		return 2;
	}
	struct totals t = { 0, 0 };
	for (int i = 2; i < argc; i++)
		if (replay_path(argv[i], &t) != 0)
			return 2;
	printf("fuzz-replay %s: %" PRIu64 " inputs, %" PRIu64 " bytes\n", argv[1], t.inputs,
	       t.bytes);
	return 0;
}
