/*
 * machine.h - the deterministic backend of kernel.h: a machine of simulated
 * CPUs running driver code against the device, one CPU at a time, with
 * control changing hands only at scheduling points and every choice taken
 * from one decision stream (decide.h).
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
 *   wait deadline. When nothing can run and nothing is pending, the run is
 *   over (every CPU idle: passed) or deadlocked (some CPU blocked).
 * - An interrupt the strategy keeps declining is forced after
 *   irq_defer_max points, as the interrupt controller would deliver it.
 *
 * Costs (simulated time per scheduling point, documented defaults): port
 * I/O 12 ticks (about 1 us, a PCI I/O cycle), kernel call 2 ticks, port
 * driver call 6 ticks, ISR entry 12 ticks, DPC dispatch 6 ticks.
 *
 * Checks owned by this layer (each a bug check that ends the run): spin
 * lock taken above DISPATCH_LEVEL (0xA) or re-taken by its holder (0xF),
 * released by a non-holder (0x10), AtDpcLevel calls at another IRQL, a
 * spin lock held across a port-driver call, an ordinary spin lock taken in
 * an ISR, IRQL or locks not restored when a passive call, DPC or ISR
 * returns (0xC4, Driver Verifier's), and deadlock (every CPU's state and
 * locks in the report).
 */
#ifndef AC97SIM_MACHINE_H
#define AC97SIM_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ac97.h"
#include "decide.h"
#include "evlog.h"
#include "kernel.h"

#define MACHINE_CPUS_MAX 8u

struct machine_costs {
	sim_ticks_t port_io;
	sim_ticks_t kernel_call;
	sim_ticks_t port_driver_call;
	sim_ticks_t isr_entry;
	sim_ticks_t dpc_dispatch;
};

struct machine_config {
	uint32_t n_cpus;	/* 1..MACHINE_CPUS_MAX, default 2 */
	struct strategy strategy;
	uint64_t seed;
	const struct decision_log *replay;	/* non-NULL: replay it instead */
	struct machine_costs costs;
	uint64_t max_steps;	/* scheduling points before the run is cut */
	sim_ticks_t max_ticks;	/* simulated time before the run is cut */
	uint32_t irq_defer_max;
	struct ac97_config device;
	PORT_ADDRESS nambar, nabmbar;	/* where the BARs are placed */
	FILE *log_text;		/* event log as text, or NULL */
	/* Keep the run's decisions for machine_decisions (default true). Off
	 * for a run that writes no trace: its memory then stays flat however
	 * many steps it takes. */
	bool record_decisions;
};

void machine_config_default(struct machine_config *cfg);

enum run_verdict {
	RUN_PASS,	/* ran to the end, every check held */
	RUN_FAIL,	/* a check fired (bug check, deadlock, checker) */
	RUN_LIMIT,	/* cut by max_steps or max_ticks */
	RUN_DIVERGED,	/* a replay left its recording */
};

const char *run_verdict_name(enum run_verdict v);

struct run_result {
	enum run_verdict verdict;
	char checker[32];	/* which check fired */
	char message[1024];	/* what it saw: step, time, objects */
	uint64_t steps;		/* scheduling points */
	sim_ticks_t end_tick;
	uint64_t evlog_hash;
	uint64_t events;
	uint32_t bugcheck_code;
};

struct machine;

/* NULL when out of host memory. */
struct machine *machine_create(const struct machine_config *cfg);
void machine_destroy(struct machine *m);

struct ac97 *machine_device(struct machine *m);
struct gmem *machine_memory(struct machine *m);
const CM_RESOURCES *machine_resources(const struct machine *m);

/* Binds kernel.h to this machine on the calling host thread, so that setup
 * code can initialise kernel objects (spin locks, DPCs, events) before the
 * run. machine_run binds it too, and unbinds when it returns. */
void machine_bind(struct machine *m);

/* Queues a call to run at PASSIVE_LEVEL on whichever CPU takes it. */
int machine_queue_passive(struct machine *m, void (*fn)(void *arg), void *arg, const char *name);

/* Checkers hook in here: every device event (the machine logs all but
 * AC97_EV_DMA itself, first), a call at every scheduling point, and a call
 * when the run ends with every CPU idle (still inside the machine, so it
 * may machine_fail). */
void machine_set_device_observer(struct machine *m, struct ac97_observer obs);
void machine_set_step_hook(struct machine *m, void (*fn)(void *ctx), void *ctx);
void machine_set_end_hook(struct machine *m, void (*fn)(void *ctx), void *ctx);

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

/* Runs to the end (see RUN_*). Call once. */
void machine_run(struct machine *m, struct run_result *result);

/* The run's decisions; empty when the config's record_decisions is off. */
const struct decision_log *machine_decisions(const struct machine *m);
const struct divergence *machine_divergence(const struct machine *m);

/* For harness code running inside the machine (port model, checkers):
 * the current time and step, a log line, and failing the run. */
sim_ticks_t machine_now(const struct machine *m);
uint64_t machine_step(const struct machine *m);
int machine_current_cpu(const struct machine *m);
void machine_log(struct machine *m, enum ev_kind kind, uint64_t a, uint64_t b, const char *text);
_Noreturn void machine_fail(struct machine *m, const char *checker, const char *format, ...)
	__attribute__((format(printf, 3, 4)));
/* The machine the calling host thread is running, or NULL. */
struct machine *machine_running(void);

#endif
