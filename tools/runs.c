/*
 * runs.c - what the scenario-running commands share (runs.h).
 */
#include "runs.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "driver_option.h"
#include "drivers.h"
#include "outfile.h"
#include "plugin.h"
#include "version.h"
#include "timeline.h"
#include "where.h"

const char *runs_program = "ac97sim";

int runs_exit_for(enum run_verdict v)
{
	switch (v) {
	case RUN_PASS: return EXIT_PASS;
	case RUN_FAIL: return EXIT_FAILED;
	case RUN_LIMIT: return EXIT_LIMIT;
	case RUN_DIVERGED: return EXIT_DIVERGED;
	}
	return EXIT_FAILED;
}

int runs_load(const char *command, const char *path, const struct runs_choices *choices,
	      struct scenario_file *sf)
{
	char err[1200];
	/* A driver given here replaces the file's, which is then not loaded
	 * (it need not even exist). */
	unsigned flags = choices != NULL && choices->driver != NULL ? SCENARIO_FILE_DRIVER_GIVEN : 0;
	if (scenario_file_load_flags(path, flags, sf, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return -1;
	}
	if (choices != NULL &&
	    (driver_option_apply(command, choices->driver, &sf->sc) != 0 ||
	     no_check_option_apply(command, choices->no_check, &sf->sc) != 0)) {
		scenario_file_free(sf);
		return -1;
	}
	if (choices != NULL && choices->profile != NULL)
		sf->sc.device.profile = choices->profile;
	return 0;
}

int runs_one(const struct scenario_file *sf, const struct strategy *st, uint64_t seed,
	     const struct decision_log *replay, FILE *log_text, const struct ac97_sink *sink,
	     struct scenario_outcome *out, struct decision_log *decisions, const char **why)
{
	return scenario_run(&sf->sc, st, seed, replay, log_text, sink, out, decisions, why);
}

int runs_verdict(const struct scenario_file *sf, const struct strategy *st, uint64_t seed,
		 struct scenario_outcome *out, const char **why)
{
	const struct scenario_run_options opt = { .verdict_only = true };
	return scenario_run_with(&sf->sc, st, seed, &opt, out, why);
}

/* ---- traces and where their scenario is ---------------------------------------- */

/* The folder of path as an absolute, resolved name; false if it has none. */
static bool real_folder(const char *path, char *out)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	return realpath(dir, out) != NULL;
}

/* to (absolute) as seen from the folder from (absolute), e.g. "../s/x.ini". */
static bool relative_to(const char *from, const char *to, char *out, size_t len)
{
	size_t common = 0;
	for (size_t i = 0;; i++) {
		if (from[i] == '\0' && (to[i] == '/' || to[i] == '\0')) {
			common = i;
			break;
		}
		if (from[i] != to[i])
			break;
		if (from[i] == '/')
			common = i;
	}
	if (strcmp(from, "/") == 0)
		common = 0;
	size_t at = 0;
	for (const char *p = from + common; *p; p++) {
		if (*p != '/')
			continue;
		int n = snprintf(out + at, len - at, "../");
		if (n < 0 || (size_t)n >= len - at)
			return false;
		at += (size_t)n;
	}
	const char *rest = to + common + (to[common] == '/');
	int n = snprintf(out + at, len - at, "%s", rest);
	return n >= 0 && (size_t)n < len - at;
}

