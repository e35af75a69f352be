/*
 * test_profiles.c - device profiles (emu/profile.h): the registry and its
 * quirk names, and the regression fixtures of fixtures/regs/profiles/,
 * which must show each quirk on every profile that has it and its absence
 * on ich, and which docs/profiles.md must list.
 *
 * A profile fixture's header says what it shows:
 *   # quirk: NAME            the quirk (ac97_quirks[] names)
 *   # profiles: P Q ...      the profiles it runs on: each has the quirk
 *   # options: --dma-latency N    (optional) the device's DMA latency
 *   # expect-exit: 0         on each listed profile every expectation holds
 * and on ich the same script must fail (exit 1): its expectations are the
 * quirk's, not the ICH's.
 *
 * Tests run from the top of the tree, so fixtures/ and docs/ are relative.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ac97.h"
#include "gmem.h"
#include "prog.h"
#include "profile.h"
#include "regs_script.h"

Suite *suite_profiles(void);

#define PROFILE_FIXTURE_DIR "fixtures/regs/profiles"
#define PROFILES_DOC "docs/profiles.md"
#define FIXTURES_MAX 128

struct fixture {
	char path[320];
	char quirk[64];
	const struct ac97_profile *profiles[8];
	size_t n_profiles;
	bool latency_given;
	uint64_t latency_ticks;
	int expect_exit;
};

/* Reads a fixture's header; false (with why) when it is malformed. */
static bool fixture_read(const char *path, struct fixture *fx, char *why, size_t why_len)
{
	memset(fx, 0, sizeof(*fx));
	fx->expect_exit = -1;
	snprintf(fx->path, sizeof(fx->path), "%s", path);
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(why, why_len, "cannot open");
		return false;
	}
	char line[512];
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		int n;
		unsigned long long ticks;
		if (sscanf(line, "# quirk: %63s", fx->quirk) == 1)
			continue;
		if (sscanf(line, "# expect-exit: %d", &n) == 1) {
			fx->expect_exit = n;
			continue;
		}
		if (sscanf(line, "# options: --dma-latency %llu", &ticks) == 1) {
			fx->latency_given = true;
			fx->latency_ticks = ticks;
			continue;
		}
		if (strncmp(line, "# profiles: ", 12) == 0) {
			char *save = NULL;
			for (char *tok = strtok_r(line + 12, " ", &save); tok != NULL;
			     tok = strtok_r(NULL, " ", &save)) {
				const struct ac97_profile *p = ac97_profile_find(tok);
				if (p == NULL || fx->n_profiles == 8) {
					snprintf(why, why_len, "bad profile '%s'", tok);
					fclose(f);
					return false;
				}
				fx->profiles[fx->n_profiles++] = p;
			}
		}
	}
	fclose(f);
	if (fx->quirk[0] == '\0' || fx->n_profiles == 0 || fx->expect_exit != 0) {
		snprintf(why, why_len, "needs '# quirk:', '# profiles:' and '# expect-exit: 0'");
		return false;
	}
	return true;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* The fixtures' file names, sorted. */
static size_t list_profile_fixtures(char names[][128], size_t max)
{
	DIR *d = opendir(PROFILE_FIXTURE_DIR);
	ck_assert_msg(d != NULL, "cannot open %s (tests run from the top of the tree)",
		      PROFILE_FIXTURE_DIR);
	size_t n = 0;
	struct dirent *ent;
	while ((ent = readdir(d)) != NULL) {
		size_t len = strlen(ent->d_name);
		if (len < 6 || strcmp(ent->d_name + len - 5, ".regs") != 0)
			continue;
		ck_assert_uint_lt(n, max);
		ck_assert_uint_lt(len, 128);
		snprintf(names[n++], 128, "%.127s", ent->d_name);
	}
	closedir(d);
	qsort(names, n, 128, compare_names);
	return n;
}

