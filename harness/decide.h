/*
 * decide.h - the one decision stream. Every nondeterministic choice of a run
 * (which CPU runs next, whether an interrupt is delivered now, how long a
 * stall lasts, whether a fault fires) is made here, by one function, from
 * one seeded PRNG, and recorded with its site. Replaying a recorded stream
 * gives the same run; a run that asks for a different site or a different
 * number of options than was recorded has diverged, and the first such
 * step is reported.
 *
 * Strategies decide scheduling choices: uniform random walk; PCT
 * (Burckhardt et al., ASPLOS 2010: random agent priorities, d - 1 priority
 * change points drawn uniformly from the first k steps, always the
 * highest-priority option); or POS (after Yuan et al., "Partial order aware
 * concurrency sampling", CAV 2018): every pending event gets a random
 * priority when it appears, the highest-priority option runs, and only the
 * agent that ran draws a new one, so an event passed over keeps its rank
 * and may wait long: the long delays and runs-ahead that random walk
 * almost never makes. Choices that are not about scheduling (data:
 * stall lengths, fault coin flips) are uniform under these three.
 *
 * The fourth, delay-bounded enumeration (after Emmi, Qadeer and Rakamaric,
 * "Delay-bounded scheduling", POPL 2011), is exhaustive rather than
 * sampled: a deterministic scheduler (at a choice point, the agent chosen
 * at the last one if it can run, else the next agent after it) and a
 * multiset of delays, each of which makes the scheduler skip one option at
 * one choice point. The seed is the rank of the multiset among all of them
 * over K choice points, fewer delays first: seed 0 is the schedule without
 * delays, seeds 1..K those with one, and so on, so seeds 0..N-1 are every
 * schedule with at most b delays once N reaches their number
 * (delay_bounded_schedules). Everything that is not scheduling takes its
 * first option (no delays in time, no faults, the low end of every range),
 * so the search is over interleavings at one timing.
 * Probabilities are integer ratios; there is no floating point here.
 */
#ifndef AC97SIM_DECIDE_H
#define AC97SIM_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decision sites. Numbers are fixed and never reused (they are in traces). */
enum decide_site {
	SITE_SCHEDULE = 1,	/* which option runs at a scheduling point */
	SITE_TIMER_CPU = 2,	/* which CPU a timer's DPC is queued on */
	SITE_STALL = 3,		/* CPU stall length bucket (fault injection) */
	SITE_FAULT = 4,		/* does an armed fault fire here */
	SITE_PARAM = 5,		/* a scenario value drawn from its range */
	SITE_PHASE = 6,		/* where the run starts against the link and timer clocks */
	SITE_DELAY = 7,		/* how many delays, at which steps, how long */
	SITE_IRQ_LATENCY = 8,	/* how long a raised interrupt waits to be delivered */
	SITE_SWARM = 9,		/* which fault kinds a run switches on, and when they fire */
	SITE_COUNT
};

const char *decide_site_name(enum decide_site site);
/* The site named name, or 0. */
enum decide_site decide_site_by_name(const char *name);

/* What strategy_parse accepts, as its refusals say. */
#define STRATEGY_FORMS                                                                \
	"strategy is 'random', 'random steps=K', 'pos steps=K', 'pct depth=D steps=K' or " \
	"'delay-bounded points=K'"

enum strategy_kind {
	STRATEGY_RANDOM,
	STRATEGY_PCT,
	STRATEGY_REPLAY,
	STRATEGY_POS,
	STRATEGY_DELAY_BOUNDED,
};

struct strategy {
	enum strategy_kind kind;
	uint32_t pct_depth;	/* d >= 1 */
	/* k, the run's length in scheduling steps as the scenario's
	 * calibration run measured it: PCT's change points and every
	 * strategy's delays fall in [1, k]. */
	uint64_t pct_steps;
	/* Delay-bounded: K, the choice points (scheduling decisions with two
	 * options or more) a delay may fall on. */
	uint64_t choice_points;
};

/* The most delays one delay-bounded schedule makes. */
#define DELAY_BOUND_MAX 8u

/* How many delay-bounded schedules over k choice points make at most
 * max_delays delays (saturating at UINT64_MAX). */
uint64_t delay_bounded_schedules(uint64_t k, uint32_t max_delays);

/* Formats one of the forms STRATEGY_FORMS names ("random", "pct depth=3
 * steps=200", ...); parses exactly those forms back (depth 1..8, steps and
 * points >= 1). Parse returns 0, or -1 with *why set
 * to a static reason. A replay has no strategy of its own: a trace keeps
 * the strategy of the run it recorded. */
void strategy_format(const struct strategy *s, char *buf, size_t len);
int strategy_parse(const char *text, struct strategy *s, const char **why);

/* One recorded decision. evlog_hash is the event log's hash just before the
 * decision, so a replay notices a run that took another path even where
 * the decisions still line up. `chosen` says what was chosen in terms
 * that do not depend on the other options: a scheduling choice's option
 * id (decide_schedule), any other choice its value; a trace followed
 * after an edit (decider_init_follow) goes by it, not by the index.
 * departs (not in traces) is whether the choice was not the default one:
 * the scheduler's (the agent that ran last keeps running, see
 * delay-bounded below) or, for any other site, the first option. */
