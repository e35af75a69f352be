/*
 * portcls.h - the port class driver as a WavePci miniport sees it: the
 * port and miniport interfaces, the service group, interrupt sync, DMA
 * channel and resource list, the filter descriptor types and the IMP_
 * macros (ac97sim's WDM compatibility headers, written from Microsoft's
 * documentation of portcls.h; docs/cxx-miniports.md says what is
 * modelled and what is not).
 *
 * The objects behind the port's interfaces are ac97sim's (the runtime
 * library libac97sim-wdm): IPortWavePciStream's calls are its port model's
 * GetMapping/ReleaseMapping (wavepci.h), judged by the same referee as a C
 * driver's; Notify requests service of a group at any IRQL, the ISR's
 * included, and the port's DPC calls the stream's Service.
 */
#ifndef AC97SIM_PORTCLS_H
#define AC97SIM_PORTCLS_H

#include "wdm.h"
#include "ks.h"
#include "ksmedia.h"
#include "punknown.h"
#include "drmk.h"
#include "ac97sim_new.h"

#define _100NS_UNITS_PER_SECOND 10000000L
#define PC_ASSERT(e) ASSERT(e)
#define PORTCLASSAPI

/* ---- interface and class IDs (named by hash: guiddef.h) ------------------------------ */

#define STATIC_IID_IPort AC97SIM_NAMED_GUID_INIT("IID_IPort")
AC97SIM_DEFINE_STATIC_GUID(IID_IPort);
#define STATIC_IID_IPortWavePci AC97SIM_NAMED_GUID_INIT("IID_IPortWavePci")
AC97SIM_DEFINE_STATIC_GUID(IID_IPortWavePci);
#define STATIC_IID_IPortWavePciStream AC97SIM_NAMED_GUID_INIT("IID_IPortWavePciStream")
AC97SIM_DEFINE_STATIC_GUID(IID_IPortWavePciStream);
#define STATIC_IID_IMiniport AC97SIM_NAMED_GUID_INIT("IID_IMiniport")
AC97SIM_DEFINE_STATIC_GUID(IID_IMiniport);
#define STATIC_IID_IMiniportWavePci AC97SIM_NAMED_GUID_INIT("IID_IMiniportWavePci")
AC97SIM_DEFINE_STATIC_GUID(IID_IMiniportWavePci);
#define STATIC_IID_IMiniportWavePciStream AC97SIM_NAMED_GUID_INIT("IID_IMiniportWavePciStream")
AC97SIM_DEFINE_STATIC_GUID(IID_IMiniportWavePciStream);
#define STATIC_IID_IServiceSink AC97SIM_NAMED_GUID_INIT("IID_IServiceSink")
AC97SIM_DEFINE_STATIC_GUID(IID_IServiceSink);
#define STATIC_IID_IServiceGroup AC97SIM_NAMED_GUID_INIT("IID_IServiceGroup")
AC97SIM_DEFINE_STATIC_GUID(IID_IServiceGroup);
#define STATIC_IID_IInterruptSync AC97SIM_NAMED_GUID_INIT("IID_IInterruptSync")
AC97SIM_DEFINE_STATIC_GUID(IID_IInterruptSync);
#define STATIC_IID_IResourceList AC97SIM_NAMED_GUID_INIT("IID_IResourceList")
AC97SIM_DEFINE_STATIC_GUID(IID_IResourceList);
#define STATIC_IID_IDmaChannel AC97SIM_NAMED_GUID_INIT("IID_IDmaChannel")
AC97SIM_DEFINE_STATIC_GUID(IID_IDmaChannel);
#define STATIC_IID_IPowerNotify AC97SIM_NAMED_GUID_INIT("IID_IPowerNotify")
AC97SIM_DEFINE_STATIC_GUID(IID_IPowerNotify);
#define STATIC_IID_IAdapterPowerManagement AC97SIM_NAMED_GUID_INIT("IID_IAdapterPowerManagement")
AC97SIM_DEFINE_STATIC_GUID(IID_IAdapterPowerManagement);
#define STATIC_IID_IPreFetchOffset AC97SIM_NAMED_GUID_INIT("IID_IPreFetchOffset")
AC97SIM_DEFINE_STATIC_GUID(IID_IPreFetchOffset);
#define STATIC_IID_IPortEvents AC97SIM_NAMED_GUID_INIT("IID_IPortEvents")
AC97SIM_DEFINE_STATIC_GUID(IID_IPortEvents);
#define STATIC_IID_IRegistryKey AC97SIM_NAMED_GUID_INIT("IID_IRegistryKey")
AC97SIM_DEFINE_STATIC_GUID(IID_IRegistryKey);
#define STATIC_IID_IPortTopology AC97SIM_NAMED_GUID_INIT("IID_IPortTopology")
AC97SIM_DEFINE_STATIC_GUID(IID_IPortTopology);
#define STATIC_IID_IMiniportTopology AC97SIM_NAMED_GUID_INIT("IID_IMiniportTopology")
AC97SIM_DEFINE_STATIC_GUID(IID_IMiniportTopology);
#define STATIC_IID_IPortWaveCyclic AC97SIM_NAMED_GUID_INIT("IID_IPortWaveCyclic")
AC97SIM_DEFINE_STATIC_GUID(IID_IPortWaveCyclic);
#define STATIC_IID_IPortWaveRT AC97SIM_NAMED_GUID_INIT("IID_IPortWaveRT")
AC97SIM_DEFINE_STATIC_GUID(IID_IPortWaveRT);
#define STATIC_IID_IPinCount AC97SIM_NAMED_GUID_INIT("IID_IPinCount")
AC97SIM_DEFINE_STATIC_GUID(IID_IPinCount);
#define STATIC_IID_IPortClsVersion AC97SIM_NAMED_GUID_INIT("IID_IPortClsVersion")
AC97SIM_DEFINE_STATIC_GUID(IID_IPortClsVersion);
#define STATIC_CLSID_PortWavePci AC97SIM_NAMED_GUID_INIT("CLSID_PortWavePci")
AC97SIM_DEFINE_STATIC_GUID(CLSID_PortWavePci);
#define STATIC_CLSID_PortTopology AC97SIM_NAMED_GUID_INIT("CLSID_PortTopology")
AC97SIM_DEFINE_STATIC_GUID(CLSID_PortTopology);
#define STATIC_CLSID_PortWaveCyclic AC97SIM_NAMED_GUID_INIT("CLSID_PortWaveCyclic")
AC97SIM_DEFINE_STATIC_GUID(CLSID_PortWaveCyclic);
#define STATIC_CLSID_PortWaveRT AC97SIM_NAMED_GUID_INIT("CLSID_PortWaveRT")
AC97SIM_DEFINE_STATIC_GUID(CLSID_PortWaveRT);
#define STATIC_CLSID_PortMidi AC97SIM_NAMED_GUID_INIT("CLSID_PortMidi")
AC97SIM_DEFINE_STATIC_GUID(CLSID_PortMidi);
#define STATIC_CLSID_PortDMus AC97SIM_NAMED_GUID_INIT("CLSID_PortDMus")
AC97SIM_DEFINE_STATIC_GUID(CLSID_PortDMus);
#define STATIC_CLSID_MiniportDriverUart AC97SIM_NAMED_GUID_INIT("CLSID_MiniportDriverUart")
AC97SIM_DEFINE_STATIC_GUID(CLSID_MiniportDriverUart);
#define STATIC_CLSID_MiniportDriverDMusUART AC97SIM_NAMED_GUID_INIT("CLSID_MiniportDriverDMusUART")
AC97SIM_DEFINE_STATIC_GUID(CLSID_MiniportDriverDMusUART);

