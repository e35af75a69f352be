/*
 * drivers.h - the drivers a run can use: the ones built into the program
 * (the reference miniport and the variants that reproduce historical
 * bugs, listed in drivers.c, one line each) and plug-ins loaded from a
 * shared object built against the driver SDK (plugin.h).
 *
 * A driver is named on the command line or in a scenario by its name
 * ("reference") or by a path to a shared object (anything with a '/', or
 * ending in ".so").
 */
#ifndef AC97SIM_DRIVERS_H
#define AC97SIM_DRIVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "driver.h"

/* The built-in drivers, in the order `ac97sim help drivers` lists them;
 * NULL-terminated. The first is the default. */
extern const struct ac97sim_driver *const builtin_drivers[];

const struct ac97sim_driver *driver_builtin(const char *name);

/* Whether text names a plug-in (a path) rather than a built-in. */
bool driver_is_path(const char *text);

/* A driver ready to run: a built-in, or a loaded plug-in. */
struct driver_ref {
	const struct ac97sim_driver *ops;
	struct plugin *plugin;	/* NULL for a built-in */
	uint64_t binary_hash;	/* plug-ins: the file's hash; built-ins: 0 */
};

/*
 * Resolves text (a name or a path) into *out. Returns 0, or -1 with err:
 * "unknown driver 'x' (drivers: ...)" or the plug-in's load error.
 */
int driver_resolve(const char *text, struct driver_ref *out, char *err, size_t err_len);

/* Unloads a plug-in (nothing for a built-in). */
void driver_release(struct driver_ref *d);

/* Before each run: a plug-in's static data as it was after loading. */
void driver_prepare_run(struct driver_ref *d);

/* "reference, ddk1999-lock-held, ..." */
void driver_names(char *buf, size_t len);

#endif
