/*
 * wdm_sizes.cpp - every compatibility structure has WDM's size (x64, as
 * the research in docs/cxx-miniports.md lists them from Microsoft's
 * layouts). Compiled with g++ and clang++ by `make test`: a size that
 * drifts is a compile error there.
 */
extern "C" {
#include <ntddk.h>
}
#include <portcls.h>
#include <stdunk.h>
#include <ksmedia.h>
#include <drmk.h>

static_assert(sizeof(void *) == 8, "the sizes below are x64's");

#define SIZE(type, bytes) static_assert(sizeof(type) == (bytes), #type " is " #bytes " bytes in WDM")
#define AT(type, field, offset) \
	static_assert(offsetof(type, field) == (offset), #type "." #field " is at " #offset)

SIZE(UCHAR, 1);
SIZE(BOOLEAN, 1);
SIZE(USHORT, 2);
SIZE(WORD, 2);
SIZE(ULONG, 4);
SIZE(LONG, 4);
SIZE(DWORD, 4);
SIZE(NTSTATUS, 4);
SIZE(HRESULT, 4);
SIZE(KIRQL, 1);
SIZE(WCHAR, 2);
SIZE(ULONGLONG, 8);
SIZE(LONGLONG, 8);
SIZE(ULONG_PTR, 8);
SIZE(GUID, 16);
SIZE(LARGE_INTEGER, 8);
SIZE(ULARGE_INTEGER, 8);
SIZE(PHYSICAL_ADDRESS, 8);
AT(LARGE_INTEGER, HighPart, 4);
AT(LARGE_INTEGER, u.HighPart, 4);
SIZE(KSIDENTIFIER, 24);
SIZE(KSPROPERTY, 24);
SIZE(KSP_NODE, 32);
SIZE(KSDATAFORMAT, 64);
SIZE(KSDATARANGE, 64);
static_assert(alignof(KSDATAFORMAT) == 8, "KSDATAFORMAT is aligned 8 (its LONGLONG member)");
AT(KSDATAFORMAT, MajorFormat, 16);
AT(KSDATAFORMAT, Specifier, 48);
SIZE(KSSTATE, 4);
SIZE(WAVEFORMATEX, 18);
SIZE(WAVEFORMATEXTENSIBLE, 40);
SIZE(WAVEFORMATPCMEX, 40);
AT(WAVEFORMATEXTENSIBLE, SubFormat, 24);
SIZE(KSDATAFORMAT_WAVEFORMATEX, 88);
AT(KSDATAFORMAT_WAVEFORMATEX, WaveFormatEx, 64);
SIZE(KSDATARANGE_AUDIO, 88);
AT(KSDATARANGE_AUDIO, MaximumChannels, 64);
SIZE(KSALLOCATOR_FRAMING, 24);
SIZE(KSPIN_DESCRIPTOR, 88);
SIZE(PCPIN_DESCRIPTOR, 112);
AT(PCPIN_DESCRIPTOR, KsPinDescriptor, 24);
SIZE(PCNODE_DESCRIPTOR, 32);
SIZE(PCCONNECTION_DESCRIPTOR, 16);
SIZE(PCFILTER_DESCRIPTOR, 80);
SIZE(PCAUTOMATION_TABLE, 56);
SIZE(PCPROPERTY_ITEM, 24);
SIZE(PCPROPERTY_REQUEST, 72);
SIZE(DRMRIGHTS, 12);
SIZE(POWER_STATE, 4);
SIZE(CM_PARTIAL_RESOURCE_DESCRIPTOR, 20);
AT(CM_PARTIAL_RESOURCE_DESCRIPTOR, u.Port.Start, 4);
SIZE(DMA_ADAPTER, 16);
SIZE(KSAUDIO_POSITION, 16);
SIZE(KSAUDIO_CHANNEL_CONFIG, 4);
SIZE(UNICODE_STRING, 16);

/* IUnknown and INonDelegatingUnknown are the same three slots: CUnknown
 * uses one as the other. */
static_assert(sizeof(IUnknown) == sizeof(void *) && sizeof(INonDelegatingUnknown) == sizeof(void *),
	      "an interface is one vtable pointer");
/* A GUID from its string is the GUID of its values. */
DEFINE_GUIDSTRUCT("6994AD04-93EF-11D0-A3CC-00A0C9223196", TEST_GUID);
static_assert(DEFINE_GUIDNAMED(TEST_GUID).Data1 == 0x6994AD04u &&
		      DEFINE_GUIDNAMED(TEST_GUID).Data2 == 0x93EF &&
		      DEFINE_GUIDNAMED(TEST_GUID).Data4[7] == 0x96,
	      "DEFINE_GUIDSTRUCT parses its string");
static_assert(KSDATAFORMAT_SUBTYPE_PCM.Data1 == WAVE_FORMAT_PCM, "the PCM subtype carries its tag");
