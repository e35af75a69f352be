/*
 * test_evlog.c - the event-log hash (trace format 4): its value is pinned,
 * its 128-bit multiply has a portable twin with the same value, and it
 * tells apart what differs in any word or any byte of an event's text.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "evlog.h"
#include "splitmix64.h"

static struct sim_event sample_event(uint64_t i)
{
	struct sim_event ev;
	/* Fixed kind numbers, not the table's count: new kinds must not move
	 * the pinned value (renumbered kinds do, and need a new format). */
	event_init(&ev, (enum sim_event_kind)(1 + i % 7));
	ev.cpu = (int16_t)(i % 3) - 1;
	ev.step = i;
	ev.tick = 1000 * i + 7;
	for (int w = 0; w < 6; w++)
		ev.u.words[w] = (i + 1) * UINT64_C(0x9E3779B97F4A7C15) >> (w * 8);
	return ev;
}

START_TEST(hash_pinned)
{
	/* goal: the hash of a fixed stream of events is a known value, so that
	 * any change to the function is seen here first (and needs a new trace
	 * format: every recorded hash would change) */
	struct evlog log;
	evlog_init(&log, NULL);
	ck_assert_uint_eq(log.hash, UINT64_C(0xcbf29ce484222325));
	static const char *const texts[] = { "", "a", "passive-submit", "0123456789abcdefg" };
	for (uint64_t i = 0; i < 40; i++) {
		struct sim_event ev = sample_event(i);
		ev.text = i % 5 == 0 ? texts[(i / 5) % 4] : NULL;
		evlog_add(&log, &ev);
	}
	ck_assert_uint_eq(log.count, 40);
	ck_assert_uint_eq(log.hash, UINT64_C(0x336079b2c87f2d83));
}
END_TEST

START_TEST(portable_multiply_agrees)
{
	/* goal: the 32-bit-pieces multiply gives the 128-bit one's value, so a
	 * compiler without __int128 hashes alike */
	uint64_t st = 42;
	static const uint64_t edges[] = { 0, 1, UINT32_MAX, (uint64_t)UINT32_MAX + 1, UINT64_MAX };
	for (size_t i = 0; i < 5; i++)
		for (size_t j = 0; j < 5; j++)
			ck_assert_uint_eq(evlog_fold_mul_portable(edges[i], edges[j]),
					  evlog_fold_mul(edges[i], edges[j]));
	for (int i = 0; i < 100000; i++) {
		uint64_t a = splitmix64(&st), b = splitmix64(&st);
		ck_assert_uint_eq(evlog_fold_mul_portable(a, b), evlog_fold_mul(a, b));
	}
}
END_TEST

static uint64_t hash_one(const struct sim_event *ev)
{
	struct evlog log;
	evlog_init(&log, NULL);
	evlog_add(&log, ev);
	return log.hash;
}

START_TEST(every_word_and_byte_counts)
{
	/* goal: flipping any bit of the kind, CPU, tick or a payload word, or
	 * changing the text by one byte, its length or its order, changes the
	 * hash; the step is not hashed (it is the count of decisions) */
	struct sim_event ev = sample_event(5);
	uint64_t base = hash_one(&ev);
	for (int w = 0; w < 6; w++)
		for (int bit = 0; bit < 64; bit++) {
			struct sim_event e = ev;
			e.u.words[w] ^= UINT64_C(1) << bit;
			ck_assert_uint_ne(hash_one(&e), base);
		}
	for (int bit = 0; bit < 64; bit++) {
		struct sim_event e = ev;
		e.tick ^= UINT64_C(1) << bit;
		ck_assert_uint_ne(hash_one(&e), base);
	}
	struct sim_event e = ev;
	e.cpu++;
	ck_assert_uint_ne(hash_one(&e), base);
	e = ev;
	e.step++;
	ck_assert_uint_eq(hash_one(&e), base);
	/* swapped payload words */
	e = ev;
	e.u.words[0] = ev.u.words[1];
	e.u.words[1] = ev.u.words[0];
	ck_assert_uint_ne(hash_one(&e), base);

	static const char *const texts[] = {
		"", "a", "b", "ab", "ba", "abcdefgh", "abcdefgi", "abcdefghi", "abcdefgh" "abcdefgh",
		"abcdefgh" "abcdefghX", "abcdefgh" "abcdefgh" "abcdefgh" "a",
	};
	uint64_t seen[sizeof(texts) / sizeof(texts[0])];
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		e = ev;
		e.text = texts[i];
		seen[i] = hash_one(&e);
		ck_assert_uint_ne(seen[i], base);
		for (size_t j = 0; j < i; j++)
			ck_assert_uint_ne(seen[i], seen[j]);
	}
}
END_TEST

Suite *suite_evlog(void);

Suite *suite_evlog(void)
{
	Suite *s = suite_create("harness/evlog");
	TCase *tc = tcase_create("hash");
	tcase_add_test(tc, hash_pinned);
	tcase_add_test(tc, portable_multiply_agrees);
	tcase_add_test(tc, every_word_and_byte_counts);
	suite_add_tcase(s, tc);
	return s;
}
