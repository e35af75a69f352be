/*
 * The WavePci port model (driver/port.c) on the deterministic machine,
 * driven by a small fake miniport defined here: the cut of IRPs into
 * mappings, what lands in guest memory, GetMapping/NOT_FOUND/
 * MappingAvailable, release and IRP completion, cancellation and
 * RevokeMappings (including a release racing the revoke), SetState, DSound
 * wrap-around, position calls and answers, and every referee failure on a deliberately
 * broken use of the port.
 *
 * Facts are recorded while the machine runs (a failing ck_assert inside a
 * fiber would leave the machine mid-run) and asserted after machine_run.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "events.h"
#include "gmem.h"
#include "machine.h"
#include "port.h"

#define FAKE_LIST_MAX 256u
#define GOT_MAX 512u
#define STATES_MAX 16u
#define INDEX_MAX 512u
#define PAGE 4096u
#define POOL_LO (4u << 20)
#define POOL_HI (16u << 20)
#define TAG(n) ((PVOID)(uintptr_t)(n))

/* ---- the fake miniport ------------------------------------------------------------ */

enum fake_bug {
	BUG_NONE,
	BUG_COUNT_PLUS_ONE,	/* RevokeMappings reports one more than it removed */
	BUG_COUNT_ZERO,		/* RevokeMappings removes but reports none */
	BUG_REVOKE_FAILS,	/* RevokeMappings returns STATUS_UNSUCCESSFUL */
};

struct got {
	MAPPING_TAG tag;
	uint64_t phys;
	uint8_t *virt;
	uint32_t bytes, flags;
};

struct fake {
	PORT_STREAM *ps;
	KSPIN_LOCK lock;
	MAPPING_TAG list[FAKE_LIST_MAX];	/* acquired tags, oldest first */
	uint32_t count;
	MAPPING_TAG next_tag;
	struct got got[GOT_MAX];
	uint32_t n_got;
	uint32_t not_found;
	uint32_t available_calls, service_calls, revoke_calls, revoked_total;
	uint32_t service_stall_us;	/* Service stalls this long, in 50 us steps */
	uint32_t services_returned;
	KIRQL available_irql, service_irql, revoke_irql;
	KSSTATE states[STATES_MAX];
	uint32_t n_states;
	KSSTATE fail_at;
	bool fail_state;
	enum fake_bug bug;
	bool fill_on_available;
	bool release_on_service;
	KEVENT *revoke_done;	/* set at the end of RevokeMappings, when non-NULL */
	bool wait_for_release;	/* RevokeMappings then stalls until release_landed */
	bool release_landed;
	uint64_t positions[8];
	uint32_t n_positions, pos_i;
	MAPPING_TAG scratch_tag;	/* a tag a test holds on to */
};

/* GetMapping until NOT_FOUND; the lock is never held across the call. */
static void fake_fill(struct fake *f)
{
	for (uint32_t guard = 0; guard < GOT_MAX; guard++) {
		MAPPING_TAG tag = ++f->next_tag;
		struct got g = { .tag = tag };
		void *virt = NULL;
		PHYSICAL_ADDRESS pa = { .QuadPart = 0 };
		NTSTATUS st = PortGetMapping(f->ps, TAG(tag), &pa, &virt, &g.bytes, &g.flags);
		g.phys = (uint64_t)pa.QuadPart;
		if (st == STATUS_NOT_FOUND) {
			f->not_found++;
			return;
		}
		g.virt = virt;
		KIRQL old;
		KeAcquireSpinLock(&f->lock, &old);
		if (f->count < FAKE_LIST_MAX)
			f->list[f->count++] = tag;
		if (f->n_got < GOT_MAX)
			f->got[f->n_got++] = g;
		KeReleaseSpinLock(&f->lock, old);
	}
}

/* Unlinks the oldest tag under the lock, then releases it without the lock
 * (so a release can be in flight when a revoke runs). */
static bool fake_release_one(struct fake *f)
{
	KIRQL old;
	KeAcquireSpinLock(&f->lock, &old);
	if (f->count == 0) {
		KeReleaseSpinLock(&f->lock, old);
		return false;
	}
	MAPPING_TAG tag = f->list[0];
	memmove(&f->list[0], &f->list[1], (f->count - 1u) * sizeof(f->list[0]));
	f->count--;
	KeReleaseSpinLock(&f->lock, old);
	PortReleaseMapping(f->ps, TAG(tag));
	return true;
}

static void fake_release_all(struct fake *f)
{
	for (uint32_t guard = 0; guard < GOT_MAX && fake_release_one(f); guard++)
		;
}

static NTSTATUS fake_set_state(void *ms, KSSTATE state)
{
	struct fake *f = ms;
	if (f->n_states < STATES_MAX)
		f->states[f->n_states++] = state;
	if (f->fail_state && state == f->fail_at)
		return STATUS_UNSUCCESSFUL;
	return STATUS_SUCCESS;
}

static void fake_service(void *ms)
{
	struct fake *f = ms;
	f->service_calls++;
	f->service_irql = KeGetCurrentIrql();
	if (f->release_on_service)
		fake_release_all(f);
	for (uint32_t us = 0; us < f->service_stall_us; us += 50)
		KeStallExecutionProcessor(50);
	f->services_returned++;
}

static void fake_mapping_available(void *ms)
{
	struct fake *f = ms;
	f->available_calls++;
	f->available_irql = KeGetCurrentIrql();
	if (f->fill_on_available)
		fake_fill(f);
}

/* Tags are a counter, so tag order is acquisition order: the range is
 * every listed tag in [first, last]. */
static NTSTATUS fake_revoke(void *ms, PVOID first_tag, PVOID last_tag, PULONG revoked)
{
	struct fake *f = ms;
	MAPPING_TAG first = mapping_tag_of(first_tag), last = mapping_tag_of(last_tag);
	f->revoke_calls++;
	f->revoke_irql = KeGetCurrentIrql();
	KeAcquireSpinLockAtDpcLevel(&f->lock);
	uint32_t n = 0, w = 0;
	for (uint32_t i = 0; i < f->count; i++) {
		if (f->list[i] >= first && f->list[i] <= last)
			n++;
		else
			f->list[w++] = f->list[i];
	}
	f->count = w;
	KeReleaseSpinLockFromDpcLevel(&f->lock);
	f->revoked_total += n;
	if (f->revoke_done != NULL)
		KeSetEvent(f->revoke_done, 0, FALSE);
	for (uint32_t i = 0; f->wait_for_release && !f->release_landed && i < 1000; i++)
		KeStallExecutionProcessor(1);
	switch (f->bug) {
	case BUG_COUNT_PLUS_ONE: *revoked = n + 1u; break;
	case BUG_COUNT_ZERO: *revoked = 0; break;
	case BUG_REVOKE_FAILS: *revoked = 0; return STATUS_UNSUCCESSFUL;
	case BUG_NONE: *revoked = n; break;
	}
	return STATUS_SUCCESS;
}

static NTSTATUS fake_position(void *ms, PULONGLONG pos)
{
	struct fake *f = ms;
	*pos = f->pos_i < f->n_positions ? f->positions[f->pos_i++] : 0;
	return STATUS_SUCCESS;
}

static const struct miniport_stream_ops fake_ops = {
	.set_state = fake_set_state,
	.service = fake_service,
	.mapping_available = fake_mapping_available,
	.revoke_mappings = fake_revoke,
	.get_position = fake_position,
};

/* ---- a test bench: machine, port stream, fake, observer ---------------------------- */

