/*
 * machine.h - the deterministic backend of kernel.h: a machine of simulated
 * CPUs running driver code against the device, one CPU at a time, with
 * control changing hands only at scheduling points and every choice taken
 * from one decision stream (decide.h). What happens is published on the
 * machine's event stream (bus.h, events.h).
 *
 * Model:
 * - Each CPU has one fiber. Passive calls (scenario actions, work items)
 *   wait in one queue and an idle CPU takes the next one. DPCs are queued
 *   per CPU and run when that CPU's IRQL drops below DISPATCH_LEVEL (right
 *   after the lowering call, as Windows does) or when it is idle. The ISR
 *   runs on top of whatever the CPU it is delivered to was doing, at a
 *   scheduling point of that CPU while its IRQL is below DIRQL, while the
 *   device's line is asserted and no CPU is already in the ISR.
 * - Scheduling points: every kernel call, every port access, every call
 *   into the port driver model, KeYield. At each the machine charges the
 *   step's cost to simulated time, lets the device and timers catch up,
 *   and asks the decision stream which option goes next: one of the CPUs
 *   that can run, or the interrupt delivered to one of the CPUs that can
 *   take it. A choice of one is not a decision and is not recorded.
 * - A spinning CPU (spin lock held elsewhere) or a waiting one (event) is
 *   not an option until it can continue; it can still take the interrupt
 *   or run its DPCs where its IRQL allows.
 * - When nothing can run, time jumps to the next device event, timer or
 *   wait deadline, or to a check deadline a checker asked for
 *   (machine_check_at: the jump stops there and EV_DEADLINE is published,
 *   so that a bound on quiet time is checked on time even while the
 *   machine sleeps; a check deadline alone never keeps a run going). When
 *   nothing can run and nothing is pending, the run publishes EV_RUN_END
 *   once (end-of-run checks may still fail it) and is over (every CPU
 *   idle: passed) or deadlocked (some CPU blocked).
 * - A run cut by max_steps or max_ticks publishes EV_LIMIT first; a
 *   checker may fail the run from it (a run that stopped moving), else the
 *   verdict is "limit".
 * - Time is decided too (timing.h): when an interrupt the device raises
 *   is delivered (its latency, up to irq_latency_max_ticks, drawn as it
 *   rises; it is then taken at once, by a CPU the schedule picks), which
 *   steps hold a CPU back and for how long (delays, even of the only CPU
 *   that could run), and the timer clock's phase.
 * - Driver code that crashes (a bad pointer, an abort) ends the run with
 *   the failure "driver-crash", its step and where it was (crash_guard.h).
 *
 * Costs (simulated time per scheduling point, documented defaults): port
 * I/O 12 ticks (about 1 us, a PCI I/O cycle), kernel call 2 ticks, port
 * driver call 6 ticks, ISR entry 12 ticks, DPC dispatch 6 ticks.
 *
 * Checks owned by this layer (machine_failures, checker "kernel-rules"):
 * IRQL misuse (0xA), a spin lock taken again by its holder or released by
 * a non-holder (0xF, 0x10), Driver Verifier's rules on routines returning
 * with IRQL or locks not restored (0xC4), a spin lock held across
 * GetMapping or ReleaseMapping (0xC4), the driver's own KeBugCheckEx,
 * an interrupt storm, deadlock (every CPU's state and locks in the report),
 * and a crash in driver code.
 */
#ifndef AC97SIM_MACHINE_H
#define AC97SIM_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ac97.h"
#include "bus.h"
#include "decide.h"
#include "evlog.h"
#include "failure.h"
#include "gmem.h"
#include "kernel.h"

#define MACHINE_CPUS_MAX 8u

