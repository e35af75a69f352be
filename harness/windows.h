/*
 * windows.h - the race windows of the catalogue (docs/wavepci.md), by
 * name: moments a driver (or the port model) reaches only when a race
 * actually happened, marked where they happen with AcMark (kernel.h).
 * explore counts, per window and strategy, how many runs reached each, so
 * a search can show that it got where the races live; make check fails
 * when a window is never reached by the default search of the bundled
 * scenarios.
 *
 * A mark whose name is not in this table (a plug-in's own) is logged like
 * any other but not counted.
 */
#ifndef AC97SIM_WINDOWS_H
#define AC97SIM_WINDOWS_H

#include <stdint.h>

/* X(ID, "name", catalogue entry, "what happened, in words") */
#define RACE_WINDOWS(X)                                                                       \
	X(LIST_CHANGED_AROUND_GET, "list-changed-around-get", 2,                              \
	  "the list changed while the lock was dropped around GetMapping")                    \
	X(LIST_CHANGED_AROUND_RELEASE, "list-changed-around-release", 2,                      \
	  "the list changed while the lock was dropped around ReleaseMapping")                \
	X(SECOND_PRODUCER, "second-producer", 3,                                               \
	  "a producer arrived while another was filling the list")                            \
	X(AVAILABLE_DURING_FILL, "available-during-fill", 4,                                   \
	  "MappingAvailable arrived while a producer was inside its fill loop")               \
	X(RELEASE_DURING_REVOKE, "release-during-revoke", 5,                                   \
	  "a ReleaseMapping landed between the port choosing a revoke range and the call's return") \
	X(SECOND_CONSUMER, "second-consumer", 6,                                               \
	  "a consumer arrived while another was releasing")                                   \
	X(REVOKE_WHILE_RUNNING, "revoke-while-running", 7,                                     \
	  "a revoke paused DMA that was running")                                              \
	X(REVOKE_PREFETCHED, "revoke-prefetched", 7,                                           \
	  "a revoke took the prefetched entry (PIV) and kept the current one")                \
	X(REVOKE_CLAMPED, "revoke-clamped", 8,                                                 \
	  "a revoke named tags no longer listed")                                              \
	X(REVOKE_CURRENT, "revoke-current", 9,                                                 \
	  "a revoke took the entry DMA was playing (CIV)")                                     \
	X(STOPPED_UNDER_DPC, "stopped-under-dpc", 11,                                          \
	  "a DPC found its stream stopped")                                                    \
	X(STRAY_STATUS, "stray-status", 12,                                                    \
	  "the ISR cleared status of an engine no stream owns")                                \
	X(COALESCED_INTERRUPT, "coalesced-interrupt", 13,                                      \
	  "one interrupt's DPC found several buffers completed")                              \
	X(FULL_LIST, "full-list", 15, "the descriptor list held 31 entries")                  \
	X(SPLIT_MAPPING, "split-mapping", 16, "a mapping went out over several descriptors")  \
	X(BOUNCE_FRAME, "bounce-frame", 16, "a frame straddled two mappings")                 \
	X(START_ONE_ENTRY, "start-one-entry", 17,                                              \
	  "DMA started with one entry queued, the port having no more")                       \
	X(POSITION_REREAD, "position-reread", 19,                                              \
	  "CIV moved while the position was being read")                                      \
	X(STOP_RESTART, "stop-restart", 20, "RUN came again after a STOP with mappings queued") \
	X(GET_DURING_REBUILD, "get-during-rebuild", 7,                                         \
	  "GetMapping succeeded while a revoke's rebuild of the list was in progress")        \
	X(CANCEL_DURING_REBUILD, "cancel-during-rebuild", 7,                                   \
	  "a revoke came while the list was laid out again and DMA not yet restarted")        \
	X(INTERRUPT_DURING_REVOKE, "interrupt-during-revoke", 7,                               \
	  "the ISR ran while a revoke was in progress")                                       \
	X(REVOKE_DURING_GET, "revoke-during-get", 5,                                           \
	  "a revoke named the mapping a GetMapping was handing out, before it was listed")

enum race_window {
#define RACE_WINDOW_ENUM(id, name, entry, what) WINDOW_##id,
	RACE_WINDOWS(RACE_WINDOW_ENUM)
#undef RACE_WINDOW_ENUM
	WINDOW_COUNT
};
_Static_assert(WINDOW_COUNT <= 64, "a run's windows are a 64-bit mask");

struct race_window_def {
	const char *name;
	unsigned catalogue_entry;
	const char *what;
};

extern const struct race_window_def race_windows[WINDOW_COUNT];

/* The window named name, or WINDOW_COUNT. */
enum race_window race_window_by_name(const char *name);

#endif