/* "stall,teardown": the checkers cfg switches off, in registry order. */
static void checkers_off_list(const struct checker_config *cfg, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned i = 0; checker_name_at(i) != NULL; i++) {
		if (checker_enabled(cfg, checker_name_at(i)))
			continue;
		int n = snprintf(buf + used, len - used, "%s%s", used ? "," : "", checker_name_at(i));
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

void runs_trace_header(const struct scenario_file *sf, const struct strategy *st, uint64_t seed,
		       const struct run_result *r, const char *trace_path, struct trace_header *h)
{
	memset(h, 0, sizeof(*h));
	h->format = TRACE_FORMAT_VERSION;
	snprintf(h->build_id, sizeof(h->build_id), "%s", ac97sim_build_id());
	/* The scenario as seen from the trace's folder, so that the pair can
	 * move together; as given when that cannot be worked out. */
	char trace_dir[PATH_MAX], scenario_abs[PATH_MAX], rel[PATH_MAX];
	if (trace_path != NULL && real_folder(trace_path, trace_dir) &&
	    realpath(sf->path, scenario_abs) != NULL &&
	    relative_to(trace_dir, scenario_abs, rel, sizeof(rel)) &&
	    strlen(rel) < sizeof(h->scenario_name) && strchr(rel, ' ') == NULL)
		memcpy(h->scenario_name, rel, strlen(rel) + 1);	/* fits: checked */
	else
		snprintf(h->scenario_name, sizeof(h->scenario_name), "%s", sf->path);
	h->scenario_hash = scenario_hash(&sf->sc);
	const struct driver_ref *d = &sf->sc.driver_ref;
	snprintf(h->driver_name, sizeof(h->driver_name), "%s", d->ops->name);
	h->driver_binary_hash = d->binary_hash;
	char driver_abs[PATH_MAX];
	if (d->plugin == NULL)
		snprintf(h->driver_path, sizeof(h->driver_path), "%s", TRACE_DRIVER_BUILTIN);
	else if (trace_path != NULL && real_folder(trace_path, trace_dir) &&
		 realpath(plugin_path(d->plugin), driver_abs) != NULL &&
		 relative_to(trace_dir, driver_abs, rel, sizeof(rel)) &&
		 strlen(rel) < sizeof(h->driver_path) && strchr(rel, ' ') == NULL)
		memcpy(h->driver_path, rel, strlen(rel) + 1);	/* fits: checked */
	else
		snprintf(h->driver_path, sizeof(h->driver_path), "%s", plugin_path(d->plugin));
	checkers_off_list(&sf->sc.checkers, h->checkers_off, sizeof(h->checkers_off));
	const struct ac97_profile *profile = sf->sc.device.profile;
	if (profile != NULL && profile != ac97_profile_default())
		snprintf(h->profile, sizeof(h->profile), "%s", profile->name);
	h->strategy = *st;
	h->seed = seed;
	h->cpus = sf->sc.cpus;
	snprintf(h->verdict, sizeof(h->verdict), "%s", run_verdict_name(r->verdict));
	snprintf(h->checker, sizeof(h->checker), "%s", r->checker);
	h->steps = r->steps;
	h->evlog_hash = r->evlog_hash;
}

int runs_write_trace(const char *path, const struct trace_header *h,
		     const struct decision_log *log)
{
	char err[PATH_MAX + 128];
	struct outfile *o = outfile_open(path, err, sizeof(err));
	if (o == NULL) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return -1;
	}
	FILE *f = outfile_stream(o);
	if (f == NULL || trace_write(f, h, log) != 0)
		outfile_set_error(o, strerror(errno != 0 ? errno : EIO));
	if (outfile_commit(o, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return -1;
	}
	return 0;
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The run's driver, checkers and profile as a trace recorded them. */
struct trace_choices {
	char driver[PATH_MAX];	/* a built-in's name, or the plug-in's path from here */
	uint32_t checkers_disabled;
	const struct ac97_profile *profile;
};

/* Works out the trace's choices; prints why and returns -1 when its
 * driver or a checker it names cannot be had. */
static int trace_choices(const char *trace_path, const char *dir, const struct trace_header *h,
			 const char *driver_override, struct trace_choices *tc)
{
	struct checker_config cfg;
	checker_config_default(&cfg);
	char list[sizeof(h->checkers_off)];
	snprintf(list, sizeof(list), "%s", h->checkers_off);
	for (char *save = NULL, *name = strtok_r(list, ",", &save); name != NULL;
	     name = strtok_r(NULL, ",", &save))
		if (checker_disable(&cfg, name) != 0) {
			fprintf(stderr, "ac97sim: %s: the trace switches off checker '%s', which this "
					"build does not have\n", trace_path, name);
			return -1;
		}
	tc->checkers_disabled = cfg.disabled;
	tc->profile = h->profile[0] != '\0' ? ac97_profile_find(h->profile) : ac97_profile_default();
	if (tc->profile == NULL) {
		char names[256];
		ac97_profile_names(names, sizeof(names));
		fprintf(stderr, "ac97sim: %s: the trace ran on profile '%s', which this build does "
				"not have (profiles: %s)\n", trace_path, h->profile, names);
		return -1;
	}
	if (driver_override != NULL) {
		snprintf(tc->driver, sizeof(tc->driver), "%s", driver_override);
		return 0;
	}
	if (strcmp(h->driver_path, TRACE_DRIVER_BUILTIN) == 0) {
		if (driver_builtin(h->driver_name) == NULL) {
			char names[512];
			driver_names(names, sizeof(names));
			fprintf(stderr, "ac97sim: %s: the trace's driver '%s' is not built into this "
					"program (built-in drivers: %s)\n", trace_path, h->driver_name, names);
			return -1;
		}
		snprintf(tc->driver, sizeof(tc->driver), "%s", h->driver_name);
		return 0;
	}
	/* A plug-in: beside the trace as recorded, else as recorded from here. */
	const char *p = h->driver_path;
	if (p[0] != '/' && (size_t)snprintf(tc->driver, sizeof(tc->driver), "%s/%s", dir, p) <
				   sizeof(tc->driver) && is_file(tc->driver))
		return 0;
	if (is_file(p)) {
		snprintf(tc->driver, sizeof(tc->driver), "%s%s", p[0] == '/' || strchr(p, '/') ? "" : "./",
			 p);
		return 0;
	}
	fprintf(stderr, "ac97sim: %s: the driver plug-in '%s' (%s) was not found beside the trace "
			"or from here; give it with --driver PATH\n", trace_path, h->driver_path,
		h->driver_name);
	return -1;
}

/* Puts the trace's choices on a loaded scenario; prints why and returns -1
 * when the driver does not load. */
static int apply_choices(const struct trace_choices *tc, struct scenario_file *sf, bool quiet)
{
	char err[1024];
	if (scenario_set_driver(&sf->sc, tc->driver, err, sizeof(err)) != 0) {
		if (!quiet)
			fprintf(stderr, "ac97sim: %s\n", err);
		return -1;
	}
	sf->sc.checkers.disabled = tc->checkers_disabled;
	sf->sc.device.profile = tc->profile;
	return 0;
}

/* Loads path quietly with the trace's choices; true when it loads and has
 * the recorded hash. */
static bool try_candidate(const char *path, const struct trace_choices *tc, uint64_t want,
			  struct scenario_file *sf)
{
	char err[1200];
	if (!is_file(path) ||
	    scenario_file_load_flags(path, SCENARIO_FILE_DRIVER_GIVEN, sf, err, sizeof(err)) != 0)
		return false;
	if (apply_choices(tc, sf, true) == 0 && scenario_hash(&sf->sc) == want)
		return true;
	scenario_file_free(sf);
	return false;
}

/* Any *.ini in dir with the recorded hash (in name order, for a stable
 * answer). */
static bool search_folder(const char *dir, const struct trace_choices *tc, uint64_t want,
			  struct scenario_file *sf)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort);
	bool found = false;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t len = strlen(name);
		char path[PATH_MAX];
		if (!found && len > 4 && strcmp(name + len - 4, ".ini") == 0 &&
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) < sizeof(path))
			found = try_candidate(path, tc, want, sf);
		free(names[i]);
	}
	free(names);
	return found;
}