extern "C++" {

/* ---- filter descriptors -------------------------------------------------------------------- */

typedef struct _PCPROPERTY_REQUEST PCPROPERTY_REQUEST, *PPCPROPERTY_REQUEST;
typedef struct _PCMETHOD_REQUEST PCMETHOD_REQUEST, *PPCMETHOD_REQUEST;
typedef struct _PCEVENT_REQUEST PCEVENT_REQUEST, *PPCEVENT_REQUEST;
typedef NTSTATUS (*PCPFNPROPERTY_HANDLER)(PPCPROPERTY_REQUEST PropertyRequest);
typedef NTSTATUS (*PCPFNMETHOD_HANDLER)(PPCMETHOD_REQUEST MethodRequest);
typedef NTSTATUS (*PCPFNEVENT_HANDLER)(PPCEVENT_REQUEST EventRequest);

typedef struct {
	const GUID *Set;
	ULONG Id;
	ULONG Flags;
	PCPFNPROPERTY_HANDLER Handler;
} PCPROPERTY_ITEM, *PPCPROPERTY_ITEM;
#define PCPROPERTY_ITEM_FLAG_GET KSPROPERTY_TYPE_GET
#define PCPROPERTY_ITEM_FLAG_SET KSPROPERTY_TYPE_SET
#define PCPROPERTY_ITEM_FLAG_BASICSUPPORT KSPROPERTY_TYPE_BASICSUPPORT
#define PCPROPERTY_ITEM_FLAG_DEFAULTVALUES KSPROPERTY_TYPE_DEFAULTVALUES
#define PCPROPERTY_ITEM_FLAG_SERIALIZESIZE KSPROPERTY_TYPE_SERIALIZESIZE
#define PCPROPERTY_ITEM_FLAG_SERIALIZE (KSPROPERTY_TYPE_SERIALIZERAW | KSPROPERTY_TYPE_UNSERIALIZERAW | KSPROPERTY_TYPE_SERIALIZESIZE)

typedef struct {
	const GUID *Set;
	ULONG Id;
	ULONG Flags;
	PCPFNMETHOD_HANDLER Handler;
} PCMETHOD_ITEM, *PPCMETHOD_ITEM;

typedef struct {
	const GUID *Set;
	ULONG Id;
	ULONG Flags;
	PCPFNEVENT_HANDLER Handler;
} PCEVENT_ITEM, *PPCEVENT_ITEM;
#define PCEVENT_ITEM_FLAG_ENABLE KSEVENT_TYPE_ENABLE
#define PCEVENT_ITEM_FLAG_ONESHOT KSEVENT_TYPE_ONESHOT
#define PCEVENT_ITEM_FLAG_BASICSUPPORT KSEVENT_TYPE_BASICSUPPORT
#define KSEVENT_TYPE_ENABLE 0x00000001
#define KSEVENT_TYPE_ONESHOT 0x00000002
#define KSEVENT_TYPE_BASICSUPPORT 0x00000200

/* Item sizes are at least the item's and a multiple of 8, so a driver may
 * append data of its own: a reader steps the arrays by them. */
typedef struct {
	ULONG PropertyItemSize;
	ULONG PropertyCount;
	const PCPROPERTY_ITEM *Properties;
	ULONG MethodItemSize;
	ULONG MethodCount;
	const PCMETHOD_ITEM *Methods;
	ULONG EventItemSize;
	ULONG EventCount;
	const PCEVENT_ITEM *Events;
	ULONG Reserved;
} PCAUTOMATION_TABLE, *PPCAUTOMATION_TABLE;

#define DEFINE_PCAUTOMATION_TABLE_PROP(AutomationTable, PropertyTable)                 \
	const PCAUTOMATION_TABLE AutomationTable = {                                    \
		sizeof(PropertyTable[0]), SIZEOF_ARRAY(PropertyTable),                  \
		(const PCPROPERTY_ITEM *)PropertyTable, 0, 0, NULL, 0, 0, NULL, 0 }
#define DEFINE_PCAUTOMATION_TABLE_PROP_EVENT(AutomationTable, PropertyTable, EventTable) \
	const PCAUTOMATION_TABLE AutomationTable = {                                      \
		sizeof(PropertyTable[0]), SIZEOF_ARRAY(PropertyTable),                    \
		(const PCPROPERTY_ITEM *)PropertyTable, 0, 0, NULL, sizeof(EventTable[0]), \
		SIZEOF_ARRAY(EventTable), (const PCEVENT_ITEM *)EventTable, 0 }
#define DEFINE_PCAUTOMATION_TABLE_PROP_METHOD(AutomationTable, PropertyTable, MethodTable) \
	const PCAUTOMATION_TABLE AutomationTable = {                                        \
		sizeof(PropertyTable[0]), SIZEOF_ARRAY(PropertyTable),                      \
		(const PCPROPERTY_ITEM *)PropertyTable, sizeof(MethodTable[0]),             \
		SIZEOF_ARRAY(MethodTable), (const PCMETHOD_ITEM *)MethodTable, 0, 0, NULL, 0 }
#define DEFINE_PCAUTOMATION_TABLE_PROP_METHOD_EVENT(AutomationTable, PropertyTable, MethodTable, \
						    EventTable)                                 \
	const PCAUTOMATION_TABLE AutomationTable = {                                              \
		sizeof(PropertyTable[0]), SIZEOF_ARRAY(PropertyTable),                            \
		(const PCPROPERTY_ITEM *)PropertyTable, sizeof(MethodTable[0]),                   \
		SIZEOF_ARRAY(MethodTable), (const PCMETHOD_ITEM *)MethodTable,                    \
		sizeof(EventTable[0]), SIZEOF_ARRAY(EventTable), (const PCEVENT_ITEM *)EventTable, \
		0 }

