/*
 * runtime.h - the portcls model's own objects, inside libac97sim-wdm (not
 * installed). Each lives in its own file; wavepci_driver.cpp puts them
 * together into the struct ac97sim_driver a C++ miniport's plug-in
 * exports.
 */
#ifndef AC97SIM_WDM_RUNTIME_H
#define AC97SIM_WDM_RUNTIME_H

#include "portcls.h"
#include "stdunk.h"

/* The tag of the objects the runtime allocates ("Ac97" in a dump). */
#define RUNTIME_POOL_TAG 0x37396341u

/* resource_list.cpp: the adapter's two I/O ranges (port entry 0 the
 * mixer, 1 the bus master) and its interrupt. */
NTSTATUS NewResourceList(PRESOURCELIST *OutList, const AC97SIM_RESOURCES *resources);

/* port_wavepci.cpp */
class CPortWavePci;
NTSTATUS NewPortWavePci(CPortWavePci **OutPort);
/* Binds the miniport (IPort::Init): the miniport's Init, then its
 * description. */
NTSTATUS PortBindMiniport(CPortWavePci *port, PUNKNOWN miniport, PUNKNOWN adapter,
			  PRESOURCELIST resources);
PMINIPORTWAVEPCI PortMiniport(CPortWavePci *port);
const PCFILTER_DESCRIPTOR *PortDescription(CPortWavePci *port);
/* Drops the port's references on the miniport and its service group (the
 * adapter stops). */
void PortUnbindMiniport(CPortWavePci *port);
PPORTWAVEPCI PortInterface(CPortWavePci *port);
void PortRelease(CPortWavePci *port);

/* A port stream over the C port model's stream; its IServiceSink asks the
 * port for the stream's service (Notify). */
NTSTATUS NewPortWavePciStream(PPORTWAVEPCISTREAM *OutStream, PSERVICESINK *OutSink,
			      PORT_STREAM *stream);

/* registry.cpp: a key of RegistryKeyType's root in the run's registry. */
NTSTATUS NewRegistryKey(PREGISTRYKEY *OutRegistryKey, PUNKNOWN OuterUnknown, ULONG RegistryKeyType);

/* dma_channel.cpp */
NTSTATUS NewDmaChannel(PDMACHANNEL *OutChannel, PUNKNOWN OuterUnknown, ULONG MaximumLength);

/* unknown.cpp: the live objects, for the leak check at adapter stop. */
void ReportLiveObjects(const char *when);

#endif
