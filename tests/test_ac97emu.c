/*
 * test_ac97emu.c - the device as a library (include/ac97emu/ac97emu.h),
 * through its public API only, as an embedder uses it: creation and its
 * refusals, version, BAR access, time, the interrupt callback, DMA through
 * callbacks that count and refuse, hostile calls, and that the bundled
 * guest memory (gmem_dma_ops) and an embedder's own memory give the same
 * audio, bit for bit.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ac97emu.h"
#include "codec_regs.h"
#include "fnv1a.h"
#include "gmem.h"

#define RAM_BYTES (1u << 20)
#define LIST 0x1000u
#define DATA 0x10000u
#define BUF_STRIDE 0x2000u	/* two pages per buffer */
#define BUF_SAMPLES (BUF_STRIDE / 2)
#define NOTICES_MAX 64
#define LOOP_MAX 100000	/* bound on event loops: far above any test's events */

/* ---- an embedder: guest RAM, callbacks that count, a recorder -------------- */

struct emb {
	/* Memory: either our own RAM, or the bundled gmem through its table. */
	uint8_t *ram;
	struct gmem gm;
	bool use_gmem;
	bool lend;	/* offer map */
	uint64_t refuse_lo, refuse_hi;	/* [lo, hi) refused to DMA (own RAM) */
	uint64_t bogus_answer;	/* nonzero: what a refusal returns instead of the address */
	uint64_t reads, writes, maps, maps_lent, read_bytes, write_bytes;

	/* What came out. */
	uint64_t data_frames, fill_frames, underrun_frames;
	uint64_t pcm_fnv;	/* DATA samples, in order */
	uint64_t stream_fnv;	/* every frame's kind, rate and tick (not how spans cut them) */
	uint64_t spans, spans_bad_tick;
	bool skip_frame_hash;
	ac97emu_ticks_t last_frame_tick;
	uint32_t last_rate_hz;

	/* The interrupt line as the callback saw it. */
	bool irq_level;
	uint64_t irq_rises, irq_falls;
	uint64_t irq_fnv;	/* ticks and levels of every change */

	/* The first notices whole, and a count of every notice by name. */
	struct ac97emu_notice notices[NOTICES_MAX];
	size_t n_notices;
	struct {
		const char *name;
		size_t count;
	} by_name[NOTICES_MAX];
	size_t n_names;

	/* Reentrancy probes: callbacks that try to call back in. */
	struct ac97emu *dev;
	bool reenter;
	uint32_t reenter_read;
	bool reenter_advance;
};

static bool refused(const struct emb *h, uint64_t addr)
{
	return addr >= RAM_BYTES || (addr >= h->refuse_lo && addr < h->refuse_hi);
}

/* First refused address of the range, or AC97EMU_DMA_OK. */
static uint64_t first_refused(const struct emb *h, uint64_t addr, size_t len)
{
	for (uint64_t a = addr; a < addr + len; a++)
		if (refused(h, a))
			return a;
	return AC97EMU_DMA_OK;
}

static uint64_t emb_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
	struct emb *h = ctx;
	h->reads++;
	h->read_bytes += len;
	if (h->use_gmem)
		return gmem_dma_ops()->read(&h->gm, addr, dst, len);
	/* Stops at the first refused byte, as the contract allows. */
	uint64_t f = first_refused(h, addr, len);
	uint64_t ok = f == AC97EMU_DMA_OK ? len : f - addr;
	memcpy(dst, h->ram + addr, ok);
	return f != AC97EMU_DMA_OK && h->bogus_answer != 0 ? h->bogus_answer : f;
}

static uint64_t emb_write(void *ctx, uint64_t addr, const void *src, size_t len)
{
	struct emb *h = ctx;
	h->writes++;
	h->write_bytes += len;
	if (h->use_gmem)
		return gmem_dma_ops()->write(&h->gm, addr, src, len);
	uint64_t f = first_refused(h, addr, len);
	uint64_t ok = f == AC97EMU_DMA_OK ? len : f - addr;
	memcpy(h->ram + addr, src, ok);
	return f;
}

static const void *emb_map(void *ctx, uint64_t addr, size_t len)
{
	struct emb *h = ctx;
	h->maps++;
	const void *p = NULL;
	if (h->use_gmem)
		p = gmem_dma_ops()->map(&h->gm, addr, len);
	else if (first_refused(h, addr, len) == AC97EMU_DMA_OK)
		p = h->ram + addr;
	h->maps_lent += p != NULL;
	return p;
}

static void emb_audio_out(void *ctx, const struct ac97emu_pcm_span *s)
{
	struct emb *h = ctx;
	ck_assert_int_eq(s->engine, AC97_PO);
	ck_assert_uint_eq(s->channels, 2);
	ck_assert_uint_gt(s->n_frames, 0);
	ck_assert_uint_eq(ac97emu_pcm_frame_tick(s, 0), s->first_tick);
	ck_assert_uint_eq(ac97emu_pcm_frame_tick(s, s->n_frames), AC97EMU_TICKS_NEVER);
	/* Frames cross the link in order, one per AC-link frame at most. */
	ac97emu_ticks_t last = ac97emu_pcm_frame_tick(s, s->n_frames - 1);
	if (h->spans > 0 && s->first_tick <= h->last_frame_tick)
		h->spans_bad_tick++;
	if (last < s->first_tick + (s->n_frames - 1) * AC97EMU_TICKS_PER_FRAME)
		h->spans_bad_tick++;
	h->last_frame_tick = last;
	h->last_rate_hz = s->rate_hz;
	h->spans++;
	/* Per frame (a run of days of silence is not worth the loop). */
	for (uint64_t i = 0; i < s->n_frames && !h->skip_frame_hash; i++) {
		uint64_t fields[3] = { (uint64_t)s->kind, s->rate_hz, ac97emu_pcm_frame_tick(s, i) };
		h->stream_fnv = fnv1a64(h->stream_fnv, fields, sizeof(fields));
	}
	switch (s->kind) {
	case AC97EMU_PCM_DATA:
		ck_assert_ptr_nonnull(s->pcm_le);
		h->data_frames += s->n_frames;
		h->pcm_fnv = fnv1a64(h->pcm_fnv, s->pcm_le, s->n_frames * 4);
		break;
	case AC97EMU_PCM_FILL:
		ck_assert_ptr_null(s->pcm_le);
		h->fill_frames += s->n_frames;
		break;
	case AC97EMU_PCM_UNDERRUN:
		ck_assert_ptr_null(s->pcm_le);
		h->underrun_frames += s->n_frames;
		break;
	}
	if (h->reenter)
		h->reenter_advance = ac97emu_advance_to(h->dev, ac97emu_now(h->dev) + 1);
}

