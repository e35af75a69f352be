/*
 * gmem.c - guest physical memory: a flat byte array in 4 KiB pages, each
 * mapped or not (see gmem.h for the contract).
 *
 * Address arithmetic: a range [addr, addr + len) is treated as a range of
 * mathematical integers, so addr + len may exceed 2^64 and nothing wraps.
 * Every helper below clips a range to memory with comparisons that cannot
 * overflow (len > size - addr rather than addr + len > size).
 *
 * The all-mapped case is O(1) per call (pages_unmapped == 0 short-cuts every
 * walk); otherwise a call walks the page flags of the pages it touches, which
 * is bounded by the size of memory.
 *
 * One corner the header's encoding cannot express: the byte at address
 * UINT64_MAX is never in memory (size is at most 2^64 - 4096), yet its
 * address equals GMEM_NO_FAULT, so gmem_first_fault(m, UINT64_MAX, n) and
 * gmem_read/gmem_write at that address return GMEM_NO_FAULT. gmem_read still
 * zeroes the destination and gmem_write still drops the byte, and
 * gmem_span still returns NULL, so no byte is ever reached; only the fault
 * address is lost. The device's addresses are 32-bit, so it never asks.
 *
 * Not modelled: caches, IOMMUs, memory attributes.
 */
#include "gmem.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static uint64_t page_index(uint64_t addr)
{
	return addr / GMEM_PAGE_BYTES;
}

/* Number of bytes of [addr, addr + len) that lie inside memory, counted
 * from addr. Zero when addr is at or past the end. */
static uint64_t bytes_inside(const struct gmem *m, uint64_t addr, uint64_t len)
{
	if (addr >= m->size_bytes)
		return 0;
	uint64_t room_bytes = m->size_bytes - addr;
	return len < room_bytes ? len : room_bytes;
}

int gmem_init(struct gmem *m, uint64_t size_bytes)
{
	memset(m, 0, sizeof(*m));
	/* Round up to a page without wrapping: the largest multiple of a page
	 * that fits in 64 bits is the limit. */
	uint64_t pages = size_bytes / GMEM_PAGE_BYTES + (size_bytes % GMEM_PAGE_BYTES != 0);
	if (pages > SIZE_MAX / GMEM_PAGE_BYTES)
		return -1;
	if (pages == 0)
		return 0;	/* empty memory: every address is past the end */
	/* Straight from mmap: zero pages the host supplies lazily, so a run
	 * that touches a few pages pays for a few. (calloc would do the same
	 * only until glibc raises its mmap threshold after the first free of a
	 * block this size, and then clear all 16 MiB on every run.) */
	size_t len = (size_t)pages * GMEM_PAGE_BYTES;
	void *bytes = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *flags = malloc((size_t)pages);
	uint8_t *dirty = calloc((size_t)pages, 1);
	uint32_t *dirty_pages = pages <= UINT32_MAX ? malloc((size_t)pages * sizeof(*dirty_pages))
						    : NULL;
	if (bytes == MAP_FAILED || flags == NULL || dirty == NULL || dirty_pages == NULL) {
		if (bytes != MAP_FAILED)
			munmap(bytes, len);
		free(flags);
		free(dirty);
		free(dirty_pages);
		return -1;
	}
	memset(flags, 1, (size_t)pages);
	m->bytes = bytes;
	m->page_mapped = flags;
	m->size_bytes = pages * GMEM_PAGE_BYTES;
	m->pages_unmapped = 0;
	m->page_dirty = dirty;
	m->dirty_pages = dirty_pages;
	m->n_dirty = 0;
	return 0;
}

/* Lists pages first..last (inside memory) as dirty. */
static void mark_dirty(struct gmem *m, uint64_t first, uint64_t last)
{
	for (uint64_t p = first; p <= last; p++) {
		if (m->page_dirty[p])
			continue;
		m->page_dirty[p] = 1;
		m->dirty_pages[m->n_dirty++] = (uint32_t)p;
	}
}

