/*
 * test_gmem.c - guest physical memory: mapping, page edges, the end of
 * memory, 64-bit range arithmetic and the zero/drop rules of reads/writes.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "gmem.h"

#define PAGE GMEM_PAGE_BYTES

/* 4 pages: small enough to reason about every page by hand. */
static void open_small(struct gmem *m)
{
	ck_assert_int_eq(gmem_init(m, 4 * PAGE), 0);
}

START_TEST(init_rounds_up_zeroed_mapped)
{
	/* goal: a size that is not a page multiple rounds up, all zero, all mapped */
	struct gmem m;
	ck_assert_int_eq(gmem_init(&m, PAGE + 1), 0);
	ck_assert_uint_eq(m.size_bytes, 2 * PAGE);
	ck_assert_uint_eq(m.pages_unmapped, 0);
	ck_assert(gmem_page_is_mapped(&m, 0));
	ck_assert(gmem_page_is_mapped(&m, 2 * PAGE - 1));
	ck_assert(!gmem_page_is_mapped(&m, 2 * PAGE));
	uint8_t buf[16];
	memset(buf, 0xAA, sizeof(buf));
	ck_assert_uint_eq(gmem_read(&m, 2 * PAGE - 16, buf, 16), GMEM_NO_FAULT);
	for (size_t i = 0; i < sizeof(buf); i++)
		ck_assert_uint_eq(buf[i], 0);
	gmem_free(&m);
	ck_assert_ptr_null(m.bytes);
	ck_assert_uint_eq(m.size_bytes, 0);
}
END_TEST

START_TEST(init_default_size)
{
	/* goal: the default 16 MiB memory is fully mapped and readable at its last byte */
	struct gmem m;
	ck_assert_int_eq(gmem_init(&m, GMEM_DEFAULT_BYTES), 0);
	ck_assert_uint_eq(m.size_bytes, 16u << 20);
	ck_assert_uint_eq(gmem_first_fault(&m, 0, GMEM_DEFAULT_BYTES), GMEM_NO_FAULT);
	ck_assert_uint_eq(gmem_first_fault(&m, 0, GMEM_DEFAULT_BYTES + 1ull), GMEM_DEFAULT_BYTES);
	gmem_free(&m);
}
END_TEST

START_TEST(init_zero_and_huge)
{
	/* goal: a zero-size memory works (everything past the end) and an impossible size fails cleanly */
	struct gmem m;
	ck_assert_int_eq(gmem_init(&m, 0), 0);
	ck_assert_uint_eq(m.size_bytes, 0);
	ck_assert_uint_eq(gmem_first_fault(&m, 0, 1), 0);
	ck_assert_ptr_null(gmem_span(&m, 0, 1));
	ck_assert_ptr_null(gmem_span(&m, 0, 0));
	uint8_t b = 0x55;
	ck_assert_uint_eq(gmem_read(&m, 7, &b, 1), 7);
	ck_assert_uint_eq(b, 0);
	ck_assert_uint_eq(gmem_write(&m, 7, &b, 1), 7);
	gmem_set_mapped(&m, 0, UINT64_MAX, false);
	ck_assert_uint_eq(m.pages_unmapped, 0);
	gmem_free(&m);

	ck_assert_int_eq(gmem_init(&m, UINT64_MAX), -1);
	ck_assert_ptr_null(m.bytes);
	ck_assert_uint_eq(m.size_bytes, 0);
	gmem_free(&m);	/* freeing the empty memory is harmless */
}
END_TEST

START_TEST(unmap_read_zero)
{
	/* goal: reading an unmapped page gives zeros and names its first byte as the fault */
	struct gmem mem;
	open_small(&mem);
	uint8_t pattern[PAGE];
	memset(pattern, 0x5A, sizeof(pattern));
	ck_assert_uint_eq(gmem_write(&mem, PAGE, pattern, PAGE), GMEM_NO_FAULT);
	gmem_set_mapped(&mem, PAGE, PAGE, false);
	ck_assert_uint_eq(mem.pages_unmapped, 1);
	uint8_t buf[PAGE];
	memset(buf, 0xFF, sizeof(buf));
	ck_assert_uint_eq(gmem_read(&mem, PAGE + 100, buf, 10), PAGE + 100);
	for (int i = 0; i < 10; i++)
		ck_assert_uint_eq(buf[i], 0);
	gmem_free(&mem);
}
END_TEST

