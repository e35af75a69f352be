/*
 * run_json.c - see run_json.h.
 *
 * Hashes are "0x" and 16 hex digits, as in traces and explore's JSON, so
 * that a program compares them as text and a person greps for what the
 * summary printed; counts and times are JSON integers (simulated ticks and
 * microseconds: nothing here is wall-clock time).
 */
#include "run_json.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "errf.h"
#include "outfile.h"
#include "plugin.h"
#include "runs.h"
#include "simtime.h"
#include "windows.h"

static json_t *u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *hex(uint64_t v)
{
	char text[24];
	snprintf(text, sizeof(text), "0x%016" PRIx64, v);
	return json_string(text);
}

static json_t *text_or_null(const char *text)
{
	return text != NULL && text[0] != '\0' ? json_string(text) : json_null();
}

/* A moment of the run: its scheduling step and simulated time. */
static json_t *moment(uint64_t step, sim_ticks_t ticks)
{
	json_t *o = json_object();
	if (step != UINT64_MAX)
		json_object_set_new(o, "step", u64(step));
	json_object_set_new(o, "ticks", u64(ticks));
	json_object_set_new(o, "us", u64(sim_ticks_to_us(ticks)));
	return o;
}

/* The scenario, driver, checkers and build, as a trace of the run would
 * name them (runs_trace_header is the one place that works them out). */
static void identity(const struct run_json *j, json_t *root)
{
	struct trace_header h;
	runs_trace_header(j->sf, j->strategy, j->seed, &j->out->result, NULL, &h);
	const struct driver_ref *d = &j->sf->sc.driver_ref;
	json_object_set_new(root, "format", json_string(RUN_JSON_FORMAT));
	json_object_set_new(root, "command", json_string(j->command));
	json_object_set_new(root, "build", json_string(h.build_id));
	json_t *scenario = json_object();
	json_object_set_new(scenario, "path", json_string(j->sf->path));
	json_object_set_new(scenario, "hash", hex(h.scenario_hash));
	json_object_set_new(root, "scenario", scenario);
	json_t *driver = json_object();
	json_object_set_new(driver, "name", json_string(h.driver_name));
	json_object_set_new(driver, "binary_hash", hex(h.driver_binary_hash));
	json_object_set_new(driver, "plugin",
			    d->plugin != NULL ? json_string(plugin_path(d->plugin)) : json_null());
	json_object_set_new(root, "driver", driver);
	json_object_set_new(root, "checkers_off", json_string(h.checkers_off));
	char strategy[64];
	strategy_format(j->strategy, strategy, sizeof(strategy));
	json_object_set_new(root, "strategy", json_string(strategy));
	json_object_set_new(root, "seed", u64(j->seed));
}

/* The verdict and, unless it passed, what ended the run and when: the
 * run stops at its failure, its limit or its divergence, so that moment
 * is the run's last step and time. */
static void verdict(const struct run_result *r, json_t *root)
{
	bool ended_early = r->verdict != RUN_PASS;
	json_object_set_new(root, "verdict", json_string(run_verdict_name(r->verdict)));
	json_object_set_new(root, "checker", text_or_null(r->checker));
	json_object_set_new(root, "checker_group", text_or_null(r->group));
	json_object_set_new(root, "rule", text_or_null(r->rule));
	json_object_set_new(root, "message", text_or_null(r->message));
	char code[16];
	snprintf(code, sizeof(code), "0x%08" PRIx32, r->bugcheck_code);
	json_object_set_new(root, "bugcheck",
			    r->verdict == RUN_FAIL && r->bugcheck_code != 0 ? json_string(code)
									    : json_null());
	json_object_set_new(root, "failure",
			    ended_early ? moment(r->steps, r->end_tick) : json_null());
}

static void outcome(const struct scenario_outcome *out, json_t *root)
{
	const struct run_result *r = &out->result;
	json_object_set_new(root, "steps", u64(r->steps));
	json_object_set_new(root, "events", u64(r->events));
	json_object_set_new(root, "simulated", moment(UINT64_MAX, r->end_tick));
	json_object_set_new(root, "event_log_hash", hex(r->evlog_hash));
	json_t *audio = json_object();
	json_object_set_new(audio, "frames", u64(out->link_frames));
	json_object_set_new(audio, "fnv1a64", hex(out->audio_fnv));
	json_object_set_new(root, "audio", audio);
	json_t *windows = json_array();
	for (unsigned w = 0; w < WINDOW_COUNT; w++)
		if (r->windows_hit & (UINT64_C(1) << w))
			json_array_append_new(windows, json_string(race_windows[w].name));
	json_object_set_new(root, "windows", windows);
}

/* Whether the replay was exact, and where it left the recording: at a
 * step (a decision the run could not take as recorded) or at its end
 * (every decision taken, but another verdict, checker, length or hash).
 * A fork is another run after its step by design: it says where it
 * forked, and is neither exact nor diverged (both null). */
static json_t *replay(const struct run_json_replay *rp, const struct run_result *r)
{
	const struct trace_header *h = rp->recorded;
	json_t *o = json_object(), *rec = json_object();
	json_object_set_new(o, "trace", json_string(rp->trace_path));
	json_object_set_new(rec, "build", json_string(h->build_id));
	json_object_set_new(rec, "verdict", json_string(h->verdict));
	json_object_set_new(rec, "checker", text_or_null(h->checker));
	json_object_set_new(rec, "steps", u64(h->steps));
	json_object_set_new(rec, "event_log_hash", hex(h->evlog_hash));
	json_object_set_new(o, "recorded", rec);
	json_t *fork = json_null();
	if (rp->forked) {
		fork = json_object();
		json_object_set_new(fork, "step", u64(rp->fork_step));
	}
	json_object_set_new(o, "fork", fork);
	json_object_set_new(o, "exact", rp->forked ? json_null() : json_boolean(rp->exact));
	json_t *diverged = json_null();
	if (!rp->exact && !rp->forked) {
		bool at_step = r->verdict == RUN_DIVERGED;
		diverged = json_object();
		json_object_set_new(diverged, "at", json_string(at_step ? "step" : "end"));
		json_object_set_new(diverged, "step", u64(r->steps));
		json_object_set_new(diverged, "message",
				    json_string(at_step ? r->message
						       : "the run took every recorded decision but "
							 "ended otherwise than recorded"));
	}
	json_object_set_new(o, "diverged", diverged);
	return o;
}

int run_json_write(const char *path, const struct run_json *j, char *err, size_t err_len)
{
	json_t *root = json_object();
	if (root == NULL) {
		errf(err, err_len, "%s: out of memory", path);
		return -1;
	}
	identity(j, root);
	verdict(&j->out->result, root);
	outcome(j->out, root);
	json_object_set_new(root, "trace_out", text_or_null(j->trace_out));
	json_object_set_new(root, "replay",
			    j->replay != NULL ? replay(j->replay, &j->out->result) : json_null());
	json_object_set_new(root, "exit_status", json_integer(j->exit_status));
	int rc = -1;
	struct outfile *o = outfile_open(path, err, err_len);
	if (o != NULL) {
		FILE *f = outfile_stream(o);
		if (f == NULL || json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
		    fputc('\n', f) == EOF)
			outfile_set_error(o, strerror(errno != 0 ? errno : EIO));
		rc = outfile_commit(o, err, err_len);
	}
	json_decref(root);
	return rc;
}