void gmem_reset(struct gmem *m)
{
	if (m->bytes == NULL)
		return;
	for (uint64_t i = 0; i < m->n_dirty; i++) {
		uint64_t p = m->dirty_pages[i];
		memset(m->bytes + p * GMEM_PAGE_BYTES, 0, GMEM_PAGE_BYTES);
		m->page_dirty[p] = 0;
	}
	m->n_dirty = 0;
	memset(m->page_mapped, 1, (size_t)(m->size_bytes / GMEM_PAGE_BYTES));
	m->pages_unmapped = 0;
}

void gmem_free(struct gmem *m)
{
	if (m->bytes != NULL)
		munmap(m->bytes, (size_t)m->size_bytes);
	free(m->page_mapped);
	free(m->page_dirty);
	free(m->dirty_pages);
	memset(m, 0, sizeof(*m));
}

void gmem_set_mapped(struct gmem *m, uint64_t addr, uint64_t len, bool mapped)
{
	uint64_t inside_bytes = bytes_inside(m, addr, len);
	if (inside_bytes == 0)
		return;
	uint64_t first = page_index(addr);
	uint64_t last = page_index(addr + (inside_bytes - 1));	/* < size: no wrap */
	uint64_t pages = last - first + 1;
	/* Count the pages mapped in the range, eight flags (0 or 1 each) a
	 * word: a port maps or unmaps its whole pool (thousands of pages)
	 * for every run. */
	const uint8_t *flags = m->page_mapped + first;
	uint64_t mapped_before = 0, p = 0;
	if (m->pages_unmapped == 0) {	/* all mapped (a reset memory): nothing to count */
		mapped_before = pages;
		p = pages;
	}
	for (; p + 8 <= pages; p += 8) {
		uint64_t w;
		memcpy(&w, flags + p, sizeof(w));
		mapped_before += (w * UINT64_C(0x0101010101010101)) >> 56;	/* byte sum */
	}
	for (; p < pages; p++)
		mapped_before += flags[p];
	memset(m->page_mapped + first, mapped ? 1 : 0, (size_t)pages);
	if (mapped)
		mark_dirty(m, first, last);
	if (mapped)
		m->pages_unmapped -= pages - mapped_before;
	else
		m->pages_unmapped += mapped_before;
	assert(m->pages_unmapped <= m->size_bytes / GMEM_PAGE_BYTES);
}

bool gmem_page_is_mapped(const struct gmem *m, uint64_t addr)
{
	if (addr >= m->size_bytes)
		return false;
	return m->page_mapped[page_index(addr)] != 0;
}

uint64_t gmem_first_fault(const struct gmem *m, uint64_t addr, uint64_t len)
{
	if (len == 0)
		return GMEM_NO_FAULT;
	uint64_t inside_bytes = bytes_inside(m, addr, len);
	if (inside_bytes == 0)
		return addr;	/* starts at or past the end */
	if (m->pages_unmapped != 0) {
		uint64_t first = page_index(addr);
		uint64_t last = page_index(addr + (inside_bytes - 1));
		for (uint64_t p = first; p <= last; p++) {
			if (m->page_mapped[p] != 0)
				continue;
			uint64_t page_start = p * GMEM_PAGE_BYTES;
			return page_start > addr ? page_start : addr;
		}
	}
	/* Everything inside memory is mapped; the range may run past the end. */
	return inside_bytes < len ? m->size_bytes : GMEM_NO_FAULT;
}

const uint8_t *gmem_span(const struct gmem *m, uint64_t addr, uint64_t len)
{
	if (len == 0) {
		/* Vacuously all mapped, but a guest address past the end has no
		 * host address to give, so only addresses up to the end (the
		 * one-past-the-end pointer included) get one. */
		if (m->bytes == NULL || addr > m->size_bytes)
			return NULL;
		return m->bytes + addr;
	}
	if (gmem_first_fault(m, addr, len) != GMEM_NO_FAULT || addr == GMEM_NO_FAULT)
		return NULL;
	return m->bytes + addr;
}

/* Length of the run starting at addr (inside memory) in which every page
 * has the same mapped state as addr's page, capped at max_bytes. */