struct t;
typedef void (*script_fn)(struct t *t);

struct t {
	struct machine *m;
	struct port_stream *s;
	PORT_STREAM *ps;
	struct port_stream_config cfg;
	struct fake f;
	script_fn script, script2;
	KEVENT ev, ev2;
	/* the observer's record */
	enum port_mapping_state prev[INDEX_MAX];
	uint32_t to_state[MAPPING_DROPPED + 1];
	uint32_t released_from_revoking;
	enum port_mapping_state older_when_2_released;
	uint32_t irps_completed, irps_cancelled;
	KSSTATE seen_states[STATES_MAX];
	uint32_t n_seen_states;
	uint64_t seen_positions[8];
	uint32_t n_seen_positions;
	uint32_t n_position_calls;	/* calls begun */
	bool position_out_of_order;	/* an answer without its call just before */
	/* facts checked inside the run */
	bool failed;
	char why[256];
	FILE *log;
	struct run_result r;
	uint32_t scratch;
};

#define EXPECT(t, cond)                                                                   \
	do {                                                                              \
		if (!(cond) && !(t)->failed) {                                            \
			(t)->failed = true;                                               \
			snprintf((t)->why, sizeof((t)->why), "line %d: %s", __LINE__, #cond); \
		}                                                                         \
	} while (0)

static int16_t ramp(void *ctx, uint64_t n)
{
	(void)ctx;
	return (int16_t)(uint16_t)(n * 3u + 0x1234u);
}

/* The byte a render stream holds at stream offset o. */
static uint8_t ramp_byte(uint64_t o)
{
	uint16_t v = (uint16_t)ramp(NULL, o / 2u);
	return (uint8_t)((o & 1u) ? v >> 8 : v & 0xFFu);
}

static void on_mapping(void *ctx, const struct port_mapping_info *m)
{
	struct t *t = ctx;
	t->to_state[m->state]++;
	if (m->index < INDEX_MAX) {
		if (m->state == MAPPING_RELEASED && t->prev[m->index] == MAPPING_REVOKING)
			t->released_from_revoking++;
		if (m->state == MAPPING_RELEASED && m->index == 2)
			t->older_when_2_released = t->prev[0];
		t->prev[m->index] = m->state;
	}
}

static void on_irp(void *ctx, uint32_t irp, bool completed, bool cancelled)
{
	struct t *t = ctx;
	(void)irp;
	t->irps_completed += completed;
	t->irps_cancelled += cancelled;
}

static void on_state(void *ctx, KSSTATE state)
{
	struct t *t = ctx;
	if (t->n_seen_states < STATES_MAX)
		t->seen_states[t->n_seen_states++] = state;
}

static void on_position(void *ctx, uint64_t pos)
{
	struct t *t = ctx;
	if (t->n_seen_positions < 8)
		t->seen_positions[t->n_seen_positions++] = pos;
}

/* The port's events, as the tests want them. */
static void on_port_event(void *ctx, const struct sim_event *ev)
{
	const struct port_event *pe = &ev->u.port;
	switch (pe->kind) {
	case PORT_EV_MAPPING: on_mapping(ctx, ev->ref); break;
	case PORT_EV_IRP_DONE: on_irp(ctx, pe->irp, pe->result == 0, pe->result == 1); break;
	case PORT_EV_STATE:
		if (pe->result == (uint32_t)STATUS_SUCCESS)
			on_state(ctx, (KSSTATE)pe->b);
		break;
	case PORT_EV_POSITION_ASKED:
		((struct t *)ctx)->n_position_calls++;
		break;
	case PORT_EV_POSITION:
		if (((struct t *)ctx)->n_position_calls != ((struct t *)ctx)->n_seen_positions + 1)
			((struct t *)ctx)->position_out_of_order = true;
		if (pe->result == (uint32_t)STATUS_SUCCESS)
			on_position(ctx, pe->a);
		break;
	default: break;
	}
}

static struct t *t_new(uint64_t seed, uint32_t n_cpus)
{
	struct t *t = calloc(1, sizeof(*t));
	ck_assert_ptr_nonnull(t);
	struct machine_config mc;
	machine_config_default(&mc);
	mc.seed = seed;
	mc.n_cpus = n_cpus;
	t->log = tmpfile();
	ck_assert_ptr_nonnull(t->log);
	mc.log_text = t->log;
	t->m = machine_create(&mc);
	ck_assert_ptr_nonnull(t->m);
	machine_bind(t->m);
	t->cfg = (struct port_stream_config){
		.direction = PORT_RENDER,
		.style = PORT_STYLE_KMIXER,
		.layout = PORT_PAGES_SCATTERED,
		.channels = 2,
		.rate_hz = 48000,
		.irp_bytes = 2u * PAGE,
		.irps_in_flight = 2,
		.total_bytes = 4u * PAGE,
		.sample = ramp,
		.layout_seed = 7,
	};
	return t;
}

/* Creates the stream from t->cfg and binds the fake (setup, before the run). */
static void t_start(struct t *t)
{
	const char *why = NULL;
	t->s = port_stream_create(&t->cfg, &why);
	ck_assert_msg(t->s != NULL, "port_stream_create: %s", why ? why : "?");
	t->ps = port_stream_handle(t->s);
	t->f.ps = t->ps;
	KeInitializeSpinLock(&t->f.lock);
	KeInitializeEvent(&t->ev, NotificationEvent, false);
	KeInitializeEvent(&t->ev2, NotificationEvent, false);
	ck_assert_int_eq(bus_subscribe(machine_bus(t->m), BUS_RECORD, EV_BIT(EV_PORT), on_port_event, t), 0);
	port_stream_bind_miniport(t->s, &fake_ops, &t->f);
}

static void task1(void *arg)
{
	struct t *t = arg;
	t->script(t);
}

static void task2(void *arg)
{
	struct t *t = arg;
	t->script2(t);
}

static void t_run(struct t *t)
{
	if (t->s == NULL)
		t_start(t);
	if (t->script != NULL)
		machine_queue_passive(t->m, task1, t, "script");
	if (t->script2 != NULL)
		machine_queue_passive(t->m, task2, t, "script2");
	machine_run(t->m, &t->r);
}

static void t_free(struct t *t)
{
	port_stream_destroy(t->s);
	machine_destroy(t->m);
	fclose(t->log);
	free(t);
}

static void assert_pass(const struct t *t)
{
	ck_assert_msg(t->r.verdict == RUN_PASS, "verdict %s (%s): %s", run_verdict_name(t->r.verdict),
		      t->r.checker, t->r.message);
	ck_assert_msg(!t->failed, "%s", t->why);
}

static void assert_fail(const struct t *t, const char *checker, const char *needle)
{
	ck_assert_msg(t->r.verdict == RUN_FAIL, "verdict %s, want a %s failure (%s)",
		      run_verdict_name(t->r.verdict), checker, t->r.message);
	ck_assert_msg(strcmp(t->r.checker, checker) == 0, "checker %s, want %s: %s", t->r.checker,
		      checker, t->r.message);
	if (needle != NULL)
		ck_assert_msg(strstr(t->r.message, needle) != NULL, "message lacks \"%s\": %s", needle,
			      t->r.message);
	ck_assert_msg(!t->failed, "%s", t->why);
}

/* Lines of the event log that contain needle. */
static uint32_t log_count(struct t *t, const char *needle)
{
	fflush(t->log);
	rewind(t->log);
	char line[1024];
	uint32_t n = 0;
	while (fgets(line, sizeof(line), t->log) != NULL)
		n += strstr(line, needle) != NULL;
	return n;
}

static const struct port_mapping_info *mapping(const struct t *t, uint32_t i)
{
	const struct port_mapping_info *m = port_stream_mapping(t->s, i);
	ck_assert_ptr_nonnull(m);
	return m;
}

static bool mapped(struct t *t, uint64_t a)
{
	return gmem_page_is_mapped(machine_memory(t->m), a);
}

/* ---- scripts ----------------------------------------------------------------------- */

static void submit_fill(struct t *t)
{
	port_action_submit(t->s);
	fake_fill(&t->f);
}

/* ---- mapping cuts -------------------------------------------------------------------- */

START_TEST(mapping_cuts_scattered)
{
	/* Goal: scattered pages give one mapping per page (never merged), in
	 * the pool, page-aligned, the last short, flag only on the last. */
	struct t *t = t_new(1, 1);
	t->cfg.irp_bytes = 3u * PAGE + 1000u;
	t->cfg.total_bytes = t->cfg.irp_bytes;
	t->cfg.irps_in_flight = 1;
	t->script = submit_fill;
	t_run(t);
	assert_pass(t);
	struct fake *f = &t->f;
	ck_assert_uint_eq(f->n_got, 4);
	const uint32_t want[4] = { PAGE, PAGE, PAGE, 1000u };
	for (uint32_t i = 0; i < 4; i++) {
		ck_assert_uint_eq(f->got[i].bytes, want[i]);
		ck_assert_uint_eq(f->got[i].phys % PAGE, 0);
		ck_assert_uint_ge(f->got[i].phys, POOL_LO);
		ck_assert_uint_lt(f->got[i].phys, POOL_HI);
		ck_assert_uint_eq(f->got[i].flags, i == 3 ? MAPPING_FLAG_LAST_OF_IRP : 0u);
		ck_assert_ptr_eq(f->got[i].virt, machine_memory(t->m)->bytes + f->got[i].phys);
		ck_assert(mapped(t, f->got[i].phys));
		if (i > 0)
			ck_assert_uint_ne(f->got[i - 1].phys + PAGE, f->got[i].phys);
		const struct port_mapping_info *m = mapping(t, i);
		ck_assert_uint_eq(m->index, i);
		ck_assert_uint_eq(m->irp, 0);
		ck_assert_uint_eq(m->tag, f->got[i].tag);
		ck_assert_int_eq(m->state, MAPPING_ACQUIRED);
		ck_assert_uint_eq(m->stream_offset_bytes, (uint64_t)i * PAGE);
		ck_assert(m->last_of_irp == (i == 3));
	}
	ck_assert_uint_eq(f->not_found, 1);
	ck_assert_uint_eq(port_stream_bytes_submitted(t->s), t->cfg.total_bytes);
	t_free(t);
}
END_TEST

START_TEST(mapping_cuts_contiguous)
{
	/* Goal: contiguous pages merge into runs of at most 16 pages (65536
	 * bytes), the next run starting where the last ended. */
	struct t *t = t_new(1, 1);
	t->cfg.layout = PORT_PAGES_CONTIGUOUS;
	t->cfg.irp_bytes = 20u * PAGE;
	t->cfg.total_bytes = 20u * PAGE;
	t->cfg.irps_in_flight = 1;
	t->script = submit_fill;
	t_run(t);
	assert_pass(t);
	ck_assert_uint_eq(t->f.n_got, 2);
	ck_assert_uint_eq(t->f.got[0].bytes, 65536);
	ck_assert_uint_eq(t->f.got[1].bytes, 4u * PAGE);
	ck_assert_uint_eq(t->f.got[1].phys, t->f.got[0].phys + 65536u);
	ck_assert_uint_eq(t->f.got[0].flags, 0);
	ck_assert_uint_eq(t->f.got[1].flags, MAPPING_FLAG_LAST_OF_IRP);
	t_free(t);
}
END_TEST

START_TEST(first_page_offset)
{
	/* Goal: an IRP starting 512 bytes into its first page: scattered, the
	 * first mapping is the rest of that page; contiguous, the first run
	 * ends with its 16th page (65536 - 512 bytes) and no mapping touches
	 * more than 16 pages. */
	struct t *t = t_new(1, 1);
	t->cfg.first_page_offset_bytes = 512;
	t->cfg.irp_bytes = 2u * PAGE;
	t->cfg.total_bytes = 2u * PAGE;
	t->cfg.irps_in_flight = 1;
	t->script = submit_fill;
	t_run(t);
	assert_pass(t);
	ck_assert_uint_eq(t->f.n_got, 3);
	ck_assert_uint_eq(t->f.got[0].bytes, PAGE - 512u);
	ck_assert_uint_eq(t->f.got[0].phys % PAGE, 512);
	ck_assert_uint_eq(t->f.got[1].bytes, PAGE);
	ck_assert_uint_eq(t->f.got[2].bytes, 512);
	t_free(t);

	t = t_new(1, 1);
	t->cfg.layout = PORT_PAGES_CONTIGUOUS;
	t->cfg.first_page_offset_bytes = 512;
	t->cfg.irp_bytes = 20u * PAGE;
	t->cfg.total_bytes = 20u * PAGE;
	t->cfg.irps_in_flight = 1;
	t->script = submit_fill;
	t_run(t);
	assert_pass(t);
	ck_assert_uint_eq(t->f.n_got, 2);
	ck_assert_uint_eq(t->f.got[0].bytes, 65536u - 512u);
	ck_assert_uint_eq(t->f.got[1].bytes, 20u * PAGE - (65536u - 512u));
	ck_assert_uint_eq(t->f.got[1].phys % PAGE, 0);
	t_free(t);
}
END_TEST

START_TEST(render_content_in_guest_memory)
{
	/* Goal: every byte of every mapping holds the stream's samples (16-bit
	 * little-endian, sample n at stream offset 2n), odd IRP sizes
	 * included, through both the virtual address and guest memory. */
	struct t *t = t_new(1, 1);
	t->cfg.irp_bytes = PAGE + 1u;	/* the second IRP starts at an odd offset */
	t->cfg.total_bytes = 2u * (PAGE + 1u);
	t->cfg.first_page_offset_bytes = 100;
	t->script = submit_fill;
	t_run(t);
	assert_pass(t);
	const struct gmem *g = machine_memory(t->m);
	uint32_t checked = 0;
	for (uint32_t i = 0; i < t->f.n_got; i++) {
		const struct port_mapping_info *m = mapping(t, i);
		for (uint32_t j = 0; j < m->byte_count; j++) {
			uint8_t want = ramp_byte(m->stream_offset_bytes + j);
			ck_assert_uint_eq(t->f.got[i].virt[j], want);
			ck_assert_uint_eq(g->bytes[m->physical + j], want);
			checked++;
		}
	}
	ck_assert_uint_eq(checked, t->cfg.total_bytes);
	ck_assert_uint_eq(mapping(t, 2)->stream_offset_bytes, PAGE + 1u);
	t_free(t);
}
END_TEST

/* ramp in bulk (port_samples_le_fn). */
static void ramp_le(void *ctx, uint64_t first, uint8_t *dst, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint16_t v = (uint16_t)ramp(ctx, first + i);
		dst[2 * i] = (uint8_t)(v & 0xFFu);
		dst[2 * i + 1] = (uint8_t)(v >> 8);
	}
}

