/*
 * plugin.h - drivers built outside the tree, loaded from a shared object.
 *
 * A driver plug-in is a shared object built against the installed driver
 * SDK (pkg-config ac97sim-driver) that exports its driver description
 * under the versioned name AC97SIM_DRIVER_SYMBOL. Loading checks that
 * the ABI it was built for is this program's, that it names every
 * required entry point, and records a hash of the file, so that a trace
 * can tell another build of the driver apart.
 *
 * Static data: a driver's globals would carry state from one run into the
 * next (and differ between worker processes that ran different seeds), so
 * the loader keeps a copy of the object's writable data as it was right
 * after loading (its constructors run) and plugin_restore puts it back
 * before every run. The read-only-after-relocation part (RELRO) is left
 * alone. What is not restored: heap memory the driver allocated itself in a
 * constructor and changed later, and thread-local data. plugin_restore
 * says how many bytes it had to put back, so a report can mention it.
 */
#ifndef AC97SIM_PLUGIN_H
#define AC97SIM_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "driver.h"

struct plugin;

/* Loads the plug-in at path (dlopen). Returns it, or NULL with err as
 * "PATH: reason". */
struct plugin *plugin_load(const char *path, char *err, size_t err_len);

const struct ac97sim_driver *plugin_driver(const struct plugin *p);
/* FNV-1a 64 of the file's bytes, and the path it was loaded from. */
uint64_t plugin_binary_hash(const struct plugin *p);
const char *plugin_path(const struct plugin *p);

/* Puts the driver's writable static data back as it was after loading.
 * Returns the number of bytes that had changed. */
size_t plugin_restore(struct plugin *p);

/* Whether addr lies in the plug-in's code (to attribute a crash). */
int plugin_contains(const struct plugin *p, uintptr_t addr);

void plugin_unload(struct plugin *p);

#endif
