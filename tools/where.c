/*
 * where.c - return addresses as source lines (where.h).
 */
#include "where.h"

#include <elfutils/libdwfl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

/* One session per process, its modules reported again at each use: a
 * plug-in may have been loaded since. NULL when libdwfl cannot start. */
static Dwfl *session(void)
{
	static Dwfl *dwfl;
	if (dwfl == NULL)
		dwfl = dwfl_begin(&callbacks);
	if (dwfl == NULL)
		return NULL;
	dwfl_report_begin(dwfl);
	if (dwfl_linux_proc_report(dwfl, getpid()) != 0) {
		dwfl_report_end(dwfl, NULL, NULL);
		return NULL;
	}
	dwfl_report_end(dwfl, NULL, NULL);
	return dwfl;
}

/* path relative to the current folder when it lies below it. */
static const char *relative(const char *path, char *buf, size_t len)
{
	if (getcwd(buf, len) == NULL)
		return path;
	size_t n = strlen(buf);
	if (strncmp(path, buf, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

bool where_source_line(const void *return_address, char *buf, size_t len)
{
	/* The call instruction ends where the return address is: look up the
	 * byte before it, which is the call's. */
	Dwarf_Addr pc = (Dwarf_Addr)(uintptr_t)return_address - 1;
	Dwfl *dwfl = session();
	Dwfl_Module *mod = dwfl != NULL ? dwfl_addrmodule(dwfl, pc) : NULL;
	Dwfl_Line *line = mod != NULL ? dwfl_module_getsrc(mod, pc) : NULL;
	int lineno = 0;
	const char *file = line != NULL ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
	const char *function = mod != NULL ? dwfl_module_addrname(mod, pc) : NULL;
	if (file == NULL) {
		snprintf(buf, len, "0x%" PRIxPTR " (no line information%s%s)",
			 (uintptr_t)return_address, function ? ", in " : "", function ? function : "");
		return false;
	}
	char cwd[4096];
	snprintf(buf, len, "%s:%d (%s)", relative(file, cwd, sizeof(cwd)), lineno,
		 function ? function : "?");
	return true;
}

void where_describe(const struct run_result *r, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	for (uint32_t i = 0; i < r->n_cpus && i < MACHINE_CPUS_MAX && at < len; i++) {
		const struct run_where *w = &r->where[i];
		if (w->site == NULL)
			continue;
		char line[512];
		where_source_line(w->site, line, sizeof(line));
		int n = snprintf(buf + at, len - at, "  cpu%u%s last called %s from %s\n", i,
				 (int)i == r->failed_cpu ? " (failed here)" : "",
				 w->call ? w->call : "the kernel", line);
		if (n < 0)
			break;
		at += (size_t)n;
	}
}
