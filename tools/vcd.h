/*
 * vcd.h - a run as a VCD waveform (IEEE 1364 value change dump, with
 * GTKWave's string variables), for `run --vcd` and `replay --vcd`.
 *
 * The writer is an observer of the run (scenario.h): it subscribes to the
 * run's event stream at BUS_RECORD and, at every event it reads, samples
 * what the waveform shows and writes what changed:
 *
 *   cpuN.context   string  what the CPU runs, innermost first: "ISR:name",
 *                          "DPC:name", the passive call's name, or "idle"
 *   cpuN.state     string  running, idle, waiting, flushing, or
 *                          spinning:LOCK (the lock it spins on)
 *   cpuN.irql      wire 8  its IRQL (0 PASSIVE, 2 DISPATCH, 5 DIRQL)
 *   machine.cpu    wire 4  the CPU the machine is executing
 *   locks.NAME_ID  wire 4  the CPU holding the spin lock (the interrupt's
 *                          own lock among them), z when free
 *   device.irq     wire 1  the interrupt line
 *   device.ENG.civ, .lvi, .piv (wire 5), .picb, .sr (wire 16), .cr
 *                  (wire 8), .run (wire 1: RPBM set and DMA not halted),
 *                  for ENG = pi, po, mc
 *   port.state     string  the pin's KSSTATE (STOP, ACQUIRE, PAUSE, RUN)
 *   port.mNNN_irpK string  mapping NNN's state (PENDING, ACQUIRED:TAG,
 *                          RELEASED:TAG, REVOKING:TAG, REVOKED:TAG,
 *                          DROPPED), one variable per mapping
 *   failure        string  the failure's name, from the moment it fired
 *   failed         wire 1  rises at the failure: a marker any viewer shows
 *
 * Registers are sampled, not traced: PICB counts down between events, and
 * the waveform shows its value at each event (every scheduling point,
 * register access and device event), which is when anything could read
 * it. Locks and mappings are declared as they first appear, so the body
 * is written to a temporary file and the header, which declares every
 * variable, goes before it when the file is committed.
 *
 * Time: $timescale 1 ns; each time is the event's BIT_CLK tick (12.288 MHz)
 * converted to ns and rounded to the nearest, so the tick comes back
 * exactly (sim_ns_to_ticks_round). Nothing written depends on the host:
 * no date, no addresses, names as the driver gave them (characters other
 * than letters, digits and '_' become '_', so every name is one token).
 */
#ifndef AC97SIM_VCD_H
#define AC97SIM_VCD_H

#include <stddef.h>
#include <stdint.h>

#include "machine.h"
#include "scenario.h"

struct vcd;

/*
 * A writer for path (checked and written through outfile.h at
 * vcd_commit; nothing is created before). comment is written into the
 * header's $comment (one line, e.g. the scenario and the seed). Returns
 * NULL with err when out of host memory or when no temporary file can be
 * had.
 */
struct vcd *vcd_create(const char *path, const char *comment, char *err, size_t err_len);

/* The observer to give scenario_run_with. One run per writer. */
struct scenario_observer vcd_observer(struct vcd *v);

/*
 * After the run: the last time (the run's end) and the whole file, header
 * and body, written to the path. Returns 0, or -1 with err ("PATH:
 * reason"; no file is left then). Call once.
 */
int vcd_commit(struct vcd *v, sim_ticks_t end_tick, char *err, size_t err_len);

/* Frees (after vcd_commit, or instead of it: then nothing is written).
 * NULL is accepted. */
void vcd_free(struct vcd *v);

#endif
