/*
 * ac97.c - the ICH AC'97 controller as a whole: the NABMBAR and NAMBAR
 * register spaces, global control/status, the codec access semaphore, the
 * interrupt line, and the order in which time reaches the engines.
 *
 * Sources: 82801AA datasheet (NABM registers, GLOB_CNT/GLOB_STA/CAS), the
 * ICH AC'97 PRM, AC'97 2.3 (codec access on slots 1/2). Decisions where they
 * are silent, each pinned by a test:
 *
 * - Any width at any offset is accepted. An access is split into bytes; each
 *   register the bytes fall in is read (or written, with a byte-enable
 *   mask) once, so a dword write at +04 writes LVI then SR, and a word write
 *   at +0A writes CR and ignores PIV. Bytes in the 64-byte BAR that belong
 *   to no register read 0; bytes past it read 0xFF. Writes to wholly
 *   read-only registers, to reserved GLOB_CNT bits or outside the BAR are
 *   ignored and logged as guest errors.
 * - The AC-link runs while COLD# = 1, ACLINK_OFF = 0, the codec is ready and
 *   not in PR4. The codec becomes ready (S0CR) codec_ready_delay_ticks
 *   after COLD# is deasserted (default 48 frames = 1 ms). COLD# = 0 resets
 *   the codec but not the bus master. WARM (self-clearing) wakes a codec
 *   from PR4.
 * - Codec accesses complete on the link at the end of the frame after the
 *   access (CAS reads 1 until then). CAS taken by a read stays taken until
 *   a codec access made after it completes. The CPU sees the data at once (register
 *   accesses take no simulated time). Reads with no codec ready, or of the
 *   absent secondary codec (NAMBAR 0x80-0xFF), return 0xFFFF and set RCS.
 *   An access while one is in flight is performed and logged. NAMBAR byte
 *   reads return a byte of the register; byte writes are dropped (the link
 *   carries 16-bit data); dword accesses are two register accesses. An
 *   access that runs past the end of NAMBAR is dropped whole (the link moves
 *   whole registers), while one past the end of NABMBAR still acts on the
 *   bytes inside it. Guest-error events carry the absolute BAR offset.
 * - The interrupt line is a level recomputed after every change, by one
 *   function (update_irq), never tracked by hand:
 *   OR over engines of SR & enables, plus GSCI & GIE and the resume bits
 *   with their enables (never set here: GPIO and resume are not modelled).
 * - On a tick where several engines have events they are served
 *   round-robin, starting one engine later each time.
 *
 * Not modelled: the modem codec and modem interrupts (MIINT/MOINT read 0),
 * a secondary codec, GPIO (GSCI), resume interrupts, ICH2+ multichannel
 * and sample-size controls (82801AA reserves those GLOB_CNT bits), PCI
 * configuration space.
 */
#include "ac97.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "ac97_internal.h"

enum reg_field {
	R_BDBAR, R_CIV, R_LVI, R_SR, R_PICB, R_PIV, R_CR, R_GLOB_CNT, R_GLOB_STA, R_CAS, R_NABM_4C,
};

/* The NABM register map as data (offsets within an engine block for the
 * engine registers, absolute for the global ones). writable and w1c are the
 * bits software can change; everything else in a register is read-only or
 * reserved. */
struct nabm_reg {
	uint8_t offset;
	uint8_t size_bytes;
	uint8_t field;
	uint32_t reset;
	uint32_t writable;
	uint32_t w1c;
	const char *name;
};

static const struct nabm_reg engine_regs[] = {
	{ AC97_BDBAR, 4, R_BDBAR, 0x00000000u, 0xFFFFFFF8u, 0, "BDBAR" },
	{ AC97_CIV, 1, R_CIV, 0x00, 0, 0, "CIV" },
	{ AC97_LVI, 1, R_LVI, 0x00, 0x1F, 0, "LVI" },
	{ AC97_SR, 2, R_SR, AC97_SR_DCH, 0, AC97_SR_LVBCI | AC97_SR_BCIS | AC97_SR_FIFOE, "SR" },
	{ AC97_PICB, 2, R_PICB, 0x0000, 0, 0, "PICB" },
	{ AC97_PIV, 1, R_PIV, 0x00, 0, 0, "PIV" },
	{ AC97_CR, 1, R_CR, 0x00, 0x1F, 0, "CR" },
};

/* AC97_Q_SR_PICB_SWAPPED (SiS7012): the same registers, SR and PICB
 * trading places. */
static const struct nabm_reg engine_regs_sr_picb_swapped[] = {
	{ AC97_BDBAR, 4, R_BDBAR, 0x00000000u, 0xFFFFFFF8u, 0, "BDBAR" },
	{ AC97_CIV, 1, R_CIV, 0x00, 0, 0, "CIV" },
	{ AC97_LVI, 1, R_LVI, 0x00, 0x1F, 0, "LVI" },
	{ AC97_PICB, 2, R_SR, AC97_SR_DCH, 0, AC97_SR_LVBCI | AC97_SR_BCIS | AC97_SR_FIFOE, "SR" },
	{ AC97_SR, 2, R_PICB, 0x0000, 0, 0, "PICB" },
	{ AC97_PIV, 1, R_PIV, 0x00, 0, 0, "PIV" },
	{ AC97_CR, 1, R_CR, 0x00, 0x1F, 0, "CR" },
};

/* Which entry of an engine table each byte of a block belongs to. */
static const int8_t engine_reg_of_byte[AC97_ENGINE_STRIDE] = {
	0, 0, 0, 0, 1, 2, 3, 3, 4, 4, 5, 6, -1, -1, -1, -1,
};
static const int8_t engine_reg_of_byte_swapped[AC97_ENGINE_STRIDE] = {
	0, 0, 0, 0, 1, 2, 4, 4, 3, 3, 5, 6, -1, -1, -1, -1,
};

