/*
 * explore_profiles.c - the combined summary of `explore --profiles`
 * (explore_profiles.h).
 */
#include "explore_profiles.h"

#include <inttypes.h>
#include <string.h>

#include "exit_status.h"

/* "qemu, virtualbox" of the profiles whose verdict on seed is v. */
static void names_with(const struct profile_search *ps, size_t n, const struct profile_search *of,
		       int verdict, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t j = 0; j < n; j++) {
		if (of->verdict_on[j] != verdict)
			continue;
		int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", ps[j].profile->name);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
}

void explore_profiles_summary(FILE *f, const char *scenario, uint64_t first_seed,
			      uint64_t runs, const struct profile_search *ps, size_t n)
{
	fprintf(f, "\nprofiles: %s, seeds %" PRIu64 "..%" PRIu64 " on each\n", scenario, first_seed,
		first_seed + runs - 1);
	fprintf(f, "  %-12s %8s %8s %7s %6s  %s\n", "profile", "runs", "passed", "failed", "limit",
		"lowest failing seed");
	for (size_t i = 0; i < n; i++) {
		const struct profile_search *p = &ps[i];
		if (!p->ran) {
			fprintf(f, "  %-12s (did not run)\n", p->profile->name);
			continue;
		}
		fprintf(f, "  %-12s %8" PRIu64 " %8" PRIu64 " %7" PRIu64 " %6" PRIu64 "  ",
			p->profile->name, p->runs, p->passed, p->failed, p->limited);
		if (p->first_failure == UINT64_MAX)
			fprintf(f, "-\n");
		else
			fprintf(f, "%" PRIu64 " (%s)\n", p->first_failure, p->first_checker);
	}
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		const struct profile_search *p = &ps[i];
		if (!p->ran || p->first_failure == UINT64_MAX)
			continue;
		if (!any)
			fprintf(f, "which profile each failure needs (each lowest failing seed run on "
				   "every profile):\n");
		any = true;
		char fails[256], passes[256], limits[256];
		names_with(ps, n, p, RUN_FAIL, fails, sizeof(fails));
		names_with(ps, n, p, RUN_PASS, passes, sizeof(passes));
		names_with(ps, n, p, RUN_LIMIT, limits, sizeof(limits));
		fprintf(f, "  seed %" PRIu64 " (%s's): fails on %s", p->first_failure,
			p->profile->name, fails[0] ? fails : "none");
		if (passes[0])
			fprintf(f, "; passes on %s", passes);
		if (limits[0])
			fprintf(f, "; cut by a limit on %s", limits);
		fputc('\n', f);
		const struct profile_search *ref = &ps[0];
		if (p == ref)
			fprintf(f, "    the reference (%s) fails it: not a profile's difference\n",
				ref->profile->name);
		else if (p->verdict_on[0] == RUN_PASS)
			fprintf(f, "    needs %s: %s passes it\n", fails[0] ? fails : p->profile->name,
				ref->profile->name);
		else if (p->verdict_on[0] == RUN_FAIL)
			fprintf(f, "    %s fails it too: not the profile's alone\n", ref->profile->name);
	}
	if (!any)
		fprintf(f, "no profile failed\n");
}

int explore_profiles_status(const struct profile_search *ps, size_t n)
{
	int worst = EXIT_PASS;
	for (size_t i = 0; i < n; i++) {
		int s = ps[i].status;
		if (s == EXIT_USAGE || s == EXIT_INTERRUPTED)
			return s;
		if (s == EXIT_FAILED)
			worst = EXIT_FAILED;
		else if (s == EXIT_LIMIT && worst == EXIT_PASS)
			worst = EXIT_LIMIT;
	}
	return worst;
}
