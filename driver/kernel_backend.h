/*
 * kernel_backend.h - what a backend supplies to make kernel.h work, and
 * the services the port model needs from it. Driver code never includes
 * this: it sees only the SDK (kernel.h, wavepci.h).
 *
 * Kernel objects: each holds a struct k_object whose 64 bytes belong to
 * the backend; kernel.c zeroes it and hands it over with the object's
 * type and the name the driver's source gave it.
 */
#ifndef AC97SIM_KERNEL_BACKEND_H
#define AC97SIM_KERNEL_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "failure.h"
#include "kernel.h"
#include "pool.h"

struct port_event;

enum kobject_type {
	KOBJ_SPIN_LOCK,
	KOBJ_INTERRUPT,
	KOBJ_DPC,
	KOBJ_TIMER,
	KOBJ_EVENT,
	KOBJ_WORK_ITEM,
	KOBJ_TYPE_COUNT
};

/* The calls into the port model that driver code makes. */
enum port_call {
	PORT_CALL_GET_MAPPING,
	PORT_CALL_RELEASE_MAPPING,
	PORT_CALL_NOTIFY,
	PORT_CALL_TERMINATE_PACKET
};

/* Guest physical memory as the port model reaches it: a flat host view of
 * [0, size_bytes), and which pages are present (an absent page is one DMA
 * must not touch). */
struct guest_memory {
	uint8_t *bytes;
	uint64_t size_bytes;
	bool (*page_mapped)(void *mem, uint64_t addr);
	void (*set_mapped)(void *mem, uint64_t addr, uint64_t len, bool mapped);
	void *mem;
};

struct kernel_backend {
	KIRQL (*get_irql)(void *self);
	void (*raise_irql)(void *self, KIRQL new_irql, KIRQL *old_irql);
	void (*lower_irql)(void *self, KIRQL new_irql);
	/* routine/context: the DPC's routine, or the interrupt's ISR; NULL for
	 * the other types. */
	void (*object_init)(void *self, struct k_object *k, enum kobject_type type, const char *name,
			    void *routine, void *context);
	void (*spin_acquire)(void *self, KSPIN_LOCK *lock, KIRQL *old_irql, bool at_dpc_level);
	void (*spin_release)(void *self, KSPIN_LOCK *lock, KIRQL old_irql, bool from_dpc_level);
	NTSTATUS (*connect_interrupt)(void *self, KINTERRUPT *interrupt);
	void (*disconnect_interrupt)(void *self, KINTERRUPT *interrupt);
	bool (*synchronize)(void *self, KINTERRUPT *interrupt, PKSYNCHRONIZE_ROUTINE routine,
			    void *context);
	bool (*dpc_insert)(void *self, KDPC *dpc, void *arg1, void *arg2);
	bool (*dpc_remove)(void *self, KDPC *dpc);
	/* KeFlushQueuedDpcs: returns once the DPCs queued or running at the
	 * call have all returned. PASSIVE_LEVEL. */
	void (*dpc_flush)(void *self);
	/* due_time_100ns < 0: relative; >= 0: absolute. period_ms 0: one shot. */
	bool (*timer_set)(void *self, KTIMER *timer, int64_t due_time_100ns, int32_t period_ms,
			  KDPC *dpc);
	bool (*timer_cancel)(void *self, KTIMER *timer);
	/* Sets (signalled) or resets the event; returns its previous state. */
	bool (*event_set)(void *self, KEVENT *event, bool signalled);
	bool (*event_state)(void *self, KEVENT *event);
	NTSTATUS (*event_wait)(void *self, KEVENT *event, const int64_t *timeout_100ns);
	IO_WORKITEM *(*work_item_alloc)(void *self);
	void (*work_item_queue)(void *self, IO_WORKITEM *item, PIO_WORKITEM_ROUTINE routine,
				void *context);
	void (*work_item_free)(void *self, IO_WORKITEM *item);
	uint32_t (*port_read)(void *self, uintptr_t port, unsigned width_bits);
	void (*port_write)(void *self, uintptr_t port, unsigned width_bits, uint32_t value);
	void *(*common_buffer_alloc)(void *self, uint32_t len_bytes, uint32_t *physical);
	void (*common_buffer_free)(void *self, void *virtual_address, uint32_t len_bytes);
	void (*stall)(void *self, uint32_t microseconds);
	uint64_t (*interrupt_time_100ns)(void *self);
	void (*yield)(void *self);
	/* Must not return. why: the rule broken, when kernel.c found it (a NULL
	 * object, a bad argument); NULL for the driver's own bug check, whose
	 * reason (AcBugCheck's words, or NULL for KeBugCheckEx) says why. */
	void (*bug_check)(void *self, uint32_t code, const uintptr_t params[4], const char *why,
			  const char *reason);
	void (*print)(void *self, const char *text);
	/* A race window reached (AcMark): no scheduling point. */
	void (*mark)(void *self, const char *window);
	/* The port model calls this on entry to each call driver code makes
	 * into it: a scheduling point, and the place where "spin lock held
	 * across GetMapping/ReleaseMapping" (Driver Verifier's 0xC4) is caught. */
	void (*port_call)(void *self, enum port_call call);
	/* ... and on its return (the driver's call site is its own again). */
	void (*port_return)(void *self);
	/* The port model around its calls into the miniport (leave, then
	 * enter again) and its own DPC routines (enter, then leave): where
	 * model code and driver code meet. NULL: nothing to do (the
	 * deterministic machine runs one CPU at a time); the native backend
	 * lets go of its world lock so that driver code never runs under it. */
	void (*model_enter)(void *self);
	void (*model_leave)(void *self);
	/* The run's pool (ExAllocatePoolWithTag): kernel.c keeps the books. */
	struct pool *(*pool)(void *self);
	/* Ends the run: one of AC_RULE's rules broken (AcRuleBroken, or the
	 * pool's own). Must not return. */
	void (*rule_broken)(void *self, AC_RULE rule, const char *message);
	/* Ends the run: a referee (the port model) saw misuse of a rule.
	 * Must not return. */
	void (*fail)(void *self, const char *checker, const struct failure_def *rule,
		     const char *message);
	/* Ends the run: the simulator itself ran out of host memory. Must not
	 * return. */
	void (*out_of_memory)(void *self, const char *what);
	const struct guest_memory *(*guest_memory)(void *self);
	/* The port's events, onto the run's event stream. ref: the mapping's
	 * record for PORT_EV_MAPPING (valid during the call), else NULL. */
	void (*publish_port)(void *self, const struct port_event *ev, const void *ref);
};