#define NABM_4C 0x4Cu

static const struct nabm_reg global_regs[] = {
	{ AC97_GLOB_CNT, 4, R_GLOB_CNT, 0x00000000u, 0x3Fu, 0, "GLOB_CNT" },
	{ AC97_GLOB_STA, 4, R_GLOB_STA, 0x00000000u, 0,
	  AC97_GS_GSCI | AC97_GS_S0RI | AC97_GS_S1RI | AC97_GS_RCS, "GLOB_STA" },
	{ AC97_CAS, 1, R_CAS, 0x00, 0, 0, "CAS" },
	/* AC97_Q_OUTPUT_MUTE_4C only (SiS7012): bit 0 unmutes PCM out. */
	{ NABM_4C, 2, R_NABM_4C, 0x0000, 0x0001u, 0, "4Ch" },
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const enum codec_converter engine_converter[AC97_ENGINE_COUNT] = {
	[AC97_PI] = CODEC_CONV_ADC_LR,
	[AC97_PO] = CODEC_CONV_DAC_FRONT,
	[AC97_MC] = CODEC_CONV_ADC_MIC,
};

const char *ac97_engine_name(enum ac97_engine_id e)
{
	static const char *const names[AC97_ENGINE_COUNT] = AC97_ENGINE_NAMES;
	return (unsigned)e < AC97_ENGINE_COUNT ? names[e] : "?";
}

const char *ac97_guest_error_name(enum ac97_guest_error ge)
{
	static const char *const names[AC97_GE_COUNT] = {
		[AC97_GE_NONE] = "none",
		[AC97_GE_RR_WHILE_RUNNING] = "rr-while-running",
		[AC97_GE_RR_WITH_RPBM] = "rr-with-rpbm",
		[AC97_GE_BDBAR_WHILE_RUNNING] = "bdbar-while-running",
		[AC97_GE_ODD_LENGTH] = "odd-length",
		[AC97_GE_ADDR_BIT0] = "addr-bit0",
		[AC97_GE_BD_RESERVED_BITS] = "bd-reserved-bits",
		[AC97_GE_RO_WRITE] = "ro-write",
		[AC97_GE_BAD_OFFSET] = "bad-offset",
		[AC97_GE_CODEC_NOT_READY] = "codec-not-ready",
		[AC97_GE_CODEC_BUSY] = "codec-busy",
		[AC97_GE_CODEC_WIDTH] = "codec-width",
		[AC97_GE_NO_SECONDARY] = "no-secondary-codec",
		[AC97_GE_BAD_WIDTH] = "bad-width",
	};
	return (unsigned)ge < AC97_GE_COUNT ? names[ge] : "?";
}

void ac97_config_default(struct ac97_config *cfg)
{
	cfg->fifo_samples = AC97_FIFO_SAMPLES_DEFAULT;
	cfg->dma_latency_ticks = AC97_DMA_LATENCY_TICKS_DEFAULT;
	cfg->codec_ready_delay_ticks = AC97_CODEC_READY_DELAY_TICKS_DEFAULT;
	cfg->profile = ac97_profile_default();
}

/* ---- reporting ------------------------------------------------------------ */

void ac97_emit(struct ac97 *dev, sim_ticks_t tick, enum ac97_event_kind kind, int engine,
	       uint64_t a, uint64_t b, const char *what)
{
	if (dev->observer.on_event == NULL)
		return;
	struct ac97_event ev = {
		.tick = tick, .kind = kind, .engine = engine, .a = a, .b = b, .what = what,
	};
	dev->observer.on_event(dev->observer.ctx, &ev);
}

void ac97_guest_error(struct ac97 *dev, sim_ticks_t tick, int engine, enum ac97_guest_error ge,
		      uint64_t a, const char *what)
{
	assert(ge > AC97_GE_NONE && ge < AC97_GE_COUNT);
	dev->guest_errors[ge]++;
	if (dev->observer.on_event == NULL)
		return;
	struct ac97_event ev = {
		.tick = tick, .kind = AC97_EV_GUEST_ERROR, .engine = engine, .code = ge, .a = a,
		.what = what,
	};
	dev->observer.on_event(dev->observer.ctx, &ev);
}

void ac97_record_fault(struct ac97 *dev, sim_ticks_t tick, int engine, uint32_t bd_index,
		       uint64_t addr, bool write)
{
	struct ac97_dma_fault fault = {
		.tick = tick, .engine = (enum ac97_engine_id)engine, .bd_index = bd_index,
		.addr = addr, .write = write,
	};
	if (dev->faults_total < AC97_FAULT_LOG_MAX)
		dev->faults[dev->faults_total] = fault;
	dev->faults_total++;
	if (dev->observer.on_event == NULL)
		return;
	struct ac97_event ev = {
		.tick = tick, .kind = AC97_EV_DMA_FAULT, .engine = engine, .a = addr, .b = bd_index,
		.what = write ? "DMA write to unmapped memory" : "DMA read of unmapped memory",
		.fault = &fault,
	};
	dev->observer.on_event(dev->observer.ctx, &ev);
}

sim_ticks_t ac97_dma_done_tick(const struct ac97 *dev, sim_ticks_t request_tick)
{
	sim_ticks_t start =
		request_tick < dev->bus_stall_until_tick ? dev->bus_stall_until_tick : request_tick;
	/* Requests and stalls stay near the horizon, the latency is bounded. */
	assert(start <= SIM_TICKS_NEVER - 1 - dev->cfg.dma_latency_ticks);
	return start + dev->cfg.dma_latency_ticks;
}

/* ---- derived state -------------------------------------------------------- */

static const uint32_t engine_int_bit[AC97_ENGINE_COUNT] = {
	[AC97_PI] = AC97_GS_PIINT, [AC97_PO] = AC97_GS_POINT, [AC97_MC] = AC97_GS_MINT,
};

/* AC97_Q_IRQ_ON_SR_CHANGE: QEMU's update_sr and VirtualBox's
 * ichac97StreamUpdateSR act only when an engine's interrupt status bits
 * change: all of them cleared deasserts the shared line (whatever the other
 * engines hold) and clears that engine's GLOB_STA bit; LVBCI with LVBIE or
 * BCIS with IOCE in the new status asserts it and sets the bit; anything
 * else leaves both as they are. Each engine's status is compared with what
 * the last call saw, so this runs after every change as update_irq does. */
static void latch_irq_on_sr_change(struct ac97 *dev)
{
	for (int i = 0; i < AC97_ENGINE_COUNT; i++) {
		struct bm_engine *e = &dev->engine[i];
		uint8_t now = (uint8_t)(e->sr_sticky & (AC97_SR_LVBCI | AC97_SR_BCIS | AC97_SR_FIFOE));
		if (now == e->sr_int_seen)
			continue;
		e->sr_int_seen = now;
		if (now == 0) {
			dev->irq_latched = false;
			dev->glob_sta_int_latched &= ~engine_int_bit[i];
		} else if (((now & AC97_SR_LVBCI) && (e->cr & AC97_CR_LVBIE)) ||
			   ((now & AC97_SR_BCIS) && (e->cr & AC97_CR_IOCE))) {
			dev->irq_latched = true;
			dev->glob_sta_int_latched |= engine_int_bit[i];
		}
	}
}

/* The line from the engines: the OR of status & enables, or the latch. */
static bool engines_irq(struct ac97 *dev)
{
	if (ac97_has(dev, AC97_Q_IRQ_ON_SR_CHANGE)) {
		latch_irq_on_sr_change(dev);
		return dev->irq_latched;
	}
	bool level = false;
	for (int i = 0; i < AC97_ENGINE_COUNT; i++)
		level |= bm_engine_irq_status(&dev->engine[i]) != 0;
	return level;
}

static void update_irq(struct ac97 *dev)
{
	bool level = engines_irq(dev);
	uint32_t sticky = dev->glob_sta_sticky;
	level |= (sticky & AC97_GS_GSCI) && (dev->glob_cnt & AC97_GC_GIE);
	level |= (sticky & AC97_GS_S0RI) && (dev->glob_cnt & AC97_GC_PRIE);
	level |= (sticky & AC97_GS_S1RI) && (dev->glob_cnt & AC97_GC_SRIE);
	if (level != dev->irq_level) {
		dev->irq_level = level;
		ac97_emit(dev, dev->now_ticks, AC97_EV_IRQ, -1, level, 0,
			  level ? "interrupt asserted" : "interrupt deasserted");
	}
}

static bool link_running(const struct ac97 *dev)
{
	if (ac97_has(dev, AC97_Q_NO_LINK_RESET))
		return true;	/* no link to reset: the codec always answers */
	return (dev->glob_cnt & AC97_GC_COLD) && !(dev->glob_cnt & AC97_GC_ACLINK_OFF) &&
	       dev->codec_ready && !codec_link_powered_down(&dev->codec);
}

/* The rate engine i runs at: the codec's, which the AC-link carries at
 * most one sample a frame of (48 kHz: a part that keeps rates as written
 * can hold more), 0 below the profile's floor (AC97_Q_RATE_FLOOR) or with
 * the voice off (AC97_Q_CODEC_RESET_STOPS_DMA). */
static uint32_t engine_rate_hz(const struct ac97 *dev, int i)
{
	uint32_t rate = codec_rate_hz(&dev->codec, engine_converter[i]);
	if (rate > SIM_FRAMES_PER_SECOND)
		rate = SIM_FRAMES_PER_SECOND;
	if (ac97_has(dev, AC97_Q_RATE_FLOOR) && rate < dev->profile->rate_min_hz)
		rate = 0;
	if (dev->engine[i].voice_off)
		rate = 0;
	return rate;
}

/* After anything that may change a converter's rate or the link. */
static void update_link(struct ac97 *dev)
{
	bool up = link_running(dev);
	for (int i = 0; i < AC97_ENGINE_COUNT; i++)
		bm_engine_retime(dev, &dev->engine[i], up ? engine_rate_hz(dev, i) : 0);
}

/* ---- lifecycle and time ------------------------------------------------- */

static uint32_t nabm_reg_read(struct ac97 *dev, const struct nabm_reg *r, int engine);
static const struct nabm_reg *engine_table(const struct ac97 *dev, const int8_t **reg_of_byte);

/* A register's value at power-on: the table's, but where a profile's
 * quirk says otherwise. */
static uint32_t reset_value(const struct ac97 *dev, const struct nabm_reg *r)
{
	if (r->field == R_SR && ac97_has(dev, AC97_Q_POWER_ON_SR_ZERO))
		return 0;
	if (r->field == R_GLOB_STA && ac97_has(dev, AC97_Q_NO_LINK_RESET))
		return AC97_GS_S0CR;
	return r->reset;
}

/* The register table's reset column and the state a fresh device starts
 * in are two statements of one fact: check they agree. (CAS is left out:
 * reading it takes the semaphore.) */
static bool reset_values_match_table(struct ac97 *dev)
{
	const struct nabm_reg *table = engine_table(dev, NULL);
	for (int e = 0; e < AC97_ENGINE_COUNT; e++)
		for (size_t i = 0; i < ARRAY_LEN(engine_regs); i++)
			if (nabm_reg_read(dev, &table[i], e) != reset_value(dev, &table[i]))
				return false;
	for (size_t i = 0; i < ARRAY_LEN(global_regs); i++)
		if (global_regs[i].field != R_CAS &&
		    nabm_reg_read(dev, &global_regs[i], -1) != reset_value(dev, &global_regs[i]))
			return false;
	return true;
}

void ac97_init(struct ac97 *dev, const struct ac97_config *cfg, const struct ac97emu_dma_ops *dma,
	       void *dma_ctx)
{
	assert(dma != NULL && dma->read != NULL && dma->write != NULL);
	/* All but the scratch page, which is always written before it is read
	 * (a machine is made for every run of a search). */
	_Static_assert(offsetof(struct ac97, scratch) + AC97_SCRATCH_BYTES + 8 > sizeof(struct ac97),
		       "scratch is the device's last member");
	memset(dev, 0, offsetof(struct ac97, scratch));
	dev->cfg = *cfg;
	/* Keep the FIFO inside the model's envelope: even, and holding at
	 * least one frame. Any latency is accepted; one of a frame or more
	 * makes the FIFO drain faster than it fills (FIFOE once it exceeds
	 * the FIFO's duration) and is simulated request by request. */
	if (dev->cfg.fifo_samples < 2)
		dev->cfg.fifo_samples = 2;
	if (dev->cfg.fifo_samples > AC97_FIFO_SAMPLES_MAX)
		dev->cfg.fifo_samples = AC97_FIFO_SAMPLES_MAX;
	dev->cfg.fifo_samples &= ~1u;
	if (dev->cfg.dma_latency_ticks > AC97_DMA_LATENCY_TICKS_MAX)
		dev->cfg.dma_latency_ticks = AC97_DMA_LATENCY_TICKS_MAX;
	/* The ready delay is added to the time COLD# goes up: bounded, like
	 * the latency, so that the sum cannot wrap (simtime.h, the horizon). */
	if (dev->cfg.codec_ready_delay_ticks > AC97_CODEC_READY_DELAY_TICKS_MAX)
		dev->cfg.codec_ready_delay_ticks = AC97_CODEC_READY_DELAY_TICKS_MAX;
	dev->dma = *dma;
	dev->dma_ctx = dma_ctx;
	dev->profile = cfg->profile != NULL ? cfg->profile : ac97_profile_default();
	dev->cfg.profile = dev->profile;
	dev->quirks = dev->profile->quirks;
	codec_init(&dev->codec, dev->profile->codec);
	for (int i = 0; i < AC97_ENGINE_COUNT; i++)
		bm_engine_init(&dev->engine[i], i, dev->cfg.fifo_samples, dev->quirks);
	dev->codec_ready_tick = SIM_TICKS_NEVER;
	dev->codec_access_done_tick = SIM_TICKS_NEVER;
	if (ac97_has(dev, AC97_Q_NO_LINK_RESET)) {
		/* No cold reset to come out of: ready, and the link up, from
		 * the start. */
		dev->codec_ready = true;
		dev->codec_ready_tick = 0;
		update_link(dev);
	}
	assert(reset_values_match_table(dev));
}

void ac97_set_sink(struct ac97 *dev, struct ac97_sink sink)
{
	dev->sink = sink;
}

void ac97_set_dma_latency(struct ac97 *dev, sim_ticks_t dma_latency_ticks)
{
	for (unsigned e = 0; e < AC97_ENGINE_COUNT; e++)
		assert(!(dev->engine[e].cr & AC97_CR_RPBM));	/* before any DMA */
	dev->cfg.dma_latency_ticks = dma_latency_ticks < AC97_DMA_LATENCY_TICKS_MAX
					     ? dma_latency_ticks
					     : AC97_DMA_LATENCY_TICKS_MAX;
}

void ac97_set_source(struct ac97 *dev, struct ac97_source source)
{
	dev->source = source;
}

void ac97_set_observer(struct ac97 *dev, struct ac97_observer obs)
{
	dev->observer = obs;
}

bool ac97_stall_bus_until(struct ac97 *dev, sim_ticks_t until_tick)
{
	if (until_tick > SIM_TICKS_HORIZON)
		return false;
	if (until_tick > dev->bus_stall_until_tick)
		dev->bus_stall_until_tick = until_tick;
	for (int i = 0; i < AC97_ENGINE_COUNT; i++)
		bm_engine_reschedule(dev, &dev->engine[i]);
	return true;
}

sim_ticks_t ac97_next_event_tick(const struct ac97 *dev)
{
	sim_ticks_t next = dev->codec_ready ? SIM_TICKS_NEVER : dev->codec_ready_tick;
	for (int i = 0; i < AC97_ENGINE_COUNT; i++) {
		sim_ticks_t t = dev->engine[i].next_event_tick;
		if (t < next)
			next = t;
	}
	return next;
}

/* Returns false when no engine had anything to do by t (nothing changed). */
static bool advance_engines(struct ac97 *dev, sim_ticks_t t)
{
	_Static_assert(AC97_ENGINE_COUNT == 3, "the quiet test names every engine");
	if (t < dev->engine[0].quiet_until && t < dev->engine[1].quiet_until &&
	    t < dev->engine[2].quiet_until)
		return false;	/* the common case, without a call per engine */
	bool changed = false;
	for (uint32_t n = 0; n < AC97_ENGINE_COUNT; n++) {
		uint32_t i = (dev->rr_next + n) % AC97_ENGINE_COUNT;
		changed |= bm_engine_advance(dev, &dev->engine[i], t);
	}
	return changed;
}

bool ac97_advance_to_slow(struct ac97 *dev, sim_ticks_t t)
{
	assert(t >= dev->now_ticks);
	if (t > SIM_TICKS_HORIZON)
		return false;
	/* Events can fall in the current tick (a transfer with no latency, a
	 * codec with no ready delay); each pass does at least one of them, and
	 * a tick holds a bounded number (a transfer per engine, 32 buffer
	 * completions each). */
	uint32_t same_tick_passes = 0;
	for (;;) {
		sim_ticks_t te = ac97_next_event_tick(dev);
		if (te > t)
			break;
		if (te <= dev->now_ticks) {
			te = dev->now_ticks;
			assert(++same_tick_passes < 4u * AC97_ENGINE_COUNT * AC97_BDL_ENTRIES);
		} else {
			same_tick_passes = 0;
		}
		advance_engines(dev, te);
		dev->now_ticks = te;
		dev->rr_next = (dev->rr_next + 1) % AC97_ENGINE_COUNT;
		if (!dev->codec_ready && dev->codec_ready_tick <= te) {
			dev->codec_ready = true;
			ac97_emit(dev, te, AC97_EV_CODEC_READY, -1, 0, 0, "primary codec ready");
			update_link(dev);
		}
		update_irq(dev);
	}
	if (dev->now_ticks == t)
		return true;	/* the last event was at t: every engine is there */
	/* Mostly a few ticks inside one AC-link frame, with nothing due: then
	 * no status bit moved and the line stays as it is. */
	bool changed = advance_engines(dev, t);
	dev->now_ticks = t;
	if (changed)
		update_irq(dev);
	return true;
}

/* ---- NABMBAR -------------------------------------------------------------- */

/* The engine register table of the device's layout. */
static const struct nabm_reg *engine_table(const struct ac97 *dev, const int8_t **reg_of_byte)
{
	bool swapped = ac97_has(dev, AC97_Q_SR_PICB_SWAPPED);
	if (reg_of_byte != NULL)
		*reg_of_byte = swapped ? engine_reg_of_byte_swapped : engine_reg_of_byte;
	return swapped ? engine_regs_sr_picb_swapped : engine_regs;
}

static const struct nabm_reg *nabm_reg_at(const struct ac97 *dev, uint64_t offset, int *engine,
					  uint32_t *reg_base)
{
	if (offset < AC97_GLOB_CNT) {
		uint32_t block = (uint32_t)offset / AC97_ENGINE_STRIDE;
		uint32_t within = (uint32_t)offset % AC97_ENGINE_STRIDE;
		const int8_t *reg_of_byte;
		const struct nabm_reg *table = engine_table(dev, &reg_of_byte);
		int idx = reg_of_byte[within];
		if (idx < 0)
			return NULL;
		const struct nabm_reg *r = &table[idx];
		assert(within >= r->offset && within < (uint32_t)r->offset + r->size_bytes);
		*engine = (int)block;
		*reg_base = block * AC97_ENGINE_STRIDE + r->offset;
		return r;
	}
	for (size_t i = 0; i < ARRAY_LEN(global_regs); i++) {
		const struct nabm_reg *r = &global_regs[i];
		if (r->field == R_NABM_4C && !ac97_has(dev, AC97_Q_OUTPUT_MUTE_4C))
			continue;
		if (offset >= r->offset && offset < (uint64_t)r->offset + r->size_bytes) {
			*engine = -1;
			*reg_base = r->offset;
			return r;
		}
	}
	return NULL;
}

static void cas_update(struct ac97 *dev)
{
	if (dev->cas_held && dev->codec_access_done_tick <= dev->now_ticks) {
		dev->cas_held = false;
		dev->codec_access_done_tick = SIM_TICKS_NEVER;
	}
}

static uint32_t glob_sta_value(const struct ac97 *dev)
{
	uint32_t v = dev->glob_sta_sticky;
	if (dev->codec_ready)
		v |= AC97_GS_S0CR;
	if (ac97_has(dev, AC97_Q_IRQ_ON_SR_CHANGE))
		return v | dev->glob_sta_int_latched;
	for (int i = 0; i < AC97_ENGINE_COUNT; i++)
		if (bm_engine_irq_status(&dev->engine[i]))
			v |= engine_int_bit[i];
	return v;
}

static uint32_t nabm_reg_read(struct ac97 *dev, const struct nabm_reg *r, int engine)
{
	const struct bm_engine *e = engine >= 0 ? &dev->engine[engine] : NULL;
	switch ((enum reg_field)r->field) {
	case R_BDBAR: return e->bdbar;
	case R_CIV: return e->civ;
	case R_LVI: return e->lvi;
	case R_SR: return bm_engine_sr(e);
	case R_PICB: return bm_engine_picb(e);
	case R_PIV: return e->piv;
	case R_CR: return e->cr;
	case R_GLOB_CNT: return dev->glob_cnt;
	case R_GLOB_STA: return glob_sta_value(dev);
	case R_CAS: {
		/* Reading returns the semaphore and takes it. */
		cas_update(dev);
		uint32_t v = dev->cas_held ? 1u : 0u;
		dev->cas_held = true;
		return v;
	}
	case R_NABM_4C: return dev->nabm_4c;
	}
	return 0;
}

static void write_glob_cnt(struct ac97 *dev, uint32_t value)
{
	uint32_t old = dev->glob_cnt;
	uint32_t v = value & 0x3Fu;
	if (ac97_has(dev, AC97_Q_NO_LINK_RESET)) {
		/* The emulators' reset handlers do nothing, and a write asking
		 * for one is not stored at all; the rest is storage. */
		if (!(v & (AC97_GC_COLD | AC97_GC_WARM)))
			dev->glob_cnt = v;
		return;
	}
	if ((old & AC97_GC_COLD) && !(v & AC97_GC_COLD)) {
		/* COLD# asserted: the codec is held in reset; the bus master is not. */
		codec_cold_reset(&dev->codec);
		dev->codec_ready = false;
		dev->codec_ready_tick = SIM_TICKS_NEVER;
	} else if (!(old & AC97_GC_COLD) && (v & AC97_GC_COLD)) {
		dev->codec_ready_tick = dev->now_ticks + dev->cfg.codec_ready_delay_ticks;
		if (dev->codec_ready_tick == dev->now_ticks)
			dev->codec_ready = true;	/* no delay: ready at once */
	}
	if ((v & AC97_GC_WARM) && (v & AC97_GC_COLD)) {
		uint16_t pd = codec_read(&dev->codec, CODEC_POWERDOWN);
		if (pd & CODEC_PD_PR4_LINK)
			codec_write(&dev->codec, CODEC_POWERDOWN, (uint16_t)(pd & ~CODEC_PD_PR4_LINK));
	}
	dev->glob_cnt = v & ~AC97_GC_WARM;	/* WARM self-clears */
	update_link(dev);
}

static void nabm_reg_write(struct ac97 *dev, const struct nabm_reg *r, int engine,
			   uint32_t reg_base, uint32_t value, uint32_t byte_mask)
{
	struct bm_engine *e = engine >= 0 ? &dev->engine[engine] : NULL;
	uint32_t changeable = (r->writable | r->w1c) & byte_mask;
	if (changeable == 0) {
		ac97_guest_error(dev, dev->now_ticks, engine, AC97_GE_RO_WRITE, reg_base,
				 "write to a read-only register ignored");
		return;
	}
	switch ((enum reg_field)r->field) {
	case R_BDBAR: bm_engine_write_bdbar(dev, e, value, byte_mask); break;
	case R_LVI: bm_engine_write_lvi(dev, e, (uint8_t)value); break;
	case R_SR:
		bm_engine_write_sr(dev, e, (uint16_t)(value & byte_mask));
		update_irq(dev);
		break;
	case R_CR: {
		bool voice_was_off = e->voice_off;
		bm_engine_write_cr(dev, e, (uint8_t)value);
		if (voice_was_off)
			update_link(dev);	/* the voice is active again */
		update_irq(dev);
		break;
	}
	case R_GLOB_CNT:
		if (value & byte_mask & ~r->writable)
			ac97_guest_error(dev, dev->now_ticks, -1, AC97_GE_RO_WRITE, reg_base,
					 "reserved GLOB_CNT bits ignored (82801AA)");
		write_glob_cnt(dev, (dev->glob_cnt & ~byte_mask) | (value & byte_mask));
		update_irq(dev);
		break;
	case R_GLOB_STA:
		dev->glob_sta_sticky &= ~(value & byte_mask & r->w1c);
		update_irq(dev);
		break;
	case R_NABM_4C:
		dev->nabm_4c = (uint16_t)(((dev->nabm_4c & ~byte_mask) | (value & byte_mask)) &
					  r->writable);
		break;
	case R_CIV:
	case R_PICB:
	case R_PIV:
	case R_CAS:
		assert(!"read-only registers have no changeable bits");
		break;
	}
}

static bool width_ok(unsigned width_bits)
{
	return width_bits == 8 || width_bits == 16 || width_bits == 32;
}

/* AC97_Q_NABM_WIDTHS: the accesses QEMU's nabm_readb/w/l and nabm_writeb/w/l and
 * VirtualBox's ichac97IoPortNabmRead/Write decode, as (offset within an
 * engine block or absolute, width in bytes); every other access reads all
 * ones and writes nothing. */
struct nabm_access {
	uint8_t offset;
	uint8_t n_bytes;
};

static const struct nabm_access nabm_engine_reads[] = {
	{ AC97_BDBAR, 4 }, { AC97_CIV, 1 }, { AC97_CIV, 4 }, { AC97_LVI, 1 }, { AC97_SR, 1 },
	{ AC97_SR, 2 }, { AC97_PICB, 2 }, { AC97_PICB, 4 }, { AC97_PIV, 1 }, { AC97_CR, 1 },
};
static const struct nabm_access nabm_engine_writes[] = {
	{ AC97_BDBAR, 4 }, { AC97_LVI, 1 }, { AC97_SR, 1 }, { AC97_SR, 2 }, { AC97_CR, 1 },
};
static const struct nabm_access nabm_global_reads[] = {
	{ AC97_GLOB_CNT, 4 }, { AC97_GLOB_STA, 4 }, { AC97_CAS, 1 },
};
static const struct nabm_access nabm_global_writes[] = {
	{ AC97_GLOB_CNT, 4 }, { AC97_GLOB_STA, 4 },
};

static bool access_listed(const struct nabm_access *list, size_t n, uint32_t offset,
			  unsigned n_bytes)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].offset == offset && list[i].n_bytes == n_bytes)
			return true;
	return false;
}

