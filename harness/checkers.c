/*
 * checkers.c - the checker set (checkers.h): the registry's checkers,
 * attached to a run in registry order.
 */
#include "checkers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkers/checker.h"
#include "checkers/mappings.h"

struct attached {
	const struct checker_def *def;
	void *state;
};

struct checkers {
	struct checker_env env;
	struct checker_config cfg;
	struct port_stream_config scfg;
	struct checker_stats stats;
	struct mappings *maps;
	struct attached on[CHECKERS_MAX];
	uint32_t n_on;
};

void checker_config_default(struct checker_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->stall_limit_ticks = CHECKER_STALL_LIMIT_TICKS_DEFAULT;
	cfg->hang_limit_ticks = CHECKER_HANG_LIMIT_TICKS_DEFAULT;
}

static int registry_index(const char *name)
{
	for (int i = 0; checker_registry[i] != NULL; i++)
		if (strcmp(checker_registry[i]->name, name) == 0)
			return i;
	return -1;
}

const struct checker_def *checker_find(const char *name)
{
	int i = registry_index(name);
	return i < 0 ? NULL : checker_registry[i];
}

int checker_disable(struct checker_config *cfg, const char *name)
{
	int i = registry_index(name);
	if (i < 0)
		return -1;
	cfg->disabled |= UINT32_C(1) << i;
	return 0;
}

bool checker_enabled(const struct checker_config *cfg, const char *name)
{
	int i = registry_index(name);
	return i >= 0 && !(cfg->disabled & (UINT32_C(1) << i));
}

void checker_names(char *buf, size_t len)
{
	size_t used = 0;
	if (len > 0)
		buf[0] = '\0';
	for (size_t i = 0; checker_registry[i] != NULL && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", checker_registry[i]->name);
		used += n > 0 ? (size_t)n : 0;
	}
}

const char *checker_name_at(unsigned i)
{
	for (unsigned k = 0; checker_registry[k] != NULL; k++)
		if (k == i)
			return checker_registry[k]->name;
	return NULL;
}

struct checkers *checkers_attach(struct machine *m, struct port_stream *ps,
				 const struct port_stream_config *scfg,
				 const struct checker_config *cfg, const char **why)
{
	const char *dummy;
	if (why == NULL)
		why = &dummy;
	*why = NULL;
	struct checkers *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		*why = "checkers: out of host memory";
		return NULL;
	}
	c->scfg = *scfg;
	if (cfg != NULL)
		c->cfg = *cfg;
	else
		checker_config_default(&c->cfg);
	if (c->cfg.stall_limit_ticks == 0)
		c->cfg.stall_limit_ticks = CHECKER_STALL_LIMIT_TICKS_DEFAULT;
	if (c->cfg.hang_limit_ticks == 0)
		c->cfg.hang_limit_ticks = CHECKER_HANG_LIMIT_TICKS_DEFAULT;
	c->maps = mappings_attach(m, ps, &c->scfg, &c->stats);
	if (c->maps == NULL) {
		free(c);
		*why = "checkers: out of host memory";
		return NULL;
	}
	c->env = (struct checker_env){
		.m = m, .dev = machine_device(m), .mem = machine_memory(m), .scfg = &c->scfg,
		.cfg = &c->cfg, .maps = c->maps, .stats = &c->stats,
	};
	c->stats.last_progress_tick = machine_now(m);
	for (uint32_t i = 0; checker_registry[i] != NULL; i++) {
		const struct checker_def *d = checker_registry[i];
		if (c->cfg.disabled & (UINT32_C(1) << i))
			continue;
		struct attached *a = &c->on[c->n_on];
		a->def = d;
		a->state = calloc(1, d->state_bytes ? d->state_bytes : 1);
		if (a->state == NULL) {
			checkers_detach_free(c);
			*why = "checkers: out of host memory";
			return NULL;
		}
		c->n_on++;
		const char *no = d->attach != NULL ? d->attach(a->state, &c->env) : NULL;
		/* on_event is a bus_fn: the bus calls it with the state, no
		 * wrapper between (a call saved per checker and event). */
		if (no == NULL &&
		    bus_subscribe(machine_bus(m), BUS_CHECK, d->events, d->on_event, a->state) != 0)
			no = "checkers: too many subscribers on the run's event stream";
		if (no != NULL) {
			checkers_detach_free(c);
			*why = no;
			return NULL;
		}
	}
	return c;
}

void checkers_detach_free(struct checkers *c)
{
	if (c == NULL)
		return;
	for (uint32_t i = 0; i < c->n_on; i++) {
		if (c->on[i].def->detach != NULL)
			c->on[i].def->detach(c->on[i].state);
		free(c->on[i].state);
	}
	mappings_free(c->maps);
	free(c);
}

void checkers_stats(const struct checkers *c, struct checker_stats *out)
{
	*out = c->stats;
	out->last_progress_tick = mappings_last_progress(c->maps);
}

void checkers_capture_pattern(void *ctx, enum ac97_engine_id engine, uint64_t first_frame,
			      int16_t *dst, uint64_t n_frames, uint32_t channels)
{
	(void)ctx;
	(void)engine;
	/* Frame f's channel ch is position (first_frame + f) * channels + ch:
	 * one count over the samples. */
	uint64_t first = first_frame * channels, n = n_frames * channels;
	for (uint64_t i = 0; i < n; i++)
		dst[i] = (int16_t)(uint16_t)(first + i);
}