struct decision {
	uint64_t step;
	enum decide_site site;
	uint32_t n_options;
	uint32_t choice;
	uint32_t chosen;
	bool departs;
	bool take_default;	/* followed: ignore this one, take the default */
	uint64_t evlog_hash;
};

struct decision_log {
	struct decision *items;
	size_t count, capacity;
};

void decision_log_free(struct decision_log *log);
int decision_log_push(struct decision_log *log, const struct decision *d);

/* Where a replay first differs from its recording. */
struct divergence {
	bool diverged;
	uint64_t step;
	struct decision recorded;	/* site 0 when the recording had ended */
	struct decision actual;
	char why[160];
};

#define PCT_DEPTH_MAX 8u
#define PCT_AGENTS_MAX 64u

struct decider {
	struct strategy strategy;
	uint64_t seed;
	uint64_t prng[4];	/* xoshiro256** */
	uint64_t step;		/* decisions made so far */
	/* Whether `recorded` keeps what this run decided (on after init). A
	 * trace needs it; a long run that writes no trace turns it off so
	 * that its memory does not grow with its length. */
	bool record;
	struct decision_log recorded;	/* what this run decided, when record */
	/* PCT state (POS uses pct_priority too: its events' ranks). */
	uint32_t pct_priority[PCT_AGENTS_MAX];	/* higher runs first; 0 = unset */
	uint64_t pct_change_step[PCT_DEPTH_MAX];	/* k_1..k_(d-1), in draw order */
	uint64_t pct_sched_steps;	/* scheduling choices made so far */
	/* Delay-bounded state: the delays' choice points, ascending (one point
	 * may repeat: skip two options there), the next one to apply, and
	 * the choice points passed. */
	uint64_t delay_point[DELAY_BOUND_MAX];
	uint32_t delays, next_delay;
	uint64_t choice_point;
	/* The agent chosen at the last scheduling choice: the default
	 * scheduler's (and the delay-bounded enumeration's) state. */
	uint32_t last_agent;
	/* Replay source: decisions before step replay_until come from it,
	 * strictly (a different site, option count, option or event-log
	 * hash diverges) or, when follow, by what was chosen, the default
	 * where that is not on offer or marked take_default, and past its
	 * end. From replay_until on, the strategy decides. */
	const struct decision_log *replay;
	uint64_t replay_until;
	bool follow;
	/* Following: where the next recorded decision of each site is looked
	 * for. A site's decisions are followed in their order, so a choice
	 * that changes how many decisions another site makes (fewer swarm
	 * faults drawn) does not shift the meaning of the rest. */
	size_t follow_next[SITE_COUNT];
	struct divergence divergence;
};

/* How a run uses a recording: replays it exactly, follows it (an edited
 * or shrunk trace), or replays its first fork_step decisions and decides
 * the rest under the run's own strategy and seed. */
enum replay_mode { REPLAY_EXACT, REPLAY_FOLLOW, REPLAY_FORK };
struct replay_plan {
	const struct decision_log *log;
	enum replay_mode mode;
	uint64_t fork_step;
};

/* A decider for one run, recording its decisions. A seed fans out into the
 * PRNG with splitmix64. */
void decider_init(struct decider *d, const struct strategy *s, uint64_t seed);
/* Replays recorded exactly (any difference diverges). */
void decider_init_replay(struct decider *d, const struct decision_log *recorded);
/* Replays the first fork_step decisions of recorded exactly, then decides
 * under strategy s from seed (another future from that moment). */
void decider_init_fork(struct decider *d, const struct decision_log *recorded, uint64_t fork_step,
		       const struct strategy *s, uint64_t seed);
/* Follows recorded's departures (a run's decisions as recorded, with their
 * departs flags): each site's decisions in their order; a departure by
 * what it chose, unless that is not on offer or it is marked take_default;
 * everything else, and past a site's last, the default. Never diverges. */
void decider_init_follow(struct decider *d, const struct decision_log *recorded);
void decider_free(struct decider *d);

/* A uniform choice in [0, n) that is not about scheduling. n >= 1. */
uint32_t decide_uniform(struct decider *d, enum decide_site site, uint32_t n, uint64_t evlog_hash);

/* A scheduling choice among n options; agent[i] names who would run if
 * option i is chosen (PCT ranks options by their agent's priority), and
 * option_id[i] what option i is, the same whatever else is on offer (the
 * machine: a CPU's number, plus DECIDE_OPTION_INTERRUPT when the option is
 * to take the interrupt on it). */
#define DECIDE_OPTION_INTERRUPT 256u
uint32_t decide_schedule(struct decider *d, uint32_t n, const uint32_t *agent,
			 const uint32_t *option_id, uint64_t evlog_hash);

/* True once a replay has diverged; the run should stop and report. */
static inline bool decider_diverged(const struct decider *d)
{
	return d->divergence.diverged;
}

/* Raw PRNG, for strategies and tests only: never for a run's choices. */
uint64_t decider_next_u64(struct decider *d);

#endif