START_TEST(stream_bytes_in_bulk_and_one_by_one)
{
	/* Goal: port_stream_bytes gives the stream's bytes for every start
	 * and length, odd ones included (a sample split at either end),
	 * whether the stream has a bulk function or only a sample function. */
	struct port_stream_config cfg = { .direction = PORT_RENDER, .sample = ramp };
	uint8_t got[64];
	for (int bulk = 0; bulk < 2; bulk++) {
		cfg.samples_le = bulk ? ramp_le : NULL;
		for (uint64_t first = 0; first < 6; first++) {
			for (uint64_t n = 0; n < 40; n++) {
				memset(got, 0xA5, sizeof(got));
				port_stream_bytes(&cfg, 1000 + first, got, n);
				for (uint64_t j = 0; j < n; j++)
					ck_assert_uint_eq(got[j], ramp_byte(1000 + first + j));
				ck_assert_uint_eq(got[n], 0xA5);
			}
		}
	}
}
END_TEST

START_TEST(capture_pages_are_zeroed)
{
	/* Goal: a capture IRP's pages start as zeros (no stale render audio),
	 * even when they reuse a render stream's pages. */
	struct t *t = t_new(1, 1);
	t->cfg.direction = PORT_CAPTURE;
	t->cfg.sample = NULL;
	memset(machine_memory(t->m)->bytes + POOL_LO, 0x5A, POOL_HI - POOL_LO);
	t->script = submit_fill;
	t_run(t);
	assert_pass(t);
	ck_assert_uint_gt(t->f.n_got, 0);
	for (uint32_t i = 0; i < t->f.n_got; i++)
		for (uint32_t j = 0; j < t->f.got[i].bytes; j++)
			ck_assert_uint_eq(t->f.got[i].virt[j], 0);
	t_free(t);
}
END_TEST

