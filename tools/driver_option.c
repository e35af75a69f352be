/*
 * driver_option.c - --driver and --no-check, and the lists behind them
 * (driver_option.h).
 */
#include "driver_option.h"

#include <string.h>

#include "checker.h"
#include "drivers.h"
#include "machine.h"
#include "port.h"
#include "windows.h"

int driver_option_apply(const char *command, const char *text, struct scenario *sc)
{
	if (text == NULL)
		return 0;
	char err[1024];
	if (scenario_set_driver(sc, text, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97sim: %s: --driver: %s\n", command, err);
		return -1;
	}
	return 0;
}

int no_check_option_apply(const char *command, const char *names, struct scenario *sc)
{
	if (names == NULL)
		return 0;
	const char *p = names;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		char name[64];
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, p, n);
		name[n] = '\0';
		if (checker_disable(&sc->checkers, name) != 0) {
			char list[256];
			checker_names(list, sizeof(list));
			fprintf(stderr, "ac97sim: %s: --no-check: '%s' is not a checker that can be "
					"switched off (checkers: %s)\n", command, name, list);
			return -1;
		}
		if (end == NULL)
			return 0;
		p = end + 1;
	}
}

void driver_option_list_drivers(FILE *f)
{
	fprintf(f, "Built-in drivers (--driver NAME, or 'driver = NAME' in a scenario):\n");
	for (size_t i = 0; builtin_drivers[i] != NULL; i++)
		fprintf(f, "  %-28s %s%s\n", builtin_drivers[i]->name, builtin_drivers[i]->description,
			i == 0 ? " (the default)" : "");
	fprintf(f, "\nOr a plug-in: a path to a shared object built against the driver SDK\n"
		   "(pkg-config ac97sim-driver; docs/driver-sdk.md), e.g. --driver ./mydriver.so.\n"
		   "A name with a '/' or ending in .so is taken as a path.\n");
}

static void list_failures(FILE *f, const struct failure_def *rows, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "      %-26s %s\n", rows[i].name, rows[i].rule);
}

void driver_option_list_checkers(FILE *f)
{
	fprintf(f, "Checkers (--no-check NAMES, or '[checkers] disable = NAMES' in a scenario),\n"
		   "in the order each sees an event, with the failures each can report:\n");
	for (size_t i = 0; checker_registry[i] != NULL; i++) {
		const struct checker_def *c = checker_registry[i];
		fprintf(f, "  %s: %s\n", c->name, c->watches);
		list_failures(f, c->failures, c->n_failures);
	}
	fprintf(f, "\nAlways on (the models' own referees):\n");
	fprintf(f, "  %s: the WavePci port's contract (docs/wavepci.md)\n", PORT_CHECKER_NAME);
	list_failures(f, port_failures, PORT_FAIL_COUNT);
	fprintf(f, "  %s: the kernel's rules, as the machine and Driver Verifier enforce them\n",
		MACHINE_CHECKER_NAME);
	list_failures(f, machine_failures, MACHINE_FAIL_COUNT);
	fprintf(f, "  %s: not findings about the driver\n", HARNESS_CHECKER_NAME);
	list_failures(f, harness_failures, HARNESS_FAIL_COUNT);
}

void driver_option_list_windows(FILE *f)
{
	fprintf(f, "Race windows (AcMark in kernel.h): moments a driver or the port reaches only\n"
		   "when a race has happened. explore counts the runs that reached each, by\n"
		   "strategy; the number is the race catalogue's entry (docs/wavepci.md):\n");
	for (unsigned i = 0; i < WINDOW_COUNT; i++)
		fprintf(f, "  %-28s %2u  %s\n", race_windows[i].name, race_windows[i].catalogue_entry,
			race_windows[i].what);
}
