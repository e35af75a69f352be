/*
 * mappings.c - see mappings.h.
 */
#include "mappings.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkers.h"
#include "machine.h"
#include "spare.h"

#define WALK_MAX 64u		/* owners looked at per page for one range */
#define PIECES_MAX 16u		/* undecided pieces of a range within a page */

/* Mapping `owner` covers `page`; prev is the mapping that covered it before
 * (index + 1, 0 for none). Chains run newest first. */
struct link {
	uint64_t page;
	uint32_t prev;
};

struct mappings {
	struct mappings_hot hot;	/* first: mappings_hot() */
	struct machine *m;
	struct port_stream *ps;
	struct checker_stats *stats;
	bool render;
	sim_ticks_t last_stop_tick;
	struct mapping_rec *map;
	uint32_t n_map, cap_map;
	uint32_t synced;		/* port mappings looked at by sync_port */
	struct irp_rec *irp;
	uint32_t n_irp, cap_irp;
	uint32_t *page_owner;		/* newest mapping (index + 1) covering each page */
	uint64_t n_pages;
	struct link *links;
	uint32_t n_links, cap_links;
	/* The stream's engine (its opening names it) and what moved there,
	 * since the run began: its data DMA (render reads, capture writes)
	 * and, for render, the data bytes that crossed the link. */
	int engine;
	uint64_t engine_moved_bytes, link_data_bytes;
};

bool mapping_state_terminal(enum port_mapping_state s)
{
	return s == MAPPING_RELEASED || s == MAPPING_REVOKED || s == MAPPING_DROPPED;
}

bool mapping_state_revoked(enum port_mapping_state s)
{
	return s == MAPPING_REVOKING || s == MAPPING_REVOKED || s == MAPPING_DROPPED;
}

static bool available(const struct mapping_rec *r)
{
	return r->known && (r->info.state == MAPPING_PENDING ||
			    (r->info.state == MAPPING_ACQUIRED && !r->done));
}

AC97SIM_NORETURN static void out_of_memory(struct mappings *v)
{
	machine_fail(v->m, HARNESS_CHECKER_NAME, &harness_failures[HARNESS_FAIL_HOST_MEMORY],
		     "out of host memory for the checkers' records");
}

static void grow(struct mappings *v, void **items, uint32_t *cap, size_t item_bytes, uint32_t need)
{
	if (need <= *cap)
		return;
	uint32_t n = *cap ? *cap : 16;
	while (n < need) {
		if (n > UINT32_MAX / 2)
			out_of_memory(v);
		n *= 2;
	}
	void *p = realloc(*items, (size_t)n * item_bytes);
	if (p == NULL)
		out_of_memory(v);
	memset((char *)p + (size_t)*cap * item_bytes, 0, (size_t)(n - *cap) * item_bytes);
	*items = p;
	*cap = n;
}

static void progress(struct mappings *v, sim_ticks_t tick)
{
	if (tick > v->hot.last_progress_tick)
		v->hot.last_progress_tick = tick;
}

static void set_done(struct mappings *v, struct mapping_rec *r)
{
	if (r->done)
		return;
	bool was = available(r);
	r->done = true;
	v->stats->mappings_done++;
	v->hot.n_available -= was;
}

static struct irp_rec *irp_slot(struct mappings *v, uint32_t irp)
{
	if (irp == UINT32_MAX)
		out_of_memory(v);
	grow(v, (void **)&v->irp, &v->cap_irp, sizeof(*v->irp), irp + 1);
	if (irp >= v->n_irp)
		v->n_irp = irp + 1;
	if (!v->irp[irp].known)
		v->stats->irps++;
	v->irp[irp].known = true;
	return &v->irp[irp];
}

/* Which mapping covered page before `index` did (index + 1, or 0). */
static uint32_t link_prev(const struct mappings *v, uint32_t index, uint64_t page)
{
	const struct mapping_rec *r = &v->map[index];
	for (uint32_t k = r->link_count; k-- > 0;)
		if (v->links[r->link_first + k].page == page)
			return v->links[r->link_first + k].prev;
	return 0;
}