START_TEST(layout_seed_is_deterministic)
{
	/* Goal: the same layout seed gives the same physical pages, another
	 * seed other pages (no host randomness). */
	uint64_t a[3][4];
	const uint64_t seeds[3] = { 11, 11, 12 };
	for (int k = 0; k < 3; k++) {
		struct t *t = t_new(1, 1);
		t->cfg.layout_seed = seeds[k];
		t->script = submit_fill;
		t_run(t);
		assert_pass(t);
		ck_assert_uint_eq(t->f.n_got, 4);
		for (int i = 0; i < 4; i++)
			a[k][i] = t->f.got[i].phys;
		t_free(t);
	}
	ck_assert(memcmp(a[0], a[1], sizeof(a[0])) == 0);
	ck_assert(memcmp(a[0], a[2], sizeof(a[0])) != 0);
}
END_TEST

/* ---- GetMapping, MappingAvailable, release, completion ------------------------------ */

static void not_found_script(struct t *t)
{
	t->f.fill_on_available = true;
	fake_fill(&t->f);
	EXPECT(t, t->f.not_found == 1 && t->f.n_got == 0);
	EXPECT(t, t->f.available_calls == 0);
	port_action_submit(t->s);
	/* MappingAvailable came at DISPATCH_LEVEL and its fill took all. */
	EXPECT(t, t->f.available_calls == 1);
	EXPECT(t, t->f.available_irql == DISPATCH_LEVEL);
	EXPECT(t, t->f.n_got == 4);
	EXPECT(t, t->f.not_found == 2);
	/* Nothing missing: no IRP added, no MappingAvailable although owed. */
	port_action_submit(t->s);
	EXPECT(t, t->f.available_calls == 1);
	EXPECT(t, port_stream_irps_outstanding(t->s) == 2);
}

START_TEST(not_found_then_mapping_available)
{
	/* Goal: GetMapping before any IRP says STATUS_NOT_FOUND; the next
	 * submit calls MappingAvailable once, at DISPATCH_LEVEL; a submit that
	 * adds nothing calls nothing. */
	struct t *t = t_new(1, 2);
	t->script = not_found_script;
	t_run(t);
	assert_pass(t);
	t_free(t);
}
END_TEST

static void complete_script(struct t *t)
{
	port_action_submit(t->s);
	EXPECT(t, port_stream_irps_outstanding(t->s) == 2);
	fake_fill(&t->f);
	EXPECT(t, t->f.n_got == 4);
	fake_release_one(&t->f);
	EXPECT(t, port_stream_irps_completed(t->s) == 0);
	EXPECT(t, mapped(t, t->f.got[0].phys));
	fake_release_one(&t->f);
	/* IRP 0 done: its pages left guest memory; IRP 1's are still there. */
	EXPECT(t, port_stream_irps_completed(t->s) == 1);
	EXPECT(t, !mapped(t, t->f.got[0].phys) && !mapped(t, t->f.got[1].phys));
	EXPECT(t, mapped(t, t->f.got[2].phys));
	EXPECT(t, port_stream_irps_outstanding(t->s) == 1);
	/* A released tag may be used again. */
	PHYSICAL_ADDRESS p;
	void *v;
	uint32_t b, fl;
	port_action_submit(t->s);	/* refills to two: IRP 2 */
	EXPECT(t, port_stream_irps_outstanding(t->s) == 2);
	EXPECT(t, port_stream_bytes_submitted(t->s) == 6u * PAGE);
	EXPECT(t, PortGetMapping(t->ps, TAG(t->f.got[0].tag), &p, &v, &b, &fl) == STATUS_SUCCESS);
	t->f.list[t->f.count++] = t->f.got[0].tag;	/* newest in the fake's list */
	fake_fill(&t->f);
	fake_release_all(&t->f);
	port_action_submit(t->s);	/* nothing left to add */
	EXPECT(t, port_stream_finished(t->s));
}

START_TEST(release_in_order_completes_irps)
{
	/* Goal: releasing an IRP's mappings in order completes it (observer
	 * told), unmaps its pages and frees a slot that the next submit
	 * fills; the stream finishes once all audio is submitted and done. */
	struct t *t = t_new(1, 1);
	t->cfg.total_bytes = 6u * PAGE;
	t->script = complete_script;
	t_run(t);
	assert_pass(t);
	ck_assert_uint_eq(t->irps_completed, 3);
	ck_assert_uint_eq(t->irps_cancelled, 0);
	ck_assert_uint_eq(port_stream_mapping_count(t->s), 6);
	for (uint32_t i = 0; i < 6; i++) {
		ck_assert_int_eq(mapping(t, i)->state, MAPPING_RELEASED);
		ck_assert(!mapped(t, mapping(t, i)->physical));
	}
	ck_assert_uint_eq(t->to_state[MAPPING_PENDING], 6);
	ck_assert_uint_eq(t->to_state[MAPPING_ACQUIRED], 6);
	ck_assert_uint_eq(t->to_state[MAPPING_RELEASED], 6);
	t_free(t);
}
END_TEST

static void notify_script(struct t *t)
{
	PortNotify(t->ps);	/* at PASSIVE: the DPC runs at once */
	EXPECT(t, t->f.service_calls == 1);
	EXPECT(t, t->f.service_irql == DISPATCH_LEVEL);
	KIRQL old;
	KeRaiseIrql(DISPATCH_LEVEL, &old);
	PortNotify(t->ps);
	PortNotify(t->ps);	/* already queued: one Service */
	EXPECT(t, t->f.service_calls == 1);
	KeLowerIrql(old);
	EXPECT(t, t->f.service_calls == 2);
}

START_TEST(notify_runs_service_in_a_dpc)
{
	/* Goal: Notify queues the port's DPC, which calls Service at
	 * DISPATCH_LEVEL; two Notifies before it runs give one Service. */
	struct t *t = t_new(1, 1);
	t->script = notify_script;
	t_run(t);
	assert_pass(t);
	t_free(t);
}
END_TEST

