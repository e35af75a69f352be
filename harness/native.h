/*
 * native.h - the native backend of kernel.h: the same driver code on host
 * threads, against the device on a scaled wall clock (docs/native-backend.md).
 *
 * A machine made with machine_config.native set runs this way: machine.c
 * keeps what both backends share (guest memory, the device, the event
 * stream and log, the scenario draws) and hands the run to this backend,
 * so that the scenario runner, the port model and the checkers are the
 * same code on both.
 *
 * Threads, per run: for each CPU a passive thread (scenario actions, work
 * items) and a DPC thread (that CPU's DPC queue, at DISPATCH_LEVEL); one
 * interrupt thread, which runs the ISR at DIRQL holding the interrupt lock
 * "on" a CPU whose IRQL is below DIRQL whenever the device's line is high;
 * and the calling thread, which keeps the clock: it moves the device to
 * "now", fires timers, publishes the checks' deadlines and steps, and sees
 * the run end (every CPU idle and nothing pending), deadlock or its limit.
 *
 * The world lock: the device, the port model, the harness's own passive
 * calls and every publication onto the event stream (so every checker)
 * run under one lock, which a thread drops at every kernel call that is a
 * scheduling point on the deterministic machine and takes again after it.
 * The port model is written to be consistent at those points, so it needs
 * no lock of its own; driver code never runs under it (the port drops it
 * around its calls into the miniport: kernel_model_leave), so driver code
 * races driver code for real, and a register access is atomic with
 * respect to the device's own events.
 *
 * Not reproducible: a native failure cannot be replayed. What a run
 * records is its scenario, driver, seed (the scenario's draws), time
 * scale and event log (native_stress.h).
 */
#ifndef AC97SIM_NATIVE_H
#define AC97SIM_NATIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "ac97.h"
#include "bus.h"
#include "evlog.h"
#include "failure.h"
#include "gmem.h"
#include "kernel.h"
#include "kernel_backend.h"
#include "machine.h"

#define NATIVE_TIME_SCALE_DEFAULT 10u
#define NATIVE_TIME_SCALE_MAX 1000u

struct native_config {
	uint32_t time_scale;	/* simulated seconds per host second, 1..NATIVE_TIME_SCALE_MAX */
};

/* What machine.c lends the backend for the machine's life. */
struct native_parts {
	struct ac97 *dev;
	struct gmem *mem;
	const struct guest_memory *guest;
	struct bus *bus;
	struct evlog *evlog;
	const AC97SIM_RESOURCES *resources;
	struct pool *pool;
};

struct native;

/* NULL when out of host memory. cfg->native is the native configuration. */
struct native *native_create(const struct machine_config *cfg, const struct native_parts *parts);
void native_destroy(struct native *n);

/* Binds kernel.h on the calling thread for setup before the run. */
void native_bind(struct native *n);
/* Runs the machine's threads to the run's end; the caller's thread keeps
 * the clock. Call once. */
void native_run(struct native *n, struct run_result *result);

/* machine.h's calls for harness code, on a native machine. */
void native_publish(struct native *n, struct sim_event *ev);
sim_ticks_t native_now(const struct native *n);
uint64_t native_steps(const struct native *n);
int native_current_cpu(const struct native *n);
void native_check_at(struct native *n, sim_ticks_t tick);
AC97SIM_NORETURN void native_fail(struct native *n, const char *checker,
				  const struct failure_def *rule, const char *message);
int native_queue_passive(struct native *n, void (*fn)(void *arg), void *arg, const char *name);
int native_queue_passive_at_step(struct native *n, uint64_t step, void (*fn)(void *arg), void *arg,
				 const char *name);
void native_hold_interrupts(struct native *n, sim_ticks_t until_tick);
void native_stall_cpu(struct native *n, uint32_t cpu, sim_ticks_t until_tick);
void native_cpu_view(const struct native *n, uint32_t cpu, struct machine_cpu_view *out);
const char *native_object_name(const struct native *n, uint32_t id);

#endif