typedef struct {
	ULONG MaxGlobalInstanceCount;
	ULONG MaxFilterInstanceCount;
	ULONG MinFilterInstanceCount;
	const PCAUTOMATION_TABLE *AutomationTable;
	KSPIN_DESCRIPTOR KsPinDescriptor;
} PCPIN_DESCRIPTOR, *PPCPIN_DESCRIPTOR;

typedef struct {
	ULONG Flags;
	const PCAUTOMATION_TABLE *AutomationTable;
	const GUID *Type;
	const GUID *Name;
} PCNODE_DESCRIPTOR, *PPCNODE_DESCRIPTOR;

typedef struct {
	ULONG FromNode;
	ULONG FromNodePin;
	ULONG ToNode;
	ULONG ToNodePin;
} PCCONNECTION_DESCRIPTOR, *PPCCONNECTION_DESCRIPTOR;
#define PCFILTER_NODE KSFILTER_NODE
#define KSFILTER_NODE ((ULONG)-1)

typedef struct {
	ULONG Version;
	const PCAUTOMATION_TABLE *AutomationTable;
	ULONG PinSize;
	ULONG PinCount;
	const PCPIN_DESCRIPTOR *Pins;
	ULONG NodeSize;
	ULONG NodeCount;
	const PCNODE_DESCRIPTOR *Nodes;
	ULONG ConnectionCount;
	const PCCONNECTION_DESCRIPTOR *Connections;
	ULONG CategoryCount;
	const GUID *Categories;
} PCFILTER_DESCRIPTOR, *PPCFILTER_DESCRIPTOR;

