/*
 * kernel_backend.h - what a backend supplies to make kernel.h work, and the
 * hooks the port driver model needs from it. Driver code never includes
 * this: it sees only kernel.h.
 */
#ifndef AC97SIM_KERNEL_BACKEND_H
#define AC97SIM_KERNEL_BACKEND_H

#include "kernel.h"

struct gmem;

struct kernel_backend {
	KIRQL (*get_irql)(void *self);
	void (*raise_irql)(void *self, KIRQL new_irql, KIRQL *old_irql);
	void (*lower_irql)(void *self, KIRQL new_irql);
	void (*object_init)(void *self, struct k_object *k, const char *what);
	void (*spin_acquire)(void *self, KSPIN_LOCK *lock, KIRQL *old_irql, bool at_dpc_level);
	void (*spin_release)(void *self, KSPIN_LOCK *lock, KIRQL old_irql, bool from_dpc_level);
	NTSTATUS (*connect_interrupt)(void *self, KINTERRUPT *interrupt);
	void (*disconnect_interrupt)(void *self, KINTERRUPT *interrupt);
	bool (*synchronize)(void *self, KINTERRUPT *interrupt, PKSYNCHRONIZE_ROUTINE routine,
			    void *context);
	bool (*dpc_insert)(void *self, KDPC *dpc);
	bool (*dpc_remove)(void *self, KDPC *dpc);
	bool (*timer_set)(void *self, KTIMER *timer, int64_t due_time_100ns, int32_t period_ms,
			  KDPC *dpc);
	bool (*timer_cancel)(void *self, KTIMER *timer);
	bool (*event_set)(void *self, KEVENT *event, bool signalled);
	NTSTATUS (*event_wait)(void *self, KEVENT *event, const int64_t *timeout_100ns);
	void (*work_item_queue)(void *self, IO_WORKITEM *item);
	uint32_t (*port_read)(void *self, PORT_ADDRESS port, unsigned width_bits);
	void (*port_write)(void *self, PORT_ADDRESS port, unsigned width_bits, uint32_t value);
	void *(*common_buffer_alloc)(void *self, uint32_t len_bytes, PHYSICAL_ADDRESS *physical);
	void (*common_buffer_free)(void *self, void *virtual_address, uint32_t len_bytes);
	void (*stall)(void *self, uint32_t microseconds);
	uint64_t (*interrupt_time_100ns)(void *self);
	void (*yield)(void *self);
	/* Must not return. */
	void (*bug_check)(void *self, uint32_t code, const uintptr_t params[4], const char *why);
	void (*print)(void *self, const char *text);
	/* The port driver model calls this on entry to each of its calls that
	 * driver code makes (GetMapping, ReleaseMapping, ...): a scheduling
	 * point, and the place where "spin lock held across a port call"
	 * (Driver Verifier's 0xC4) is caught. */
	void (*port_call)(void *self, const char *name);
	/* Ends the run: a referee (the port model) or a checker saw misuse. */
	void (*fail)(void *self, const char *checker, const char *message);
	/* Guest physical memory, for the port model's IRP pages. */
	struct gmem *(*guest_memory)(void *self);
	/* A structured line for the event log (kind is an ev_kind of evlog.h). */
	void (*note)(void *self, int kind, uint64_t a, uint64_t b, const char *text);
};

/* Binds a backend to the calling host thread; NULL unbinds. Driver code
 * called with no backend bound aborts: it is a harness bug. */
void kernel_bind(const struct kernel_backend *ops, void *self);

/* The hooks for the port driver model (see the ops above). */
void kernel_port_call(const char *name);
_Noreturn void kernel_fail(const char *checker, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
struct gmem *kernel_guest_memory(void);
void kernel_note(int kind, uint64_t a, uint64_t b, const char *text);

#endif