/* ---- SetState, STOP ------------------------------------------------------------------ */

static void stop_script(struct t *t)
{
	EXPECT(t, port_action_set_state(t->s, KSSTATE_RUN) == STATUS_SUCCESS);
	port_action_submit(t->s);	/* three IRPs of two mappings */
	for (int i = 0; i < 3; i++) {	/* IRP 0 both, IRP 1 the first */
		MAPPING_TAG tag = ++t->f.next_tag;
		PHYSICAL_ADDRESS p;
		void *v;
		uint32_t b, fl;
		EXPECT(t, PortGetMapping(t->ps, TAG(tag), &p, &v, &b, &fl) == STATUS_SUCCESS);
		t->f.list[t->f.count++] = tag;
	}
	fake_release_one(&t->f);
	EXPECT(t, port_action_set_state(t->s, KSSTATE_STOP) == STATUS_SUCCESS);
}

START_TEST(stop_cancels_everything)
{
	/* Goal: SetState steps one state at a time both ways; reaching STOP
	 * cancels every outstanding IRP oldest first, with one RevokeMappings
	 * per IRP holding acquired mappings (at DISPATCH_LEVEL), drops the
	 * rest, and leaves no page mapped. */
	struct t *t = t_new(1, 1);
	t->cfg.irps_in_flight = 3;
	t->cfg.total_bytes = 6u * PAGE;
	t->script = stop_script;
	t_run(t);
	assert_pass(t);
	const KSSTATE want[6] = { KSSTATE_ACQUIRE, KSSTATE_PAUSE, KSSTATE_RUN,
				  KSSTATE_PAUSE, KSSTATE_ACQUIRE, KSSTATE_STOP };
	ck_assert_uint_eq(t->f.n_states, 6);
	ck_assert_uint_eq(t->n_seen_states, 6);
	for (int i = 0; i < 6; i++) {
		ck_assert_int_eq(t->f.states[i], want[i]);
		ck_assert_int_eq(t->seen_states[i], want[i]);
	}
	ck_assert_int_eq(port_stream_state(t->s), KSSTATE_STOP);
	ck_assert_uint_eq(t->f.revoke_calls, 2);
	ck_assert_uint_eq(t->f.revoke_irql, DISPATCH_LEVEL);
	ck_assert_uint_eq(t->f.revoked_total, 2);
	ck_assert_uint_eq(t->f.count, 0);
	ck_assert_uint_eq(t->irps_cancelled, 3);
	ck_assert_uint_eq(port_stream_irps_cancelled(t->s), 3);
	ck_assert_uint_eq(port_stream_irps_outstanding(t->s), 0);
	ck_assert(port_stream_finished(t->s));
	const enum port_mapping_state st[6] = { MAPPING_RELEASED, MAPPING_REVOKED, MAPPING_REVOKED,
						MAPPING_DROPPED, MAPPING_DROPPED, MAPPING_DROPPED };
	for (uint32_t i = 0; i < 6; i++) {
		ck_assert_int_eq(mapping(t, i)->state, st[i]);
		ck_assert(!mapped(t, mapping(t, i)->physical));
	}
	t_free(t);
}
END_TEST

static void state_fail_script(struct t *t)
{
	EXPECT(t, port_action_set_state(t->s, KSSTATE_RUN) == STATUS_UNSUCCESSFUL);
	EXPECT(t, port_stream_state(t->s) == KSSTATE_ACQUIRE);
}

START_TEST(set_state_failure_stops_stepping)
{
	/* Goal: a failing SetState step is returned and the steps after it
	 * are not taken; the stream stays in the last state reached. */
	struct t *t = t_new(1, 1);
	t->f.fail_state = true;
	t->f.fail_at = KSSTATE_PAUSE;
	t->script = state_fail_script;
	t_run(t);
	assert_pass(t);
	ck_assert_uint_eq(t->f.n_states, 2);
	ck_assert_uint_eq(t->n_seen_states, 1);
	t_free(t);
}
END_TEST

/* ---- DSound ---------------------------------------------------------------------------- */

static void dsound_script(struct t *t)
{
	t->f.fill_on_available = true;
	port_action_submit(t->s);
	fake_fill(&t->f);
	EXPECT(t, t->f.n_got == 3);	/* one pass; the rest waits for releases */
	fake_release_one(&t->f);	/* instance 3 reuses instance 0's memory */
	EXPECT(t, t->f.available_calls == 1);
	EXPECT(t, t->f.n_got == 4);
	for (uint32_t guard = 0; guard < 64 && fake_release_one(&t->f); guard++)
		;
}

START_TEST(dsound_mappings_wrap_around)
{
	/* Goal: a DSound IRP's mappings come round again as new instances
	 * (new index and tag, same memory, stream offset still growing, audio
	 * rewritten for the new offset) once the previous instance is
	 * released, with MappingAvailable after a refusal; total_bytes bounds
	 * the stream (short last instance, flagged), then the IRP completes. */
	struct t *t = t_new(1, 1);
	t->cfg.style = PORT_STYLE_DSOUND;
	t->cfg.irp_bytes = 3u * PAGE;
	t->cfg.total_bytes = 9u * PAGE + 1000u;
	t->script = dsound_script;
	t_run(t);
	assert_pass(t);
	ck_assert_uint_eq(t->f.n_got, 10);
	ck_assert_uint_eq(port_stream_mapping_count(t->s), 10);
	for (uint32_t i = 0; i < 10; i++) {
		const struct port_mapping_info *m = mapping(t, i);
		ck_assert_uint_eq(m->index, i);
		ck_assert_uint_eq(m->irp, 0);
		ck_assert_uint_eq(m->physical, t->f.got[i % 3].phys);
		ck_assert_uint_eq(m->stream_offset_bytes, (uint64_t)i * PAGE);
		ck_assert_uint_eq(m->byte_count, i == 9 ? 1000u : PAGE);
		ck_assert(m->last_of_irp == (i % 3 == 2 || i == 9));
		ck_assert_uint_eq(t->f.got[i].flags, m->last_of_irp ? MAPPING_FLAG_LAST_OF_IRP : 0u);
		ck_assert_int_eq(m->state, MAPPING_RELEASED);
	}
	/* The last pass's audio is what the pages hold now. */
	const uint8_t *b = machine_memory(t->m)->bytes;
	for (uint32_t j = 0; j < 1000; j++)
		ck_assert_uint_eq(b[mapping(t, 9)->physical + j], ramp_byte(9u * PAGE + j));
	for (uint32_t j = 0; j < PAGE; j++)
		ck_assert_uint_eq(b[mapping(t, 8)->physical + j], ramp_byte(8u * PAGE + j));
	ck_assert_uint_ge(t->f.available_calls, 1);
	ck_assert_uint_eq(t->irps_completed, 1);
	ck_assert(port_stream_finished(t->s));
	ck_assert(!mapped(t, mapping(t, 0)->physical));
	t_free(t);
}
END_TEST

static void dsound_stop_script(struct t *t)
{
	port_action_set_state(t->s, KSSTATE_RUN);
	port_action_submit(t->s);
	fake_fill(&t->f);
	fake_release_one(&t->f);
	fake_fill(&t->f);	/* instance 3 */
	port_action_set_state(t->s, KSSTATE_STOP);
}