/* True when the profile decodes no such access (and logs it). */
static bool nabm_width_refused(struct ac97 *dev, uint32_t offset, unsigned n_bytes, bool write)
{
	if (!ac97_has(dev, AC97_Q_NABM_WIDTHS))
		return false;
	bool ok;
	if (offset < AC97_GLOB_CNT)
		ok = write ? access_listed(nabm_engine_writes, ARRAY_LEN(nabm_engine_writes),
					   offset % AC97_ENGINE_STRIDE, n_bytes)
			   : access_listed(nabm_engine_reads, ARRAY_LEN(nabm_engine_reads),
					   offset % AC97_ENGINE_STRIDE, n_bytes);
	else
		ok = write ? access_listed(nabm_global_writes, ARRAY_LEN(nabm_global_writes), offset,
					   n_bytes)
			   : access_listed(nabm_global_reads, ARRAY_LEN(nabm_global_reads), offset,
					   n_bytes);
	if (!ok)
		ac97_guest_error(dev, dev->now_ticks, -1, AC97_GE_BAD_WIDTH, offset,
				 write ? "NABMBAR write of a width the profile does not decode"
				       : "NABMBAR read of a width the profile does not decode");
	return !ok;
}

static uint32_t nabm_read(struct ac97 *dev, uint32_t offset, unsigned n_bytes)
{
	if (nabm_width_refused(dev, offset, n_bytes, false))
		return n_bytes == 4 ? 0xFFFFFFFFu : (1u << (8 * n_bytes)) - 1;
	int engine;
	uint32_t base;
	const struct nabm_reg *hit =
		offset < dev->profile->nabm_bytes ? nabm_reg_at(dev, offset, &engine, &base) : NULL;
	if (hit != NULL && base == offset && hit->size_bytes == n_bytes)
		return nabm_reg_read(dev, hit, engine);	/* the usual, aligned case */
	uint32_t result = 0;
	bool outside = false;
	for (unsigned i = 0; i < n_bytes;) {
		uint64_t at = (uint64_t)offset + i;
		const struct nabm_reg *r =
			at < dev->profile->nabm_bytes ? nabm_reg_at(dev, at, &engine, &base) : NULL;
		if (r == NULL) {
			uint32_t byte = at < dev->profile->nabm_bytes ? 0x00u : 0xFFu;
			outside |= at >= dev->profile->nabm_bytes;
			result |= byte << (8 * i);
			i++;
			continue;
		}
		uint32_t v = nabm_reg_read(dev, r, engine);
		for (; i < n_bytes && (uint64_t)offset + i < (uint64_t)base + r->size_bytes; i++) {
			uint32_t shift = 8 * (uint32_t)((uint64_t)offset + i - base);
			result |= ((v >> shift) & 0xFFu) << (8 * i);
		}
	}
	if (outside)
		ac97_guest_error(dev, dev->now_ticks, -1, AC97_GE_BAD_OFFSET, offset,
				 "NABMBAR read outside the BAR");
	return result;
}

