/*
 * embed.c - libac97emu as an emulator uses it: a small machine with 1 MiB
 * of guest RAM and the ICH AC'97 device in it, and a guest driver that
 * plays a tone through the device the way a real one would.
 *
 * The machine side (the embedder) gives the device three things: DMA
 * callbacks into its RAM, an interrupt line it watches, and somewhere for
 * the audio to go. The guest side touches the device only through its two
 * I/O BARs and its own RAM: a cold reset through GLOB_CNT, the codec ready
 * in GLOB_STA, the mixer unmuted through NAMBAR under the CAS semaphore, a
 * ring of buffers described by a buffer descriptor list, and an interrupt
 * handler that acknowledges each completed buffer and refills it.
 *
 * Time belongs to the machine. A real emulator advances the device to its
 * own clock before every register access and keeps a timer at the
 * device's next event; this one has nothing else to run, so it jumps from
 * event to event.
 *
 * Build with `make` (pkg-config --cflags --libs ac97emu, nothing else).
 * It prints a summary and exits 0 when the PCM that crossed the AC-link
 * is the tone the guest queued: every frame once, in order.
 */
#include <ac97emu/ac97emu.h>
#include <ac97emu/codec_regs.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the machine ------------------------------------------------------------ */

#define GUEST_RAM_BYTES (1u << 20)

/* The guest's buffers: a ring of BUFFERS, each BUFFER_FRAMES stereo
 * frames, through which CHUNKS buffers' worth of tone is played. */
#define BDL_ADDR 0x1000u
#define BUFFER_ADDR 0x10000u
#define BUFFER_FRAMES 1024u
#define BUFFER_BYTES (BUFFER_FRAMES * 4u)
#define BUFFERS 4u
#define CHUNKS 8u
#define TONE_FRAMES (CHUNKS * BUFFER_FRAMES)
#define TONE_AMPLITUDE 8000

struct machine {
	uint8_t *ram;
	struct ac97emu *audio;
	/* The interrupt line as the device last drove it: the CPU takes the
	 * interrupt between instructions, i.e. after the device call returns
	 * (a callback may not call back into the device). */
	bool irq_line;
	unsigned irq_raised;
	/* What crossed the AC-link. */
	int16_t played[2 * TONE_FRAMES];
	uint64_t played_frames, silent_frames, extra_frames;
	uint64_t pcm_fnv;
	unsigned notices;
};

/* DMA reads: the guest RAM, and nothing past it. Unreadable bytes need not
 * be touched: the device zeroes them. */
static uint64_t ram_read(void *ctx, uint64_t addr, void *dst, size_t len_bytes)
{
	struct machine *m = ctx;
	if (addr >= GUEST_RAM_BYTES)
		return addr;
	uint64_t inside = GUEST_RAM_BYTES - addr < len_bytes ? GUEST_RAM_BYTES - addr : len_bytes;
	memcpy(dst, m->ram + addr, (size_t)inside);
	return inside == len_bytes ? AC97EMU_DMA_OK : addr + inside;
}

static uint64_t ram_write(void *ctx, uint64_t addr, const void *src, size_t len_bytes)
{
	struct machine *m = ctx;
	if (addr >= GUEST_RAM_BYTES)
		return addr;
	uint64_t inside = GUEST_RAM_BYTES - addr < len_bytes ? GUEST_RAM_BYTES - addr : len_bytes;
	memcpy(m->ram + addr, src, (size_t)inside);
	return inside == len_bytes ? AC97EMU_DMA_OK : addr + inside;
}

/* Zero-copy: RAM is one host array, so any range inside it can be lent. */
static const void *ram_map(void *ctx, uint64_t addr, size_t len_bytes)
{
	struct machine *m = ctx;
	if (addr > GUEST_RAM_BYTES || len_bytes > GUEST_RAM_BYTES - addr)
		return NULL;
	return m->ram + addr;
}

static void on_irq(void *ctx, bool level, ac97emu_ticks_t tick)
{
	struct machine *m = ctx;
	(void)tick;
	m->irq_line = level;
	m->irq_raised += level;
}

static uint64_t fnv1a64(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * UINT64_C(0x100000001b3);
	return h;
}

/* The host's sound card would get these; here they are kept and hashed. */
static void on_audio(void *ctx, const struct ac97emu_pcm_span *span)
{
	struct machine *m = ctx;
	if (span->kind != AC97EMU_PCM_DATA) {
		m->silent_frames += span->n_frames;
		return;
	}
	m->pcm_fnv = fnv1a64(m->pcm_fnv, span->pcm_le, (size_t)span->n_frames * 4);
	for (uint64_t i = 0; i < span->n_frames; i++) {
		if (m->played_frames == TONE_FRAMES) {
			m->extra_frames++;
			continue;
		}
		for (int c = 0; c < 2; c++) {
			const uint8_t *p = span->pcm_le + 4 * i + 2 * c;
			m->played[2 * m->played_frames + c] = (int16_t)(uint16_t)(p[0] | p[1] << 8);
		}
		m->played_frames++;
	}
}