struct _PCPROPERTY_REQUEST {
	PUNKNOWN MajorTarget;
	PUNKNOWN MinorTarget;
	ULONG Node;
	const PCPROPERTY_ITEM *PropertyItem;
	ULONG Verb;
	ULONG InstanceSize;
	PVOID Instance;
	ULONG ValueSize;
	PVOID Value;
	PIRP Irp;
};
struct _PCMETHOD_REQUEST {
	PUNKNOWN MajorTarget;
	PUNKNOWN MinorTarget;
	ULONG Node;
	const PCMETHOD_ITEM *MethodItem;
	ULONG Verb;
};
struct _PCEVENT_REQUEST {
	PUNKNOWN MajorTarget;
	PUNKNOWN MinorTarget;
	ULONG Node;
	const PCEVENT_ITEM *EventItem;
	PVOID EventEntry;
	ULONG Verb;
	PIRP Irp;
};
#define PCEVENT_VERB_NONE 0
#define PCEVENT_VERB_ADD 1
#define PCEVENT_VERB_REMOVE 2
#define PCEVENT_VERB_SUPPORT 4

/* ---- the resource list ------------------------------------------------------------------ */

DECLARE_INTERFACE_(IResourceList, IUnknown)
{
	DEFINE_ABSTRACT_UNKNOWN()
	STDMETHOD_(ULONG, NumberOfEntries)(THIS) PURE;
	STDMETHOD_(ULONG, NumberOfEntriesOfType)(THIS_ CM_RESOURCE_TYPE Type) PURE;
	STDMETHOD_(PCM_PARTIAL_RESOURCE_DESCRIPTOR, FindTranslatedEntry)(THIS_ CM_RESOURCE_TYPE Type,
									 ULONG Index) PURE;
	STDMETHOD_(PCM_PARTIAL_RESOURCE_DESCRIPTOR, FindUntranslatedEntry)(THIS_ CM_RESOURCE_TYPE Type,
									   ULONG Index) PURE;
	STDMETHOD_(NTSTATUS, AddEntry)(THIS_ PCM_PARTIAL_RESOURCE_DESCRIPTOR Translated,
				       PCM_PARTIAL_RESOURCE_DESCRIPTOR Untranslated) PURE;
	STDMETHOD_(NTSTATUS, AddEntryFromParent)(THIS_ struct IResourceList * Parent,
						 CM_RESOURCE_TYPE Type, ULONG Index) PURE;
	STDMETHOD_(PCM_RESOURCE_LIST, TranslatedList)(THIS) PURE;
	STDMETHOD_(PCM_RESOURCE_LIST, UntranslatedList)(THIS) PURE;
};
typedef IResourceList *PRESOURCELIST;

#define NumberOfPorts() NumberOfEntriesOfType(CmResourceTypePort)
#define FindTranslatedPort(n) FindTranslatedEntry(CmResourceTypePort, (n))
#define FindUntranslatedPort(n) FindUntranslatedEntry(CmResourceTypePort, (n))
#define AddPortFromParent(p, n) AddEntryFromParent((p), CmResourceTypePort, (n))
#define NumberOfInterrupts() NumberOfEntriesOfType(CmResourceTypeInterrupt)
#define FindTranslatedInterrupt(n) FindTranslatedEntry(CmResourceTypeInterrupt, (n))
#define FindUntranslatedInterrupt(n) FindUntranslatedEntry(CmResourceTypeInterrupt, (n))
#define AddInterruptFromParent(p, n) AddEntryFromParent((p), CmResourceTypeInterrupt, (n))
#define NumberOfMemories() NumberOfEntriesOfType(CmResourceTypeMemory)
#define FindTranslatedMemory(n) FindTranslatedEntry(CmResourceTypeMemory, (n))
#define FindUntranslatedMemory(n) FindUntranslatedEntry(CmResourceTypeMemory, (n))
#define AddMemoryFromParent(p, n) AddEntryFromParent((p), CmResourceTypeMemory, (n))
#define NumberOfDmas() NumberOfEntriesOfType(CmResourceTypeDma)
#define FindTranslatedDma(n) FindTranslatedEntry(CmResourceTypeDma, (n))
#define FindUntranslatedDma(n) FindUntranslatedEntry(CmResourceTypeDma, (n))
#define AddDmaFromParent(p, n) AddEntryFromParent((p), CmResourceTypeDma, (n))
#define NumberOfDeviceSpecifics() NumberOfEntriesOfType(CmResourceTypeDeviceSpecific)
#define FindTranslatedDeviceSpecific(n) FindTranslatedEntry(CmResourceTypeDeviceSpecific, (n))
#define NumberOfBusNumbers() NumberOfEntriesOfType(CmResourceTypeBusNumber)
#define FindTranslatedBusNumber(n) FindTranslatedEntry(CmResourceTypeBusNumber, (n))