/* Makes mapping `index` the newest owner of every page it covers. */
static void register_pages(struct mappings *v, uint32_t index)
{
	struct mapping_rec *r = &v->map[index];
	if (r->info.byte_count == 0)
		return;
	uint64_t first = (uint64_t)r->info.physical / GMEM_PAGE_BYTES;
	uint64_t last = ((uint64_t)r->info.physical + r->info.byte_count - 1) / GMEM_PAGE_BYTES;
	if (first >= v->n_pages)
		return;
	if (last >= v->n_pages)
		last = v->n_pages - 1;
	uint32_t n = (uint32_t)(last - first + 1);
	grow(v, (void **)&v->links, &v->cap_links, sizeof(*v->links), v->n_links + n);
	r = &v->map[index];
	uint32_t link_first = v->n_links;
	for (uint64_t p = first; p <= last; p++) {
		uint32_t prev = v->page_owner[p];
		if (prev == index + 1)	/* registered again (moved): keep the older owner */
			prev = link_prev(v, index, p);
		v->links[v->n_links++] = (struct link){ p, prev };
		v->page_owner[p] = index + 1;
	}
	r->link_first = link_first;
	r->link_count = n;
}

/* Takes in what the port says about one mapping. */
static void apply_info(struct mappings *v, const struct port_mapping_info *info)
{
	if (info->index == UINT32_MAX)
		out_of_memory(v);
	grow(v, (void **)&v->map, &v->cap_map, sizeof(*v->map), info->index + 1);
	if (info->index >= v->n_map)
		v->n_map = info->index + 1;
	struct mapping_rec *r = &v->map[info->index];
	bool was_known = r->known, was_available = available(r);
	enum port_mapping_state old = r->info.state;
	bool moved = !was_known || r->info.physical != info->physical ||
		     r->info.byte_count != info->byte_count;
	r->info = *info;
	r->known = true;
	if (!was_known)
		v->stats->mappings++;
	if (moved)
		register_pages(v, info->index);
	irp_slot(v, info->irp);
	r = &v->map[info->index];
	bool changed = !was_known || old != info->state;
	sim_ticks_t now = machine_now(v->m);
	if (changed) {
		r->state_tick = now;
		if (mapping_state_terminal(info->state))
			r->terminal_reports++;
		if (info->state == MAPPING_ACQUIRED || info->state == MAPPING_RELEASED)
			progress(v, now);
	}
	v->hot.n_available += available(r);
	v->hot.n_available -= was_available;
	if (info->byte_count == 0)
		set_done(v, r);
}

/* Mappings the port made before the view was attached (it publishes
 * every one it makes from then on). */
static void sync_port(struct mappings *v)
{
	if (v->ps == NULL)
		return;
	uint32_t n = port_stream_mapping_count(v->ps);
	for (; v->synced < n; v->synced++) {
		if (v->synced < v->n_map && v->map[v->synced].known)
			continue;
		const struct port_mapping_info *info = port_stream_mapping(v->ps, v->synced);
		if (info != NULL)
			apply_info(v, info);
	}
}

struct dma_ctx {
	struct mappings *v;
	sim_ticks_t tick;
	bool write;
};

static void dma_piece(void *ctx, struct mapping_rec *r, uint64_t lo, uint64_t hi)
{
	struct dma_ctx *d = ctx;
	(void)lo;
	uint32_t end = (uint32_t)(hi - r->info.physical);
	if (end > r->dma_hi_bytes)
		r->dma_hi_bytes = end;
	if (r->fetched_tick == 0 && r->dma_hi_bytes >= r->info.byte_count)
		r->fetched_tick = d->tick > 0 ? d->tick : 1;
	if ((r->info.state == MAPPING_ACQUIRED || r->info.state == MAPPING_REVOKING)) {
		progress(d->v, d->tick);
		if (r->dma_hi_bytes >= r->info.byte_count)
			set_done(d->v, r);
	}
}

