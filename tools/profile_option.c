/*
 * profile_option.c - the --profile and --profiles options (profile_option.h).
 */
#include "profile_option.h"

#include <string.h>

static void unknown(const struct cli_spec *spec, const char *name)
{
	char names[256];
	ac97_profile_names(names, sizeof(names));
	cli_usage_error(spec, "unknown profile '%.40s' (profiles: %s)", name, names);
}

int profile_option_get(const struct cli_spec *spec, const struct cli_args *a,
		       const struct ac97_profile **out)
{
	const char *name = cli_value(spec, a, "profile");
	if (name == NULL)
		return 0;
	const struct ac97_profile *p = ac97_profile_find(name);
	if (p == NULL) {
		unknown(spec, name);
		return -1;
	}
	*out = p;
	return 0;
}

int profile_list_parse(const struct cli_spec *spec, const char *text,
		       const struct ac97_profile **out, size_t *n)
{
	*n = 0;
	const char *at = text;
	for (;;) {
		const char *comma = strchr(at, ',');
		size_t len = comma != NULL ? (size_t)(comma - at) : strlen(at);
		char name[64];
		if (len == 0 || len >= sizeof(name)) {
			cli_usage_error(spec, "--profiles '%.60s' is not a list of profile names "
					      "(e.g. ich,qemu)", text);
			return -1;
		}
		memcpy(name, at, len);
		name[len] = '\0';
		const struct ac97_profile *p = ac97_profile_find(name);
		if (p == NULL) {
			unknown(spec, name);
			return -1;
		}
		for (size_t i = 0; i < *n; i++)
			if (out[i] == p) {
				cli_usage_error(spec, "--profiles names '%s' twice", name);
				return -1;
			}
		if (*n == PROFILE_LIST_MAX) {
			cli_usage_error(spec, "--profiles names more than %u profiles",
					PROFILE_LIST_MAX);
			return -1;
		}
		out[(*n)++] = p;
		if (comma == NULL)
			return 0;
		at = comma + 1;
	}
}

void profile_option_list(FILE *f)
{
	fprintf(f, "Device profiles (--profile P, [device] profile = P). Each behaves as the\n"
		   "implementation named; its differences from ich are the quirks listed under it,\n"
		   "each with its source in docs/profiles.md.\n");
	for (size_t i = 0; i < ac97_profiles_count; i++) {
		const struct ac97_profile *p = ac97_profiles[i];
		fprintf(f, "\n  %-11s %s\n", p->name, p->title);
		fprintf(f, "  %-11s source: %s\n", "", p->source);
		fprintf(f, "  %-11s codec: %s (%s)\n", "", p->codec->title, p->codec->name);
		if (p->quirks == 0)
			fprintf(f, "  %-11s quirks: none (the reference)\n", "");
		for (unsigned q = 0; q < AC97_Q_COUNT; q++)
			if (ac97_profile_has(p, (enum ac97_quirk)q))
				fprintf(f, "  %-11s - %s: %s\n", "", ac97_quirks[q].name,
					ac97_quirks[q].summary);
	}
}
