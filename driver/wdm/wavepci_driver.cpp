/*
 * wavepci_driver.cpp - the port side of AC97SIM_WAVEPCI_DRIVER: ac97sim's
 * adapter and stream entry points (driver.h) as portcls drives a WavePci
 * miniport.
 *
 * Adapter start: the resource list, the author's StartAdapter (the
 * adapter's common object), the miniport from its create function, the
 * port's Init (the miniport's Init, then its filter description).
 * Stream open: the pin the engine needs, found in the description (render:
 * the first sink pin whose data flows in; PCM in: the first sink pin whose
 * data flows out; mic: the second), NewStream with a 16-bit PCM
 * KSDATAFORMAT_WAVEFORMATEX, the port stream joined to the service group
 * NewStream gave, then GetAllocatorFraming, as portcls asks for it when a
 * pin is made. Stream close and adapter stop give back every reference the
 * port holds (the stream and its service group; the DMA channel NewStream
 * outputs is not AddRef'd for the port); then whatever COM object is still
 * alive is a leak.
 */
#include "ac97sim_wavepci.h"
#include "runtime.h"

struct wavepci_adapter {
	PRESOURCELIST resources;
	CPortWavePci *port;
	PUNKNOWN adapter_unknown;
};

struct wavepci_stream {
	struct wavepci_adapter *adapter;
	PPORTWAVEPCISTREAM port_stream;
	PSERVICESINK port_stream_sink;
	PMINIPORTWAVEPCISTREAM stream;
	PDMACHANNEL dma;
	PSERVICEGROUP group;
	KSDATAFORMAT_WAVEFORMATEX format;
	KSALLOCATOR_FRAMING framing;
};

static_assert(sizeof(struct wavepci_adapter) <= AC97SIM_WAVEPCI_ADAPTER_BYTES,
	      "the adapter's state fits what the driver entry asks for");
static_assert(sizeof(struct wavepci_stream) <= AC97SIM_WAVEPCI_STREAM_BYTES,
	      "a stream's state fits what the driver entry asks for");

/* The device object StartAdapter gets: the machine has one device and no
 * I/O manager, so it is an object of the runtime's that a miniport may
 * keep and pass back (IoAllocateWorkItem) but not look into. */
static struct {
	ULONG unused;
} device_object;

static struct wavepci_adapter *adapter_of(void *adapter)
{
	return static_cast<struct wavepci_adapter *>(adapter);
}

static struct wavepci_stream *stream_of(void *stream)
{
	return static_cast<struct wavepci_stream *>(stream);
}

/* Everything the port holds for the adapter, given back. */
static void release_adapter(struct wavepci_adapter *a)
{
	if (a->port != NULL) {
		PortUnbindMiniport(a->port);
		PortRelease(a->port);
		a->port = NULL;
	}
	if (a->adapter_unknown != NULL) {
		a->adapter_unknown->Release();
		a->adapter_unknown = NULL;
	}
	if (a->resources != NULL) {
		a->resources->Release();
		a->resources = NULL;
	}
}

NTSTATUS ac97sim_wavepci_adapter_start(void *adapter, const AC97SIM_RESOURCES *resources)
{
	struct wavepci_adapter *a = adapter_of(adapter);
	const struct ac97sim_wavepci_entry *entry = &ac97sim_wavepci_entry_point;
	NTSTATUS status = NewResourceList(&a->resources, resources);
	if (NT_SUCCESS(status) && entry->start_adapter != NULL)
		status = entry->start_adapter(reinterpret_cast<PDEVICE_OBJECT>(&device_object),
					      a->resources, &a->adapter_unknown);
	PUNKNOWN miniport = NULL;
	if (NT_SUCCESS(status))
		status = entry->create_miniport(&miniport, GUID_NULL, NULL, NonPagedPool);
	if (NT_SUCCESS(status) && miniport == NULL)
		status = STATUS_UNSUCCESSFUL;
	if (NT_SUCCESS(status))
		status = NewPortWavePci(&a->port);
	if (NT_SUCCESS(status))
		status = PortBindMiniport(a->port, miniport, a->adapter_unknown, a->resources);
	/* The port holds the miniport now (or nobody needs it). */
	if (miniport != NULL)
		miniport->Release();
	if (!NT_SUCCESS(status))
		release_adapter(a);
	return status;
}

void ac97sim_wavepci_adapter_stop(void *adapter)
{
	release_adapter(adapter_of(adapter));
	ReportLiveObjects("after adapter stop");
}

/* The sink pin (a pin the client connects to) whose data flows the
 * engine's way, the nth such pin counting from 0. */
static NTSTATUS find_pin(const PCFILTER_DESCRIPTOR *d, KSPIN_DATAFLOW flow, ULONG nth, ULONG *pin)
{
	if (d->Pins == NULL || d->PinSize < sizeof(PCPIN_DESCRIPTOR))
		return STATUS_INVALID_PARAMETER;
	for (ULONG i = 0; i < d->PinCount; i++) {
		const PCPIN_DESCRIPTOR *p = reinterpret_cast<const PCPIN_DESCRIPTOR *>(
			reinterpret_cast<const UCHAR *>(d->Pins) + (SIZE_T)i * d->PinSize);
		if (p->KsPinDescriptor.Communication != KSPIN_COMMUNICATION_SINK ||
		    p->KsPinDescriptor.DataFlow != flow)
			continue;
		if (nth-- == 0) {
			*pin = i;
			return STATUS_SUCCESS;
		}
	}
	return STATUS_NOT_FOUND;
}

