/*
 * regnames.c - see regnames.h.
 */
#include "regnames.h"

#include <stdio.h>

#include "codec_regs.h"

static const char *const engine_names[AC97_ENGINE_COUNT] = AC97_ENGINE_NAMES;

struct reg_row {
	const char *name;
	uint32_t offset;
	uint32_t bytes;
};

static const struct reg_row engine_rows[] = {
#define ROW(name, offset, bytes) { #name, offset, bytes },
	AC97_ENGINE_REGS(ROW)
#undef ROW
};

static const struct reg_row global_rows[] = {
#define ROW(name, offset, bytes) { #name, offset, bytes },
	AC97_GLOBAL_REGS(ROW)
#undef ROW
};

static const struct reg_row codec_rows[] = {
#define ROW(name, offset) { #name, offset, 2 },
	CODEC_REGS(ROW)
#undef ROW
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct reg_row *find(const struct reg_row *rows, size_t n, uint32_t offset)
{
	for (size_t i = 0; i < n; i++)
		if (offset >= rows[i].offset && offset < rows[i].offset + rows[i].bytes)
			return &rows[i];
	return NULL;
}

const char *reg_name(enum ac97_bar bar, uint32_t offset, char *buf, size_t len)
{
	const struct reg_row *r;
	if (bar == AC97_BAR_NAM) {
		uint32_t codec = offset / 0x80u, off = offset % 0x80u;
		r = find(codec_rows, COUNT(codec_rows), off & ~1u);
		if (r != NULL)
			snprintf(buf, len, "%s%s", codec ? "codec2." : "codec.", r->name);
		else
			snprintf(buf, len, "codec+0x%02x", (unsigned)offset);
		return buf;
	}
	uint32_t engine = offset / AC97_ENGINE_STRIDE;
	if (engine < AC97_ENGINE_COUNT &&
	    (r = find(engine_rows, COUNT(engine_rows), offset % AC97_ENGINE_STRIDE)) != NULL) {
		snprintf(buf, len, "%s.%s", engine_names[engine], r->name);
		return buf;
	}
	r = find(global_rows, COUNT(global_rows), offset);
	if (r != NULL)
		snprintf(buf, len, "%s", r->name);
	else
		snprintf(buf, len, "NABM+0x%02x", (unsigned)offset);
	return buf;
}

struct bit_row {
	const char *name;
	uint32_t bit;
};

static const struct bit_row sr_bits[] = {
#define BIT(name, bit) { #name, bit },
	AC97_SR_BITS(BIT)
#undef BIT
};

static const struct bit_row cr_bits[] = {
#define BIT(name, bit) { #name, bit },
	AC97_CR_BITS(BIT)
#undef BIT
};

/* Bits listed highest first, as the datasheet draws them. */
static void bits(const struct bit_row *rows, size_t n, uint32_t value, char *buf, size_t len)
{
	size_t at = 0;
	for (size_t i = n; i-- > 0 && at < len;)
		if (value & rows[i].bit)
			at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? "|" : "", rows[i].name);
}

const char *reg_value(enum ac97_bar bar, uint32_t offset, uint32_t value, char *buf, size_t len)
{
	char named[96] = "";
	if (bar == AC97_BAR_NABM && offset / AC97_ENGINE_STRIDE < AC97_ENGINE_COUNT) {
		uint32_t off = offset % AC97_ENGINE_STRIDE;
		if (off == AC97_SR)
			bits(sr_bits, COUNT(sr_bits), value, named, sizeof(named));
		else if (off == AC97_CR)
			bits(cr_bits, COUNT(cr_bits), value, named, sizeof(named));
	}
	if (named[0] != '\0')
		snprintf(buf, len, "0x%x (%s)", (unsigned)value, named);
	else
		snprintf(buf, len, "0x%x", (unsigned)value);
	return buf;
}
