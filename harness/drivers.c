/*
 * drivers.c - the registry of built-in drivers and the way to a plug-in
 * (drivers.h). Adding a built-in driver is one new file under miniports/
 * (defining ac97sim_builtin_NAME) and one line in BUILTIN_DRIVERS below.
 */
#include "drivers.h"

#include <stdio.h>
#include <string.h>

#include "plugin.h"
#include "shown.h"

#define BUILTIN_DRIVERS(X)                                                              \
	X(reference)                                                                    \
	X(ddk1999_lock_held)                                                            \
	X(wdk81_revoke_unsuccessful)                                                    \
	X(wdk81_revoke_resets_dma)                                                      \
	X(wdk81_single_entry_revoke)                                                    \
	X(wdk81_two_producers)                                                          \
	X(reactos_revoke_short)                                                         \
	X(reactos_slot_tags)                                                            \
	X(lost_wakeup)                                                                  \
	X(release_while_held)                                                           \
	X(stale_tail)                                                                   \
	X(hang_last)

#define DECLARE(name) extern const struct ac97sim_driver ac97sim_builtin_##name;
BUILTIN_DRIVERS(DECLARE)
#undef DECLARE

const struct ac97sim_driver *const builtin_drivers[] = {
#define ENTRY(name) &ac97sim_builtin_##name,
	BUILTIN_DRIVERS(ENTRY)
#undef ENTRY
	NULL,
};

const struct ac97sim_driver *driver_builtin(const char *name)
{
	for (size_t i = 0; builtin_drivers[i] != NULL; i++)
		if (strcmp(builtin_drivers[i]->name, name) == 0)
			return builtin_drivers[i];
	return NULL;
}

bool driver_is_path(const char *text)
{
	size_t n = strlen(text);
	return strchr(text, '/') != NULL || (n > 3 && strcmp(text + n - 3, ".so") == 0);
}

void driver_names(char *buf, size_t len)
{
	size_t used = 0;
	if (len > 0)
		buf[0] = '\0';
	for (size_t i = 0; builtin_drivers[i] != NULL && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", builtin_drivers[i]->name);
		used += n > 0 ? (size_t)n : 0;
	}
}

int driver_resolve(const char *text, struct driver_ref *out, char *err, size_t err_len)
{
	memset(out, 0, sizeof(*out));
	if (!driver_is_path(text)) {
		out->ops = driver_builtin(text);
		if (out->ops != NULL)
			return 0;
		char names[512], q[72];
		driver_names(names, sizeof(names));
		snprintf(err, err_len, "unknown driver '%s' (built-in drivers: %s; or a path to a "
			 "plug-in .so)", text_shown(text, 64, q, sizeof(q)), names);
		return -1;
	}
	out->plugin = plugin_load(text, err, err_len);
	if (out->plugin == NULL)
		return -1;
	out->ops = plugin_driver(out->plugin);
	out->binary_hash = plugin_binary_hash(out->plugin);
	return 0;
}

void driver_release(struct driver_ref *d)
{
	plugin_unload(d->plugin);
	memset(d, 0, sizeof(*d));
}

void driver_prepare_run(struct driver_ref *d)
{
	if (d->plugin != NULL)
		plugin_restore(d->plugin);
}