/* A ramp per engine, a pure function of position as the contract asks. */
static void emb_audio_in(void *ctx, enum ac97_engine_id engine, uint64_t first_frame,
			 int16_t *dst, uint64_t n_frames, uint32_t channels)
{
	(void)ctx;
	for (uint64_t f = 0; f < n_frames; f++)
		for (uint32_t c = 0; c < channels; c++)
			dst[f * channels + c] = (int16_t)(((first_frame + f) * 2 + c) * 3 + engine);
}

static void emb_irq(void *ctx, bool level, ac97emu_ticks_t tick)
{
	struct emb *h = ctx;
	ck_assert(level != h->irq_level);	/* a change, never a repeat */
	h->irq_level = level;
	if (level)
		h->irq_rises++;
	else
		h->irq_falls++;
	uint64_t fields[2] = { tick, level };
	h->irq_fnv = fnv1a64(h->irq_fnv, fields, sizeof(fields));
	if (h->reenter) {
		h->reenter_read = ac97emu_io_read(h->dev, AC97_BAR_NABM, AC97_GLOB_STA, 4);
		ac97emu_destroy(h->dev);	/* refused: the device is mid-call */
	}
}

static void emb_notice(void *ctx, const struct ac97emu_notice *n)
{
	struct emb *h = ctx;
	ck_assert_ptr_nonnull(n->name);
	ck_assert_ptr_nonnull(n->text);
	if (h->n_notices < NOTICES_MAX)
		h->notices[h->n_notices++] = *n;
	size_t i = 0;
	while (i < h->n_names && strcmp(h->by_name[i].name, n->name) != 0)
		i++;
	ck_assert_uint_lt(i, NOTICES_MAX);
	if (i == h->n_names) {
		h->by_name[i].name = n->name;
		h->by_name[i].count = 0;
		h->n_names++;
	}
	h->by_name[i].count++;
}

static size_t notices_named(const struct emb *h, const char *name)
{
	for (size_t i = 0; i < h->n_names; i++)
		if (strcmp(h->by_name[i].name, name) == 0)
			return h->by_name[i].count;
	return 0;
}

static const struct ac97emu_notice *notice_named(const struct emb *h, const char *name,
						 size_t nth)
{
	for (size_t i = 0; i < h->n_notices; i++)
		if (strcmp(h->notices[i].name, name) == 0 && nth-- == 0)
			return &h->notices[i];
	return NULL;
}

static void emb_init(struct emb *h, bool use_gmem, bool lend)
{
	memset(h, 0, sizeof(*h));
	h->use_gmem = use_gmem;
	h->lend = lend;
	if (use_gmem) {
		ck_assert_int_eq(gmem_init(&h->gm, RAM_BYTES), 0);
	} else {
		h->ram = calloc(1, RAM_BYTES);
		ck_assert_ptr_nonnull(h->ram);
	}
	h->pcm_fnv = h->stream_fnv = h->irq_fnv = FNV1A64_INIT;
}

static void emb_free(struct emb *h)
{
	if (h->use_gmem)
		gmem_free(&h->gm);
	free(h->ram);
}

/* The guest CPU's own stores and loads: its RAM, whatever DMA may reach. */
static uint8_t *ram(struct emb *h)
{
	return h->use_gmem ? h->gm.bytes : h->ram;
}

static void poke(struct emb *h, uint64_t addr, const void *src, size_t len)
{
	ck_assert_uint_le(addr + len, RAM_BYTES);
	memcpy(ram(h) + addr, src, len);
}

static void peek(struct emb *h, uint64_t addr, void *dst, size_t len)
{
	ck_assert_uint_le(addr + len, RAM_BYTES);
	memcpy(dst, ram(h) + addr, len);
}

/* Refuses [lo, hi) to DMA: whole pages through gmem's mapping, any bytes
 * in our own RAM. */
static void refuse_range(struct emb *h, uint64_t lo, uint64_t hi)
{
	if (h->use_gmem) {
		gmem_set_mapped(&h->gm, lo, hi - lo, false);
	} else {
		h->refuse_lo = lo;
		h->refuse_hi = hi;
	}
}

static struct ac97emu_host emb_host(struct emb *h)
{
	struct ac97emu_host host = {
		.ctx = h,
		.dma = { .read = emb_read, .write = emb_write, .map = h->lend ? emb_map : NULL },
		.irq_changed = emb_irq,
		.audio_out = emb_audio_out,
		.audio_in = emb_audio_in,
		.notice = emb_notice,
	};
	return host;
}

static struct ac97emu *emb_create(struct emb *h)
{
	struct ac97emu_host host = emb_host(h);
	char err[256];
	h->dev = ac97emu_create(NULL, &host, err, sizeof(err));
	ck_assert_msg(h->dev != NULL, "create: %s", err);
	ck_assert_str_eq(err, "");
	return h->dev;
}

/* ---- a driver: the guest side, through the BARs ----------------------------- */

static uint32_t nabm_rd(struct ac97emu *d, uint32_t off, unsigned bytes)
{
	return ac97emu_io_read(d, AC97_BAR_NABM, off, bytes);
}

static void nabm_wr(struct ac97emu *d, uint32_t off, unsigned bytes, uint32_t v)
{
	ac97emu_io_write(d, AC97_BAR_NABM, off, bytes, v);
}

static uint32_t ereg(enum ac97_engine_id e, uint32_t off)
{
	return (uint32_t)e * AC97_ENGINE_STRIDE + off;
}