static void on_event(void *ctx, const struct sim_event *ev)
{
	struct mappings *v = ctx;
	switch ((enum sim_event_kind)ev->kind) {
	case EV_PORT:
		switch ((enum port_event_kind)ev->u.port.kind) {
		case PORT_EV_MAPPING:
			sync_port(v);
			apply_info(v, ev->ref);
			break;
		case PORT_EV_IRP_DONE: {
			struct irp_rec *r = irp_slot(v, ev->u.port.irp);
			r->completed += ev->u.port.result == 0;
			r->cancelled += ev->u.port.result != 0;
			break;
		}
		case PORT_EV_STATE:
			if (ev->u.port.result != 0)
				break;
			v->hot.state = (KSSTATE)ev->u.port.b;
			if (v->hot.state == KSSTATE_STOP)
				v->last_stop_tick = ev->tick;
			break;
		default:
			break;
		}
		break;
	case EV_LIFECYCLE:
		if (ev->u.lifecycle.what == LIFE_STREAM_OPENING && ev->u.lifecycle.engine >= 0)
			v->engine = ev->u.lifecycle.engine;
		break;
	case EV_DMA: {
		const struct ac97_event *de = ev->ref;
		if (de->engine == v->engine && (de->code == 1) == !v->render)
			v->engine_moved_bytes += de->b;
		struct dma_ctx d = { v, de->tick, de->code == 1 };
		v->stats->dma_ranges++;
		if (de->b > 0 && mappings_each_owner(v, de->a, de->b, dma_piece, &d))
			v->stats->dma_ranges_on_mappings++;
		break;
	}
	case EV_SPAN: {
		const struct ac97_span *sp = ev->ref;
		if (v->render && (int)sp->engine == v->engine && sp->kind == AC97_SPAN_DATA)
			v->link_data_bytes += sp->n_frames * sp->channels * 2u;
		if (sp->engine != AC97_PO || sp->n_frames == 0)
			break;
		if (sp->kind != AC97_SPAN_DATA) {
			v->stats->fill_frames += sp->n_frames;
			break;
		}
		progress(v, cadence_tick_of(&sp->cadence, sp->first_request + sp->n_frames - 1));
		break;
	}
	case EV_RUN_END:
		v->stats->end_checked = true;
		break;
	default:
		break;
	}
}

static size_t page_owner_bytes(const struct mappings *v)
{
	return (v->n_pages ? (size_t)v->n_pages : 1) * sizeof(*v->page_owner);
}

struct mappings *mappings_attach(struct machine *m, struct port_stream *ps,
				 const struct port_stream_config *scfg, struct checker_stats *stats)
{
	struct mappings *v = calloc(1, sizeof(*v));
	if (v == NULL)
		return NULL;
	v->m = m;
	v->ps = ps;
	v->stats = stats;
	v->render = scfg->direction == PORT_RENDER;
	/* Until the stream's opening names its engine: the one a stream of
	 * its direction uses unless it is the mic. */
	v->engine = v->render ? AC97_PO : AC97_PI;
	struct gmem *mem = machine_memory(m);
	v->n_pages = mem->size_bytes / GMEM_PAGE_BYTES;
	v->page_owner = spare_take_zeroed(SPARE_PAGE_OWNERS, page_owner_bytes(v));
	v->hot.state = ps != NULL ? port_stream_state(ps) : KSSTATE_STOP;
	v->hot.last_progress_tick = machine_now(m);
	uint64_t kinds = EV_BIT(EV_PORT) | EV_BIT(EV_DMA) | EV_BIT(EV_SPAN) | EV_BIT(EV_RUN_END) |
			 EV_BIT(EV_LIFECYCLE);
	if (v->page_owner == NULL ||
	    bus_subscribe(machine_bus(m), BUS_MODEL, kinds, on_event, v) != 0) {
		mappings_free(v);
		return NULL;
	}
	return v;
}

void mappings_free(struct mappings *v)
{
	if (v == NULL)
		return;
	/* Every owner set is listed in links: cleared, the table goes to the
	 * next run's view (one entry per guest page, a few dozen used). */
	if (v->page_owner != NULL) {
		for (uint32_t i = 0; i < v->n_links; i++)
			v->page_owner[v->links[i].page] = 0;
		spare_give_zeroed(SPARE_PAGE_OWNERS, v->page_owner, page_owner_bytes(v));
	}
	free(v->map);
	free(v->irp);
	free(v->links);
	free(v);
}

uint32_t mappings_count(const struct mappings *v) { return v->n_map; }

struct mapping_rec *mappings_get(struct mappings *v, uint32_t index)
{
	return index < v->n_map ? &v->map[index] : NULL;
}