static void nabm_write(struct ac97 *dev, uint32_t offset, unsigned n_bytes, uint32_t value)
{
	if (nabm_width_refused(dev, offset, n_bytes, true))
		return;
	int engine;
	uint32_t base;
	const struct nabm_reg *hit =
		offset < dev->profile->nabm_bytes ? nabm_reg_at(dev, offset, &engine, &base) : NULL;
	if (hit != NULL && base == offset && hit->size_bytes == n_bytes) {
		uint32_t all = n_bytes == 4 ? 0xFFFFFFFFu : (1u << (8 * n_bytes)) - 1;
		nabm_reg_write(dev, hit, engine, base, value, all);
		return;
	}
	bool outside = false;
	for (unsigned i = 0; i < n_bytes;) {
		uint64_t at = (uint64_t)offset + i;
		const struct nabm_reg *r =
			at < dev->profile->nabm_bytes ? nabm_reg_at(dev, at, &engine, &base) : NULL;
		if (r == NULL) {
			if (at >= dev->profile->nabm_bytes)
				outside = true;
			else
				ac97_guest_error(dev, dev->now_ticks, -1, AC97_GE_RO_WRITE, at,
						 "write to a reserved NABMBAR byte ignored");
			i++;
			continue;
		}
		uint32_t reg_value = 0, byte_mask = 0;
		for (; i < n_bytes && (uint64_t)offset + i < (uint64_t)base + r->size_bytes; i++) {
			uint32_t shift = 8 * (uint32_t)((uint64_t)offset + i - base);
			reg_value |= ((value >> (8 * i)) & 0xFFu) << shift;
			byte_mask |= 0xFFu << shift;
		}
		nabm_reg_write(dev, r, engine, base, reg_value, byte_mask);
	}
	if (outside)
		ac97_guest_error(dev, dev->now_ticks, -1, AC97_GE_BAD_OFFSET, offset,
				 "NABMBAR write outside the BAR ignored");
}