/* ---- DMA channel ------------------------------------------------------------------------ */

typedef PDMA_ADAPTER PADAPTER_OBJECT;

DECLARE_INTERFACE_(IDmaChannel, IUnknown)
{
	DEFINE_ABSTRACT_UNKNOWN()
	STDMETHOD_(NTSTATUS, AllocateBuffer)(THIS_ ULONG BufferSize,
					     PPHYSICAL_ADDRESS PhysicalAddressConstraint) PURE;
	STDMETHOD_(void, FreeBuffer)(THIS) PURE;
	STDMETHOD_(ULONG, TransferCount)(THIS) PURE;
	STDMETHOD_(ULONG, MaximumBufferSize)(THIS) PURE;
	STDMETHOD_(ULONG, AllocatedBufferSize)(THIS) PURE;
	STDMETHOD_(ULONG, BufferSize)(THIS) PURE;
	STDMETHOD_(void, SetBufferSize)(THIS_ ULONG BufferSize) PURE;
	STDMETHOD_(PVOID, SystemAddress)(THIS) PURE;
	STDMETHOD_(PHYSICAL_ADDRESS, PhysicalAddress)(THIS) PURE;
	STDMETHOD_(PADAPTER_OBJECT, GetAdapterObject)(THIS) PURE;
	STDMETHOD_(void, CopyTo)(THIS_ PVOID Destination, PVOID Source, ULONG ByteCount) PURE;
	STDMETHOD_(void, CopyFrom)(THIS_ PVOID Destination, PVOID Source, ULONG ByteCount) PURE;
};
typedef IDmaChannel *PDMACHANNEL;

/* ---- service sinks and groups ------------------------------------------------------ */

DECLARE_INTERFACE_(IServiceSink, IUnknown)
{
	DEFINE_ABSTRACT_UNKNOWN()
	STDMETHOD_(void, RequestService)(THIS) PURE;
};
typedef IServiceSink *PSERVICESINK;
#define IMP_IServiceSink STDMETHODIMP_(void) RequestService(void)

DECLARE_INTERFACE_(IServiceGroup, IServiceSink)
{
	DEFINE_ABSTRACT_UNKNOWN()
	STDMETHOD_(void, RequestService)(THIS) PURE;
	STDMETHOD_(NTSTATUS, AddMember)(THIS_ PSERVICESINK pServiceSink) PURE;
	STDMETHOD_(void, RemoveMember)(THIS_ PSERVICESINK pServiceSink) PURE;
	STDMETHOD_(void, SupportDelayedService)(THIS) PURE;
	STDMETHOD_(void, RequestDelayedService)(THIS_ ULONGLONG ullDelay) PURE;
	STDMETHOD_(void, CancelDelayedService)(THIS) PURE;
};
typedef IServiceGroup *PSERVICEGROUP;

/* ---- interrupt sync -------------------------------------------------------------------- */

typedef enum {
	InterruptSyncModeNormal = 1,	/* ISRs in order until one returns STATUS_SUCCESS */
	InterruptSyncModeAll,		/* every ISR once */
	InterruptSyncModeRepeat		/* whole passes until one where none succeeds */
} INTERRUPTSYNCMODE;

struct IInterruptSync;
typedef NTSTATUS (*PINTERRUPTSYNCROUTINE)(struct IInterruptSync *InterruptSync, PVOID DynamicContext);

DECLARE_INTERFACE_(IInterruptSync, IUnknown)
{
	DEFINE_ABSTRACT_UNKNOWN()
	STDMETHOD_(NTSTATUS, CallSynchronizedRoutine)(THIS_ PINTERRUPTSYNCROUTINE Routine,
						      PVOID DynamicContext) PURE;
	STDMETHOD_(PKINTERRUPT, GetKInterrupt)(THIS) PURE;
	STDMETHOD_(NTSTATUS, Connect)(THIS) PURE;
	STDMETHOD_(void, Disconnect)(THIS) PURE;
	STDMETHOD_(NTSTATUS, RegisterServiceRoutine)(THIS_ PINTERRUPTSYNCROUTINE Routine,
						     PVOID DynamicContext, BOOLEAN First) PURE;
};
typedef IInterruptSync *PINTERRUPTSYNC;