START_TEST(dsound_stop_revokes_the_loop)
{
	/* Goal: STOP on a DSound stream revokes the looping IRP's acquired
	 * instances in one RevokeMappings and unmaps the buffer. */
	struct t *t = t_new(1, 1);
	t->cfg.style = PORT_STYLE_DSOUND;
	t->cfg.irp_bytes = 3u * PAGE;
	t->cfg.total_bytes = 30u * PAGE;
	t->script = dsound_stop_script;
	t_run(t);
	assert_pass(t);
	ck_assert_uint_eq(t->f.revoke_calls, 1);
	ck_assert_uint_eq(t->f.revoked_total, 3);
	ck_assert_uint_eq(t->irps_cancelled, 1);
	ck_assert_int_eq(mapping(t, 0)->state, MAPPING_RELEASED);
	for (uint32_t i = 1; i < 4; i++)
		ck_assert_int_eq(mapping(t, i)->state, MAPPING_REVOKED);
	ck_assert(!mapped(t, mapping(t, 0)->physical));
	ck_assert(!port_stream_finished(t->s));	/* audio was left unsubmitted */
	t_free(t);
}
END_TEST

/* ---- release racing revoke ------------------------------------------------------------ */

static void race_releaser(struct t *t)
{
	port_action_submit(t->s);
	fake_fill(&t->f);
	KeSetEvent(&t->ev, 0, FALSE);
	for (uint32_t guard = 0; guard < 16 && fake_release_one(&t->f); guard++)
		KeYield();
}

static void race_canceller(struct t *t)
{
	KeWaitForSingleObject(&t->ev, Executive, KernelMode, FALSE, NULL);
	for (uint32_t i = 0; i < t->scratch; i++)
		KeYield();
	port_action_cancel_irp(t->s, 0);
}

START_TEST(release_during_revoke_is_accepted)
{
	/* Goal: with a correct miniport, a release that lands between the
	 * port's range pick and RevokeMappings' return is accepted and not
	 * counted; over many seeds the race happens (seen in the event log)
	 * and every run passes with count = range - released meanwhile. */
	uint32_t during = 0, in_flight = 0, runs_with_revoke = 0;
	for (uint64_t seed = 1; seed <= 100; seed++) {
		struct t *t = t_new(seed, 2);
		t->cfg.irp_bytes = 6u * PAGE;
		t->cfg.total_bytes = 6u * PAGE;
		t->cfg.irps_in_flight = 1;
		t->scratch = (uint32_t)(seed % 5u);
		t->script = race_releaser;
		t->script2 = race_canceller;
		t_run(t);
		assert_pass(t);
		uint32_t d = log_count(t, "during RevokeMappings (not to be counted)");
		uint32_t f = log_count(t, "after RevokeMappings left it out of its count");
		during += d;
		in_flight += f;
		runs_with_revoke += t->f.revoke_calls;
		uint32_t range = t->to_state[MAPPING_REVOKING];
		/* Every mapping of the range is either released or revoked, and
		 * the miniport counted exactly the revoked ones. */
		ck_assert_uint_eq(t->released_from_revoking + t->to_state[MAPPING_REVOKED], range);
		ck_assert_uint_eq(t->f.revoked_total, t->to_state[MAPPING_REVOKED]);
		ck_assert_uint_eq(t->released_from_revoking, d + f);
		ck_assert_uint_eq(t->irps_completed + t->irps_cancelled, 1);
		ck_assert(port_stream_finished(t->s));
		t_free(t);
	}
	ck_assert_uint_ge(during, 3);
	ck_assert_uint_ge(in_flight, 1);
	ck_assert_uint_gt(runs_with_revoke, 0);
}
END_TEST

static void in_flight_holder(struct t *t)
{
	port_action_submit(t->s);
	fake_fill(&t->f);
	/* Unlink the oldest as a release path would, and let the other task
	 * release it once the revoke has run. */
	t->f.scratch_tag = t->f.list[0];
	memmove(&t->f.list[0], &t->f.list[1], (t->f.count - 1u) * sizeof(t->f.list[0]));
	t->f.count--;
	KeSetEvent(&t->ev, 0, FALSE);
	port_action_cancel_irp(t->s, 0);
	EXPECT(t, port_stream_irps_cancelled(t->s) == 1);
}

static void in_flight_releaser(struct t *t)
{
	KeWaitForSingleObject(&t->ev2, Executive, KernelMode, FALSE, NULL);	/* set by RevokeMappings */
	PortReleaseMapping(t->ps, TAG(t->f.scratch_tag));
}

START_TEST(release_in_flight_after_revoke_is_accepted)
{
	/* Goal: a release the miniport unlinked before the revoke (so left out
	 * of its count) but that reaches the port only after RevokeMappings
	 * returned is accepted: the cancel waits for it, then the IRP is
	 * cancelled. */
	struct t *t = t_new(3, 2);
	t->cfg.irp_bytes = 3u * PAGE;
	t->cfg.total_bytes = 3u * PAGE;
	t->cfg.irps_in_flight = 1;
	t_start(t);
	t->f.revoke_done = &t->ev2;
	t->script = in_flight_holder;
	t->script2 = in_flight_releaser;
	t_run(t);
	assert_pass(t);
	ck_assert_uint_eq(log_count(t, "after RevokeMappings left it out"), 1);
	ck_assert_int_eq(mapping(t, 0)->state, MAPPING_RELEASED);
	ck_assert_int_eq(mapping(t, 1)->state, MAPPING_REVOKED);
	ck_assert_int_eq(mapping(t, 2)->state, MAPPING_REVOKED);
	ck_assert_uint_eq(t->irps_cancelled, 1);
	t_free(t);
}
END_TEST

static void younger_canceller(struct t *t)
{
	submit_fill(t);	/* IRP 0: #0, #1; IRP 1: #2, #3 */
	port_action_cancel_irp(t->s, 0);
}

static void younger_releaser(struct t *t)
{
	KeWaitForSingleObject(&t->ev2, Executive, KernelMode, FALSE, NULL);	/* IRP 0 is out of the fake's list */
	fake_release_one(&t->f);		/* #2, while the revoke still runs */
	t->f.release_landed = true;
}

START_TEST(younger_release_during_revoke_is_in_order)
{
	/* Goal: while IRP 0's RevokeMappings is still running (its mappings
	 * already out of the miniport's list), releasing IRP 1's first
	 * mapping is in acquisition order: mappings being revoked do not
	 * block it. */
	struct t *t = t_new(5, 2);
	t_start(t);
	t->f.revoke_done = &t->ev2;
	t->f.wait_for_release = true;
	t->script = younger_canceller;
	t->script2 = younger_releaser;
	t_run(t);
	assert_pass(t);
	ck_assert(t->f.release_landed);
	ck_assert_int_eq(t->older_when_2_released, MAPPING_REVOKING);
	ck_assert_int_eq(mapping(t, 0)->state, MAPPING_REVOKED);
	ck_assert_int_eq(mapping(t, 1)->state, MAPPING_REVOKED);
	ck_assert_int_eq(mapping(t, 2)->state, MAPPING_RELEASED);
	ck_assert_int_eq(mapping(t, 3)->state, MAPPING_ACQUIRED);
	ck_assert_uint_eq(t->f.revoked_total, 2);
	t_free(t);
}
END_TEST

/* ---- position ------------------------------------------------------------------------------ */

static void position_script(struct t *t)
{
	port_action_submit(t->s);
	fake_fill(&t->f);
	for (uint32_t i = 0; i < t->f.n_positions; i++)
		port_action_query_position(t->s);
}