START_TEST(read_across_page_edge)
{
	/* goal: a read straddling mapped->unmapped copies the mapped part and zeroes the rest */
	struct gmem mem;
	open_small(&mem);
	uint8_t ones[8];
	memset(ones, 0x11, sizeof(ones));
	ck_assert_uint_eq(gmem_write(&mem, PAGE - 4, ones, 8), GMEM_NO_FAULT);
	gmem_set_mapped(&mem, PAGE, 1, false);
	uint8_t buf[8];
	memset(buf, 0xEE, sizeof(buf));
	ck_assert_uint_eq(gmem_read(&mem, PAGE - 4, buf, 8), PAGE);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(buf[i], 0x11);
	for (int i = 4; i < 8; i++)
		ck_assert_uint_eq(buf[i], 0);
	gmem_free(&mem);
}
END_TEST

START_TEST(read_unmapped_then_mapped)
{
	/* goal: a read starting in an unmapped page reports the start; mapped bytes after it still copy */
	struct gmem mem;
	open_small(&mem);
	uint8_t v = 0x77;
	ck_assert_uint_eq(gmem_write(&mem, PAGE, &v, 1), GMEM_NO_FAULT);
	gmem_set_mapped(&mem, 0, PAGE, false);
	uint8_t buf[4];
	memset(buf, 0xEE, sizeof(buf));
	ck_assert_uint_eq(gmem_read(&mem, PAGE - 2, buf, 4), PAGE - 2);
	ck_assert_uint_eq(buf[0], 0);
	ck_assert_uint_eq(buf[1], 0);
	ck_assert_uint_eq(buf[2], 0x77);
	ck_assert_uint_eq(buf[3], 0);
	gmem_free(&mem);
}
END_TEST

START_TEST(write_drops_unmapped)
{
	/* goal: a write drops the bytes aimed at an unmapped page and reports its first address */
	struct gmem mem;
	open_small(&mem);
	gmem_set_mapped(&mem, 2 * PAGE, PAGE, false);
	uint8_t src[16];
	memset(src, 0x99, sizeof(src));
	ck_assert_uint_eq(gmem_write(&mem, 2 * PAGE - 8, src, 16), 2 * PAGE);
	gmem_set_mapped(&mem, 2 * PAGE, PAGE, true);
	uint8_t buf[16];
	ck_assert_uint_eq(gmem_read(&mem, 2 * PAGE - 8, buf, 16), GMEM_NO_FAULT);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(buf[i], 0x99);
	for (int i = 8; i < 16; i++)
		ck_assert_uint_eq(buf[i], 0);
	gmem_free(&mem);
}
END_TEST

START_TEST(remap_shows_old_bytes)
{
	/* goal: unmapping keeps the bytes, so mapping the page again shows what was there */
	struct gmem mem;
	open_small(&mem);
	uint8_t src[4] = { 1, 2, 3, 4 };
	ck_assert_uint_eq(gmem_write(&mem, 3 * PAGE + 10, src, 4), GMEM_NO_FAULT);
	gmem_set_mapped(&mem, 3 * PAGE, PAGE, false);
	ck_assert_ptr_null(gmem_span(&mem, 3 * PAGE + 10, 4));
	gmem_set_mapped(&mem, 3 * PAGE, PAGE, true);
	const uint8_t *p = gmem_span(&mem, 3 * PAGE + 10, 4);
	ck_assert_ptr_nonnull(p);
	ck_assert_mem_eq(p, src, 4);
	gmem_free(&mem);
}
END_TEST