static void make_format(KSDATAFORMAT_WAVEFORMATEX *f, const struct ac97sim_stream_params *p)
{
	RtlZeroMemory(f, sizeof(*f));
	WAVEFORMATEX *w = &f->WaveFormatEx;
	w->wFormatTag = WAVE_FORMAT_PCM;
	w->nChannels = (WORD)p->channels;
	w->nSamplesPerSec = p->rate_hz;
	w->wBitsPerSample = 16;
	w->nBlockAlign = (WORD)(w->nChannels * w->wBitsPerSample / 8);
	w->nAvgBytesPerSec = w->nSamplesPerSec * w->nBlockAlign;
	w->cbSize = 0;
	f->DataFormat.FormatSize = sizeof(*f);
	f->DataFormat.SampleSize = w->nBlockAlign;
	f->DataFormat.MajorFormat = KSDATAFORMAT_TYPE_AUDIO;
	f->DataFormat.SubFormat = KSDATAFORMAT_SUBTYPE_PCM;
	f->DataFormat.Specifier = KSDATAFORMAT_SPECIFIER_WAVEFORMATEX;
}

static void release_stream(struct wavepci_stream *s)
{
	if (s->group != NULL) {
		if (s->port_stream_sink != NULL)
			s->group->RemoveMember(s->port_stream_sink);
		s->group->Release();
		s->group = NULL;
	}
	if (s->stream != NULL) {
		s->stream->Release();
		s->stream = NULL;
	}
	/* The DMA channel stays the miniport's: the WavePci port moves no
	 * data through it and takes no reference on it. (Microsoft's AC97
	 * sample hands out its miniport-wide channel without an AddRef and
	 * releases it once, in its destructor; portcls releasing it per pin
	 * would free it under the miniport.) */
	s->dma = NULL;
	if (s->port_stream != NULL) {
		s->port_stream->Release();
		s->port_stream = NULL;
		s->port_stream_sink = NULL;
	}
}

NTSTATUS ac97sim_wavepci_stream_open(void *adapter, void *stream,
				     const struct ac97sim_stream_params *params)
{
	struct wavepci_adapter *a = adapter_of(adapter);
	struct wavepci_stream *s = stream_of(stream);
	s->adapter = a;
	const PCFILTER_DESCRIPTOR *description = PortDescription(a->port);
	BOOLEAN capture = params->engine != AC97_PO;
	ULONG pin = 0;
	NTSTATUS status = find_pin(description, capture ? KSPIN_DATAFLOW_OUT : KSPIN_DATAFLOW_IN,
				   params->engine == AC97_MC ? 1u : 0u, &pin);
	if (!NT_SUCCESS(status))
		return status;
	make_format(&s->format, params);
	status = NewPortWavePciStream(&s->port_stream, &s->port_stream_sink, params->port);
	if (NT_SUCCESS(status))
		status = PortMiniport(a->port)->NewStream(&s->stream, NULL, NonPagedPool,
							  s->port_stream, pin, capture,
							  &s->format.DataFormat, &s->dma, &s->group);
	if (NT_SUCCESS(status) && s->stream == NULL)
		status = STATUS_UNSUCCESSFUL;
	if (NT_SUCCESS(status) && s->group != NULL)
		status = s->group->AddMember(s->port_stream_sink);
	if (NT_SUCCESS(status))
		status = s->stream->GetAllocatorFraming(&s->framing);
	if (!NT_SUCCESS(status))
		release_stream(s);
	return status;
}

void ac97sim_wavepci_stream_close(void *stream)
{
	release_stream(stream_of(stream));
}

NTSTATUS ac97sim_wavepci_set_state(void *stream, KSSTATE State)
{
	return stream_of(stream)->stream->SetState(State);
}

void ac97sim_wavepci_service(void *stream)
{
	stream_of(stream)->stream->Service();
}

void ac97sim_wavepci_mapping_available(void *stream)
{
	stream_of(stream)->stream->MappingAvailable();
}

NTSTATUS ac97sim_wavepci_revoke_mappings(void *stream, PVOID FirstTag, PVOID LastTag,
					 PULONG MappingsRevoked)
{
	return stream_of(stream)->stream->RevokeMappings(FirstTag, LastTag, MappingsRevoked);
}

NTSTATUS ac97sim_wavepci_get_position(void *stream, PULONGLONG Position)
{
	return stream_of(stream)->stream->GetPosition(Position);
}

NTSTATUS ac97sim_wavepci_normalize_physical_position(void *stream, PLONGLONG PhysicalPosition)
{
	return stream_of(stream)->stream->NormalizePhysicalPosition(PhysicalPosition);
}
