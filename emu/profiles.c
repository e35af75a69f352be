/*
 * profiles.c - the registry of device profiles (profile.h): one line a
 * profile. The first is the default, `ich`.
 */
#include "profile.h"

#include <string.h>

const struct ac97_profile *const ac97_profiles[] = {
	&ac97_profile_ich,
	&ac97_profile_qemu,
	&ac97_profile_virtualbox,
	&ac97_profile_sis7012,
};

const size_t ac97_profiles_count = sizeof(ac97_profiles) / sizeof(ac97_profiles[0]);

const struct ac97_profile *ac97_profile_default(void)
{
	return ac97_profiles[0];
}

const struct ac97_profile *ac97_profile_find(const char *name)
{
	for (size_t i = 0; i < ac97_profiles_count; i++)
		if (strcmp(ac97_profiles[i]->name, name) == 0)
			return ac97_profiles[i];
	return NULL;
}

void ac97_profile_names(char *buf, size_t len)
{
	size_t used = 0;
	if (len == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < ac97_profiles_count; i++) {
		size_t name_len = strlen(ac97_profiles[i]->name);
		size_t sep = i > 0 ? 2 : 0;
		if (used + sep + name_len + 1 > len)
			break;
		memcpy(buf + used, ", ", sep);
		memcpy(buf + used + sep, ac97_profiles[i]->name, name_len);
		used += sep + name_len;
		buf[used] = '\0';
	}
}