/* ---- NAMBAR (codec) --------------------------------------------------------- */

static bool codec_present(struct ac97 *dev, uint32_t offset);

/* One codec register access goes out on the link: it holds CAS until the
 * end of the next frame. Returns false (and logs) when nothing answers. */
static bool codec_access(struct ac97 *dev, uint32_t offset)
{
	if (ac97_has(dev, AC97_Q_CAS_FREED_BY_NAM)) {
		/* No link to wait for: the access is done, CAS free, at once. */
		dev->cas_held = false;
		dev->codec_access_done_tick = SIM_TICKS_NEVER;
		return codec_present(dev, offset);
	}
	cas_update(dev);
	if (dev->codec_access_done_tick != SIM_TICKS_NEVER &&
	    dev->now_ticks < dev->codec_access_done_tick)
		ac97_guest_error(dev, dev->now_ticks, -1, AC97_GE_CODEC_BUSY, offset,
				 "codec access while another is in flight");
	dev->cas_held = true;
	dev->codec_access_done_tick =
		sim_frames_to_ticks(sim_ticks_to_frames(dev->now_ticks) + 2);
	return codec_present(dev, offset);
}

/* Whether a codec answers at offset (its access made): the primary one,
 * with the link up, or the storage of AC97_Q_NAM_HIGH_RAM past 7Fh. */
