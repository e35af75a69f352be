/*
 * driver.h - what a driver gives ac97sim: its description and entry
 * points. Part of the driver SDK (pkg-config ac97sim-driver).
 *
 * A driver is an adapter (the controller: bring it up, take its
 * interrupt, shut it down) and streams (one per bus-master engine, driven
 * by the port through the WavePci stream methods of wavepci.h). ac97sim
 * allocates the memory of both, zeroed, with the sizes given here, and
 * calls the entry points on its simulated CPUs:
 *
 *   adapter_start   PASSIVE_LEVEL, once, before any stream
 *   stream_open     PASSIVE_LEVEL, then the port binds stream_ops to it
 *   stream_ops      as the port calls a miniport stream (wavepci.h)
 *   stream_close    PASSIVE_LEVEL, after the stream is back in STOP
 *   adapter_stop    PASSIVE_LEVEL, once, after every stream is closed
 *
 * A built-in driver is one such description in the program; a plug-in is
 * a shared object that defines one under the name AC97SIM_DRIVER_SYMBOL,
 * with AC97SIM_DRIVER_DEFINE:
 *
 *	AC97SIM_DRIVER_DEFINE = {
 *		.abi = AC97SIM_DRIVER_ABI,
 *		.name = "mydriver",
 *		...
 *	};
 *
 * The symbol's name carries the ABI version, so a plug-in built for
 * another one is refused by name before any of its code runs.
 */
#ifndef AC97SIM_DRIVER_H
#define AC97SIM_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "ac97_regs.h"
#include "kernel.h"
#include "wavepci.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The SDK's release, and the ABI of struct ac97sim_driver and of the
 * kernel objects a driver embeds. A change to either bumps the ABI. */
#define AC97SIM_SDK_VERSION "0.2.0"
#define AC97SIM_DRIVER_ABI 1

#define AC97SIM_DRIVER_SYMBOL ac97sim_driver_abi_1
#define AC97SIM_DRIVER_SYMBOL_NAME "ac97sim_driver_abi_1"

/* What a stream is asked to be. */
struct ac97sim_stream_params {
	enum ac97_engine_id engine;	/* AC97_PO (render), AC97_PI or AC97_MC (capture) */
	PORT_STREAM *port;		/* the port stream: GetMapping and friends */
	uint32_t channels;		/* 2 on PO and PI, 1 on MC */
	uint32_t rate_hz;		/* the sample rate (VRA/VRM when not 48000) */
	/* Hints a driver may use (the scenario's [miniport] section): */
	uint32_t descriptor_max_bytes;	/* split mappings larger than this */
	uint32_t timer_service;		/* 1: also service the stream from a timer DPC */
	uint32_t timer_period_ms;
};

struct ac97sim_driver {
	uint32_t abi;			/* AC97SIM_DRIVER_ABI */
	const char *name;		/* 1-63 printable characters, no spaces: in reports, traces */
	const char *description;	/* one line */
	size_t adapter_bytes;		/* memory for the adapter (zeroed) */
	size_t stream_bytes;		/* memory for each stream (zeroed) */
	NTSTATUS (*adapter_start)(void *adapter, const AC97SIM_RESOURCES *resources);
	void (*adapter_stop)(void *adapter);
	NTSTATUS (*stream_open)(void *adapter, void *stream, const struct ac97sim_stream_params *p);
	void (*stream_close)(void *stream);
	struct miniport_stream_ops stream_ops;
};

#ifdef __cplusplus
#define AC97SIM_DRIVER_DEFINE \
	extern "C" __attribute__((visibility("default"))) const struct ac97sim_driver AC97SIM_DRIVER_SYMBOL; \
	extern "C" __attribute__((visibility("default"))) const struct ac97sim_driver AC97SIM_DRIVER_SYMBOL
#else
#define AC97SIM_DRIVER_DEFINE \
	__attribute__((visibility("default"))) const struct ac97sim_driver AC97SIM_DRIVER_SYMBOL
#endif

/* NULL when d can be used, else why not (checked on loading). */
static inline const char *ac97sim_driver_problem(const struct ac97sim_driver *d)
{
	if (d->abi != AC97SIM_DRIVER_ABI)
		return "built for another driver ABI";
	if (d->name == NULL || d->name[0] == '\0')
		return "the driver has no name";
	for (size_t i = 0; d->name[i] != '\0'; i++)
		if (i >= 63 || d->name[i] <= ' ' || d->name[i] > '~')
			return "the driver's name is not 1 to 63 printable characters without spaces";
	if (d->adapter_start == NULL || d->adapter_stop == NULL || d->stream_open == NULL ||
	    d->stream_close == NULL)
		return "the driver lacks an adapter or stream entry point";
	if (d->stream_ops.set_state == NULL || d->stream_ops.service == NULL ||
	    d->stream_ops.mapping_available == NULL || d->stream_ops.revoke_mappings == NULL ||
	    d->stream_ops.get_position == NULL)
		return "the driver lacks a stream method (set_state, service, mapping_available, "
		       "revoke_mappings, get_position)";
	return 0;
}

#ifdef __cplusplus
}
#endif

#endif