static uint64_t same_state_run(const struct gmem *m, uint64_t addr, uint64_t max_bytes)
{
	if (m->pages_unmapped == 0)
		return max_bytes;
	uint64_t p = page_index(addr);
	uint8_t state = m->page_mapped[p];
	uint64_t run_bytes = (p + 1) * GMEM_PAGE_BYTES - addr;
	uint64_t pages_total = m->size_bytes / GMEM_PAGE_BYTES;
	for (p++; run_bytes < max_bytes && p < pages_total && m->page_mapped[p] == state; p++)
		run_bytes += GMEM_PAGE_BYTES;
	return run_bytes < max_bytes ? run_bytes : max_bytes;
}

uint64_t gmem_read_slow(const struct gmem *m, uint64_t addr, void *dst, uint64_t len)
{
	uint8_t *out = dst;
	uint64_t fault = GMEM_NO_FAULT;
	uint64_t inside_bytes = bytes_inside(m, addr, len);
	uint64_t done_bytes = 0;
	while (done_bytes < inside_bytes) {
		uint64_t at = addr + done_bytes;
		uint64_t run_bytes = same_state_run(m, at, inside_bytes - done_bytes);
		if (m->page_mapped[page_index(at)]) {
			memcpy(out + done_bytes, m->bytes + at, (size_t)run_bytes);
		} else {
			memset(out + done_bytes, 0, (size_t)run_bytes);
			if (fault == GMEM_NO_FAULT)
				fault = at;
		}
		done_bytes += run_bytes;
	}
	if (inside_bytes < len) {
		memset(out + inside_bytes, 0, (size_t)(len - inside_bytes));
		if (fault == GMEM_NO_FAULT)
			fault = addr + inside_bytes;	/* = max(addr, size) */
	}
	return fault;
}

uint64_t gmem_write(struct gmem *m, uint64_t addr, const void *src, uint64_t len)
{
	const uint8_t *in = src;
	uint64_t fault = GMEM_NO_FAULT;
	uint64_t inside_bytes = bytes_inside(m, addr, len);
	uint64_t done_bytes = 0;
	while (done_bytes < inside_bytes) {
		uint64_t at = addr + done_bytes;
		uint64_t run_bytes = same_state_run(m, at, inside_bytes - done_bytes);
		if (m->page_mapped[page_index(at)]) {
			memcpy(m->bytes + at, in + done_bytes, (size_t)run_bytes);
			mark_dirty(m, page_index(at), page_index(at + run_bytes - 1));
		} else if (fault == GMEM_NO_FAULT)
			fault = at;
		done_bytes += run_bytes;
	}
	if (inside_bytes < len && fault == GMEM_NO_FAULT)
		fault = addr >= m->size_bytes ? addr : m->size_bytes;
	return fault;
}

/* ---- the device's DMA callbacks ------------------------------------------ */

_Static_assert(GMEM_NO_FAULT == AC97EMU_DMA_OK, "one answer for \"no fault\"");
_Static_assert(GMEM_PAGE_BYTES == AC97EMU_DMA_PAGE_BYTES,
	       "a gmem page is the device's fault granule");

static uint64_t dma_read(void *ctx, uint64_t addr, void *dst, size_t len_bytes)
{
	return gmem_read(ctx, addr, dst, len_bytes);
}

static uint64_t dma_write(void *ctx, uint64_t addr, const void *src, size_t len_bytes)
{
	return gmem_write(ctx, addr, src, len_bytes);
}

/* The all-mapped case inline, as gmem_read has it: this runs once per
 * bulk run of the device, the run's whole memory lent in one answer. */
static const void *dma_map(void *ctx, uint64_t addr, size_t len_bytes)
{
	const struct gmem *m = ctx;
	if (m->pages_unmapped == 0 && m->bytes != NULL && addr <= m->size_bytes &&
	    len_bytes <= m->size_bytes - addr)
		return m->bytes + addr;
	return gmem_span(m, addr, len_bytes);
}

const struct ac97emu_dma_ops *gmem_dma_ops(void)
{
	static const struct ac97emu_dma_ops ops = {
		.read = dma_read, .write = dma_write, .map = dma_map,
	};
	return &ops;
}
