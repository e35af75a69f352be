/*
 * gmem.h - guest physical memory.
 *
 * A flat byte array split into 4 KiB pages, each of which is mapped or not.
 * Everything the device reads or writes by DMA goes through here, so that a
 * page the driver has given back (a revoked or completed mapping) can be
 * taken out of guest memory and any later DMA to it is caught. Addresses
 * past the end behave like unmapped pages. This module only answers "what
 * is there"; recording a DMA fault (with time, engine and descriptor) is the
 * device's job, because only the device knows those.
 *
 * The device does not call this module: it reaches guest memory only
 * through the DMA callbacks of the public API (struct ac97emu_dma_ops), and
 * gmem_dma_ops() is this memory's set of them, the one the harness, the
 * tools and the tests give the device.
 *
 * Not modelled: caches, IOMMUs, memory attributes.
 */
#ifndef AC97SIM_GMEM_H
#define AC97SIM_GMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ac97emu.h"

#define GMEM_PAGE_BYTES 4096u
#define GMEM_DEFAULT_BYTES (16u << 20)
/* Returned by the fault queries when every byte is mapped. */
#define GMEM_NO_FAULT UINT64_MAX

struct gmem {
	uint8_t *bytes;
	uint8_t *page_mapped;	/* one flag per page, 1 = mapped */
	uint64_t size_bytes;	/* a multiple of GMEM_PAGE_BYTES */
	uint64_t pages_unmapped;	/* count, so the all-mapped case is O(1) */
	/* The pages that may hold other bytes than zero (gmem_reset): each
	 * page mapped with gmem_set_mapped or written by gmem_write since
	 * init or the last reset, listed once. */
	uint8_t *page_dirty;	/* one flag per page, 1 = listed */
	uint32_t *dirty_pages;
	uint64_t n_dirty;
};

/* Allocates size_bytes (rounded up to a page) of zeroed memory, all mapped.
 * Returns 0, or -1 when out of host memory (m is then left empty). */
int gmem_init(struct gmem *m, uint64_t size_bytes);
void gmem_free(struct gmem *m);

/*
 * Makes m what gmem_init made it - every byte zero, every page mapped -
 * keeping its host memory: the pages listed as dirty are cleared, the rest
 * are zero already. A machine that runs after another one takes the last
 * one's memory this way: a fresh 16 MiB mapping costs a host page fault
 * for every page a run touches, and an unmapping of the lot, more than the
 * run's own work in a short run.
 *
 * The contract that makes it exact: bytes written through m->bytes go to
 * pages mapped with gmem_set_mapped(..., true) since the last reset (the
 * machine's common buffers and the port's mappings are; the driver
 * writes only through those), and every other write goes through
 * gmem_write. A write elsewhere through the pointer would survive a reset.
 */
void gmem_reset(struct gmem *m);

/* Maps or unmaps every page that [addr, addr + len) touches. Pages past the
 * end of memory are ignored. Unmapping does not clear the bytes: mapping a
 * page again shows what was there, like a page handed back and reused.
 * Mapping lists the pages as dirty (gmem_reset). */
void gmem_set_mapped(struct gmem *m, uint64_t addr, uint64_t len, bool mapped);
bool gmem_page_is_mapped(const struct gmem *m, uint64_t addr);

/* First address in [addr, addr + len) that is not readable (unmapped or past
 * the end), or GMEM_NO_FAULT. */
uint64_t gmem_first_fault(const struct gmem *m, uint64_t addr, uint64_t len);

/* Pointer to [addr, addr + len) when all of it is mapped, else NULL. The
 * device uses this to hand guest audio to a sink without copying it. */
const uint8_t *gmem_span(const struct gmem *m, uint64_t addr, uint64_t len);

/* Copies len bytes from guest memory; unreadable bytes read as zero.
 * Returns the first unreadable address or GMEM_NO_FAULT. */
uint64_t gmem_read_slow(const struct gmem *m, uint64_t addr, void *dst, uint64_t len);

/* Where [addr, addr + len) (len > 0) lies in host memory when every byte
 * of it is readable and it needs no walk: every page is mapped, or it lies
 * in one page, which is mapped. Else NULL (ask gmem_read_slow). The small
 * reads (a descriptor, a few FIFO words), answered inline: a run always
 * has pages unmapped (the port's free pool), so the every-page test alone
 * sent each of them the slow way. */
static inline const uint8_t *gmem_peek(const struct gmem *m, uint64_t addr, uint64_t len)
{
	if (m->bytes == NULL || addr > m->size_bytes || len > m->size_bytes - addr || len == 0)
		return NULL;
	if (m->pages_unmapped != 0 &&
	    (addr / GMEM_PAGE_BYTES != (addr + len - 1) / GMEM_PAGE_BYTES ||
	     !m->page_mapped[addr / GMEM_PAGE_BYTES]))
		return NULL;
	return m->bytes + addr;
}

/* The device reads a descriptor or a few FIFO words per transfer: within
 * one mapped page (or with every page mapped) that is one memcpy, inline. */
static inline uint64_t gmem_read(const struct gmem *m, uint64_t addr, void *dst, uint64_t len)
{
	const uint8_t *p = gmem_peek(m, addr, len);
	if (p != NULL) {
		memcpy(dst, p, (size_t)len);
		return GMEM_NO_FAULT;
	}
	return gmem_read_slow(m, addr, dst, len);
}

/* Copies len bytes into guest memory; bytes aimed at unmapped pages or past
 * the end are dropped. Returns the first unwritable address or GMEM_NO_FAULT. */
uint64_t gmem_write(struct gmem *m, uint64_t addr, const void *src, uint64_t len);

/* The device's DMA callbacks over a struct gmem (the callbacks' ctx):
 * read and write are gmem_read and gmem_write, map is gmem_span, so that
 * with every page of a range mapped the device reads it in place. Their
 * fault answers are the ones the callbacks promise: GMEM_NO_FAULT is
 * AC97EMU_DMA_OK, and gmem pages are AC97EMU_DMA_PAGE_BYTES. */
const struct ac97emu_dma_ops *gmem_dma_ops(void);

#endif