static bool codec_present(struct ac97 *dev, uint32_t offset)
{
	if (offset >= 0x80) {
		if (ac97_has(dev, AC97_Q_NAM_HIGH_RAM))
			return true;
		ac97_guest_error(dev, dev->now_ticks, -1, AC97_GE_NO_SECONDARY, offset,
				 "access to the absent secondary codec");
		return false;
	}
	if (!link_running(dev)) {
		ac97_guest_error(dev, dev->now_ticks, -1, AC97_GE_CODEC_NOT_READY, offset,
				 "codec access with the codec not ready");
		return false;
	}
	return true;
}

static uint16_t nam_read16(struct ac97 *dev, uint32_t offset)
{
	if (!codec_access(dev, offset)) {
		dev->glob_sta_sticky |= AC97_GS_RCS;	/* the read timed out */
		return 0xFFFF;
	}
	if (offset >= 0x80)	/* AC97_Q_NAM_HIGH_RAM; odd offsets read 0 as below */
		return (offset & 1u) ? 0 : dev->nam_high[(offset - 0x80) / 2];
	return codec_read(&dev->codec, offset);
}

/* A write to the codec's register 00h reached it: besides the codec's own
 * register reset, what the profile's implementation does to the rest. */
static void codec_reset_written(struct ac97 *dev)
{
	/* The emulators keep NAMBAR in one array that the reset clears. */
	if (ac97_has(dev, AC97_Q_NAM_HIGH_RAM))
		memset(dev->nam_high, 0, sizeof(dev->nam_high));
	for (int i = 0; i < AC97_ENGINE_COUNT; i++)
		bm_engine_codec_reset(dev, &dev->engine[i]);
}