START_TEST(set_mapped_touches_pages)
{
	/* goal: map/unmap covers every page the range touches, even by one byte, and counts each once */
	struct gmem mem;
	open_small(&mem);
	gmem_set_mapped(&mem, PAGE - 1, 2, false);	/* touches pages 0 and 1 */
	ck_assert_uint_eq(mem.pages_unmapped, 2);
	ck_assert(!gmem_page_is_mapped(&mem, 0));
	ck_assert(!gmem_page_is_mapped(&mem, 2 * PAGE - 1));
	ck_assert(gmem_page_is_mapped(&mem, 2 * PAGE));
	gmem_set_mapped(&mem, 0, 2 * PAGE, false);	/* already unmapped: no double count */
	ck_assert_uint_eq(mem.pages_unmapped, 2);
	gmem_set_mapped(&mem, 0, 0, true);	/* len 0 touches nothing */
	ck_assert_uint_eq(mem.pages_unmapped, 2);
	gmem_set_mapped(&mem, 2 * PAGE - 1, 1, true);
	ck_assert_uint_eq(mem.pages_unmapped, 1);
	ck_assert(gmem_page_is_mapped(&mem, PAGE));
	gmem_set_mapped(&mem, 0, UINT64_MAX, true);
	ck_assert_uint_eq(mem.pages_unmapped, 0);
	gmem_free(&mem);
}
END_TEST

START_TEST(set_mapped_counts_any_range)
{
	/* goal: the unmapped count stays the number of unmapped pages whatever
	 * ranges are mapped and unmapped (the count goes eight flags a word) */
	struct gmem m;
	const uint64_t pages = 61;	/* not a multiple of 8 */
	ck_assert_int_eq(gmem_init(&m, pages * PAGE), 0);
	uint64_t x = 12345;
	for (int round = 0; round < 2000; round++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		uint64_t first = (x >> 33) % pages, n = 1 + (x >> 20) % (pages - first);
		gmem_set_mapped(&m, first * PAGE + (x >> 12) % PAGE, (n - 1) * PAGE + 1, (x >> 60) & 1);
		uint64_t unmapped = 0;
		for (uint64_t p = 0; p < pages; p++)
			unmapped += !gmem_page_is_mapped(&m, p * PAGE);
		ck_assert_uint_eq(m.pages_unmapped, unmapped);
	}
	gmem_free(&m);
}
END_TEST

START_TEST(reset_clears_what_was_written)
{
	/* goal: after gmem_reset every page is mapped and every byte zero again
	 * where the contract lets bytes in: through pages mapped since init
	 * (raw writes), through gmem_write (even into pages mapped from the
	 * start), across page edges; and memory resets again as often as asked */
	struct gmem m;
	ck_assert_int_eq(gmem_init(&m, 16 * PAGE), 0);
	for (int round = 0; round < 3; round++) {
		gmem_set_mapped(&m, 2 * PAGE, 12 * PAGE, false);
		gmem_set_mapped(&m, 3 * PAGE + 100, 2 * PAGE, true);	/* pages 3, 4, 5 */
		memset(m.bytes + 3 * PAGE, 0xA5, 3 * PAGE);
		uint8_t buf[300];
		memset(buf, 0x5A, sizeof(buf));
		ck_assert_uint_eq(gmem_write(&m, PAGE - 100, buf, sizeof(buf)), GMEM_NO_FAULT);
		gmem_write(&m, 7 * PAGE, buf, sizeof(buf));	/* unmapped: dropped */
		ck_assert_uint_eq(gmem_write(&m, 15 * PAGE + 4000, buf, 96), GMEM_NO_FAULT);
		gmem_reset(&m);
		ck_assert_uint_eq(m.pages_unmapped, 0);
		ck_assert_uint_eq(m.n_dirty, 0);
		for (uint64_t i = 0; i < m.size_bytes; i++)
			if (m.bytes[i] != 0)
				ck_abort_msg("byte 0x%llx is 0x%02x after a reset", (unsigned long long)i,
					     m.bytes[i]);
		for (uint64_t p = 0; p < 16; p++)
			ck_assert(gmem_page_is_mapped(&m, p * PAGE));
	}
	gmem_free(&m);
}
END_TEST