/* ---- registry (not modelled: NewRegistryKey answers STATUS_NOT_SUPPORTED) ---------- */

DECLARE_INTERFACE_(IRegistryKey, IUnknown)
{
	DEFINE_ABSTRACT_UNKNOWN()
	STDMETHOD_(NTSTATUS, QueryKey)(THIS_ ULONG KeyInformationClass, PVOID KeyInformation,
				       ULONG Length, PULONG ResultLength) PURE;
	STDMETHOD_(NTSTATUS, EnumerateKey)(THIS_ ULONG Index, ULONG KeyInformationClass,
					   PVOID KeyInformation, ULONG Length,
					   PULONG ResultLength) PURE;
	STDMETHOD_(NTSTATUS, QueryValueKey)(THIS_ PUNICODE_STRING ValueName,
					    KEY_VALUE_INFORMATION_CLASS KeyValueInformationClass,
					    PVOID KeyValueInformation, ULONG Length,
					    PULONG ResultLength) PURE;
	STDMETHOD_(NTSTATUS, EnumerateValueKey)(THIS_ ULONG Index,
						KEY_VALUE_INFORMATION_CLASS KeyValueInformationClass,
						PVOID KeyValueInformation, ULONG Length,
						PULONG ResultLength) PURE;
	STDMETHOD_(NTSTATUS, SetValueKey)(THIS_ PUNICODE_STRING ValueName, ULONG Type, PVOID Data,
					  ULONG DataSize) PURE;
	STDMETHOD_(NTSTATUS, QueryRegistryValues)(THIS_ PVOID QueryTable, PVOID Context) PURE;
	STDMETHOD_(NTSTATUS, NewSubKey)(THIS_ struct IRegistryKey * *RegistrySubKey,
					PUNKNOWN OuterUnknown, ACCESS_MASK DesiredAccess,
					PUNICODE_STRING SubKeyName, ULONG CreateOptions,
					PULONG Disposition) PURE;
	STDMETHOD_(NTSTATUS, DeleteKey)(THIS) PURE;
};
typedef IRegistryKey *PREGISTRYKEY;
#define DriverRegistryKey 0
#define HwProfileRegistryKey 1
#define DeviceRegistryKey 2
#define DeviceInterfaceRegistryKey 3
#define GeneralRegistryKey 4

/* ---- ports and miniports ------------------------------------------------------------ */

#define DEFINE_ABSTRACT_PORT()                                                           \
	STDMETHOD_(NTSTATUS, Init)(THIS_ PDEVICE_OBJECT DeviceObject, PIRP Irp,            \
				   PUNKNOWN UnknownMiniport, PUNKNOWN UnknownAdapter,      \
				   PRESOURCELIST ResourceList) PURE;                       \
	STDMETHOD_(NTSTATUS, GetDeviceProperty)(THIS_ DEVICE_REGISTRY_PROPERTY DeviceProperty, \
						ULONG BufferLength, PVOID PropertyBuffer,  \
						PULONG ResultLength) PURE;                 \
	STDMETHOD_(NTSTATUS, NewRegistryKey)(THIS_ PREGISTRYKEY * OutRegistryKey,          \
					     PUNKNOWN OuterUnknown, ULONG RegistryKeyType, \
					     ACCESS_MASK DesiredAccess,                    \
					     POBJECT_ATTRIBUTES ObjectAttributes,          \
					     ULONG CreateOptions, PULONG Disposition) PURE;

DECLARE_INTERFACE_(IPort, IUnknown)
{
	DEFINE_ABSTRACT_UNKNOWN()
	DEFINE_ABSTRACT_PORT()
};
typedef IPort *PPORT;

#define DEFINE_ABSTRACT_MINIPORT()                                                       \
	STDMETHOD_(NTSTATUS, GetDescription)(THIS_ PPCFILTER_DESCRIPTOR * Description) PURE; \
	STDMETHOD_(NTSTATUS, DataRangeIntersection)(THIS_ ULONG PinId, PKSDATARANGE DataRange, \
						    PKSDATARANGE MatchingDataRange,        \
						    ULONG OutputBufferLength,              \
						    PVOID ResultantFormat,                 \
						    PULONG ResultantFormatLength) PURE;

DECLARE_INTERFACE_(IMiniport, IUnknown)
{
	DEFINE_ABSTRACT_UNKNOWN()
	DEFINE_ABSTRACT_MINIPORT()
};
typedef IMiniport *PMINIPORT;