/* Goes to the next event; false when there is none. */
static bool step(struct ac97emu *d)
{
	ac97emu_ticks_t t = ac97emu_next_event_tick(d);
	if (t == AC97EMU_TICKS_NEVER)
		return false;
	ck_assert_uint_ge(t, ac97emu_now(d));
	ck_assert(ac97emu_advance_to(d, t));
	return true;
}

static void advance_by(struct ac97emu *d, ac97emu_ticks_t ticks)
{
	ck_assert(ac97emu_advance_to(d, ac97emu_now(d) + ticks));
}

/* Cold reset through GLOB_CNT, then time to the codec's ready. */
static void link_up(struct ac97emu *d)
{
	nabm_wr(d, AC97_GLOB_CNT, 4, AC97_GC_COLD);
	for (int i = 0; !(nabm_rd(d, AC97_GLOB_STA, 4) & AC97_GS_S0CR); i++) {
		ck_assert_int_lt(i, 16);
		ck_assert(step(d));
	}
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void bd(struct emb *h, uint32_t list, unsigned index, uint32_t addr, uint32_t samples,
	       bool ioc)
{
	uint8_t raw[8];
	put_le32(raw, addr);
	put_le32(raw + 4, samples | (ioc ? AC97_BD_IOC : 0));
	poke(h, list + 8ull * index, raw, sizeof(raw));
}

/* Sample i of the test tone: every sample different, so the hash sees
 * order, loss and repeats. */
static int16_t tone(uint64_t i)
{
	return (int16_t)(uint16_t)(i * 7919u + 13u);
}

static void fill_buffers(struct emb *h, unsigned n)
{
	uint8_t *buf = malloc(BUF_STRIDE);
	ck_assert_ptr_nonnull(buf);
	for (unsigned b = 0; b < n; b++) {
		for (uint32_t i = 0; i < BUF_SAMPLES; i++) {
			uint16_t v = (uint16_t)tone((uint64_t)b * BUF_SAMPLES + i);
			buf[2 * i] = (uint8_t)v;
			buf[2 * i + 1] = (uint8_t)(v >> 8);
		}
		poke(h, DATA + (uint64_t)b * BUF_STRIDE, buf, BUF_STRIDE);
	}
	free(buf);
}

/* The interrupt handler: acknowledge whatever the engine reports. */
static void isr(struct ac97emu *d, enum ac97_engine_id e)
{
	uint32_t sr = nabm_rd(d, ereg(e, AC97_SR), 2);
	nabm_wr(d, ereg(e, AC97_SR), 2, sr & (AC97_SR_LVBCI | AC97_SR_BCIS | AC97_SR_FIFOE));
}

/* Runs engine e from its list of n entries (LVI = n - 1) to its halt,
 * servicing interrupts, then lets the FIFO drain onto the link. */
static void run_list(struct ac97emu *d, enum ac97_engine_id e, unsigned n)
{
	nabm_wr(d, ereg(e, AC97_BDBAR), 4, LIST);
	nabm_wr(d, ereg(e, AC97_LVI), 1, n - 1);
	nabm_wr(d, ereg(e, AC97_CR), 1, AC97_CR_RPBM | AC97_CR_IOCE | AC97_CR_LVBIE);
	for (int i = 0; !(nabm_rd(d, ereg(e, AC97_SR), 2) & AC97_SR_DCH); i++) {
		ck_assert_int_lt(i, LOOP_MAX);
		ck_assert(step(d));
		if (ac97emu_irq_level(d))
			isr(d, e);
	}
	if (ac97emu_irq_level(d))
		isr(d, e);
	advance_by(d, 4 * AC97EMU_TICKS_PER_FRAME * AC97EMU_FIFO_SAMPLES_MAX);
}

/* A whole playback program: link up, n buffers of the tone, run to the
 * end. The same for every memory it is given. */
static void play_program(struct emb *h, unsigned n)
{
	struct ac97emu *d = emb_create(h);
	fill_buffers(h, n);
	for (unsigned i = 0; i < n; i++)
		bd(h, LIST, i, DATA + i * BUF_STRIDE, BUF_SAMPLES, true);
	link_up(d);
	run_list(d, AC97_PO, n);
	ck_assert(!ac97emu_irq_level(d));
	ck_assert_uint_eq(h->spans_bad_tick, 0);
}

/* ---- version, config, creation ------------------------------------------------ */

START_TEST(version_and_abi)
{
	/* goal: the library's version and ABI are the header's, so an embedder's check can pass */
	ck_assert_str_eq(ac97emu_version(), AC97EMU_VERSION_STRING);
	ck_assert_uint_eq(ac97emu_abi(), AC97EMU_ABI);
	ck_assert(ac97emu_abi_matches());
}
END_TEST

START_TEST(config_defaults)
{
	/* goal: the documented defaults, and a NULL config pointer is harmless */
	struct ac97emu_config cfg;
	memset(&cfg, 0xA5, sizeof(cfg));
	ac97emu_config_default(&cfg);
	ck_assert_uint_eq(cfg.fifo_samples, 16);
	ck_assert_uint_eq(cfg.dma_latency_ticks, 12);
	ck_assert_uint_eq(cfg.codec_ready_delay_ticks, 48 * AC97EMU_TICKS_PER_FRAME);
	ac97emu_config_default(NULL);
}
END_TEST

START_TEST(create_destroy)
{
	/* goal: a device from defaults starts at tick 0 in power-on state; destroy(NULL) is a no-op */
	struct emb h;
	emb_init(&h, false, true);
	struct ac97emu *d = emb_create(&h);
	ck_assert_uint_eq(ac97emu_now(d), 0);
	ck_assert_uint_eq(ac97emu_next_event_tick(d), AC97EMU_TICKS_NEVER);
	ck_assert(!ac97emu_irq_level(d));
	ck_assert_uint_eq(ac97emu_dma_faults_total(d), 0);
	ac97emu_destroy(d);
	ac97emu_destroy(NULL);
	emb_free(&h);
}
END_TEST

START_TEST(create_refusals)
{
	/* goal: every missing callback and out-of-range value is refused with a reason, never clamped */
	struct emb h;
	emb_init(&h, false, false);
	struct ac97emu_host good = emb_host(&h);
	struct ac97emu_config def;
	ac97emu_config_default(&def);
	enum { NO_HOST, NO_READ, NO_WRITE, FIFO, LATENCY, DELAY };
	struct {
		int what;
		uint64_t value;
		const char *reason;
	} cases[] = {
		{ NO_HOST, 0, "host is NULL" },
		{ NO_READ, 0, "host->dma.read is NULL" },
		{ NO_WRITE, 0, "host->dma.write is NULL" },
		{ FIFO, 0, "fifo_samples is 0" },
		{ FIFO, 1, "fifo_samples is 1" },
		{ FIFO, 17, "fifo_samples is 17" },
		{ FIFO, 66, "fifo_samples is 66" },
		{ FIFO, UINT32_MAX, "fifo_samples is 4294967295" },
		{ LATENCY, AC97EMU_DMA_LATENCY_TICKS_MAX + 1ull, "dma_latency_ticks is 12288001" },
		{ LATENCY, UINT64_MAX, "dma_latency_ticks" },
		{ DELAY, AC97EMU_CODEC_READY_DELAY_TICKS_MAX + 1ull, "codec_ready_delay_ticks" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ac97emu_host host = good;
		struct ac97emu_config cfg = def;
		switch (cases[i].what) {
		case NO_READ: host.dma.read = NULL; break;
		case NO_WRITE: host.dma.write = NULL; break;
		case FIFO: cfg.fifo_samples = (uint32_t)cases[i].value; break;
		case LATENCY: cfg.dma_latency_ticks = cases[i].value; break;
		case DELAY: cfg.codec_ready_delay_ticks = cases[i].value; break;
		}
		char err[200];
		memset(err, 'x', sizeof(err));
		struct ac97emu *d =
			ac97emu_create(&cfg, cases[i].what == NO_HOST ? NULL : &host, err, sizeof(err));
		ck_assert_msg(d == NULL, "case %zu created a device", i);
		ck_assert_ptr_nonnull(memchr(err, '\0', sizeof(err)));
		ck_assert_msg(strstr(err, cases[i].reason) != NULL, "case %zu: \"%s\" lacks \"%s\"",
			      i, err, cases[i].reason);
	}
	/* The reason is optional, and truncated safely. */
	ck_assert_ptr_null(ac97emu_create(NULL, NULL, NULL, 0));
	char tiny[8];
	ck_assert_ptr_null(ac97emu_create(NULL, NULL, tiny, sizeof(tiny)));
	ck_assert_uint_eq(strlen(tiny), sizeof(tiny) - 1);
	char none[1] = { 'x' };
	ck_assert_ptr_null(ac97emu_create(NULL, NULL, none, sizeof(none)));
	ck_assert_int_eq(none[0], '\0');
	/* The limits themselves are accepted; map and the rest are optional. */
	struct ac97emu_config edge = { 2, AC97EMU_DMA_LATENCY_TICKS_MAX,
				       AC97EMU_CODEC_READY_DELAY_TICKS_MAX };
	struct ac97emu_host minimal = { .ctx = &h, .dma = { emb_read, emb_write, NULL } };
	struct ac97emu *d = ac97emu_create(&edge, &minimal, NULL, 0);
	ck_assert_ptr_nonnull(d);
	ac97emu_destroy(d);
	edge.fifo_samples = AC97EMU_FIFO_SAMPLES_MAX;
	edge.dma_latency_ticks = 0;
	edge.codec_ready_delay_ticks = 0;
	d = ac97emu_create(&edge, &minimal, NULL, 0);
	ck_assert_ptr_nonnull(d);
	ac97emu_destroy(d);
	emb_free(&h);
}
END_TEST

/* ---- BARs ------------------------------------------------------------------------ */

START_TEST(bars_power_on_and_codec)
{
	/* goal: power-on register values, a codec read before ready fails as documented, and after a cold reset the codec answers with its vendor ID */
	struct emb h;
	emb_init(&h, false, true);
	struct ac97emu *d = emb_create(&h);
	ck_assert_uint_eq(nabm_rd(d, AC97_GLOB_CNT, 4), 0);
	ck_assert_uint_eq(nabm_rd(d, AC97_GLOB_STA, 4), 0);
	for (int e = 0; e < AC97_ENGINE_COUNT; e++) {
		ck_assert_uint_eq(nabm_rd(d, ereg(e, AC97_SR), 2), AC97_SR_DCH);
		ck_assert_uint_eq(nabm_rd(d, ereg(e, AC97_CIV), 1), 0);
	}
	/* No codec yet: all ones and RCS (the read timed out). */
	ck_assert_uint_eq(ac97emu_io_read(d, AC97_BAR_NAM, CODEC_VENDOR_ID1, 2), 0xFFFF);
	ck_assert_uint_ne(nabm_rd(d, AC97_GLOB_STA, 4) & AC97_GS_RCS, 0);
	ck_assert_uint_eq(notices_named(&h, "codec-not-ready"), 1);
	nabm_wr(d, AC97_GLOB_STA, 4, AC97_GS_RCS);
	ck_assert_uint_eq(nabm_rd(d, AC97_GLOB_STA, 4) & AC97_GS_RCS, 0);

	link_up(d);
	ck_assert_uint_eq(ac97emu_now(d), 48 * AC97EMU_TICKS_PER_FRAME);
	ck_assert_uint_eq(ac97emu_io_read(d, AC97_BAR_NAM, CODEC_VENDOR_ID1, 2), 0x4352);
	advance_by(d, 2 * AC97EMU_TICKS_PER_FRAME);
	ck_assert_uint_eq(ac97emu_io_read(d, AC97_BAR_NAM, CODEC_VENDOR_ID1, 4), 0x59594352);
	/* Registers the guest writes read back; a dword write at +04 is LVI then SR. */
	nabm_wr(d, ereg(AC97_PO, AC97_BDBAR), 4, 0x12345678);
	ck_assert_uint_eq(nabm_rd(d, ereg(AC97_PO, AC97_BDBAR), 4), 0x12345678 & ~7u);
	nabm_wr(d, ereg(AC97_PO, AC97_LVI), 1, 0x25);
	ck_assert_uint_eq(nabm_rd(d, ereg(AC97_PO, AC97_LVI), 1), 0x05);
	ac97emu_destroy(d);
	emb_free(&h);
}
END_TEST

START_TEST(hostile_io)
{
	/* goal: every offset, width and BAR value has a defined result and no crash; refusals are notices */
	struct emb h;
	emb_init(&h, false, true);
	struct ac97emu *d = emb_create(&h);
	link_up(d);
	static const unsigned widths[] = { 0, 1, 2, 3, 4, 5, 8, 16, 32, 0x40000000u, UINT32_MAX };
	for (uint32_t off = 0; off < 0x120; off++) {
		for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
			for (int bar = 0; bar < 2; bar++) {
				uint32_t v = ac97emu_io_read(d, (enum ac97_bar)bar, off, widths[w]);
				bool good = widths[w] == 1 || widths[w] == 2 || widths[w] == 4;
				if (!good)
					ck_assert_uint_eq(v, UINT32_MAX);
				/* Zeros: nothing starts (GLOB_CNT = 0 resets the codec,
				 * so the link comes up again below). */
				ac97emu_io_write(d, (enum ac97_bar)bar, off, widths[w], 0);
			}
		}
	}
	ck_assert_uint_gt(notices_named(&h, "bad-width"), 0);
	ck_assert_uint_gt(notices_named(&h, "bad-offset"), 0);
	/* Offsets at the top of the 32-bit range. */
	ck_assert_uint_eq(ac97emu_io_read(d, AC97_BAR_NABM, UINT32_MAX, 4), UINT32_MAX);
	ck_assert_uint_eq(ac97emu_io_read(d, AC97_BAR_NAM, UINT32_MAX - 1, 2), 0xFFFF);
	ac97emu_io_write(d, AC97_BAR_NABM, UINT32_MAX - 3, 4, UINT32_MAX);
	/* A BAR that does not exist. */
	link_up(d);
	h.n_notices = 0;
	h.n_names = 0;
	ck_assert_uint_eq(ac97emu_io_read(d, (enum ac97_bar)2, 0, 4), UINT32_MAX);
	ck_assert_uint_eq(ac97emu_io_read(d, (enum ac97_bar)-1, AC97_GLOB_CNT, 4), UINT32_MAX);
	ac97emu_io_write(d, (enum ac97_bar)7, AC97_GLOB_CNT, 4, 0);
	ck_assert_uint_eq(notices_named(&h, "bad-bar"), 3);
	const struct ac97emu_notice *n = notice_named(&h, "bad-bar", 2);
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(n->kind, AC97EMU_NOTICE_EMBEDDER_ERROR);
	ck_assert_uint_eq(n->value, 7);
	/* The link is still up: the write to GLOB_CNT through BAR 7 went nowhere. */
	ck_assert_uint_ne(nabm_rd(d, AC97_GLOB_STA, 4) & AC97_GS_S0CR, 0);
	/* A NULL device reads all ones and moves nowhere. */
	ck_assert_uint_eq(ac97emu_io_read(NULL, AC97_BAR_NABM, 0, 4), UINT32_MAX);
	ac97emu_io_write(NULL, AC97_BAR_NABM, 0, 4, 0);
	ck_assert(!ac97emu_advance_to(NULL, 1));
	ck_assert_uint_eq(ac97emu_next_event_tick(NULL), AC97EMU_TICKS_NEVER);
	ck_assert(!ac97emu_irq_level(NULL));
	ac97emu_destroy(d);
	emb_free(&h);
}
END_TEST

/* ---- time --------------------------------------------------------------------------- */

START_TEST(time_rules)
{
	/* goal: time only moves forward and never past the horizon; next_event_tick names the codec's ready tick */
	struct emb h;
	emb_init(&h, false, true);
	h.skip_frame_hash = true;
	struct ac97emu *d = emb_create(&h);
	nabm_wr(d, AC97_GLOB_CNT, 4, AC97_GC_COLD);
	ck_assert_uint_eq(ac97emu_next_event_tick(d), 48 * AC97EMU_TICKS_PER_FRAME);
	ck_assert(ac97emu_advance_to(d, 1000));
	ck_assert(!ac97emu_advance_to(d, 999));
	ck_assert_uint_eq(ac97emu_now(d), 1000);
	ck_assert_uint_eq(notices_named(&h, "time-backwards"), 1);
	ck_assert_uint_eq(notice_named(&h, "time-backwards", 0)->value, 999);
	ck_assert(ac97emu_advance_to(d, 1000));	/* standing still is fine */
	ck_assert(!ac97emu_advance_to(d, AC97EMU_TICKS_HORIZON + 1));
	ck_assert(!ac97emu_advance_to(d, AC97EMU_TICKS_NEVER));
	ck_assert_uint_eq(notices_named(&h, "past-horizon"), 2);
	ck_assert(ac97emu_advance_to(d, AC97EMU_TICKS_HORIZON));
	ck_assert_uint_eq(ac97emu_now(d), AC97EMU_TICKS_HORIZON);
	ac97emu_destroy(d);
	emb_free(&h);
}
END_TEST

START_TEST(time_conversions)
{
	/* goal: ns <-> ticks at 12.288 MHz: exact on whole milliseconds, floor and ceil as documented, saturating past the horizon */
	ck_assert_uint_eq(ac97emu_ns_to_ticks(1000000000u), AC97EMU_TICKS_PER_SECOND);
	ck_assert_uint_eq(ac97emu_ns_to_ticks(1000000u), 12288);
	ck_assert_uint_eq(ac97emu_ticks_to_ns(AC97EMU_TICKS_PER_SECOND), 1000000000u);
	ck_assert_uint_eq(ac97emu_ticks_to_ns(AC97EMU_TICKS_PER_FRAME), 20833);	/* 20833.3 */
	ck_assert_uint_eq(ac97emu_ticks_to_ns_ceil(AC97EMU_TICKS_PER_FRAME), 20834);
	ck_assert_uint_eq(ac97emu_ticks_to_ns_ceil(192), 15625);	/* exact: no rounding */
	ck_assert_uint_eq(ac97emu_ns_to_ticks(UINT64_MAX), UINT64_MAX / 15625u * 192u +
								   UINT64_MAX % 15625u * 192u / 15625u);
	ck_assert_uint_eq(ac97emu_ticks_to_ns(AC97EMU_TICKS_NEVER), UINT64_MAX);
	ck_assert_uint_eq(ac97emu_ticks_to_ns_ceil(AC97EMU_TICKS_HORIZON + 1), UINT64_MAX);
	ck_assert_uint_lt(ac97emu_ticks_to_ns(AC97EMU_TICKS_HORIZON), UINT64_MAX);
	/* A timer set at ticks_to_ns_ceil(t) reaches t, never the tick before. */
	for (ac97emu_ticks_t t = 0; t < 5000; t++) {
		ck_assert_uint_eq(ac97emu_ns_to_ticks(ac97emu_ticks_to_ns_ceil(t)), t);
		ck_assert_uint_le(ac97emu_ns_to_ticks(ac97emu_ticks_to_ns(t)), t);
	}
	ac97emu_ticks_t big = AC97EMU_TICKS_HORIZON - 12345;
	ck_assert_uint_eq(ac97emu_ns_to_ticks(ac97emu_ticks_to_ns_ceil(big)), big);
}
END_TEST

/* ---- DMA, interrupts and audio ---------------------------------------------------------- */

START_TEST(playback_dma_and_irq)
{
	/* goal: a playback program sends every sample once, in order, reads guest memory only through the callbacks (lent when map is offered), and the IRQ callback sees each completion rise and each acknowledgement fall */
	for (int lend = 0; lend < 2; lend++) {
		struct emb h;
		emb_init(&h, false, lend);
		play_program(&h, 4);
		ck_assert_uint_eq(h.data_frames, 4 * BUF_SAMPLES / 2);
		ck_assert_uint_eq(h.underrun_frames, 0);
		uint64_t expect = FNV1A64_INIT;
		for (uint64_t i = 0; i < 4 * BUF_SAMPLES; i++) {
			uint8_t b[2] = { (uint8_t)tone(i), (uint8_t)((uint16_t)tone(i) >> 8) };
			expect = fnv1a64(expect, b, 2);
		}
		ck_assert_uint_eq(h.pcm_fnv, expect);
		ck_assert_uint_gt(h.reads, 0);
		ck_assert_uint_eq(h.writes, 0);
		if (lend) {
			/* The samples are lent; reads fetch the descriptors and
			 * fill the FIFO where a run starts. */
			ck_assert_uint_gt(h.maps_lent, 0);
			ck_assert_uint_eq(h.maps, h.maps_lent);
			ck_assert_uint_lt(h.read_bytes, 4 * BUF_STRIDE);
		} else {
			/* Every sample and descriptor is read; with nothing lent,
			 * a run longer than a page is read twice (its faults are
			 * found before any of its audio goes out). */
			ck_assert_uint_eq(h.maps, 0);
			ck_assert_uint_ge(h.read_bytes, 4 * BUF_STRIDE + 4 * 8);
			ck_assert_uint_le(h.read_bytes, 2 * 4 * BUF_STRIDE + 4 * 8);
		}
		/* IOC on every buffer, each acknowledged before the next. */
		ck_assert_uint_eq(h.irq_rises, 4);
		ck_assert_uint_eq(h.irq_falls, 4);
		ck_assert(!h.irq_level);
		ck_assert_uint_eq(ac97emu_dma_faults_total(h.dev), 0);
		ck_assert_uint_eq(h.last_rate_hz, 48000);
		ac97emu_destroy(h.dev);
		emb_free(&h);
	}
}
END_TEST

START_TEST(gmem_and_own_memory_identical)
{
	/* goal: the bundled guest memory (gmem_dma_ops) and an embedder's own memory, with and without map, give bit-identical audio, interrupts and faults for the same program, a refused page included */
	struct emb h[3];
	emb_init(&h[0], true, true);
	emb_init(&h[1], false, true);
	emb_init(&h[2], false, false);
	for (int i = 0; i < 3; i++) {
		refuse_range(&h[i], DATA + BUF_STRIDE + 0x1000, DATA + BUF_STRIDE + 0x2000);
		play_program(&h[i], 4);
	}
	for (int i = 1; i < 3; i++) {
		ck_assert_uint_eq(h[i].pcm_fnv, h[0].pcm_fnv);
		ck_assert_uint_eq(h[i].stream_fnv, h[0].stream_fnv);
		ck_assert_uint_eq(h[i].irq_fnv, h[0].irq_fnv);
		ck_assert_uint_eq(h[i].data_frames, h[0].data_frames);
		ck_assert_uint_eq(h[i].fill_frames, h[0].fill_frames);
		ck_assert_uint_eq(h[i].n_notices, h[0].n_notices);
		for (size_t n = 0; n < h[0].n_notices; n++) {
			ck_assert_str_eq(h[i].notices[n].name, h[0].notices[n].name);
			ck_assert_uint_eq(h[i].notices[n].tick, h[0].notices[n].tick);
			ck_assert_uint_eq(h[i].notices[n].value, h[0].notices[n].value);
		}
		ck_assert_uint_eq(ac97emu_dma_faults_total(h[i].dev), 1);
	}
	ck_assert_uint_eq(ac97emu_dma_faults_total(h[0].dev), 1);
	for (int i = 0; i < 3; i++) {
		ac97emu_destroy(h[i].dev);
		emb_free(&h[i]);
	}
}
END_TEST

START_TEST(read_fault_as_documented)
{
	/* goal: a refused read gives zeros from the refused byte to its page's end, one fault per page per buffer load with the first refused address and the descriptor, and the buffer still completes (docs/hardware.md, Hostile inputs) */
	struct emb h;
	emb_init(&h, false, true);
	/* Entries 1 and 3 play the same buffer; its second page is refused
	 * from 0x100 in. */
	uint64_t bad = DATA + BUF_STRIDE + 0x1100;
	refuse_range(&h, bad, DATA + BUF_STRIDE + 0x2000);
	struct ac97emu *d = emb_create(&h);
	fill_buffers(&h, 3);
	for (unsigned i = 0; i < 4; i++)
		bd(&h, LIST, i, DATA + (i == 3 ? 1 : i) * BUF_STRIDE, BUF_SAMPLES, true);
	link_up(d);
	run_list(d, AC97_PO, 4);
	ck_assert_uint_eq(ac97emu_dma_faults_total(d), 2);
	ck_assert_uint_eq(notices_named(&h, "dma-read-fault"), 2);
	for (size_t i = 0; i < 2; i++) {
		const struct ac97emu_notice *n = notice_named(&h, "dma-read-fault", i);
		ck_assert_int_eq(n->kind, AC97EMU_NOTICE_DMA_FAULT);
		ck_assert_int_eq(n->engine, AC97_PO);
		ck_assert_uint_eq(n->value, bad);
		ck_assert_uint_eq(n->bd_index, i == 0 ? 1 : 3);
		ck_assert(!n->write);
	}
	/* Every buffer completed: all four interrupts, all the frames. */
	ck_assert_uint_eq(h.irq_rises, 4);
	ck_assert_uint_eq(h.data_frames, 4 * BUF_SAMPLES / 2);
	ck_assert_uint_eq(nabm_rd(d, ereg(AC97_PO, AC97_CIV), 1), 3);
	/* The audio: buffer 1's refused part is zeros, the rest is the tone. */
	uint64_t expect = FNV1A64_INIT;
	for (unsigned entry = 0; entry < 4; entry++) {
		unsigned buf = entry == 3 ? 1 : entry;
		for (uint64_t i = 0; i < BUF_SAMPLES; i++) {
			uint64_t addr = DATA + (uint64_t)buf * BUF_STRIDE + 2 * i;
			int16_t v = addr >= bad && addr < DATA + BUF_STRIDE + 0x2000
					    ? 0
					    : tone((uint64_t)buf * BUF_SAMPLES + i);
			uint8_t b[2] = { (uint8_t)v, (uint8_t)((uint16_t)v >> 8) };
			expect = fnv1a64(expect, b, 2);
		}
	}
	ck_assert_uint_eq(h.pcm_fnv, expect);
	ac97emu_destroy(d);
	emb_free(&h);
}
END_TEST

START_TEST(bogus_fault_answers)
{
	/* goal: a host whose refusals name an address outside the range asked for (a host bug) gets the documented result, a refusal from the start of the ask: no crash, zeros, faults inside the buffer, every buffer complete */
	static const uint64_t answers[] = { 1, DATA - 1, UINT64_MAX - 1, DATA + 4 * BUF_STRIDE };
	for (size_t a = 0; a < sizeof(answers) / sizeof(answers[0]); a++) {
		struct emb h;
		emb_init(&h, false, a % 2 == 0);
		h.bogus_answer = answers[a];
		refuse_range(&h, DATA + BUF_STRIDE + 0x1000, DATA + BUF_STRIDE + 0x2000);
		play_program(&h, 4);
		ck_assert_uint_ge(ac97emu_dma_faults_total(h.dev), 1);
		for (size_t i = 0; i < h.n_notices; i++) {
			ck_assert_str_eq(h.notices[i].name, "dma-read-fault");
			ck_assert_uint_ge(h.notices[i].value, DATA + BUF_STRIDE);
			ck_assert_uint_lt(h.notices[i].value, DATA + 2 * BUF_STRIDE);
		}
		ck_assert_uint_eq(h.irq_rises, 4);
		ck_assert_uint_eq(h.data_frames, 4 * BUF_SAMPLES / 2);
		ac97emu_destroy(h.dev);
		emb_free(&h);
	}
}
END_TEST

START_TEST(descriptor_fault)
{
	/* goal: a descriptor list on refused memory reads as zero-length descriptors, each fetch a fault naming its entry, and the engine halts at LVI */
	struct emb h;
	emb_init(&h, false, false);
	refuse_range(&h, LIST, LIST + 0x1000);
	struct ac97emu *d = emb_create(&h);
	link_up(d);
	run_list(d, AC97_PO, 3);
	ck_assert_uint_ge(notices_named(&h, "dma-read-fault"), 3);
	const struct ac97emu_notice *n = notice_named(&h, "dma-read-fault", 0);
	ck_assert_uint_eq(n->value, LIST);
	ck_assert_uint_eq(n->bd_index, 0);
	ck_assert_uint_eq(h.data_frames, 0);
	ck_assert_uint_ne(nabm_rd(d, ereg(AC97_PO, AC97_SR), 2) & AC97_SR_DCH, 0);
	ck_assert_uint_eq(nabm_rd(d, ereg(AC97_PO, AC97_CIV), 1), 2);
	ac97emu_destroy(d);
	emb_free(&h);
}
END_TEST

START_TEST(capture_and_write_fault)
{
	/* goal: PCM in comes from audio_in into guest memory through write; a refused page takes no bytes and is one write fault; the other buffers hold the source's samples */
	struct emb h;
	emb_init(&h, false, true);
	refuse_range(&h, DATA + BUF_STRIDE, DATA + BUF_STRIDE + 0x1000);
	memset(h.ram + DATA, 0xEE, 2 * BUF_STRIDE);
	struct ac97emu *d = emb_create(&h);
	for (unsigned i = 0; i < 2; i++)
		bd(&h, LIST, i, DATA + i * BUF_STRIDE, BUF_SAMPLES, true);
	link_up(d);
	/* The record gain resets muted: 0 dB, so the samples arrive exact. */
	ac97emu_io_write(d, AC97_BAR_NAM, CODEC_RECORD_GAIN, 2, 0x0000);
	advance_by(d, 2 * AC97EMU_TICKS_PER_FRAME);
	run_list(d, AC97_PI, 2);
	ck_assert_uint_gt(h.writes, 0);
	ck_assert_uint_eq(notices_named(&h, "dma-write-fault"), 1);
	const struct ac97emu_notice *n = notice_named(&h, "dma-write-fault", 0);
	ck_assert(n->write);
	ck_assert_int_eq(n->engine, AC97_PI);
	ck_assert_uint_eq(n->value, DATA + BUF_STRIDE);
	ck_assert_uint_eq(n->bd_index, 1);
	/* The refused page is untouched; the buffer before it holds the ramp,
	 * which starts where capture started (the first frame after RPBM). */
	for (uint32_t i = 0; i < 0x1000; i++)
		ck_assert_uint_eq(h.ram[DATA + BUF_STRIDE + i], 0xEE);
	int16_t s[4];
	peek(&h, DATA, s, sizeof(s));
	ck_assert_int_eq(s[1] - s[0], 3);	/* left then right of one frame */
	ck_assert_int_eq(s[2] - s[0], 6);	/* the next frame */
	/* The page after the refused one was written, in step with the rest. */
	peek(&h, DATA + BUF_STRIDE + 0x1000, s, sizeof(s));
	ck_assert_int_eq(s[1] - s[0], 3);
	ck_assert_int_eq(s[2] - s[0], 6);
	ac97emu_destroy(d);
	emb_free(&h);
}
END_TEST

START_TEST(guest_errors_are_notices)
{
	/* goal: a guest misusing the device gets the datasheet behaviour and the embedder a named notice */
	struct emb h;
	emb_init(&h, false, true);
	struct ac97emu *d = emb_create(&h);
	fill_buffers(&h, 1);
	bd(&h, LIST, 0, DATA, 1001, true);	/* odd length on a stereo engine */
	link_up(d);
	nabm_wr(d, ereg(AC97_PO, AC97_BDBAR), 4, LIST);
	nabm_wr(d, ereg(AC97_PO, AC97_LVI), 1, 0);
	nabm_wr(d, ereg(AC97_PO, AC97_CR), 1, AC97_CR_RPBM);
	ck_assert_uint_eq(notices_named(&h, "odd-length"), 1);
	nabm_wr(d, ereg(AC97_PO, AC97_CR), 1, AC97_CR_RR);	/* reset while running */
	ck_assert_uint_eq(notices_named(&h, "rr-while-running"), 1);
	const struct ac97emu_notice *n = notice_named(&h, "rr-while-running", 0);
	ck_assert_int_eq(n->kind, AC97EMU_NOTICE_GUEST_ERROR);
	ck_assert_int_eq(n->engine, AC97_PO);
	ck_assert_uint_eq(nabm_rd(d, ereg(AC97_PO, AC97_SR), 2), AC97_SR_DCH);
	ac97emu_destroy(d);
	emb_free(&h);
}
END_TEST

START_TEST(reentrant_calls_refused)
{
	/* goal: callbacks that call back into the device (I/O, time, destroy) are refused with a notice, and the device goes on unharmed */
	struct emb h;
	emb_init(&h, false, true);
	h.reenter = true;
	play_program(&h, 2);
	ck_assert_uint_eq(h.reenter_read, UINT32_MAX);
	ck_assert(!h.reenter_advance);
	/* Each refused call is reported (a refusal from inside the notice
	 * callback would not be, but this one makes none). */
	ck_assert_uint_ge(notices_named(&h, "reentrant-call"), 3);
	ck_assert_uint_eq(h.data_frames, 2 * BUF_SAMPLES / 2);
	ck_assert_uint_eq(h.irq_rises, 2);
	ac97emu_destroy(h.dev);	/* outside any call: done */
	emb_free(&h);
}
END_TEST

START_TEST(vra_rate_and_frame_ticks)
{
	/* goal: at 44.1 kHz (VRA) spans carry the rate and frame ticks spread over the link, in order */
	struct emb h;
	emb_init(&h, false, true);
	struct ac97emu *d = emb_create(&h);
	fill_buffers(&h, 2);
	for (unsigned i = 0; i < 2; i++)
		bd(&h, LIST, i, DATA + i * BUF_STRIDE, BUF_SAMPLES, true);
	link_up(d);
	ac97emu_io_write(d, AC97_BAR_NAM, CODEC_EXT_AUDIO_CTRL, 2, CODEC_EA_VRA);
	advance_by(d, 2 * AC97EMU_TICKS_PER_FRAME);
	ac97emu_io_write(d, AC97_BAR_NAM, CODEC_PCM_FRONT_DAC_RATE, 2, 44100);
	advance_by(d, 2 * AC97EMU_TICKS_PER_FRAME);
	run_list(d, AC97_PO, 2);
	ck_assert_uint_eq(h.last_rate_hz, 44100);
	ck_assert_uint_eq(h.data_frames, BUF_SAMPLES);
	ck_assert_uint_eq(h.spans_bad_tick, 0);
	ac97emu_destroy(d);
	emb_free(&h);
}
END_TEST

Suite *suite_ac97emu(void);

Suite *suite_ac97emu(void)
{
	Suite *s = suite_create("emu/ac97emu");
	TCase *api = tcase_create("api");
	tcase_add_test(api, version_and_abi);
	tcase_add_test(api, config_defaults);
	tcase_add_test(api, create_destroy);
	tcase_add_test(api, create_refusals);
	tcase_add_test(api, bars_power_on_and_codec);
	tcase_add_test(api, hostile_io);
	tcase_add_test(api, time_rules);
	tcase_add_test(api, time_conversions);
	suite_add_tcase(s, api);
	TCase *dma = tcase_create("dma");
	tcase_add_test(dma, playback_dma_and_irq);
	tcase_add_test(dma, gmem_and_own_memory_identical);
	tcase_add_test(dma, read_fault_as_documented);
	tcase_add_test(dma, bogus_fault_answers);
	tcase_add_test(dma, descriptor_fault);
	tcase_add_test(dma, capture_and_write_fault);
	tcase_add_test(dma, guest_errors_are_notices);
	tcase_add_test(dma, reentrant_calls_refused);
	tcase_add_test(dma, vra_rate_and_frame_ticks);
	suite_add_tcase(s, dma);
	return s;
}