/* X(ID, "name", "the rule, in words"): the machine's own failures. */
#define MACHINE_FAILURES(X)                                                                  \
	X(BUGCHECK, "bugcheck",                                                              \
	  "the driver stopped the machine with KeBugCheckEx or AcBugCheck (its own check " \
	  "failed: the reason it gave, if any, is in the message)")                        \
	X(IRQL, "irql", "a kernel service was called at an IRQL it does not allow (bug check 0xA)") \
	X(SPIN_LOCK, "spin-lock",                                                            \
	  "a spin lock is taken only by a CPU that does not hold it and released only by the "  \
	  "CPU that does (bug checks 0xF, 0x10)")                                            \
	X(VERIFIER, "verifier",                                                              \
	  "Driver Verifier's rules: routines return with IRQL and spin locks as they found "   \
	  "them, an ISR takes no ordinary spin lock, objects are used as initialised (bug "    \
	  "check 0xC4)")                                                                     \
	X(LOCK_ACROSS_PORT_CALL, "lock-across-port-call",                                    \
	  "GetMapping, ReleaseMapping and TerminatePacket are called with no spin lock held "  \
	  "(Driver Verifier's "                                                              \
	  "deadlock detection, bug check 0xC4)")                                             \
	X(DEADLOCK, "deadlock", "some CPU can always run again: no wait or spin lasts for ever") \
	X(INTERRUPT_STORM, "interrupt-storm",                                                \
	  "an asserted interrupt is claimed: an engine's status left set holds a "           \
	  "level-triggered line up for ever")                                                 \
	X(DRIVER_CRASH, "driver-crash",                                                      \
	  "driver code runs without crashing (a bad memory access, an abort, an arithmetic "   \
	  "fault)")                                                                          \
	X(DRIVER_HANG, "driver-hang",                                                        \
	  "driver code comes back to the kernel: a loop that makes no kernel call never ends " \
	  "(no scheduling point for seconds of CPU time)")                                   \
	X(ASSERT, "assert", "every ASSERT() in the driver's source holds (a checked build's " \
	  "assertion)")                                                                      \
	X(PAGED_CODE, "paged-code",                                                          \
	  "code marked PAGED_CODE() runs at IRQL <= APC_LEVEL (it may be paged out)")        \
	X(COM_REFCOUNT, "com-refcount",                                                      \
	  "every COM object's references are given back exactly: none is alive when the "    \
	  "adapter has stopped, none is released below zero")                                \
	X(POOL, "pool",                                                                      \
	  "pool memory is freed once, with the tag it was allocated with, and none is left " \
	  "when the adapter has stopped (Driver Verifier's pool tracking)")

enum machine_failure {
#define MACHINE_FAILURE_ENUM(id, name, rule) MACHINE_FAIL_##id,
	MACHINE_FAILURES(MACHINE_FAILURE_ENUM)
#undef MACHINE_FAILURE_ENUM
	MACHINE_FAIL_COUNT
};

extern const struct failure_def machine_failures[MACHINE_FAIL_COUNT];
/* The failure a rule of kernel.h's AC_RULE names (every backend's). */
const struct failure_def *machine_failure_of_rule(AC_RULE rule);
#define MACHINE_CHECKER_NAME "kernel-rules"

/* Ends that are not findings about the driver: the harness's own (a run
 * that cannot start, a limit, a replay that left its recording). */
#define HARNESS_FAILURES(X)                                                                  \
	X(SETUP, "setup", "the driver starts: adapter start and stream open succeed")       \
	X(HOST_MEMORY, "host-memory",                                                        \
	  "the simulator has the host memory it needs (not a finding about the driver)")     \
	X(STEP_LIMIT, "step-limit",                                                          \
	  "a run ends within its scenario's max_steps scheduling steps (one cut here has not " \
	  "passed)")                                                                         \
	X(TIME_LIMIT, "time-limit",                                                          \
	  "a run ends within its scenario's max_time of simulated time (one cut here has not " \
	  "passed)")                                                                         \
	X(REPLAY, "replay",                                                                  \
	  "a replay makes the recorded decisions, each after the same events as recorded")

enum harness_failure {
#define HARNESS_FAILURE_ENUM(id, name, rule) HARNESS_FAIL_##id,
	HARNESS_FAILURES(HARNESS_FAILURE_ENUM)
#undef HARNESS_FAILURE_ENUM
	HARNESS_FAIL_COUNT
};

extern const struct failure_def harness_failures[HARNESS_FAIL_COUNT];
#define HARNESS_CHECKER_NAME "harness"

struct machine_costs {
	sim_ticks_t port_io;
	sim_ticks_t kernel_call;
	sim_ticks_t port_driver_call;
	sim_ticks_t isr_entry;
	sim_ticks_t dpc_dispatch;
};