DECLARE_INTERFACE_(IPortWavePciStream, IUnknown)
{
	DEFINE_ABSTRACT_UNKNOWN()
	STDMETHOD_(NTSTATUS, GetMapping)(THIS_ PVOID Tag, PPHYSICAL_ADDRESS PhysicalAddress,
					 PVOID * VirtualAddress, PULONG ByteCount,
					 PULONG Flags) PURE;
	STDMETHOD_(NTSTATUS, ReleaseMapping)(THIS_ PVOID Tag) PURE;
	STDMETHOD_(NTSTATUS, TerminatePacket)(THIS) PURE;
};
typedef IPortWavePciStream *PPORTWAVEPCISTREAM;

DECLARE_INTERFACE_(IPortWavePci, IPort)
{
	DEFINE_ABSTRACT_UNKNOWN()
	DEFINE_ABSTRACT_PORT()
	STDMETHOD_(void, Notify)(THIS_ PSERVICEGROUP ServiceGroup) PURE;
	STDMETHOD_(NTSTATUS, NewMasterDmaChannel)(THIS_ PDMACHANNEL * OutDmaChannel,
						  PUNKNOWN OuterUnknown, POOL_TYPE PoolType,
						  PRESOURCELIST ResourceList, BOOLEAN ScatterGather,
						  BOOLEAN Dma32BitAddresses,
						  BOOLEAN Dma64BitAddresses, BOOLEAN IgnoreCount,
						  DMA_WIDTH DmaWidth, DMA_SPEED DmaSpeed,
						  ULONG MaximumLength, ULONG DmaPort) PURE;
};
typedef IPortWavePci *PPORTWAVEPCI;

DECLARE_INTERFACE_(IMiniportWavePciStream, IUnknown)
{
	DEFINE_ABSTRACT_UNKNOWN()
	STDMETHOD_(NTSTATUS, SetFormat)(THIS_ PKSDATAFORMAT DataFormat) PURE;
	STDMETHOD_(NTSTATUS, SetState)(THIS_ KSSTATE State) PURE;
	STDMETHOD_(NTSTATUS, GetPosition)(THIS_ PULONGLONG Position) PURE;
	STDMETHOD_(NTSTATUS, NormalizePhysicalPosition)(THIS_ PLONGLONG PhysicalPosition) PURE;
	STDMETHOD_(NTSTATUS, GetAllocatorFraming)(THIS_ PKSALLOCATOR_FRAMING AllocatorFraming) PURE;
	STDMETHOD_(NTSTATUS, RevokeMappings)(THIS_ PVOID FirstTag, PVOID LastTag,
					     PULONG MappingsRevoked) PURE;
	STDMETHOD_(void, MappingAvailable)(THIS) PURE;
	STDMETHOD_(void, Service)(THIS) PURE;
};
typedef IMiniportWavePciStream *PMINIPORTWAVEPCISTREAM;

DECLARE_INTERFACE_(IMiniportWavePci, IMiniport)
{
	DEFINE_ABSTRACT_UNKNOWN()
	DEFINE_ABSTRACT_MINIPORT()
	STDMETHOD_(NTSTATUS, Init)(THIS_ PUNKNOWN UnknownAdapter, PRESOURCELIST ResourceList,
				   PPORTWAVEPCI Port, PSERVICEGROUP * ServiceGroup) PURE;
	STDMETHOD_(NTSTATUS, NewStream)(THIS_ PMINIPORTWAVEPCISTREAM * Stream,
					PUNKNOWN OuterUnknown, POOL_TYPE PoolType,
					PPORTWAVEPCISTREAM PortStream, ULONG Pin, BOOLEAN Capture,
					PKSDATAFORMAT DataFormat, PDMACHANNEL * DmaChannel,
					PSERVICEGROUP * ServiceGroup) PURE;
	STDMETHOD_(void, Service)(THIS) PURE;
};
typedef IMiniportWavePci *PMINIPORTWAVEPCI;

/* ---- power, prefetch, events ------------------------------------------------------- */

DECLARE_INTERFACE_(IPowerNotify, IUnknown)
{
	DEFINE_ABSTRACT_UNKNOWN()
	STDMETHOD_(void, PowerChangeNotify)(THIS_ POWER_STATE PowerState) PURE;
};
typedef IPowerNotify *PPOWERNOTIFY;

DECLARE_INTERFACE_(IAdapterPowerManagement, IUnknown)
{
	DEFINE_ABSTRACT_UNKNOWN()
	STDMETHOD_(void, PowerChangeState)(THIS_ POWER_STATE NewState) PURE;
	STDMETHOD_(NTSTATUS, QueryPowerChangeState)(THIS_ POWER_STATE NewStateQuery) PURE;
	STDMETHOD_(NTSTATUS, QueryDeviceCapabilities)(THIS_ PDEVICE_CAPABILITIES PowerDeviceCaps) PURE;
};
typedef IAdapterPowerManagement *PADAPTERPOWERMANAGEMENT;

DECLARE_INTERFACE_(IPreFetchOffset, IUnknown)
{
	DEFINE_ABSTRACT_UNKNOWN()
	STDMETHOD_(void, SetPreFetchOffset)(THIS_ ULONG PreFetchOffset) PURE;
};
typedef IPreFetchOffset *PPREFETCHOFFSET;

