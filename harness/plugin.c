/*
 * plugin.c - see plugin.h.
 *
 * The object's segments are found with dlinfo (its link map: the load
 * address and name) and dl_iterate_phdr (its program headers): every
 * writable PT_LOAD segment is copied, less the PT_GNU_RELRO range, which
 * the dynamic linker has made read-only by the time dlopen returns.
 */
#define _GNU_SOURCE	/* dlinfo, RTLD_DI_LINKMAP, dl_iterate_phdr */
#include "plugin.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fnv1a.h"
#include "shown.h"

#define SEGMENTS_MAX 8u

#define errf(err, len, ...) snprintf((err), (len), __VA_ARGS__)

struct segment {
	uint8_t *addr;
	size_t len;
	uint8_t *copy;
};

struct plugin {
	void *handle;
	const struct ac97sim_driver *driver;
	char path[PATH_MAX];
	uint64_t hash;
	struct segment seg[SEGMENTS_MAX];
	unsigned n_seg;
	uintptr_t code_lo[SEGMENTS_MAX], code_hi[SEGMENTS_MAX];
	unsigned n_code;
};

static int file_hash(const char *path, uint64_t *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	uint64_t h = FNV1A64_INIT;
	unsigned char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		h = fnv1a64(h, buf, (size_t)n);
	}
	close(fd);
	*out = h;
	return 0;
}

struct find_ctx {
	struct plugin *p;
	ElfW(Addr) base;
	int found;
};

/* Adds [lo, hi) as a segment to copy. */
static void add_range(struct plugin *p, uintptr_t lo, uintptr_t hi)
{
	if (hi <= lo || p->n_seg == SEGMENTS_MAX)
		return;
	p->seg[p->n_seg++] = (struct segment){ (uint8_t *)lo, (size_t)(hi - lo), NULL };
}

static int on_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct find_ctx *f = arg;
	if (info->dlpi_addr != f->base)
		return 0;
	uintptr_t relro_lo = 0, relro_hi = 0;
	for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_GNU_RELRO) {
			relro_lo = info->dlpi_addr + ph->p_vaddr;
			relro_hi = relro_lo + ph->p_memsz;
		}
	}
	struct plugin *p = f->p;
	for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
		if (ph->p_flags & PF_X) {
			if (p->n_code < SEGMENTS_MAX) {
				p->code_lo[p->n_code] = lo;
				p->code_hi[p->n_code++] = hi;
			}
		}
		if (!(ph->p_flags & PF_W))
			continue;
		/* The RELRO range sits at the start of the writable segment. */
		if (relro_hi > lo && relro_lo < hi) {
			add_range(p, lo, relro_lo > lo ? relro_lo : lo);
			add_range(p, relro_hi < hi ? relro_hi : hi, hi);
		} else {
			add_range(p, lo, hi);
		}
	}
	f->found = 1;
	return 1;
}

struct plugin *plugin_load(const char *given_path, char *err, size_t err_len)
{
	char path[200];
	text_shown(given_path, 160, path, sizeof(path));	/* as messages show it */
	struct plugin *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		errf(err, err_len, "%s: out of memory", path);
		return NULL;
	}
	/* dlopen looks a name without a slash up in the library path: a
	 * plug-in named on the command line is a file. */
	int n = strchr(given_path, '/') == NULL ? snprintf(p->path, sizeof(p->path), "./%s", given_path)
						: snprintf(p->path, sizeof(p->path), "%s", given_path);
	if (n < 0 || (size_t)n >= sizeof(p->path)) {
		errf(err, err_len, "%s: path too long", path);
		free(p);
		return NULL;
	}
	if (file_hash(p->path, &p->hash) != 0) {
		errf(err, err_len, "%s: %s", path, strerror(errno));
		free(p);
		return NULL;
	}
	p->handle = dlopen(p->path, RTLD_NOW | RTLD_LOCAL);
	if (p->handle == NULL) {
		errf(err, err_len, "%s: cannot load: %s", path, dlerror());
		free(p);
		return NULL;
	}
	const struct ac97sim_driver *d = dlsym(p->handle, AC97SIM_DRIVER_SYMBOL_NAME);
	if (d == NULL) {
		/* An older or newer SDK exports another version's name. */
		errf(err, err_len,
		     "%s: not an ac97sim driver for this version (no symbol %s; rebuild it against "
		     "ac97sim-driver %s)", path, AC97SIM_DRIVER_SYMBOL_NAME, AC97SIM_SDK_VERSION);
		dlclose(p->handle);
		free(p);
		return NULL;
	}
	const char *why = ac97sim_driver_problem(d);
	if (why != NULL) {
		errf(err, err_len, "%s: %s", path, why);
		dlclose(p->handle);
		free(p);
		return NULL;
	}
	p->driver = d;
	struct link_map *lm = NULL;
	struct find_ctx f = { p, 0, 0 };
	if (dlinfo(p->handle, RTLD_DI_LINKMAP, &lm) == 0 && lm != NULL) {
		f.base = lm->l_addr;
		dl_iterate_phdr(on_object, &f);
	}
	for (unsigned i = 0; i < p->n_seg; i++) {
		p->seg[i].copy = malloc(p->seg[i].len);
		if (p->seg[i].copy == NULL) {
			errf(err, err_len, "%s: out of memory", path);
			plugin_unload(p);
			return NULL;
		}
		memcpy(p->seg[i].copy, p->seg[i].addr, p->seg[i].len);
	}
	if (!f.found) {
		errf(err, err_len, "%s: cannot find its segments to restore its static data", path);
		plugin_unload(p);
		return NULL;
	}
	return p;
}

const struct ac97sim_driver *plugin_driver(const struct plugin *p)
{
	return p->driver;
}

uint64_t plugin_binary_hash(const struct plugin *p)
{
	return p->hash;
}

const char *plugin_path(const struct plugin *p)
{
	return p->path;
}

size_t plugin_restore(struct plugin *p)
{
	size_t changed = 0;
	for (unsigned i = 0; i < p->n_seg; i++) {
		const struct segment *s = &p->seg[i];
		if (memcmp(s->addr, s->copy, s->len) == 0)
			continue;
		for (size_t k = 0; k < s->len; k++)
			changed += s->addr[k] != s->copy[k];
		memcpy(s->addr, s->copy, s->len);
	}
	return changed;
}

int plugin_contains(const struct plugin *p, uintptr_t addr)
{
	for (unsigned i = 0; i < p->n_code; i++)
		if (addr >= p->code_lo[i] && addr < p->code_hi[i])
			return 1;
	return 0;
}

void plugin_unload(struct plugin *p)
{
	if (p == NULL)
		return;
	for (unsigned i = 0; i < p->n_seg; i++)
		free(p->seg[i].copy);
	if (p->handle != NULL)
		dlclose(p->handle);
	free(p);
}