static int run_fixture(const struct fixture *fx, const struct ac97_profile *p, char **out_text)
{
	size_t out_len = 0;
	char *err_text = NULL;
	size_t err_len = 0;
	FILE *out = open_memstream(out_text, &out_len);
	FILE *err = open_memstream(&err_text, &err_len);
	struct regs_script_opts opts = {
		.profile = p,
		.dma_latency_given = fx->latency_given,
		.dma_latency_ticks = fx->latency_ticks,
	};
	int status = regs_script_run_file(fx->path, &opts, out, err);
	fclose(out);
	fclose(err);
	if (err_len != 0)
		fprintf(stderr, "%s on %s: %s", fx->path, p->name, err_text);
	free(err_text);
	return status;
}

START_TEST(registry)
{
	/* goal: the registry names each profile once; ich is the default, has no quirks and the
	 * CS4205; every profile's codec is a registered part; find() finds each by name only. */
	ck_assert_ptr_eq(ac97_profile_default(), &ac97_profile_ich);
	ck_assert_uint_eq(ac97_profile_ich.quirks, 0);
	ck_assert_ptr_eq(ac97_profile_ich.codec, &codec_part_cs4205);
	ck_assert_uint_ge(ac97_profiles_count, 4);
	for (size_t i = 0; i < ac97_profiles_count; i++) {
		const struct ac97_profile *p = ac97_profiles[i];
		ck_assert_ptr_eq(ac97_profile_find(p->name), p);
		ck_assert_ptr_eq(codec_part_find(p->codec->name), p->codec);
		ck_assert_uint_ge(p->nabm_bytes, AC97_NABM_BYTES);
		ck_assert_uint_le(p->nabm_bytes, 256);
		ck_assert_uint_eq(p->quirks >> AC97_Q_COUNT, 0);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(ac97_profiles[j]->name, p->name);
	}
	ck_assert_ptr_null(ac97_profile_find("ICH"));
	ck_assert_ptr_null(ac97_profile_find(""));
	char names[256];
	ac97_profile_names(names, sizeof(names));
	ck_assert_str_eq(names, "ich, qemu, virtualbox, sis7012");
	ac97_profile_names(names, 6);
	ck_assert_str_eq(names, "ich");
}
END_TEST

START_TEST(quirk_names)
{
	/* goal: every quirk has a unique dashed name and a summary, find() maps names back, and
	 * every quirk belongs to at least one profile (none is dead code). */
	for (unsigned q = 0; q < AC97_Q_COUNT; q++) {
		const struct ac97_quirk_info *qi = &ac97_quirks[q];
		ck_assert_ptr_nonnull(qi->name);
		ck_assert_ptr_nonnull(qi->summary);
		ck_assert_uint_eq(ac97_quirk_find(qi->name), q);
		ck_assert_uint_eq(strspn(qi->name, "abcdefghijklmnopqrstuvwxyz0123456789-"),
				  strlen(qi->name));
		bool used = false;
		for (size_t i = 0; i < ac97_profiles_count; i++)
			used |= ac97_profile_has(ac97_profiles[i], (enum ac97_quirk)q);
		ck_assert_msg(used, "quirk %s is in no profile", qi->name);
	}
	ck_assert_uint_eq(ac97_quirk_find("no-such-quirk"), AC97_Q_COUNT);
}
END_TEST

START_TEST(profile_chosen_at_creation)
{
	/* goal: the profile of the configuration is the device's, with its codec; NULL is ich. */
	struct ac97 *dev = calloc(1, sizeof(*dev));
	struct gmem mem;
	ck_assert_ptr_nonnull(dev);
	ck_assert_int_eq(gmem_init(&mem, 1u << 20), 0);
	struct ac97_config cfg;
	ac97_config_default(&cfg);
	ck_assert_ptr_eq(cfg.profile, &ac97_profile_ich);
	cfg.profile = NULL;
	ac97_init(dev, &cfg, gmem_dma_ops(), &mem);
	ck_assert_ptr_eq(dev->profile, &ac97_profile_ich);
	for (size_t i = 0; i < ac97_profiles_count; i++) {
		cfg.profile = ac97_profiles[i];
		ac97_init(dev, &cfg, gmem_dma_ops(), &mem);
		ck_assert_ptr_eq(dev->profile, ac97_profiles[i]);
		ck_assert_ptr_eq(dev->codec.part, ac97_profiles[i]->codec);
		char why[256];
		ck_assert_msg(ac97_invariants_hold(dev, why, sizeof(why)), "%s: %s",
			      ac97_profiles[i]->name, why);
	}
	gmem_free(&mem);
	free(dev);
}
END_TEST

