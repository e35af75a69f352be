/*
 * variant_scenario.c - see variant_scenario.h.
 */
#include "variant_scenario.h"

#include <stdio.h>
#include <stdlib.h>

#define BUGS_DIR "fixtures/scenarios/bugs"

void variant_scenario_load(const char *variant, struct scenario_file *sf,
			   struct calibration *cal)
{
	char path[256], err[1200];
	snprintf(path, sizeof(path), BUGS_DIR "/%s.ini", variant);
	if (scenario_file_load(path, sf, err, sizeof(err)) != 0) {
		fprintf(stderr, "ac97bench: %s\n", err);
		exit(2);
	}
	const char *why = NULL;
	if (calibrate(sf, cal, &why) != 0) {
		fprintf(stderr, "ac97bench: %s: %s\n", path, why ? why : "cannot set up");
		exit(2);
	}
}