/* Loads path (it exists) with the trace's choices, whatever its hash;
 * given says it was the user's choice (--scenario), not the one recorded. */
static int load_changed(const char *path, const struct trace_choices *tc,
			const struct trace_header *h, bool given, struct scenario_file *sf)
{
	char err[1200];
	if (scenario_file_load_flags(path, SCENARIO_FILE_DRIVER_GIVEN, sf, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return -1;
	}
	if (apply_choices(tc, sf, false) != 0) {
		scenario_file_free(sf);
		return -1;
	}
	if (scenario_hash(&sf->sc) == h->scenario_hash)
		return 0;
	if (given)
		printf("note: %s is not the scenario recorded (hash 0x%016" PRIx64 ", recorded 0x%016"
		       PRIx64 "): expect the replay to diverge\n",
		       path, scenario_hash(&sf->sc), h->scenario_hash);
	else
		printf("note: the scenario changed since the recording (%s: hash 0x%016" PRIx64
		       ", recorded 0x%016" PRIx64 "): expect the replay to diverge\n",
		       path, scenario_hash(&sf->sc), h->scenario_hash);
	return 0;
}

static void note_driver_build(const struct trace_header *h, const struct scenario_file *sf)
{
	const struct driver_ref *d = &sf->sc.driver_ref;
	if (d->binary_hash != h->driver_binary_hash)
		printf("note: the driver is not the build recorded (%s: binary 0x%016" PRIx64
		       ", recorded 0x%016" PRIx64 "): the replay diverges where it acts otherwise\n",
		       d->plugin != NULL ? plugin_path(d->plugin) : d->ops->name, d->binary_hash,
		       h->driver_binary_hash);
}

int runs_find_scenario(const char *trace_path, const struct trace_header *h,
		       const char *scenario_override, const char *driver_override,
		       struct scenario_file *sf)
{
	char dir[PATH_MAX], beside[PATH_MAX * 2];
	const char *slash = strrchr(trace_path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - trace_path) : 1,
		 slash ? trace_path : ".");
	struct trace_choices *tc = malloc(sizeof(*tc));
	if (tc == NULL) {
		fprintf(stderr, "ac97sim: %s: out of host memory\n", trace_path);
		return -1;
	}
	int rc = -1;
	if (trace_choices(trace_path, dir, h, driver_override, tc) != 0)
		goto out;
	if (scenario_override != NULL) {
		if (is_file(scenario_override)) {
			rc = load_changed(scenario_override, tc, h, true, sf);
		} else {
			char err[1200];
			scenario_file_load_flags(scenario_override, SCENARIO_FILE_DRIVER_GIVEN, sf, err,
						 sizeof(err));
			fprintf(stderr, "ac97sim: %s\n", err);
		}
		goto out;
	}
	const char *name = h->scenario_name;
	const char *candidates[2] = { NULL, name };
	if (name[0] != '/') {
		snprintf(beside, sizeof(beside), "%s/%s", dir, name);
		candidates[0] = beside;
	}
	for (int i = 0; i < 2; i++)
		if (candidates[i] != NULL && try_candidate(candidates[i], tc, h->scenario_hash, sf)) {
			rc = 0;
			goto out;
		}
	if (search_folder(dir, tc, h->scenario_hash, sf)) {
		rc = 0;
		goto out;
	}
	/* One that exists but changed: replay it, and say so. */
	for (int i = 0; i < 2; i++)
		if (candidates[i] != NULL && is_file(candidates[i])) {
			rc = load_changed(candidates[i], tc, h, false, sf);
			goto out;
		}
	fprintf(stderr,
		"ac97sim: %s: scenario '%s' (hash 0x%016" PRIx64 ") not found beside the trace, "
		"from here, or in %s; give it with --scenario FILE\n",
		trace_path, name, h->scenario_hash, dir);
out:
	if (rc == 0)
		note_driver_build(h, sf);
	free(tc);
	return rc;
}