/* A correct driver causes none; each would name what the guest did wrong. */
static void on_notice(void *ctx, const struct ac97emu_notice *n)
{
	struct machine *m = ctx;
	m->notices++;
	fprintf(stderr, "embed: tick %" PRIu64 ": %s: %s\n", n->tick, n->name, n->text);
}

/* Runs the device to its next event; false when it has none (halted). */
static bool run_to_next_event(struct machine *m)
{
	ac97emu_ticks_t t = ac97emu_next_event_tick(m->audio);
	if (t == AC97EMU_TICKS_NEVER)
		return false;
	return ac97emu_advance_to(m->audio, t);
}

static void run_for(struct machine *m, ac97emu_ticks_t ticks)
{
	ac97emu_advance_to(m->audio, ac97emu_now(m->audio) + ticks);
}

/* ---- the guest ---------------------------------------------------------------- */

static uint32_t nabm_read(struct machine *m, uint32_t offset, unsigned width_bytes)
{
	return ac97emu_io_read(m->audio, AC97_BAR_NABM, offset, width_bytes);
}

static void nabm_write(struct machine *m, uint32_t offset, unsigned width_bytes, uint32_t value)
{
	ac97emu_io_write(m->audio, AC97_BAR_NABM, offset, width_bytes, value);
}

#define PO(reg) (AC97_PO * AC97_ENGINE_STRIDE + (reg))

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A codec register write: wait for the AC-link to be free (reading CAS
 * takes the semaphore when it reads 0), then write. The link frees it at
 * the end of the frame after the previous access, so the guest's wait is
 * time passing. */
static void codec_write(struct machine *m, uint32_t reg, uint16_t value)
{
	while (nabm_read(m, AC97_CAS, 1) & 1u)
		run_for(m, AC97EMU_TICKS_PER_FRAME);
	ac97emu_io_write(m->audio, AC97_BAR_NAM, reg, 2, value);
}

/* The tone: a 1 kHz square wave on the left, 500 Hz on the right. */
static int16_t tone(uint64_t frame, int channel)
{
	uint64_t half_period_frames = channel == 0 ? 24 : 48;
	return (frame / half_period_frames) % 2 == 0 ? TONE_AMPLITUDE : -TONE_AMPLITUDE;
}

/* Descriptor `entry` plays buffer entry % BUFFERS, holding chunk `entry`
 * of the tone (entries 0..CHUNKS-1 of the 32, so the list never wraps). */
static void queue_chunk(struct machine *m, uint32_t entry)
{
	uint32_t buffer = BUFFER_ADDR + (entry % BUFFERS) * BUFFER_BYTES;
	for (uint32_t f = 0; f < BUFFER_FRAMES; f++) {
		for (int c = 0; c < 2; c++) {
			uint16_t s = (uint16_t)tone((uint64_t)entry * BUFFER_FRAMES + f, c);
			m->ram[buffer + 4 * f + 2 * c] = (uint8_t)s;
			m->ram[buffer + 4 * f + 2 * c + 1] = (uint8_t)(s >> 8);
		}
	}
	uint8_t *bd = m->ram + BDL_ADDR + AC97_BD_BYTES * entry;
	put_le32(bd, buffer);
	put_le32(bd + 4, AC97_BD_IOC | (BUFFER_FRAMES * 2));	/* length in samples */
}

struct driver {
	uint32_t retired;	/* entries whose buffers are done */
	uint32_t queued;	/* entries queued: LVI is queued - 1 */
	unsigned interrupts;
	bool finished;
};

/* The interrupt handler. The line may be shared: GLOB_STA says whether
 * PCM out is interrupting. Acknowledge by writing the status bits back,
 * retire the buffers the engine has finished (those before CIV), queue
 * the next chunk in each, and move LVI on. */
static void isr(struct machine *m, struct driver *d)
{
	if (!(nabm_read(m, AC97_GLOB_STA, 4) & AC97_GS_POINT))
		return;
	uint16_t sr = (uint16_t)nabm_read(m, PO(AC97_SR), 2);
	nabm_write(m, PO(AC97_SR), 2, sr & (AC97_SR_BCIS | AC97_SR_LVBCI | AC97_SR_FIFOE));
	d->interrupts++;
	uint32_t civ = nabm_read(m, PO(AC97_CIV), 1);
	if (sr & AC97_SR_LVBCI) {
		d->retired = d->queued;	/* the last buffer is done: halted */
		d->finished = true;
		return;
	}
	while (d->retired < civ) {
		d->retired++;
		if (d->queued < CHUNKS) {
			queue_chunk(m, d->queued);
			nabm_write(m, PO(AC97_LVI), 1, d->queued);
			d->queued++;
		}
	}
}