struct native_config;

struct machine_config {
	uint32_t n_cpus;	/* 1..MACHINE_CPUS_MAX, default 2 */
	struct strategy strategy;
	uint64_t seed;
	const struct decision_log *replay;	/* non-NULL: replay it instead */
	enum replay_mode replay_mode;		/* how (default: exactly) */
	uint64_t replay_fork_step;		/* REPLAY_FORK: the first step decided anew */
	bool record_decisions;	/* keep the decisions (for a trace) */
	struct machine_costs costs;
	uint64_t max_steps;	/* scheduling points before the run is cut */
	sim_ticks_t max_ticks;	/* simulated time before the run is cut */
	sim_ticks_t irq_latency_max_ticks;	/* the longest an interrupt may wait */
	/* Driver code that reaches no scheduling point for this much CPU time
	 * fails the run as "driver-hang" (crash_guard.h). */
	uint32_t hang_cpu_seconds;
	struct ac97_config device;
	uintptr_t nambar, nabmbar;	/* where the BARs are placed */
	FILE *log_text;		/* event log as text, or NULL */
	/* Take guest memory from the last machine this thread destroyed with
	 * the same flag, cleared (gmem_reset), and leave it for the next: for
	 * callers that run machine after machine and write guest memory only
	 * through the kernel, the port and the device (scenario runs do). */
	bool recycle_memory;
	/* Non-NULL: the native backend runs the machine (native.h), on host
	 * threads; NULL: the deterministic machine (the default). */
	const struct native_config *native;
};

void machine_config_default(struct machine_config *cfg);

/* Frees the guest memory this thread keeps for its next recycling machine
 * (recycle_memory), so that the next one starts from fresh host memory. */
void machine_drop_spare_memory(void);

enum run_verdict {
	RUN_PASS,	/* ran to the end, every check held */
	RUN_FAIL,	/* a check fired (bug check, deadlock, checker) */
	RUN_LIMIT,	/* cut by max_steps or max_ticks */
	RUN_DIVERGED,	/* a replay left its recording */
};

const char *run_verdict_name(enum run_verdict v);

struct run_result {
	enum run_verdict verdict;
	char checker[32];	/* the failure's name ("revoke-count"), or "" */
	char group[32];		/* the checker it belongs to ("port-referee") */
	const char *rule;	/* what should have held, in words (static), or NULL */
	char message[1024];	/* what it saw: step, time, objects */
	uint64_t steps;		/* scheduling points */
	sim_ticks_t end_tick;
	uint64_t evlog_hash;
	uint64_t events;
	uint32_t bugcheck_code;
	uint64_t windows_hit;	/* bit w: race window w (windows.h) was reached */
	/* Where each CPU's driver code last called in when the run ended: a
	 * return address (valid in this process only: where.h turns it into
	 * a source line) and the call's name; NULL when it never called. Not
	 * part of the event log (addresses are the host's). */
	uint32_t n_cpus;
	struct run_where {
		const void *site;
		const char *call;
	} where[MACHINE_CPUS_MAX];
	int failed_cpu;		/* the CPU the failure was seen on, or -1 */
};

struct machine;

/* NULL when out of host memory. */
struct machine *machine_create(const struct machine_config *cfg);
void machine_destroy(struct machine *m);

struct ac97 *machine_device(struct machine *m);
struct gmem *machine_memory(struct machine *m);
const AC97SIM_RESOURCES *machine_resources(const struct machine *m);

/* The run's event stream: subscribe before machine_run (which seals it). */
struct bus *machine_bus(struct machine *m);

/* Binds kernel.h to this machine on the calling host thread, so that setup
 * code can initialise kernel objects (spin locks, DPCs, events) before the
 * run. machine_run binds it too, and unbinds when it returns. */
void machine_bind(struct machine *m);

/* Queues a call to run at PASSIVE_LEVEL on whichever CPU takes it. */
int machine_queue_passive(struct machine *m, void (*fn)(void *arg), void *arg, const char *name);