int runs_load_trace(const char *trace_path, const char *scenario_override,
		    const char *driver_override, struct trace_header *h, struct decision_log *rec,
		    struct scenario_file *sf)
{
	char err[1200];
	if (trace_read_file(trace_path, h, rec, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s\n", err);
		return -1;
	}
	if (runs_find_scenario(trace_path, h, scenario_override, driver_override, sf) != 0) {
		decision_log_free(rec);
		return -1;
	}
	return 0;
}

bool runs_result_damaged(const struct run_result *r)
{
	return r->verdict == RUN_FAIL &&
	       (strcmp(r->checker, machine_failures[MACHINE_FAIL_DRIVER_CRASH].name) == 0 ||
		strcmp(r->checker, machine_failures[MACHINE_FAIL_DRIVER_HANG].name) == 0);
}

/* How many events the report's timeline shows. */
#define TIMELINE_EVENTS 16u

void runs_print_timeline(FILE *f, const struct scenario_file *sf, const struct strategy *st,
			 uint64_t seed, const struct decision_log *replay)
{
	char *text = NULL;
	size_t len = 0;
	FILE *log = open_memstream(&text, &len);
	if (log == NULL)
		return;
	struct scenario_outcome out;
	const char *why = NULL;
	int rc = runs_one(sf, st, seed, replay, log, NULL, &out, NULL, &why);
	if (fclose(log) == 0 && rc == 0)
		timeline_print(f, text, len, sf->sc.cpus, TIMELINE_EVENTS);
	free(text);
}

void runs_report(FILE *f, const struct scenario_outcome *out)
{
	const struct run_result *r = &out->result;
	fprintf(f, "verdict: %s%s%s%s\n", run_verdict_name(r->verdict), r->checker[0] ? " (" : "",
		r->checker, r->checker[0] ? ")" : "");
	if (r->checker[0]) {
		fprintf(f, "  %s\n", r->message);
		if (r->rule != NULL)
			fprintf(f, "  the rule: %s\n", r->rule);
		char where[2048];
		where_describe(r, where, sizeof(where));
		fputs(where, f);
	}
	fprintf(f, "steps: %" PRIu64 "  simulated: %" PRIu64 " us  events: %" PRIu64 "\n", r->steps,
		sim_ticks_to_us(r->end_tick), r->events);
	fprintf(f, "audio: %" PRIu64 " frames crossed the AC-link, fnv1a64 0x%016" PRIx64 "\n",
		out->link_frames, out->audio_fnv);
	fprintf(f, "event-log hash: 0x%016" PRIx64 "\n", r->evlog_hash);
}