/* Binds a backend to the calling host thread; NULL unbinds. Driver code
 * called with no backend bound aborts: it is a harness bug. */
void kernel_bind(const struct kernel_backend *ops, void *self);

/* The services for the port model (see the ops above). */
void kernel_port_call(enum port_call call);
void kernel_port_return(void);
void kernel_model_enter(void);
void kernel_model_leave(void);
AC97SIM_NORETURN void kernel_fail(const char *checker, const struct failure_def *rule,
				  const char *format, ...) __attribute__((format(printf, 3, 4)));
AC97SIM_NORETURN void kernel_out_of_memory(const char *what);
const struct guest_memory *kernel_guest_memory(void);
/* After adapter stop: what is left in the pool fails the run ("pool"). */
void kernel_check_pool_empty(void);
void kernel_publish_port(const struct port_event *ev, const void *ref);

/*
 * Where driver code last called in: kernel.c and the port record, on entry
 * to each call a driver makes, its return address and the call's name, so
 * that a report can say which source line each CPU was in (symbolised
 * later, in the process that ran it: harness/where.h). One host thread
 * runs a machine's CPUs, so these are per thread; the backend keeps each
 * CPU's own when it yields, and holds on to a port call's while the port
 * runs (its own kernel calls are not the driver's).
 */
extern _Thread_local const void *kernel_call_site;
extern _Thread_local const char *kernel_call_name;
/* AcCallOnBehalf's caller, for the next call noted (then cleared). */
extern _Thread_local const void *kernel_call_on_behalf;
#define KERNEL_NOTE_CALL()                                                     \
	do {                                                                   \
		kernel_call_site = kernel_call_on_behalf != NULL                \
					   ? kernel_call_on_behalf               \
					   : __builtin_return_address(0);        \
		kernel_call_on_behalf = NULL;                                  \
		kernel_call_name = __func__;                                   \
	} while (0)

#endif