START_TEST(set_mapped_past_end_ignored)
{
	/* goal: pages past the end are ignored by map/unmap and always read as unmapped */
	struct gmem mem;
	open_small(&mem);
	gmem_set_mapped(&mem, 4 * PAGE, PAGE, false);
	ck_assert_uint_eq(mem.pages_unmapped, 0);
	gmem_set_mapped(&mem, 4 * PAGE, PAGE, true);
	ck_assert(!gmem_page_is_mapped(&mem, 4 * PAGE));
	ck_assert(!gmem_page_is_mapped(&mem, UINT64_MAX));
	gmem_set_mapped(&mem, 3 * PAGE + 5, UINT64_MAX, false);	/* runs far past the end */
	ck_assert_uint_eq(mem.pages_unmapped, 1);
	ck_assert(!gmem_page_is_mapped(&mem, 3 * PAGE));
	gmem_set_mapped(&mem, UINT64_MAX, UINT64_MAX, true);
	ck_assert_uint_eq(mem.pages_unmapped, 1);
	gmem_free(&mem);
}
END_TEST

START_TEST(first_fault_edges)
{
	/* goal: gmem_first_fault names the exact first bad byte at page edges and at the end */
	struct gmem mem;
	open_small(&mem);
	ck_assert_uint_eq(gmem_first_fault(&mem, 0, 4 * PAGE), GMEM_NO_FAULT);
	ck_assert_uint_eq(gmem_first_fault(&mem, 4 * PAGE - 1, 1), GMEM_NO_FAULT);
	ck_assert_uint_eq(gmem_first_fault(&mem, 4 * PAGE - 1, 2), 4 * PAGE);
	ck_assert_uint_eq(gmem_first_fault(&mem, 4 * PAGE, 1), 4 * PAGE);
	ck_assert_uint_eq(gmem_first_fault(&mem, 9 * PAGE + 3, 1), 9 * PAGE + 3);
	gmem_set_mapped(&mem, PAGE, PAGE, false);
	ck_assert_uint_eq(gmem_first_fault(&mem, 0, PAGE), GMEM_NO_FAULT);
	ck_assert_uint_eq(gmem_first_fault(&mem, 0, PAGE + 1), PAGE);
	ck_assert_uint_eq(gmem_first_fault(&mem, PAGE - 1, 1), GMEM_NO_FAULT);
	ck_assert_uint_eq(gmem_first_fault(&mem, PAGE + 7, 1), PAGE + 7);
	ck_assert_uint_eq(gmem_first_fault(&mem, 2 * PAGE, 2 * PAGE), GMEM_NO_FAULT);
	ck_assert_uint_eq(gmem_first_fault(&mem, 2 * PAGE, 2 * PAGE + 1), 4 * PAGE);
	gmem_free(&mem);
}
END_TEST

START_TEST(len_zero)
{
	/* goal: a zero-length access faults nowhere, copies nothing, and span gives a pointer only up to the end */
	struct gmem mem;
	open_small(&mem);
	uint8_t b = 0x42;
	ck_assert_uint_eq(gmem_first_fault(&mem, 0, 0), GMEM_NO_FAULT);
	ck_assert_uint_eq(gmem_first_fault(&mem, 100 * PAGE, 0), GMEM_NO_FAULT);
	ck_assert_uint_eq(gmem_read(&mem, 100 * PAGE, &b, 0), GMEM_NO_FAULT);
	ck_assert_uint_eq(b, 0x42);
	ck_assert_uint_eq(gmem_write(&mem, UINT64_MAX, &b, 0), GMEM_NO_FAULT);
	ck_assert_ptr_eq(gmem_span(&mem, 0, 0), mem.bytes);
	ck_assert_ptr_eq(gmem_span(&mem, 4 * PAGE, 0), mem.bytes + 4 * PAGE);
	ck_assert_ptr_null(gmem_span(&mem, 4 * PAGE + 1, 0));
	ck_assert_ptr_null(gmem_span(&mem, UINT64_MAX, 0));
	gmem_free(&mem);
}
END_TEST

