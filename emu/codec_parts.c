/*
 * codec_parts.c - the registry of codec parts (codec_part.h): one line a
 * part. The first is the default, the part of the ich profile.
 */
#include "codec_part.h"

#include <string.h>

const struct codec_part *const codec_parts[] = {
	&codec_part_cs4205,
	&codec_part_stac9700_qemu,
	&codec_part_stac9700_vbox,
};

const size_t codec_parts_count = sizeof(codec_parts) / sizeof(codec_parts[0]);

const struct codec_part *codec_part_default(void)
{
	return codec_parts[0];
}

const struct codec_part *codec_part_find(const char *name)
{
	for (size_t i = 0; i < codec_parts_count; i++)
		if (strcmp(codec_parts[i]->name, name) == 0)
			return codec_parts[i];
	return NULL;
}