uint32_t mappings_irp_count(const struct mappings *v) { return v->n_irp; }

const struct irp_rec *mappings_irp(const struct mappings *v, uint32_t irp)
{
	return irp < v->n_irp ? &v->irp[irp] : NULL;
}


int mappings_engine(const struct mappings *v)
{
	return v->engine;
}

uint64_t mappings_engine_moved_bytes(const struct mappings *v)
{
	return v->engine_moved_bytes;
}

uint64_t mappings_link_data_bytes(const struct mappings *v)
{
	return v->link_data_bytes;
}

sim_ticks_t mappings_last_stop_tick(const struct mappings *v) { return v->last_stop_tick; }
struct port_stream *mappings_port(const struct mappings *v) { return v->ps; }

bool mappings_each_owner(struct mappings *v, uint64_t addr, uint64_t len, mappings_piece_fn fn,
			 void *ctx)
{
	uint64_t end = addr + len;
	bool touched = false;
	for (uint64_t p = addr / GMEM_PAGE_BYTES; p <= (end - 1) / GMEM_PAGE_BYTES && p < v->n_pages;
	     p++) {
		uint64_t lo[PIECES_MAX], hi[PIECES_MAX];
		uint32_t n = 1, walked = 0;
		lo[0] = addr > p * GMEM_PAGE_BYTES ? addr : p * GMEM_PAGE_BYTES;
		hi[0] = end < (p + 1) * GMEM_PAGE_BYTES ? end : (p + 1) * GMEM_PAGE_BYTES;
		for (uint32_t owner = v->page_owner[p]; owner != 0 && n > 0 && walked < WALK_MAX;
		     walked++) {
			uint32_t idx = owner - 1;
			struct mapping_rec *r = &v->map[idx];
			uint64_t mlo = r->info.physical, mhi = mlo + r->info.byte_count;
			for (uint32_t i = 0; i < n;) {
				uint64_t olo = lo[i] > mlo ? lo[i] : mlo, ohi = hi[i] < mhi ? hi[i] : mhi;
				if (olo >= ohi) {
					i++;
					continue;
				}
				touched = true;
				fn(ctx, r, olo, ohi);
				/* Those bytes are decided: keep what is left of the piece. */
				if (olo > lo[i] && ohi < hi[i]) {
					if (n < PIECES_MAX) {
						lo[n] = ohi;
						hi[n] = hi[i];
						n++;
					}
					hi[i] = olo;
					i++;
				} else if (olo > lo[i]) {
					hi[i++] = olo;
				} else if (ohi < hi[i]) {
					lo[i++] = ohi;
				} else {
					n--;
					lo[i] = lo[n];
					hi[i] = hi[n];
				}
			}
			owner = link_prev(v, idx, p);
		}
	}
	return touched;
}

const struct mapping_rec *mappings_at(struct mappings *v, uint64_t addr)
{
	uint64_t p = addr / GMEM_PAGE_BYTES;
	if (p >= v->n_pages)
		return NULL;
	uint32_t walked = 0;
	for (uint32_t owner = v->page_owner[p]; owner != 0 && walked < WALK_MAX; walked++) {
		const struct mapping_rec *r = &v->map[owner - 1];
		if (addr >= r->info.physical && addr < (uint64_t)r->info.physical + r->info.byte_count)
			return r;
		owner = link_prev(v, owner - 1, p);
	}
	return NULL;
}

const char *mappings_describe(const struct mappings *v, uint32_t index, char *buf, size_t len)
{
	if (index >= v->n_map || !v->map[index].known) {
		snprintf(buf, len, "mapping %" PRIu32 " (not reported by the port)", index);
		return buf;
	}
	const struct port_mapping_info *i = &v->map[index].info;
	snprintf(buf, len, "mapping %" PRIu32 " (tag 0x%" PRIx64 ", IRP %" PRIu32 ", %s)", index,
		 (uint64_t)i->tag, i->irp, port_mapping_state_name(i->state));
	return buf;
}

const char *mappings_describe_addr(struct mappings *v, uint64_t addr, char *buf, size_t len)
{
	const struct mapping_rec *r = mappings_at(v, addr);
	if (r == NULL)
		return "no mapping";
	return mappings_describe(v, r->info.index, buf, len);
}