START_TEST(huge_len_no_overflow)
{
	/* goal: ranges whose end passes 2^64 never wrap around to low addresses */
	struct gmem mem;
	open_small(&mem);
	ck_assert_uint_eq(gmem_first_fault(&mem, 0, UINT64_MAX), 4 * PAGE);
	ck_assert_uint_eq(gmem_first_fault(&mem, 5, UINT64_MAX), 4 * PAGE);
	ck_assert_uint_eq(gmem_first_fault(&mem, UINT64_MAX - 1, 2), UINT64_MAX - 1);
	ck_assert_uint_eq(gmem_first_fault(&mem, UINT64_MAX - 10, UINT64_MAX), UINT64_MAX - 10);
	ck_assert_ptr_null(gmem_span(&mem, 0, UINT64_MAX));
	ck_assert_ptr_null(gmem_span(&mem, UINT64_MAX, UINT64_MAX));
	ck_assert_ptr_null(gmem_span(&mem, UINT64_MAX - 1, 2));
	ck_assert_ptr_null(gmem_span(&mem, 4 * PAGE - 1, UINT64_MAX));
	gmem_set_mapped(&mem, 2 * PAGE, PAGE, false);
	ck_assert_uint_eq(gmem_first_fault(&mem, PAGE, UINT64_MAX), 2 * PAGE);
	/* A write that would wrap: only in-memory bytes can land, none here. */
	uint8_t b = 1;
	ck_assert_uint_eq(gmem_write(&mem, UINT64_MAX - 1, &b, 1), UINT64_MAX - 1);
	ck_assert_uint_eq(gmem_read(&mem, UINT64_MAX - 1, &b, 1), UINT64_MAX - 1);
	ck_assert_uint_eq(b, 0);
	gmem_free(&mem);
}
END_TEST