typedef struct _KSEVENT_ENTRY KSEVENT_ENTRY, *PKSEVENT_ENTRY;
DECLARE_INTERFACE_(IPortEvents, IUnknown)
{
	DEFINE_ABSTRACT_UNKNOWN()
	STDMETHOD_(void, AddEventToEventList)(THIS_ PKSEVENT_ENTRY EventEntry) PURE;
	STDMETHOD_(void, GenerateEventList)(THIS_ GUID * Set, ULONG EventId, BOOL PinEvent,
					    ULONG PinId, BOOL NodeEvent, ULONG NodeId) PURE;
};
typedef IPortEvents *PPORTEVENTS;

} /* extern "C++" */

/* ---- IMP_ macros: a class's declarations of an interface's methods --------------- */

#define IMP_IMiniport                                                                    \
	STDMETHODIMP_(NTSTATUS) GetDescription(PPCFILTER_DESCRIPTOR *Description);       \
	STDMETHODIMP_(NTSTATUS) DataRangeIntersection(ULONG PinId, PKSDATARANGE DataRange, \
						      PKSDATARANGE MatchingDataRange,      \
						      ULONG OutputBufferLength,            \
						      PVOID ResultantFormat,               \
						      PULONG ResultantFormatLength)
#define IMP_IMiniportWavePci                                                             \
	IMP_IMiniport;                                                                   \
	STDMETHODIMP_(NTSTATUS) Init(PUNKNOWN UnknownAdapter, PRESOURCELIST ResourceList,  \
				     PPORTWAVEPCI Port, PSERVICEGROUP *ServiceGroup);      \
	STDMETHODIMP_(NTSTATUS) NewStream(PMINIPORTWAVEPCISTREAM *Stream, PUNKNOWN OuterUnknown, \
					  POOL_TYPE PoolType, PPORTWAVEPCISTREAM PortStream, \
					  ULONG Pin, BOOLEAN Capture, PKSDATAFORMAT DataFormat, \
					  PDMACHANNEL *DmaChannel, PSERVICEGROUP *ServiceGroup); \
	STDMETHODIMP_(void) Service(void)
#define IMP_IMiniportWavePciStream                                                       \
	STDMETHODIMP_(NTSTATUS) SetFormat(PKSDATAFORMAT DataFormat);                     \
	STDMETHODIMP_(NTSTATUS) SetState(KSSTATE State);                                 \
	STDMETHODIMP_(NTSTATUS) GetPosition(PULONGLONG Position);                        \
	STDMETHODIMP_(NTSTATUS) NormalizePhysicalPosition(PLONGLONG PhysicalPosition);   \
	STDMETHODIMP_(NTSTATUS) GetAllocatorFraming(PKSALLOCATOR_FRAMING AllocatorFraming); \
	STDMETHODIMP_(NTSTATUS) RevokeMappings(PVOID FirstTag, PVOID LastTag,            \
					       PULONG MappingsRevoked);                  \
	STDMETHODIMP_(void) MappingAvailable(void);                                      \
	STDMETHODIMP_(void) Service(void)
#define IMP_IPowerNotify STDMETHODIMP_(void) PowerChangeNotify(POWER_STATE PowerState)
#define IMP_IAdapterPowerManagement                                                      \
	STDMETHODIMP_(void) PowerChangeState(POWER_STATE NewState);                      \
	STDMETHODIMP_(NTSTATUS) QueryPowerChangeState(POWER_STATE NewStateQuery);        \
	STDMETHODIMP_(NTSTATUS) QueryDeviceCapabilities(PDEVICE_CAPABILITIES PowerDeviceCaps)
#define IMP_IPreFetchOffset STDMETHODIMP_(void) SetPreFetchOffset(ULONG PreFetchOffset)

/* ---- creation functions --------------------------------------------------------------- */

extern "C++" {
/* A service group: Notify on it requests service of each member. */
NTSTATUS PcNewServiceGroup(PSERVICEGROUP *OutServiceGroup, PUNKNOWN OuterUnknown);
/* An interrupt sync object over the resource list's ResourceIndex-th
 * interrupt (ac97sim has one: index 0). PASSIVE_LEVEL. */
NTSTATUS PcNewInterruptSync(PINTERRUPTSYNC *OutInterruptSync, PUNKNOWN OuterUnknown,
			    PRESOURCELIST ResourceList, ULONG ResourceIndex,
			    INTERRUPTSYNCMODE Mode);
/* 100 ns units since Since (an earlier PcGetTimeInterval(0)). */
static inline ULONGLONG PcGetTimeInterval(ULONGLONG Since)
{
	return KeQueryInterruptTime() - Since;
}
} /* extern "C++" */

#endif
