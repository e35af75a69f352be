/*
 * regs_diff.h - `ac97sim diff`: one register script run on several device
 * profiles, and where what each run did first differs from the first
 * profile's run: the registers it read, the interrupt line, the memory its
 * DMA moved and the audio that crossed the AC-link.
 *
 * Output (to out), for each profile after the first:
 *
 *   SCRIPT: qemu against ich: differs
 *     registers   line 25, expect nabm 0x14 8: ich 0x00, qemu 0x01 (3 of 5 reads differ)
 *     interrupts  the same (2 changes of the line)
 *     dma         PO run 1: ich reads 0x00020254 +684 bytes at tick 38400 (line 26),
 *                 qemu reads 0x00020400 +1024 bytes at tick 38400 (line 26)
 *     audio       PO frame 149 of the audio: ich 0x0128 0x0129 data at tick 38400
 *                 (line 26), qemu 0x0200 0x0201 data at tick 38400 (line 26)
 *
 * or "SCRIPT: virtualbox against ich: the same" with each category's
 * "the same (...)" line. Registers are the values `read` and `expect` got,
 * in script order; interrupts the line's rises and falls with their ticks;
 * DMA each engine's runs of contiguous guest memory moved one way (how the
 * device chunks its transfers does not count), the first differing run of
 * the engine where the difference comes earliest; audio the PCM-out frames
 * of every kind (data, halt fill, underrun) with their ticks, from each
 * run's first data frame on (the fill before any engine played is not
 * audio, and when the link comes up is the registers' business). Each names
 * the script line that was running. The scripts' own expectations are not
 * checked: a diff compares runs, it does not judge them.
 *
 * Exit: 0 every profile ran as the first did, 1 some differ, 2 bad usage,
 * or an unreadable or malformed script (reported once, as regs does).
 */
#ifndef AC97SIM_REGS_DIFF_H
#define AC97SIM_REGS_DIFF_H

#include <stdio.h>

int cmd_diff(int argc, char **argv);
void help_diff(FILE *f);

#endif