START_TEST(past_end_read_write)
{
	/* goal: bytes past the end read as zero and writes to them are dropped, reporting the end */
	struct gmem mem;
	open_small(&mem);
	uint8_t src[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	ck_assert_uint_eq(gmem_write(&mem, 4 * PAGE - 4, src, 8), 4 * PAGE);
	uint8_t buf[8];
	memset(buf, 0xEE, sizeof(buf));
	ck_assert_uint_eq(gmem_read(&mem, 4 * PAGE - 4, buf, 8), 4 * PAGE);
	ck_assert_mem_eq(buf, src, 4);
	for (int i = 4; i < 8; i++)
		ck_assert_uint_eq(buf[i], 0);
	memset(buf, 0xEE, sizeof(buf));
	ck_assert_uint_eq(gmem_read(&mem, 4 * PAGE + 3, buf, 8), 4 * PAGE + 3);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(buf[i], 0);
	gmem_free(&mem);
}
END_TEST

START_TEST(span_null_if_any_unmapped)
{
	/* goal: gmem_span is NULL when any byte of the range is unmapped or past the end, else points into memory */
	struct gmem mem;
	open_small(&mem);
	const uint8_t *whole = gmem_span(&mem, 0, 4 * PAGE);
	ck_assert_ptr_eq(whole, mem.bytes);
	ck_assert_ptr_null(gmem_span(&mem, 0, 4 * PAGE + 1));
	gmem_set_mapped(&mem, 3 * PAGE, 1, false);
	ck_assert_ptr_null(gmem_span(&mem, 0, 4 * PAGE));
	ck_assert_ptr_null(gmem_span(&mem, 3 * PAGE - 1, 2));
	ck_assert_ptr_null(gmem_span(&mem, 4 * PAGE - 1, 1));
	ck_assert_ptr_eq(gmem_span(&mem, 3 * PAGE - 1, 1), mem.bytes + 3 * PAGE - 1);
	ck_assert_ptr_eq(gmem_span(&mem, 0, 3 * PAGE), mem.bytes);
	gmem_free(&mem);
}
END_TEST

START_TEST(peek_only_whole_mapped_pieces)
{
	/* goal: gmem_peek gives a pointer exactly when every byte is readable
	 * without a walk (every page mapped, or one mapped page), and reads
	 * through it see what gmem_read sees */
	struct gmem m;
	open_small(&m);
	ck_assert_ptr_eq(gmem_peek(&m, PAGE - 4, 8), m.bytes + PAGE - 4);	/* all mapped */
	gmem_set_mapped(&m, 2 * PAGE, PAGE, false);
	ck_assert_ptr_eq(gmem_peek(&m, 8, 8), m.bytes + 8);
	ck_assert_ptr_eq(gmem_peek(&m, PAGE - 8, 8), m.bytes + PAGE - 8);
	ck_assert_ptr_null(gmem_peek(&m, PAGE - 4, 8));	/* across pages: walk */
	ck_assert_ptr_null(gmem_peek(&m, 2 * PAGE + 8, 8));	/* unmapped */
	ck_assert_ptr_null(gmem_peek(&m, 4 * PAGE - 4, 8));	/* past the end */
	ck_assert_ptr_null(gmem_peek(&m, 4 * PAGE, 1));
	ck_assert_ptr_null(gmem_peek(&m, 0, 0));
	uint8_t pattern[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, got[8];
	ck_assert_uint_eq(gmem_write(&m, PAGE - 8, pattern, 8), GMEM_NO_FAULT);
	ck_assert_uint_eq(gmem_read(&m, PAGE - 8, got, 8), GMEM_NO_FAULT);
	ck_assert_mem_eq(got, pattern, 8);
	ck_assert_mem_eq(gmem_peek(&m, PAGE - 8, 8), pattern, 8);
	memset(got, 0xAA, sizeof(got));
	ck_assert_uint_eq(gmem_read(&m, 2 * PAGE - 4, got, 8), 2 * PAGE);	/* half unmapped */
	ck_assert_uint_eq(got[4], 0);
	gmem_free(&m);
}
END_TEST

START_TEST(mixed_runs_read)
{
	/* goal: a read across alternating mapped/unmapped pages copies exactly the mapped pages */
	struct gmem mem;
	open_small(&mem);
	uint8_t src[4 * PAGE];
	uint8_t buf[4 * PAGE];
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 1);
	ck_assert_uint_eq(gmem_write(&mem, 0, src, sizeof(src)), GMEM_NO_FAULT);
	gmem_set_mapped(&mem, PAGE, 1, false);
	gmem_set_mapped(&mem, 3 * PAGE, 1, false);
	ck_assert_uint_eq(gmem_read(&mem, 0, buf, sizeof(buf)), PAGE);
	for (size_t i = 0; i < sizeof(buf); i++) {
		int mapped = (i / PAGE) % 2 == 0;
		ck_assert_uint_eq(buf[i], mapped ? src[i] : 0);
	}
	/* Writes go only to the mapped pages too. */
	memset(buf, 0xC3, sizeof(buf));
	ck_assert_uint_eq(gmem_write(&mem, 0, buf, sizeof(buf)), PAGE);
	gmem_set_mapped(&mem, 0, sizeof(buf), true);
	ck_assert_uint_eq(gmem_read(&mem, 0, buf, sizeof(buf)), GMEM_NO_FAULT);
	for (size_t i = 0; i < sizeof(buf); i++) {
		int mapped = (i / PAGE) % 2 == 0;
		ck_assert_uint_eq(buf[i], mapped ? 0xC3 : src[i]);
	}
	gmem_free(&mem);
}
END_TEST

Suite *suite_gmem(void);

Suite *suite_gmem(void)
{
	Suite *s = suite_create("emu/gmem");
	TCase *tc = tcase_create("gmem");
	tcase_add_test(tc, unmap_read_zero);
	tcase_add_test(tc, read_across_page_edge);
	tcase_add_test(tc, read_unmapped_then_mapped);
	tcase_add_test(tc, write_drops_unmapped);
	tcase_add_test(tc, remap_shows_old_bytes);
	tcase_add_test(tc, set_mapped_touches_pages);
	tcase_add_test(tc, set_mapped_counts_any_range);
	tcase_add_test(tc, reset_clears_what_was_written);
	tcase_add_test(tc, set_mapped_past_end_ignored);
	tcase_add_test(tc, first_fault_edges);
	tcase_add_test(tc, len_zero);
	tcase_add_test(tc, huge_len_no_overflow);
	tcase_add_test(tc, past_end_read_write);
	tcase_add_test(tc, span_null_if_any_unmapped);
	tcase_add_test(tc, mixed_runs_read);
	tcase_add_test(tc, peek_only_whole_mapped_pieces);
	suite_add_tcase(s, tc);

	TCase *tc_init = tcase_create("init");
	tcase_add_test(tc_init, init_rounds_up_zeroed_mapped);
	tcase_add_test(tc_init, init_default_size);
	tcase_add_test(tc_init, init_zero_and_huge);
	suite_add_tcase(s, tc_init);
	return s;
}
