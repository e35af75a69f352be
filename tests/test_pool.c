/*
 * test_pool.c - the kernel pool's books (driver/pool.h): what a free is
 * judged as, what allocations hold, and what is left.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "pool.h"

START_TEST(pool_judges_each_free)
{
	/* Goal: a block is freed once, with its tag when the tag is checked;
	 * a second free, a wrong tag and a pointer the pool never handed out
	 * are each told apart, and a block is never reused within a run. */
	struct pool p;
	pool_init(&p);
	uint32_t tag = 0;
	uint8_t *a = pool_alloc(&p, 16, 0x41414141u, false);
	uint8_t *b = pool_alloc(&p, 8, 0x42424242u, true);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(a[0], POOL_FILL_BYTE);
	ck_assert_uint_eq(b[7], 0);
	ck_assert_int_eq(pool_free(&p, b, 0x43434343u, true, &tag), POOL_WRONG_TAG);
	ck_assert_uint_eq(tag, 0x42424242u);
	ck_assert_int_eq(pool_free(&p, b, 0, false, &tag), POOL_FREED);
	ck_assert_int_eq(pool_free(&p, b, 0, false, &tag), POOL_ALREADY_FREED);
	ck_assert_int_eq(pool_free(&p, a + 1, 0, false, &tag), POOL_NOT_ALLOCATED);
	uint8_t *c = pool_alloc(&p, 8, 1, false);
	ck_assert_ptr_ne(c, b);
	size_t bytes;
	uint32_t seq;
	ck_assert(pool_oldest_live(&p, &bytes, &tag, &seq));
	ck_assert_uint_eq(bytes, 16);
	ck_assert_uint_eq(seq, 0);
	ck_assert_uint_eq(p.live_count, 2);
	ck_assert_uint_eq(p.live_bytes, 24);
	ck_assert_int_eq(pool_free(&p, a, 0x41414141u, true, &tag), POOL_FREED);
	ck_assert_int_eq(pool_free(&p, c, 1, true, &tag), POOL_FREED);
	ck_assert(!pool_oldest_live(&p, &bytes, &tag, &seq));
	ck_assert_ptr_null(pool_alloc(&p, POOL_LIVE_BYTES_MAX + 1u, 1, false));
	pool_destroy(&p);
}
END_TEST

START_TEST(pool_tag_reads_as_a_dump_shows_it)
{
	/* Goal: the multi-character literal '79CA' reads "AC97", the way a
	 * pool dump shows tags; unprintable bytes read '.'. */
	char text[5];
	pool_tag_text(0x37394341u, text);
	ck_assert_str_eq(text, "AC97");
	pool_tag_text(0x00410A42u, text);
	ck_assert_str_eq(text, "B.A.");
}
END_TEST

Suite *suite_pool(void);
Suite *suite_pool(void)
{
	Suite *s = suite_create("driver/pool");
	TCase *tc = tcase_create("pool");
	tcase_add_test(tc, pool_judges_each_free);
	tcase_add_test(tc, pool_tag_reads_as_a_dump_shows_it);
	suite_add_tcase(s, tc);
	return s;
}
