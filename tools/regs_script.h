/*
 * regs_script.h - register scripts: drive the device directly, one access
 * per line, like QEMU's qtest (`ac97sim regs SCRIPT`).
 *
 * The format is fixed; other tools write and read it exactly:
 *
 *   # comment (also after a command); blank lines ignored; one command a line
 *   # numbers: decimal or 0x-hex, 64-bit, overflow is an error
 *   write BAR OFF WIDTH VALUE          BAR = nam | nabm; WIDTH = 8 | 16 | 32
 *   read BAR OFF WIDTH                 prints: read BAR 0xOFF WIDTH = 0xVALUE
 *   expect BAR OFF WIDTH VALUE [MASK]  passes when read & MASK == VALUE & MASK
 *                                      (MASK defaults to all ones)
 *   bd LIST INDEX ADDR SAMPLES [ioc] [bup]
 *                                      writes descriptor INDEX (0..31) of the
 *                                      list at guest address LIST: DW0 = ADDR
 *                                      (32-bit), DW1 = SAMPLES (0..65535) |
 *                                      ioc<<31 | bup<<30, little-endian
 *   fill ADDR BYTES PATTERN            PATTERN = zero | ramp16 | sine:HZ
 *   unmap ADDR BYTES | map ADDR BYTES  pages leave or rejoin guest memory
 *   advance N UNIT                     UNIT = ticks | frames | us
 *   irq [LEVEL]                        prints irq = 0|1; LEVEL (0|1) is an
 *                                      expectation
 *   out                                prints out frames = N fnv1a64 = 0x...
 *   faults [N]                         prints faults = N; N is an expectation
 *   last [L R]                         prints last = 0xLLLL 0xRRRR; L R (each
 *                                      0..0xFFFF) are an expectation
 *
 * Output (to `out`), exactly:
 *   read nabm 0x16 16 = 0x0001          offset %02x, value WIDTH/4 hex digits
 *   SCRIPT:LINE: expect nabm 0x16 16: got 0x0001 want 0x0003 (mask 0xffff)
 *   SCRIPT:LINE: irq: got 0 want 1
 *   irq = 1
 *   out frames = 1024 fnv1a64 = 0x0123456789abcdef
 *   faults = 3
 * A passing `expect` prints nothing. A failed expectation does not stop the
 * run: every failure is reported and the status is 1.
 *
 * `out` counts the frames PCM out delivered from guest memory to the
 * AC-link (AC97_SPAN_DATA spans of AC97_PO; halt fill and underrun frames
 * are not counted) and hashes them with FNV-1a 64 as little-endian int16
 * left, right. `faults` is the device's count of DMA faults.
 *
 * Semantics: guest memory is GMEM_DEFAULT_BYTES (16 MiB), all mapped at the
 * start; the device starts at tick 0 in its power-on state with the default
 * configuration and opts->profile (the ich profile by default). Register accesses take no simulated time; `advance` moves
 * the device to now + N (us converted with sim_us_to_ticks). `bd` and `fill`
 * write guest memory the way a CPU would, through gmem_write: bytes aimed at
 * unmapped pages or past the end are dropped. `fill ramp16`: the
 * little-endian 16-bit sample n (n = 0 at ADDR) has the value n mod 65536;
 * an odd BYTES ends with the low byte of a sample.
 *
 * EXTENSION: `faults N` (the count is an expectation, failing as
 * "SCRIPT:LINE: faults: got 1 want 0") and `last [L R]`: the left and
 * right samples of the last PCM-out frame that crossed the AC-link, of any
 * kind (data, halt fill, underrun), as the controller sent them (before
 * the codec), as 16-bit hex, or `last = none` before the first; with L R
 * an expectation ("SCRIPT:LINE: last: got 0x0000 0x0000 want 0x01fe
 * 0x01ff"). They exist so that scripts can hold what the link carries when
 * no data flows (BUP, underruns) and DMA faults, as they hold registers.
 *
 * EXTENSION (not in the original format): PATTERN `sine:HZ`, HZ in
 * 1..23999, fills stereo frames (4 bytes: left, right, both the same) of a
 * 48 kHz sine of HZ, amplitude 16384 (about -6 dBFS), frame 0 at ADDR with
 * phase 0. It is computed in integers only (a 9th-order polynomial of the
 * quarter wave in Q30), so every host fills the same bytes.
 *
 * Malformed scripts: the whole script is parsed before anything runs; every
 * malformed line (unknown command, wrong argument count, bad number or
 * overflow, WIDTH not 8/16/32, VALUE or MASK not fitting WIDTH, OFF past
 * 32 bits, bad BAR, UNIT or PATTERN, bd fields out of range, a total of
 * `advance` past the clock's horizon SIM_TICKS_HORIZON, a NUL byte) is
 * reported as `ac97sim: SCRIPT:LINE: reason` on `err`, and nothing runs
 * (status 2).
 * An unreadable script gives `ac97sim: SCRIPT: reason` (status 2); so does
 * a script over REGS_SCRIPT_MAX_BYTES.
 *
 * WAV (opts->wav_path): the codec's DAC output (codec_dac_output() with the
 * codec registers as they are when the device hands the span over) of every
 * PCM-out span, data, halt fill and underrun frames alike, as 16-bit stereo
 * WAV via libsndfile. The file's sample rate is the cadence rate of the
 * first PCM-out span (48000 when no span came); frames at a later,
 * different rate are written as they are (they play at the first rate). The
 * file stops growing at REGS_SCRIPT_WAV_FRAMES_MAX (a RIFF size limit),
 * with a warning. A WAV that cannot be written gives status 2.
 */