static void nam_write16(struct ac97 *dev, uint32_t offset, uint16_t value)
{
	if (!codec_access(dev, offset))
		return;
	if (offset >= 0x80) {	/* AC97_Q_NAM_HIGH_RAM */
		if (!(offset & 1u))
			dev->nam_high[(offset - 0x80) / 2] = value;
		return;
	}
	codec_write(&dev->codec, offset, value);
	if (offset == CODEC_RESET)
		codec_reset_written(dev);
	update_link(dev);	/* rates, powerdown and voices may have changed */
	update_irq(dev);	/* an engine reset may have moved its status */
}

/* AC97_Q_NAM_WORD_ONLY: a byte or dword access the emulator does not
 * decode; it frees CAS (AC97_Q_CAS_FREED_BY_NAM) all the same. */
static bool nam_width_refused(struct ac97 *dev, uint32_t offset, unsigned n_bytes)
{
	if (n_bytes == 2 || !ac97_has(dev, AC97_Q_NAM_WORD_ONLY))
		return false;
	if (ac97_has(dev, AC97_Q_CAS_FREED_BY_NAM)) {
		dev->cas_held = false;
		dev->codec_access_done_tick = SIM_TICKS_NEVER;
	}
	ac97_guest_error(dev, dev->now_ticks, -1, AC97_GE_BAD_WIDTH, offset,
			 "NAMBAR access of a width the profile does not decode");
	return true;
}

