/*
 * wavepci.h - the WavePci port driver as a miniport sees it: the port
 * stream's calls (IPortWavePciStream, IPortWavePci::Notify) and the
 * miniport stream's methods the port calls (IMiniportWavePciStream). Part
 * of the driver SDK (pkg-config ac97sim-driver).
 *
 * The port is the referee (docs/wavepci.md has the contract): a release
 * of an unknown, released or revoked tag, a release out of acquisition
 * order, a tag reused while live, a call with a spin lock held or above
 * DISPATCH_LEVEL, a revoke count that does not match what was still
 * acquired, a failing RevokeMappings: each fails the run the moment it
 * happens, with the rule it broke.
 */
#ifndef AC97SIM_WAVEPCI_H
#define AC97SIM_WAVEPCI_H

#include "kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { KSSTATE_STOP, KSSTATE_ACQUIRE, KSSTATE_PAUSE, KSSTATE_RUN } KSSTATE;

/* The port stream a miniport stream was opened on. */
typedef struct PORT_STREAM PORT_STREAM;

/* GetMapping's Flags: nonzero on the last mapping of an IRP. */
#define MAPPING_FLAG_LAST_OF_IRP 1u

/*
 * IPortWavePciStream::GetMapping. Hands out the stream's next physical
 * mapping (at most 16 pages; a page unless pages happen to be adjacent)
 * and ties it to Tag, which must be unique among the mappings still live.
 * STATUS_NOT_FOUND when none is available: MappingAvailable follows
 * later. IRQL <= DISPATCH_LEVEL, with no spin lock held.
 */
NTSTATUS PortGetMapping(PORT_STREAM *Stream, PVOID Tag, PPHYSICAL_ADDRESS PhysicalAddress,
			PVOID *VirtualAddress, PULONG ByteCount, PULONG Flags);
/* IPortWavePciStream::ReleaseMapping: mappings go back in the order they
 * were handed out. IRQL <= DISPATCH_LEVEL, with no spin lock held. */
NTSTATUS PortReleaseMapping(PORT_STREAM *Stream, PVOID Tag);
/* IPortWavePciStream::TerminatePacket: the I/O packet (IRP) being mapped
 * ends after the mappings already handed out, so that a part-filled
 * capture packet reaches the client when they are released; the rest of
 * its buffer is never mapped. Nothing happens when no packet is part
 * mapped. IRQL <= DISPATCH_LEVEL, with no spin lock held. */
NTSTATUS PortTerminatePacket(PORT_STREAM *Stream);
/* IPortWavePci::Notify for the stream's service group: the port's service
 * DPC calls the stream's Service. Callable at any IRQL, the ISR's
 * included. */
void PortNotify(PORT_STREAM *Stream);

/* The miniport stream, as the port calls it (IMiniportWavePciStream).
 * stream is the driver's own stream object. */
struct miniport_stream_ops {
	NTSTATUS (*set_state)(void *stream, KSSTATE State);		/* PASSIVE_LEVEL */
	void (*service)(void *stream);					/* DISPATCH_LEVEL */
	void (*mapping_available)(void *stream);			/* <= DISPATCH_LEVEL */
	/* FirstTag..LastTag, in acquisition order, inclusive; *MappingsRevoked
	 * counts the ones still held (not those released meanwhile). */
	NTSTATUS (*revoke_mappings)(void *stream, PVOID FirstTag, PVOID LastTag,
				    PULONG MappingsRevoked);			/* DISPATCH_LEVEL */
	NTSTATUS (*get_position)(void *stream, PULONGLONG Position);	/* <= DISPATCH_LEVEL */
	/* Optional (NULL: the port does without): */
	NTSTATUS (*normalize_physical_position)(void *stream, PLONGLONG PhysicalPosition);
	void *reserved[6];	/* NULL; room for methods without an ABI change */
};

const char *ksstate_name(KSSTATE s);

#ifdef __cplusplus
}
#endif

#endif