#ifndef AC97SIM_REGS_SCRIPT_H
#define AC97SIM_REGS_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses, as the program returns them. */
enum {
	REGS_SCRIPT_PASS = 0,		/* every expectation held */
	REGS_SCRIPT_CHECK_FAILED = 1,	/* an expect or irq LEVEL failed */
	REGS_SCRIPT_BAD_INPUT = 2,	/* malformed or unreadable script, WAV error */
};

#define REGS_SCRIPT_MAX_BYTES (8u << 20)
/* (2^32 - 1 - 44-byte header) / 4 bytes per frame: what a RIFF can hold. */
#define REGS_SCRIPT_WAV_FRAMES_MAX 1073741812u

struct ac97_profile;

/*
 * What a run did, for comparing runs (`ac97sim diff`): every value a
 * `read` or `expect` got, every change of the interrupt line, the guest
 * memory each engine's DMA moved (contiguous transfers of one engine and
 * direction merged into runs, so that how the device chunks its work does
 * not show), and the PCM-out frames that crossed the AC-link from the
 * first data frame on (the fill before any engine played, from whenever
 * the link came up, is not audio), each with the script line that was
 * running when it happened. Frames past REGS_RECORD_FRAMES_MAX are counted
 * and hashed, not kept.
 */
#define REGS_RECORD_FRAMES_MAX (1u << 20)

struct regs_read {
	unsigned long line;
	uint32_t offset;
	uint32_t value;
	uint8_t bar;		/* enum ac97_bar */
	uint8_t width_bits;
	bool expect;		/* an expect command, else a read */
};

struct regs_edge {
	uint64_t tick;
	unsigned long line;
	bool level;
};

struct regs_dma_run {
	uint64_t tick;		/* of its first transfer */
	unsigned long line;
	uint64_t addr, bytes;
	bool write;
};

struct regs_frame {
	uint64_t tick;
	unsigned long line;
	int16_t left, right;
	uint8_t kind;		/* enum ac97_span_kind */
};

#define REGS_RECORD_ENGINES 3	/* AC97_ENGINE_COUNT */

struct regs_record {
	struct regs_read *reads;
	size_t n_reads, cap_reads;
	struct regs_edge *edges;
	size_t n_edges, cap_edges;
	struct regs_dma_run *dma[REGS_RECORD_ENGINES];
	size_t n_dma[REGS_RECORD_ENGINES], cap_dma[REGS_RECORD_ENGINES];
	struct regs_frame *frames;	/* from the first data frame on */
	size_t n_frames, cap_frames;
	uint64_t frames_total;	/* from the first data frame on, kept or not */
	uint64_t frames_fnv;	/* FNV-1a 64 of those: tick, kind, left, right */
	bool out_of_memory;
};

/* Frees what a record holds and empties it. */
void regs_record_free(struct regs_record *rec);

struct regs_script_opts {
	const char *wav_path;	/* NULL: no WAV */
	const struct ac97_profile *profile;	/* NULL: ich */
	bool dma_latency_given;	/* else the default configuration's */
	uint64_t dma_latency_ticks;	/* at most AC97_DMA_LATENCY_TICKS_MAX */
	struct regs_record *record;	/* NULL: none kept; else empty, filled by the run */
};

/* Reads a whole script file ("-": standard input) into a malloc'd buffer
 * (not terminated) for regs_script_run_string. Returns REGS_SCRIPT_PASS,
 * or REGS_SCRIPT_BAD_INPUT after printing "ac97sim: SCRIPT: reason" on
 * err; *name is what messages call it ("<stdin>" for "-"). */
int regs_script_load(const char *path, char **text, size_t *len_bytes, const char **name,
		     FILE *err);

/* Runs the script in the file at path ("-" reads standard input). Output
 * goes to out, diagnostics to err. opts may be NULL. Returns the exit
 * status (REGS_SCRIPT_*). */
int regs_script_run_file(const char *path, const struct regs_script_opts *opts, FILE *out,
			 FILE *err);

/* Runs the script text[0..len_bytes) (need not be NUL-terminated; a NUL
 * byte inside is a malformed line); name stands for SCRIPT in messages. */
int regs_script_run_string(const char *name, const char *text, size_t len_bytes,
			   const struct regs_script_opts *opts, FILE *out, FILE *err);

/* The sine:HZ pattern's value of frame n (exposed for tests). */
int16_t regs_script_sine_sample(uint32_t hz, uint64_t frame);

#endif