static uint32_t nam_read(struct ac97 *dev, uint32_t offset, unsigned n_bytes)
{
	if ((uint64_t)offset + n_bytes > AC97_NAM_BYTES) {
		ac97_guest_error(dev, dev->now_ticks, -1, AC97_GE_BAD_OFFSET, offset,
				 "NAMBAR read outside the BAR");
		return n_bytes == 4 ? 0xFFFFFFFFu : (1u << (8 * n_bytes)) - 1;
	}
	if (nam_width_refused(dev, offset, n_bytes))
		return n_bytes == 4 ? 0xFFFFFFFFu : (1u << (8 * n_bytes)) - 1;
	if (n_bytes == 1) {
		uint16_t v = nam_read16(dev, offset & ~1u);
		return (offset & 1u) ? (uint32_t)(v >> 8) : (uint32_t)(v & 0xFFu);
	}
	if (n_bytes == 2)
		return nam_read16(dev, offset);
	uint32_t lo = nam_read16(dev, offset);
	return lo | (uint32_t)nam_read16(dev, offset + 2) << 16;
}

static void nam_write(struct ac97 *dev, uint32_t offset, unsigned n_bytes, uint32_t value)
{
	if ((uint64_t)offset + n_bytes > AC97_NAM_BYTES) {
		ac97_guest_error(dev, dev->now_ticks, -1, AC97_GE_BAD_OFFSET, offset,
				 "NAMBAR write outside the BAR ignored");
		return;
	}
	if (nam_width_refused(dev, offset, n_bytes))
		return;
	if (n_bytes == 1) {
		ac97_guest_error(dev, dev->now_ticks, -1, AC97_GE_CODEC_WIDTH, offset,
				 "NAMBAR byte write dropped");
		return;
	}
	nam_write16(dev, offset, (uint16_t)value);
	if (n_bytes == 4)
		nam_write16(dev, offset + 2, (uint16_t)(value >> 16));
}

/* ---- port I/O --------------------------------------------------------------- */

uint32_t ac97_io_read(struct ac97 *dev, enum ac97_bar bar, uint32_t offset, unsigned width_bits)
{
	if (!width_ok(width_bits)) {
		ac97_guest_error(dev, dev->now_ticks, -1, AC97_GE_BAD_WIDTH, width_bits,
				 "I/O access width is not 8, 16 or 32");
		return 0xFFFFFFFFu;
	}
	/* A read changes no status bit or enable, so the line stays as it is. */
	return bar == AC97_BAR_NAM ? nam_read(dev, offset, width_bits / 8)
				   : nabm_read(dev, offset, width_bits / 8);
}

void ac97_io_write(struct ac97 *dev, enum ac97_bar bar, uint32_t offset, unsigned width_bits,
		   uint32_t value)
{
	if (!width_ok(width_bits)) {
		ac97_guest_error(dev, dev->now_ticks, -1, AC97_GE_BAD_WIDTH, width_bits,
				 "I/O access width is not 8, 16 or 32");
		return;
	}
	if (width_bits < 32)
		value &= (1u << width_bits) - 1;
	/* Only SR, CR, GLOB_CNT and GLOB_STA can move the interrupt line; their
	 * handlers recompute it. */
	if (bar == AC97_BAR_NAM)
		nam_write(dev, offset, width_bits / 8, value);
	else
		nabm_write(dev, offset, width_bits / 8, value);
}
