/*
 * ac97sim_wavepci.h - the one line that makes a C++ WavePci miniport an
 * ac97sim driver (docs/cxx-miniports.md):
 *
 *	#include <ac97sim_wavepci.h>
 *	AC97SIM_WAVEPCI_DRIVER("mydriver", "what it is, in one line",
 *			       CreateMiniportWavePciMine, StartAdapter);
 *
 * CreateMiniport has portcls's create-function shape (PFNCREATEINSTANCE:
 * the STD_CREATE_BODY functions a miniport already has). StartAdapter is
 * the author's part of StartDevice:
 *
 *	NTSTATUS StartAdapter(PDEVICE_OBJECT DeviceObject, PRESOURCELIST ResourceList,
 *			      PUNKNOWN *UnknownAdapter);
 *
 * It creates and initialises the adapter's common object from the
 * resource list (port entry 0 the mixer, NAMBAR; entry 1 the bus master,
 * NABMBAR; interrupt entry 0) and outputs its IUnknown, AddRef'd, which
 * the port hands to the miniport's Init and releases at adapter stop
 * (NULL if the miniport needs none). DeviceObject stands for the one
 * device: a miniport may keep it and pass it back to the kernel, but there
 * is nothing in it to read (the machine has no I/O manager).
 *
 * The macro defines the plug-in's versioned driver entry (driver.h),
 * whose adapter and stream entry points are libac97sim-wdm's port: it
 * creates the miniport, binds it, opens a stream on the pin the scenario's
 * engine needs, and calls the miniport stream's methods as portcls does.
 */
#ifndef AC97SIM_WAVEPCI_ENTRY_H
#define AC97SIM_WAVEPCI_ENTRY_H

#include "driver.h"
#include "portcls.h"
#include "stdunk.h"

typedef NTSTATUS (*AC97SIM_PFNSTARTADAPTER)(PDEVICE_OBJECT DeviceObject,
					    PRESOURCELIST ResourceList,
					    PUNKNOWN *UnknownAdapter);

struct ac97sim_wavepci_entry {
	PFNCREATEINSTANCE create_miniport;
	AC97SIM_PFNSTARTADAPTER start_adapter;
};

/* Memory ac97sim gives the port for the adapter and for each stream (the
 * runtime holds its state there; static_asserts in it keep these). */
#define AC97SIM_WAVEPCI_ADAPTER_BYTES 128u
#define AC97SIM_WAVEPCI_STREAM_BYTES 256u

extern "C++" {
NTSTATUS ac97sim_wavepci_adapter_start(void *adapter, const AC97SIM_RESOURCES *resources);
void ac97sim_wavepci_adapter_stop(void *adapter);
NTSTATUS ac97sim_wavepci_stream_open(void *adapter, void *stream,
				     const struct ac97sim_stream_params *params);
void ac97sim_wavepci_stream_close(void *stream);
NTSTATUS ac97sim_wavepci_set_state(void *stream, KSSTATE State);
void ac97sim_wavepci_service(void *stream);
void ac97sim_wavepci_mapping_available(void *stream);
NTSTATUS ac97sim_wavepci_revoke_mappings(void *stream, PVOID FirstTag, PVOID LastTag,
					 PULONG MappingsRevoked);
NTSTATUS ac97sim_wavepci_get_position(void *stream, PULONGLONG Position);
NTSTATUS ac97sim_wavepci_normalize_physical_position(void *stream, PLONGLONG PhysicalPosition);
/* Defined by AC97SIM_WAVEPCI_DRIVER in the miniport's source. */
extern const struct ac97sim_wavepci_entry ac97sim_wavepci_entry_point;
}

#define AC97SIM_WAVEPCI_DRIVER(Name, Description, CreateMiniport, StartAdapter)             \
	extern "C++" const struct ac97sim_wavepci_entry ac97sim_wavepci_entry_point = {    \
		CreateMiniport, StartAdapter };                                            \
	AC97SIM_DRIVER_DEFINE = {                                                           \
		AC97SIM_DRIVER_ABI,                                                         \
		Name,                                                                       \
		Description,                                                                \
		AC97SIM_WAVEPCI_ADAPTER_BYTES,                                              \
		AC97SIM_WAVEPCI_STREAM_BYTES,                                               \
		ac97sim_wavepci_adapter_start,                                              \
		ac97sim_wavepci_adapter_stop,                                               \
		ac97sim_wavepci_stream_open,                                                \
		ac97sim_wavepci_stream_close,                                               \
		{ ac97sim_wavepci_set_state, ac97sim_wavepci_service,                       \
		  ac97sim_wavepci_mapping_available, ac97sim_wavepci_revoke_mappings,       \
		  ac97sim_wavepci_get_position,                                             \
		  ac97sim_wavepci_normalize_physical_position,                              \
		  { NULL, NULL, NULL, NULL, NULL, NULL } },                                 \
	}

#endif