START_TEST(fixtures_show_each_quirk)
{
	/* goal: each fixtures/regs/profiles script names one quirk and the profiles it runs on,
	 * each of which has that quirk; its expectations hold on each of them and fail on ich;
	 * and every pair of a quirk and a profile that has it is shown by some fixture. */
	static char names[FIXTURES_MAX][128];
	size_t n = list_profile_fixtures(names, FIXTURES_MAX);
	uint64_t shown[16] = { 0 };	/* per profile index: quirks shown on it */
	ck_assert_uint_le(ac97_profiles_count, 16);
	int failures = 0;
	for (size_t i = 0; i < n; i++) {
		char path[300], why[128];
		snprintf(path, sizeof(path), "%s/%s", PROFILE_FIXTURE_DIR, names[i]);
		struct fixture fx;
		if (!fixture_read(path, &fx, why, sizeof(why))) {
			fprintf(stderr, "%s: %s\n", path, why);
			failures++;
			continue;
		}
		enum ac97_quirk q = ac97_quirk_find(fx.quirk);
		if (q == AC97_Q_COUNT) {
			fprintf(stderr, "%s: unknown quirk '%s'\n", path, fx.quirk);
			failures++;
			continue;
		}
		for (size_t k = 0; k < fx.n_profiles; k++) {
			const struct ac97_profile *p = fx.profiles[k];
			if (!ac97_profile_has(p, q)) {
				fprintf(stderr, "%s: profile %s has no %s\n", path, p->name, fx.quirk);
				failures++;
				continue;
			}
			char *out = NULL;
			int st = run_fixture(&fx, p, &out);
			if (st != 0) {
				fprintf(stderr, "%s on %s: exit %d\n%s", path, p->name, st, out);
				failures++;
			}
			free(out);
			for (size_t j = 0; j < ac97_profiles_count; j++)
				if (ac97_profiles[j] == p)
					shown[j] |= AC97_QUIRK(q);
		}
		char *out = NULL;
		int st = run_fixture(&fx, &ac97_profile_ich, &out);
		if (st != 1) {
			fprintf(stderr, "%s on ich: exit %d, want 1 (the quirk's absence)\n%s", path, st,
				out);
			failures++;
		}
		free(out);
	}
	for (size_t j = 0; j < ac97_profiles_count; j++) {
		uint64_t missing = ac97_profiles[j]->quirks & ~shown[j];
		for (unsigned q = 0; q < AC97_Q_COUNT; q++)
			if (missing & AC97_QUIRK(q)) {
				fprintf(stderr, "no fixture shows %s on %s\n", ac97_quirks[q].name,
					ac97_profiles[j]->name);
				failures++;
			}
	}
	ck_assert_msg(failures == 0, "%d problem(s) with the profile fixtures (details on stderr)",
		      failures);
}
END_TEST