START_TEST(position_answers_are_published)
{
	/* Goal: the port publishes each GetPosition call as it begins and its
	 * answer as it returns, whatever the answer (going back or past what
	 * was handed out is for the "position" checker to judge, which sees
	 * the device too), and the port's own referee lets them pass. */
	struct t *t = t_new(1, 1);
	t->f.positions[0] = 0;
	t->f.positions[1] = 100;
	t->f.positions[2] = 50;
	t->f.positions[3] = 4u * PAGE + 2u;
	t->f.n_positions = 4;
	t->script = position_script;
	t_run(t);
	assert_pass(t);
	ck_assert_uint_eq(t->n_seen_positions, 4);
	ck_assert_uint_eq(t->n_position_calls, 4);
	ck_assert(!t->position_out_of_order);
	ck_assert_uint_eq(t->seen_positions[2], 50);
	ck_assert_uint_eq(t->seen_positions[3], 4u * PAGE + 2u);
	t_free(t);
}
END_TEST

/* ---- the pin's close ---------------------------------------------------------------------- */

/* On one CPU: Notify, whose Service (stalling 2 ms) then runs in the
 * port's DPC on this CPU. */
static void close_notifier(struct t *t)
{
	KIRQL old;
	KeRaiseIrql(DISPATCH_LEVEL, &old);
	PortNotify(t->ps);
	KeLowerIrql(old);
}

/* On the other: once Service is under way, the pin closes; then Notify,
 * SetState, GetPosition, a cancel and a submit reach nothing. */
static void close_closer(struct t *t)
{
	EXPECT(t, port_action_set_state(t->s, KSSTATE_RUN) == STATUS_SUCCESS);
	for (uint32_t i = 0; i < 1000 && t->f.service_calls == 0; i++)
		KeStallExecutionProcessor(10);
	EXPECT(t, t->f.service_calls == 1);
	EXPECT(t, t->f.services_returned == 0);	/* under way */
	port_action_set_state(t->s, KSSTATE_STOP);
	port_action_close(t->s);
	EXPECT(t, t->f.services_returned == 1);	/* the close waited for it */
	uint32_t states = t->f.n_states;
	KIRQL old;
	KeRaiseIrql(DISPATCH_LEVEL, &old);
	PortNotify(t->ps);
	KeLowerIrql(old);
	EXPECT(t, port_action_set_state(t->s, KSSTATE_RUN) == STATUS_UNSUCCESSFUL);
	port_action_query_position(t->s);
	EXPECT(t, !port_action_cancel_irp(t->s, 0));
	port_action_submit(t->s);
	port_action_close(t->s);	/* again: nothing to do */
	EXPECT(t, t->f.service_calls == 1);
	EXPECT(t, t->f.n_states == states);
	EXPECT(t, port_stream_bytes_submitted(t->s) == 0);
}

START_TEST(close_waits_for_service_and_ends_calls)
{
	/* Goal: a pin that closes while its Service runs on another CPU
	 * returns only once Service has returned, and after the close the
	 * port calls nothing of the miniport (a queued Service does nothing,
	 * SetState fails, GetPosition is not asked, nothing is submitted). */
	for (uint64_t seed = 1; seed <= 8; seed++) {
		struct t *t = t_new(seed, 2);
		t->f.service_stall_us = 2000;
		t->script = close_closer;
		t->script2 = close_notifier;
		t_run(t);
		assert_pass(t);
		ck_assert_uint_eq(t->n_position_calls, 0);
		t_free(t);
	}
}
END_TEST

/* ---- referee failures ------------------------------------------------------------------------ */

static void double_release_script(struct t *t)
{
	submit_fill(t);
	PortReleaseMapping(t->ps, TAG(t->f.got[0].tag));
	PortReleaseMapping(t->ps, TAG(t->f.got[0].tag));
}

START_TEST(double_release)
{
	/* Goal: releasing a tag twice fails "double-release", naming it. */
	struct t *t = t_new(1, 1);
	t->script = double_release_script;
	t_run(t);
	assert_fail(t, "double-release", "tag 0x1): mapping #0 of IRP 0");
	t_free(t);
}
END_TEST

static void unknown_script(struct t *t)
{
	submit_fill(t);
	PortReleaseMapping(t->ps, TAG(0xDEADu));
}

START_TEST(release_unknown_tag)
{
	/* Goal: releasing a tag never handed out fails "release-unknown". */
	struct t *t = t_new(1, 1);
	t->script = unknown_script;
	t_run(t);
	assert_fail(t, "release-unknown", "tag 0xdead");
	t_free(t);
}
END_TEST

static void out_of_order_script(struct t *t)
{
	submit_fill(t);
	PortReleaseMapping(t->ps, TAG(t->f.got[1].tag));
}

START_TEST(release_out_of_order)
{
	/* Goal: releasing the second acquired mapping before the first fails
	 * "release-order", naming both and the expected tag. */
	struct t *t = t_new(1, 1);
	t->script = out_of_order_script;
	t_run(t);
	assert_fail(t, "release-order", "mapping #1 of IRP 0");
	ck_assert_ptr_nonnull(strstr(t->r.message, "expected ReleaseMapping(tag 0x1) first"));
	t_free(t);
}
END_TEST

static void tag_reuse_script(struct t *t)
{
	port_action_submit(t->s);
	PHYSICAL_ADDRESS p;
	void *v;
	uint32_t b, fl;
	PortGetMapping(t->ps, TAG(7), &p, &v, &b, &fl);
	PortGetMapping(t->ps, TAG(7), &p, &v, &b, &fl);
}

START_TEST(tag_reuse)
{
	/* Goal: GetMapping with the tag of a live mapping fails "tag-reuse". */
	struct t *t = t_new(1, 1);
	t->script = tag_reuse_script;
	t_run(t);
	assert_fail(t, "tag-reuse", "GetMapping(tag 0x7) for mapping #1 of IRP 0");
	t_free(t);
}
END_TEST

static void dirql_release_script(struct t *t)
{
	submit_fill(t);
	KIRQL old;
	KeRaiseIrql(DIRQL, &old);
	PortReleaseMapping(t->ps, TAG(t->f.got[0].tag));
}

START_TEST(release_above_dispatch)
{
	/* Goal: ReleaseMapping at DIRQL fails "port-irql". */
	struct t *t = t_new(1, 1);
	t->script = dirql_release_script;
	t_run(t);
	assert_fail(t, "port-irql", "ReleaseMapping of tag 0x1 (mapping #0 of IRP 0");
	t_free(t);
}
END_TEST

static void dirql_get_script(struct t *t)
{
	port_action_submit(t->s);
	KIRQL old;
	KeRaiseIrql(DIRQL, &old);
	fake_fill(&t->f);
}

START_TEST(get_mapping_above_dispatch)
{
	/* Goal: GetMapping at DIRQL fails "port-irql". */
	struct t *t = t_new(1, 1);
	t->script = dirql_get_script;
	t_run(t);
	assert_fail(t, "port-irql", "GetMapping(tag 0x1)");
	t_free(t);
}
END_TEST

static void dirql_notify_script(struct t *t)
{
	KIRQL old;
	KeRaiseIrql(DIRQL, &old);
	PortNotify(t->ps);	/* as an ISR does: the DPC waits for the IRQL to drop */
	EXPECT(t, t->f.service_calls == 0);
	KeLowerIrql(old);
	EXPECT(t, t->f.service_calls == 1);
	EXPECT(t, t->f.service_irql == DISPATCH_LEVEL);
}

