/*
 * resource_list.cpp - IResourceList over the adapter's resources: two
 * I/O port ranges, in the order of the controller's BARs (entry 0 the
 * mixer, NAMBAR, 256 bytes; entry 1 the bus master, NABMBAR, 64 bytes),
 * and one level-triggered interrupt. Translated and untranslated entries
 * are the same (the machine has no bus translation).
 */
#include "runtime.h"

#define ENTRIES_MAX 4u
#define NAMBAR_BYTES 256u
#define NABMBAR_BYTES 64u

class CResourceList : public IResourceList, public CUnknown {
      public:
	DECLARE_STD_UNKNOWN();
	DEFINE_STD_CONSTRUCTOR(CResourceList);
	void Fill(const AC97SIM_RESOURCES *resources);

	STDMETHODIMP_(ULONG) NumberOfEntries();
	STDMETHODIMP_(ULONG) NumberOfEntriesOfType(CM_RESOURCE_TYPE Type);
	STDMETHODIMP_(PCM_PARTIAL_RESOURCE_DESCRIPTOR) FindTranslatedEntry(CM_RESOURCE_TYPE Type,
									   ULONG Index);
	STDMETHODIMP_(PCM_PARTIAL_RESOURCE_DESCRIPTOR) FindUntranslatedEntry(CM_RESOURCE_TYPE Type,
									     ULONG Index);
	STDMETHODIMP_(NTSTATUS) AddEntry(PCM_PARTIAL_RESOURCE_DESCRIPTOR Translated,
					 PCM_PARTIAL_RESOURCE_DESCRIPTOR Untranslated);
	STDMETHODIMP_(NTSTATUS) AddEntryFromParent(IResourceList *Parent, CM_RESOURCE_TYPE Type,
						   ULONG Index);
	STDMETHODIMP_(PCM_RESOURCE_LIST) TranslatedList();
	STDMETHODIMP_(PCM_RESOURCE_LIST) UntranslatedList();

      private:
	/* A CM_RESOURCE_LIST whose partial list has room for ENTRIES_MAX. */
	struct {
		CM_RESOURCE_LIST list;
		CM_PARTIAL_RESOURCE_DESCRIPTOR more[ENTRIES_MAX - 1];
	} m_List;
	CM_PARTIAL_RESOURCE_DESCRIPTOR *Entries() { return m_List.list.List[0].PartialResourceList.PartialDescriptors; }
};

STDMETHODIMP_(NTSTATUS) CResourceList::NonDelegatingQueryInterface(REFIID InterfaceId,
								   PVOID *Interface)
{
	if (IsEqualGUIDAligned(InterfaceId, IID_IUnknown) ||
	    IsEqualGUIDAligned(InterfaceId, IID_IResourceList)) {
		*Interface = static_cast<PRESOURCELIST>(this);
		AddRef();
		return STATUS_SUCCESS;
	}
	*Interface = NULL;
	return STATUS_INVALID_PARAMETER;
}

static void add_port(CM_PARTIAL_RESOURCE_DESCRIPTOR *d, PUCHAR base, ULONG bytes)
{
	d->Type = CmResourceTypePort;
	d->ShareDisposition = CmResourceShareDeviceExclusive;
	d->Flags = CM_RESOURCE_PORT_IO;
	d->u.Port.Start.QuadPart = (LONGLONG)(ULONG_PTR)base;
	d->u.Port.Length = bytes;
}

void CResourceList::Fill(const AC97SIM_RESOURCES *resources)
{
	m_List.list.Count = 1;
	m_List.list.List[0].InterfaceType = PCIBus;
	CM_PARTIAL_RESOURCE_LIST *partial = &m_List.list.List[0].PartialResourceList;
	partial->Version = 1;
	partial->Revision = 1;
	add_port(&Entries()[0], resources->Nambar, NAMBAR_BYTES);
	add_port(&Entries()[1], resources->Nabmbar, NABMBAR_BYTES);
	CM_PARTIAL_RESOURCE_DESCRIPTOR *irq = &Entries()[2];
	irq->Type = CmResourceTypeInterrupt;
	irq->ShareDisposition = CmResourceShareShared;
	irq->Flags = CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE;
	irq->u.Interrupt.Level = DIRQL;
	irq->u.Interrupt.Vector = DIRQL;
	irq->u.Interrupt.Affinity = ~(KAFFINITY)0;
	partial->Count = 3;
}

STDMETHODIMP_(ULONG) CResourceList::NumberOfEntries()
{
	return m_List.list.List[0].PartialResourceList.Count;
}

STDMETHODIMP_(ULONG) CResourceList::NumberOfEntriesOfType(CM_RESOURCE_TYPE Type)
{
	ULONG n = 0;
	for (ULONG i = 0; i < NumberOfEntries(); i++)
		n += Entries()[i].Type == Type;
	return n;
}

STDMETHODIMP_(PCM_PARTIAL_RESOURCE_DESCRIPTOR) CResourceList::FindTranslatedEntry(
	CM_RESOURCE_TYPE Type, ULONG Index)
{
	for (ULONG i = 0; i < NumberOfEntries(); i++)
		if (Entries()[i].Type == Type && Index-- == 0)
			return &Entries()[i];
	return NULL;
}

STDMETHODIMP_(PCM_PARTIAL_RESOURCE_DESCRIPTOR) CResourceList::FindUntranslatedEntry(
	CM_RESOURCE_TYPE Type, ULONG Index)
{
	return FindTranslatedEntry(Type, Index);
}

STDMETHODIMP_(NTSTATUS) CResourceList::AddEntry(PCM_PARTIAL_RESOURCE_DESCRIPTOR Translated,
						PCM_PARTIAL_RESOURCE_DESCRIPTOR Untranslated)
{
	(void)Untranslated;
	CM_PARTIAL_RESOURCE_LIST *partial = &m_List.list.List[0].PartialResourceList;
	if (Translated == NULL)
		return STATUS_INVALID_PARAMETER;
	if (partial->Count == ENTRIES_MAX)
		return STATUS_INSUFFICIENT_RESOURCES;
	Entries()[partial->Count++] = *Translated;
	return STATUS_SUCCESS;
}

STDMETHODIMP_(NTSTATUS) CResourceList::AddEntryFromParent(IResourceList *Parent,
							  CM_RESOURCE_TYPE Type, ULONG Index)
{
	PCM_PARTIAL_RESOURCE_DESCRIPTOR d = Parent != NULL ? Parent->FindTranslatedEntry(Type, Index)
							   : NULL;
	return d != NULL ? AddEntry(d, d) : STATUS_INVALID_PARAMETER;
}

STDMETHODIMP_(PCM_RESOURCE_LIST) CResourceList::TranslatedList()
{
	return &m_List.list;
}

STDMETHODIMP_(PCM_RESOURCE_LIST) CResourceList::UntranslatedList()
{
	return &m_List.list;
}

NTSTATUS NewResourceList(PRESOURCELIST *OutList, const AC97SIM_RESOURCES *resources)
{
	CResourceList *list = new (NonPagedPool, RUNTIME_POOL_TAG) CResourceList(NULL);
	if (list == NULL)
		return STATUS_INSUFFICIENT_RESOURCES;
	list->Fill(resources);
	*OutList = list;
	list->AddRef();
	return STATUS_SUCCESS;
}