START_TEST(diff_names_each_quirk)
{
	/* goal: ac97sim diff on each profile fixture, ich against each profile the fixture runs
	 * on, exits 1 and names a first difference ("line N" of the script or a tick), and on
	 * ich against itself exits 0 with every category the same. */
	static char names[FIXTURES_MAX][128];
	size_t n = list_profile_fixtures(names, FIXTURES_MAX);
	struct prog_result *res = malloc(sizeof(*res));
	ck_assert_ptr_nonnull(res);
	for (size_t i = 0; i < n; i++) {
		char path[300], why[128], list[64], latency[32];
		snprintf(path, sizeof(path), "%s/%s", PROFILE_FIXTURE_DIR, names[i]);
		struct fixture fx;
		ck_assert_msg(fixture_read(path, &fx, why, sizeof(why)), "%s: %s", path, why);
		snprintf(latency, sizeof(latency), "%llu", (unsigned long long)fx.latency_ticks);
		for (size_t k = 0; k < fx.n_profiles; k++) {
			snprintf(list, sizeof(list), "ich,%s", fx.profiles[k]->name);
			const char *args[] = { "diff", path, "--profiles", list, "--dma-latency",
					       latency, NULL };
			if (!fx.latency_given)
				args[4] = NULL;
			prog_run(res, args, NULL);
			ck_assert_msg(res->status == 1, "%s on %s: exit %d\n%s%s", path, list,
				      res->status, res->out, res->err);
			char head[400];
			snprintf(head, sizeof(head), "%s: %s against ich: differs\n", path,
				 fx.profiles[k]->name);
			ck_assert_msg(strncmp(res->out, head, strlen(head)) == 0, "%s", res->out);
			ck_assert_msg(strstr(res->out, "(line ") != NULL ||
					      strstr(res->out, "  registers   line ") != NULL,
				      "%s: no line named\n%s", path, res->out);
		}
		const char *same[] = { "diff", path, "--profiles", "ich,ich", NULL };
		prog_run(res, same, NULL);
		ck_assert_int_eq(res->status, 2);	/* a profile twice is a usage error */
	}
	free(res);
}
END_TEST

START_TEST(diff_same_and_usage)
{
	/* goal: a script whose run no profile changes is "the same" everywhere (exit 0); bad
	 * usage (one profile, an unknown one) and a malformed script exit 2 with a reason. */
	struct prog_result *res = malloc(sizeof(*res));
	ck_assert_ptr_nonnull(res);
	char path[] = "/tmp/ac97sim-diff-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	static const char script[] = "read nabm 0x2c 32\nadvance 10 frames\nread nabm 0x14 8\n";
	ck_assert_int_eq(write(fd, script, sizeof(script) - 1), (int)sizeof(script) - 1);
	close(fd);
	const char *same[] = { "diff", path, "--profiles", "ich,sis7012", NULL };
	prog_run(res, same, NULL);
	unlink(path);
	ck_assert_msg(res->status == 0, "exit %d\n%s%s", res->status, res->out, res->err);
	char want[512];
	snprintf(want, sizeof(want), "%s: sis7012 against ich: the same\n"
				     "  registers   the same (2 reads)\n"
				     "  interrupts  the same (0 changes of the line)\n"
				     "  dma         the same (0 runs, 0 bytes)\n"
				     "  audio       the same (no data frame on either)\n", path);
	ck_assert_str_eq(res->out, want);
	const char *one[] = { "diff", "fixtures/regs/expect_fails.regs", "--profiles", "qemu", NULL };
	prog_run(res, one, NULL);
	ck_assert_int_eq(res->status, 2);
	ck_assert_ptr_nonnull(strstr(res->err, "two profiles or more"));
	const char *unknown[] = { "diff", "fixtures/regs/expect_fails.regs", "--profiles",
				  "ich,bochs", NULL };
	prog_run(res, unknown, NULL);
	ck_assert_int_eq(res->status, 2);
	ck_assert_ptr_nonnull(strstr(res->err, "unknown profile 'bochs' (profiles: ich, qemu, "
					       "virtualbox, sis7012)"));
	const char *missing[] = { "diff", "fixtures/regs/no-such.regs", NULL };
	prog_run(res, missing, NULL);
	ck_assert_int_eq(res->status, 2);
	ck_assert_str_eq(res->err, "ac97sim: fixtures/regs/no-such.regs: No such file or directory\n");
	free(res);
}
END_TEST