static int fail(const char *why)
{
	fprintf(stderr, "embed: %s\n", why);
	return 1;
}

static int play(struct machine *m)
{
	/* Cold reset: COLD# deasserted; the codec is ready a millisecond on. */
	nabm_write(m, AC97_GLOB_CNT, 4, AC97_GC_COLD);
	while (!(nabm_read(m, AC97_GLOB_STA, 4) & AC97_GS_S0CR))
		if (!run_to_next_event(m))
			return fail("the codec never became ready");
	printf("codec ready: tick %" PRIu64 " (%" PRIu64 " us)\n", ac97emu_now(m->audio),
	       ac97emu_ticks_to_ns(ac97emu_now(m->audio)) / 1000);
	codec_write(m, CODEC_MASTER_VOL, 0x0000);	/* 0 dB, unmuted */
	codec_write(m, CODEC_PCM_OUT_VOL, 0x0808);	/* 0 dB, unmuted */

	struct driver d = { 0 };
	for (; d.queued < BUFFERS; d.queued++)
		queue_chunk(m, d.queued);
	nabm_write(m, PO(AC97_BDBAR), 4, BDL_ADDR);
	nabm_write(m, PO(AC97_LVI), 1, d.queued - 1);
	nabm_write(m, PO(AC97_CR), 1, AC97_CR_RPBM | AC97_CR_IOCE | AC97_CR_LVBIE | AC97_CR_FEIE);

	while (!d.finished) {
		if (!run_to_next_event(m))
			return fail("the engine stopped before the end");
		if (m->irq_line)
			isr(m, &d);
	}
	/* The last buffer completes when its last sample is fetched; the FIFO
	 * still holds a few frames for the link. */
	run_for(m, AC97EMU_TICKS_PER_SECOND / 1000);
	nabm_write(m, PO(AC97_CR), 1, 0);

	printf("frames out: %" PRIu64 " of the tone, %" PRIu64 " silent\n", m->played_frames,
	       m->silent_frames);
	printf("pcm fnv1a64: 0x%016" PRIx64 "\n", m->pcm_fnv);
	printf("interrupts: %u raised, %u serviced, %u buffers retired\n", m->irq_raised,
	       d.interrupts, d.retired);
	printf("notices: %u\n", m->notices);
	printf("end: tick %" PRIu64 " (%" PRIu64 " us)\n", ac97emu_now(m->audio),
	       ac97emu_ticks_to_ns(ac97emu_now(m->audio)) / 1000);

	/* The check: every frame of the tone, once, in order, nothing else. */
	if (m->played_frames != TONE_FRAMES || m->extra_frames != 0 || d.retired != CHUNKS)
		return fail("not the tone's amount of audio");
	for (uint64_t f = 0; f < TONE_FRAMES; f++)
		for (int c = 0; c < 2; c++)
			if (m->played[2 * f + c] != tone(f, c))
				return fail("a frame differs from the tone");
	printf("ok: the PCM that crossed the AC-link is the tone, every frame once, in order\n");
	return m->notices == 0 ? 0 : 1;
}

int main(void)
{
	/* A program built against one header and run with another library
	 * would misread every struct: refuse to go on. */
	if (!ac97emu_abi_matches()) {
		fprintf(stderr, "embed: built for libac97emu %s (ABI %d), running with %s (ABI %u)\n",
			AC97EMU_VERSION_STRING, AC97EMU_ABI, ac97emu_version(), ac97emu_abi());
		return 1;
	}
	static struct machine m;
	m.ram = calloc(1, GUEST_RAM_BYTES);
	if (m.ram == NULL)
		return fail("out of memory");
	m.pcm_fnv = UINT64_C(0xcbf29ce484222325);

	struct ac97emu_host host = {
		.ctx = &m,
		.dma = { .read = ram_read, .write = ram_write, .map = ram_map },
		.irq_changed = on_irq,
		.audio_out = on_audio,
		.notice = on_notice,
	};
	char err[256];
	m.audio = ac97emu_create(NULL, &host, err, sizeof(err));	/* default config */
	if (m.audio == NULL) {
		fprintf(stderr, "embed: %s\n", err);
		free(m.ram);
		return 1;
	}
	int status = play(&m);
	ac97emu_destroy(m.audio);
	free(m.ram);
	return status;
}
