/*
 * The failure report explains itself: the broken rule in words, the source
 * line each CPU's driver code last called from, the driver's own reason
 * for a bug check, and the last events in lanes, one a CPU.
 */
#include <check.h>
#include <string.h>

#include "prog.h"

START_TEST(report_names_rule_lines_and_lanes)
{
	/* Goal: a failing run of a built-in variant names its invariant, the
	 * reference miniport's source lines where the CPUs were, and shows
	 * the timeline with a lane per CPU ending at the failure. */
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", "fixtures/scenarios/bugs/wdk81-two-producers.ini",
					    "--seed", "6", NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	ck_assert_msg(strstr(r.out, "  the rule: ") != NULL, "%s", r.out);
	ck_assert_msg(strstr(r.out, ": invariant ") != NULL, "%s", r.out);
	ck_assert_msg(strstr(r.out, " (failed here) last called AcBugCheck from "
				    "miniports/ac97_reference.c:") != NULL,
		      "%s", r.out);
	ck_assert_msg(strstr(r.out, "the last 16 events, by CPU:\n") != NULL, "%s", r.out);
	ck_assert_msg(strstr(r.out, "| cpu0 ") != NULL && strstr(r.out, "| cpu1 ") != NULL &&
			      strstr(r.out, "| device") != NULL,
		      "%s", r.out);
	ck_assert_msg(strstr(r.out, "| FAILED: bugcheck\n") != NULL, "%s", r.out);
}
END_TEST

START_TEST(report_of_a_port_rule_names_the_driver_line)
{
	/* Goal: a failure the port's referee sees inside a port call names
	 * the driver's line that made the call, not the port's own. */
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", "fixtures/scenarios/bugs/ddk1999-lock-held.ini",
					    NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	ck_assert_msg(strstr(r.out, "last called PortGetMapping from miniports/") != NULL, "%s",
		      r.out);
	ck_assert_msg(strstr(r.out, "from driver/port.c") == NULL, "%s", r.out);
}
END_TEST

Suite *suite_report(void);
Suite *suite_report(void)
{
	Suite *s = suite_create("tools/report");
	TCase *tc = tcase_create("report");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, report_names_rule_lines_and_lanes);
	tcase_add_test(tc, report_of_a_port_rule_names_the_driver_line);
	suite_add_tcase(s, tc);
	return s;
}