START_TEST(notify_above_dispatch)
{
	/* Goal: Notify at DIRQL (from an ISR, as IPortWavePci::Notify allows)
	 * is accepted; Service runs at DISPATCH_LEVEL once the IRQL drops. */
	struct t *t = t_new(1, 1);
	t->script = dirql_notify_script;
	t_run(t);
	assert_pass(t);
	t_free(t);
}
END_TEST

static void cancel_script(struct t *t)
{
	submit_fill(t);
	port_action_cancel_irp(t->s, 0);
}

START_TEST(revoke_count_too_high)
{
	/* Goal: RevokeMappings reporting more than were acquired fails
	 * "revoke-count" with the range's tags. */
	struct t *t = t_new(1, 1);
	t->f.bug = BUG_COUNT_PLUS_ONE;
	t->script = cancel_script;
	t_run(t);
	assert_fail(t, "revoke-count", "RevokeMappings(tag 0x1, tag 0x2) for IRP 0 (mappings #0..#1) "
		    "reported 3 revoked; expected 2");
	t_free(t);
}
END_TEST

START_TEST(revoke_count_too_low)
{
	/* Goal: RevokeMappings reporting fewer than it revoked, with no
	 * release coming, fails "revoke-count" once the wait runs out. */
	struct t *t = t_new(1, 2);
	t->f.bug = BUG_COUNT_ZERO;
	t->script = cancel_script;
	t_run(t);
	assert_fail(t, "revoke-count", "no release of mapping #0 (tag 0x1)");
	t_free(t);
}
END_TEST

START_TEST(revoke_failure)
{
	/* Goal: RevokeMappings returning an error fails "revoke-failed". */
	struct t *t = t_new(1, 1);
	t->f.bug = BUG_REVOKE_FAILS;
	t->script = cancel_script;
	t_run(t);
	assert_fail(t, "revoke-failed", "returned 0xC0000001; expected STATUS_SUCCESS");
	t_free(t);
}
END_TEST

static void after_revoke_script(struct t *t)
{
	submit_fill(t);
	port_action_cancel_irp(t->s, 0);
	EXPECT(t, t->f.revoke_calls == 1);
	PortReleaseMapping(t->ps, TAG(t->f.got[1].tag));
}

START_TEST(release_after_revoke)
{
	/* Goal: releasing a tag after RevokeMappings revoked it fails
	 * "release-revoked". */
	struct t *t = t_new(1, 1);
	t->script = after_revoke_script;
	t_run(t);
	assert_fail(t, "release-revoked", "tag 0x2): mapping #1 of IRP 0 was revoked");
	t_free(t);
}
END_TEST

static void null_out_script(struct t *t)
{
	port_action_submit(t->s);
	PHYSICAL_ADDRESS p;
	uint32_t b, fl;
	PortGetMapping(t->ps, TAG(1), &p, NULL, &b, &fl);
}

static void null_stream_script(struct t *t)
{
	(void)t;
	PortReleaseMapping(NULL, TAG(1));
}

static void unbound_script(struct t *t)
{
	port_stream_bind_miniport(t->s, NULL, NULL);
	port_action_submit(t->s);
}

START_TEST(hostile_input_is_misuse)
{
	/* Goal: NULL output pointers, a NULL stream and an unbound miniport
	 * fail "port-misuse" instead of crashing. */
	const script_fn scripts[3] = { null_out_script, null_stream_script, unbound_script };
	const char *needles[3] = { "virtual NULL", "NULL port stream", "no miniport bound" };
	for (int i = 0; i < 3; i++) {
		struct t *t = t_new(1, 1);
		t->script = scripts[i];
		t_run(t);
		assert_fail(t, "port-misuse", needles[i]);
		t_free(t);
	}
}
END_TEST

START_TEST(config_validation)
{
	/* Goal: port_stream_create refuses bad configurations with a reason
	 * and accepts a good one. */
	struct t *t = t_new(1, 1);
	struct port_stream_config bad[8];
	for (int i = 0; i < 8; i++)
		bad[i] = t->cfg;
	bad[0].channels = 6;
	bad[1].irp_bytes = 0;
	bad[2].total_bytes = 0;
	bad[3].first_page_offset_bytes = 4096;
	bad[4].first_page_offset_bytes = 3;
	bad[5].irps_in_flight = 0;
	bad[6].sample = NULL;
	bad[7].irp_bytes = 13u << 20;
	for (int i = 0; i < 8; i++) {
		const char *why = NULL;
		ck_assert_ptr_null(port_stream_create(&bad[i], &why));
		ck_assert_msg(why != NULL && *why != '\0', "config %d refused without a reason", i);
	}
	const char *why = NULL;
	ck_assert_ptr_null(port_stream_create(NULL, &why));
	ck_assert_ptr_nonnull(why);
	struct port_stream *s = port_stream_create(&t->cfg, &why);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_null(why);
	ck_assert_int_eq(port_stream_state(s), KSSTATE_STOP);
	ck_assert(!port_stream_finished(s));
	/* Free pool pages are out of guest memory from the start. */
	ck_assert(!gmem_page_is_mapped(machine_memory(t->m), POOL_LO));
	ck_assert(!gmem_page_is_mapped(machine_memory(t->m), POOL_HI - PAGE));
	port_stream_destroy(s);
	t_free(t);
}
END_TEST

Suite *suite_port(void);
Suite *suite_port(void)
{
	Suite *s = suite_create("driver/port");
	TCase *tc = tcase_create("mappings");
	tcase_add_test(tc, mapping_cuts_scattered);
	tcase_add_test(tc, mapping_cuts_contiguous);
	tcase_add_test(tc, first_page_offset);
	tcase_add_test(tc, render_content_in_guest_memory);
	tcase_add_test(tc, stream_bytes_in_bulk_and_one_by_one);
	tcase_add_test(tc, capture_pages_are_zeroed);
	tcase_add_test(tc, layout_seed_is_deterministic);
	tcase_add_test(tc, not_found_then_mapping_available);
	tcase_add_test(tc, release_in_order_completes_irps);
	tcase_add_test(tc, notify_runs_service_in_a_dpc);
	tcase_add_test(tc, close_waits_for_service_and_ends_calls);
	tcase_add_test(tc, config_validation);
	suite_add_tcase(s, tc);
	tc = tcase_create("states");
	tcase_add_test(tc, stop_cancels_everything);
	tcase_add_test(tc, set_state_failure_stops_stepping);
	tcase_add_test(tc, dsound_mappings_wrap_around);
	tcase_add_test(tc, dsound_stop_revokes_the_loop);
	tcase_add_test(tc, position_answers_are_published);
	suite_add_tcase(s, tc);
	tc = tcase_create("revoke");
	tcase_add_test(tc, release_during_revoke_is_accepted);
	tcase_add_test(tc, release_in_flight_after_revoke_is_accepted);
	tcase_add_test(tc, younger_release_during_revoke_is_in_order);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	tc = tcase_create("referee");
	tcase_add_test(tc, double_release);
	tcase_add_test(tc, release_unknown_tag);
	tcase_add_test(tc, release_out_of_order);
	tcase_add_test(tc, tag_reuse);
	tcase_add_test(tc, release_above_dispatch);
	tcase_add_test(tc, get_mapping_above_dispatch);
	tcase_add_test(tc, notify_above_dispatch);
	tcase_add_test(tc, revoke_count_too_high);
	tcase_add_test(tc, revoke_count_too_low);
	tcase_add_test(tc, revoke_failure);
	tcase_add_test(tc, release_after_revoke);
	tcase_add_test(tc, hostile_input_is_misuse);
	suite_add_tcase(s, tc);
	return s;
}