START_TEST(explore_profiles_names_the_profile_a_failure_needs)
{
	/* goal: explore --profiles runs the same seeds on each profile, writes each profile's
	 * failing trace under its own name (which replays, on its profile, exactly), and ends
	 * with a summary that says the failure needs qemu because ich passes it; --profiles with
	 * --json is a usage error. */
	struct prog_result *res = malloc(sizeof(*res));
	ck_assert_ptr_nonnull(res);
	char dir[] = "/tmp/ac97sim-profiles-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	const char *args[] = { "explore", "fixtures/scenarios/pause-resume-0.ini", "--profiles",
			       "ich,qemu", "--runs", "20", "--jobs", "1", "--quiet", "--trace-dir",
			       dir, NULL };
	prog_run(res, args, NULL);
	ck_assert_msg(res->status == 1, "exit %d\n%s%s", res->status, res->out, res->err);
	ck_assert_ptr_nonnull(strstr(res->out, "== profile ich\n"));
	ck_assert_ptr_nonnull(strstr(res->out, "== profile qemu\n"));
	ck_assert_ptr_nonnull(strstr(res->out, "\nprofiles: fixtures/scenarios/pause-resume-0.ini, "
					       "seeds 1..20 on each\n"));
	ck_assert_msg(strstr(res->out, "  seed 1 (qemu's): fails on qemu; passes on ich\n"
				       "    needs qemu: ich passes it\n") != NULL, "%s", res->out);
	char trace[128];
	snprintf(trace, sizeof(trace), "%s/pause-resume-0-qemu-seed1.trace", dir);
	const char *replay[] = { "replay", trace, NULL };
	prog_run(res, replay, NULL);
	ck_assert_msg(res->status == 1, "exit %d\n%s%s", res->status, res->out, res->err);
	ck_assert_ptr_nonnull(strstr(res->out, "replay: exact"));
	unlink(trace);
	ck_assert_int_eq(rmdir(dir), 0);
	const char *json[] = { "explore", "fixtures/scenarios/plain-0.ini", "--profiles", "ich,qemu",
			       "--json", "/tmp/x.json", NULL };
	prog_run(res, json, NULL);
	ck_assert_int_eq(res->status, 2);
	ck_assert_ptr_nonnull(strstr(res->err, "--profiles runs one search per profile"));
	free(res);
}
END_TEST

/* The whole of docs/profiles.md, NUL-terminated. */
static char *read_doc(void)
{
	FILE *f = fopen(PROFILES_DOC, "r");
	ck_assert_msg(f != NULL, "cannot open %s", PROFILES_DOC);
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	char buf[4096];
	size_t got;
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, got, mem);
	fclose(f);
	fclose(mem);
	return text;
}

START_TEST(doc_lists_each_quirk_and_fixture)
{
	/* goal: docs/profiles.md names every profile, every quirk (as `name`) and every profile
	 * fixture, so that no difference a profile makes goes undocumented. */
	char *doc = read_doc();
	char needle[200];
	for (size_t i = 0; i < ac97_profiles_count; i++) {
		snprintf(needle, sizeof(needle), "`%s`", ac97_profiles[i]->name);
		ck_assert_msg(strstr(doc, needle) != NULL, "%s does not name %s", PROFILES_DOC,
			      needle);
	}
	for (unsigned q = 0; q < AC97_Q_COUNT; q++) {
		snprintf(needle, sizeof(needle), "`%s`", ac97_quirks[q].name);
		ck_assert_msg(strstr(doc, needle) != NULL, "%s does not list the quirk %s",
			      PROFILES_DOC, needle);
	}
	static char names[FIXTURES_MAX][128];
	size_t n = list_profile_fixtures(names, FIXTURES_MAX);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(strstr(doc, names[i]) != NULL, "%s does not name the fixture %s",
			      PROFILES_DOC, names[i]);
	free(doc);
}
END_TEST

Suite *suite_profiles(void)
{
	Suite *s = suite_create("emu/profiles");
	TCase *tc = tcase_create("registry");
	tcase_add_test(tc, registry);
	tcase_add_test(tc, quirk_names);
	tcase_add_test(tc, profile_chosen_at_creation);
	suite_add_tcase(s, tc);
	tc = tcase_create("fixtures");
	tcase_add_test(tc, fixtures_show_each_quirk);
	tcase_add_test(tc, doc_lists_each_quirk_and_fixture);
	tcase_add_test(tc, diff_names_each_quirk);
	tcase_add_test(tc, diff_same_and_usage);
	tcase_add_test(tc, explore_profiles_names_the_profile_a_failure_needs);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