/* Fault injection, for harness code inside the run:
 * - no interrupt is delivered before until_tick (a slow interrupt path);
 * - cpu runs nothing, not even an ISR, before until_tick (an SMI, a
 *   hypervisor taking the CPU away);
 * - fn(arg) joins the passive queue once the run has taken `step`
 *   scheduling steps (an action at a step rather than at a time). */
void machine_hold_interrupts(struct machine *m, sim_ticks_t until_tick);
void machine_stall_cpu(struct machine *m, uint32_t cpu, sim_ticks_t until_tick);
int machine_queue_passive_at_step(struct machine *m, uint64_t step, void (*fn)(void *arg),
				  void *arg, const char *name);

/* A value a run draws before it starts (a scenario's range, a phase, the
 * faults it switches on): uniform in [0, n_options), from the run's
 * decision stream, so a trace holds it. Before machine_run only. */
uint32_t machine_draw(struct machine *m, enum decide_site site, uint32_t n_options);

/* Runs to the end (see RUN_*). Call once. */
void machine_run(struct machine *m, struct run_result *result);

const struct decision_log *machine_decisions(const struct machine *m);
const struct divergence *machine_divergence(const struct machine *m);
/* How many decisions the run has made (recorded or not). */
uint64_t machine_decision_count(const struct machine *m);

/* What a CPU is doing, for writers that draw a run (waveforms): read
 * between events, like the device's registers; nothing here is logged. */
enum machine_cpu_block {
	MACHINE_CPU_RUNNING,
	MACHINE_CPU_IDLE,
	MACHINE_CPU_SPINNING,	/* on a spin lock another CPU holds */
	MACHINE_CPU_WAITING,	/* on an event */
	MACHINE_CPU_FLUSHING,	/* in KeFlushQueuedDpcs */
};

/* The innermost code a CPU is in: an ISR runs on top of a DPC, which runs
 * on top of a passive call. */
enum machine_cpu_context {
	MACHINE_CTX_IDLE,	/* none */
	MACHINE_CTX_TASK,	/* a passive call: name is its name */
	MACHINE_CTX_DPC,	/* a DPC: object is its id, name its name (or NULL) */
	MACHINE_CTX_ISR,	/* the ISR: object is the interrupt's id */
};

#define MACHINE_LOCKS_HELD_MAX 16u

struct machine_cpu_view {
	KIRQL irql;
	enum machine_cpu_block block;
	enum machine_cpu_context context;
	uint32_t object;	/* DPC or interrupt object id, else 0 */
	const char *name;	/* static or the driver's: valid for the run */
	uint32_t spin_on;	/* BLOCK_SPINNING: the lock's id, else 0 */
	uint32_t n_held;	/* the spin locks it holds (the interrupt's among them) */
	uint32_t held[MACHINE_LOCKS_HELD_MAX];
};

uint32_t machine_cpu_count(const struct machine *m);
/* cpu < machine_cpu_count(m). */
void machine_cpu_view(const struct machine *m, uint32_t cpu, struct machine_cpu_view *out);
/* The name the driver gave kernel object id (NULL: none, or unknown). */
const char *machine_object_name(const struct machine *m, uint32_t id);

/* For harness code running inside the machine (port model, checkers):
 * the current time and step, publishing an event, and failing the run. */
sim_ticks_t machine_now(const struct machine *m);
uint64_t machine_step(const struct machine *m);
int machine_current_cpu(const struct machine *m);
/* Fills step, tick and cpu, and publishes. */
void machine_publish(struct machine *m, struct sim_event *ev);
/* Asks for EV_DEADLINE at tick if the machine would otherwise jump past it
 * idle (the earliest pending request wins; one at or before now is
 * ignored). A checker that bounds quiet time asks for the moment its bound
 * runs out. Changes no logged event: a jump cut in two reaches the same
 * device state and timers. */
void machine_check_at(struct machine *m, sim_ticks_t tick);
/* A note in the event log (fault injection, scenario notes). */
void machine_note(struct machine *m, const char *text);
/* Ends the run: checker is the name it is switched off by, rule its row. */
AC97SIM_NORETURN void machine_fail(struct machine *m, const char *checker,
				   const struct failure_def *rule, const char *format, ...)
	__attribute__((format(printf, 4, 5)));
/* The machine the calling host thread is running, or NULL. */
struct machine *machine_running(void);

#endif
