/*
 * minstream.h - the WavePci stream: one bus-master engine fed with the
 * port's mappings through a 32-entry buffer descriptor list (BDL).
 *
 * The list. Entry i of the driver's record array describes BDL descriptor
 * i: the listed entries are Head .. Head + Count - 1 (mod 32), in the order
 * GetMapping handed them out, at most 31 of them (with 32 a full list and
 * an empty one would look alike to CIV and LVI). Whenever the list is not
 * empty, LVI is its last entry.
 *
 * The lock. m_Lock covers the records, the BDL and every write to the
 * engine's registers. It is never held across GetMapping or ReleaseMapping
 * (Driver Verifier bug checks 0xC4 on that): it is dropped around them, and
 * everything read before the drop is read again after it.
 */
#ifndef MINSTREAM_H
#define MINSTREAM_H

#include "minwave.h"

#define BDL_ENTRIES_IN_USE_MAX  (ICH_BDL_ENTRIES - 1)

// One BDL descriptor as the controller reads it from memory.
typedef struct _ICH_BUFFER_DESCRIPTOR
{
    ULONG PhysicalAddress;  // word aligned
    ULONG Control;          // ICH_BD_IOC | length in samples
} ICH_BUFFER_DESCRIPTOR, *PICH_BUFFER_DESCRIPTOR;

// What the driver knows about the mapping behind one descriptor.
typedef struct _MAPPING_RECORD
{
    ULONG Tag;              // counts up from 1 per stream, never reused
    ULONG PhysicalAddress;  // of the whole mapping
    ULONG ByteCount;        // of the whole mapping
    // Bytes the engine moved before the last engine reset; the descriptor
    // covers the rest. Equal to ByteCount: done, waiting to be released.
    ULONG BytesDone;
} MAPPING_RECORD, *PMAPPING_RECORD;

class CMiniportWavePciStream : public IMiniportWavePciStream, public CUnknown
{
private:
    CMiniportWavePci       *m_Miniport;         // AddRef'd
    PAC97ADAPTERCOMMON      m_AdapterCommon;    // the miniport's; lives as long as it
    PPORTWAVEPCISTREAM      m_PortStream;       // AddRef'd
    PSERVICEGROUP           m_ServiceGroup;     // ours; the port gets its own reference
    ULONG                   m_Engine;           // ICH_ENGINE_*
    ULONG                   m_EngineBase;       // the engine's offset in NABMBAR
    BOOLEAN                 m_Capture;
    BOOLEAN                 m_Registered;       // the ISR finds us on m_Engine
    WAVEFORMATEX            m_Format;

    // The common buffer that holds the BDL.
    PDMA_ADAPTER            m_DmaAdapter;
    PICH_BUFFER_DESCRIPTOR  m_Bdl;
    PHYSICAL_ADDRESS        m_BdlPhysical;

    KSPIN_LOCK              m_Lock;             // covers everything below
    KSSTATE                 m_State;
    MAPPING_RECORD          m_Records[ICH_BDL_ENTRIES];
    ULONG                   m_Head;
    ULONG                   m_Count;
    ULONG                   m_NextTag;
    BOOLEAN                 m_DmaStarted;       // RPBM set since the last engine reset
    BOOLEAN                 m_Pumping;          // a thread is releasing and refilling
    BOOLEAN                 m_PumpAgain;        // ... and must go round once more
    // The GetMapping under way with the lock dropped: its tag, and whether a
    // RevokeMappings has already counted it (the filler then drops it).
    BOOLEAN                 m_Getting;
    BOOLEAN                 m_GettingRevoked;
    ULONG                   m_GettingTag;
    // Position: bytes the engine moved of mappings no longer listed, and
    // the hardware total at the last STOP (WavePci's position is 0 there).
    ULONGLONG               m_BytesRetired;
    ULONGLONG               m_PositionBase;
    ULONGLONG               m_LastPosition;

    ULONG SlotOf(ULONG Index) const { return (m_Head + Index) % ICH_BDL_ENTRIES; }
    UCHAR ReadEngineUchar(ULONG Register);
    USHORT ReadEngineUshort(ULONG Register);
    void WriteEngineUchar(ULONG Register, UCHAR Value);
    void WriteEngineUlong(ULONG Register, ULONG Value);

    void WriteDescriptor(ULONG Slot);
    void WriteLastValidIndex(void);
    BOOLEAN HasAudioQueued(void);
    void StartDmaIfReady(void);
    ULONG EntriesFinished(void);
    ULONGLONG HardwareBytes(void);
    ULONG ResetEngineAndRelayout(_In_ ULONG FirstTag, _In_ ULONG LastTag);
    void ReleaseFinishedMappings(_Inout_ PKIRQL OldIrql);
    void QueueMappings(_Inout_ PKIRQL OldIrql);
    void Pump(_Inout_ PKIRQL OldIrql);

public:
    DECLARE_STD_UNKNOWN();
    DEFINE_STD_CONSTRUCTOR(CMiniportWavePciStream);
    ~CMiniportWavePciStream();

    IMP_IMiniportWavePciStream;

    NTSTATUS Init(_In_ CMiniportWavePci *Miniport, _In_ PPORTWAVEPCISTREAM PortStream,
                  _In_ ULONG Engine, _In_ PKSDATAFORMAT DataFormat);
    // The group the ISR names in IPortWavePci::Notify.
    PSERVICEGROUP ServiceGroup(void) const { return m_ServiceGroup; }
};

#endif // MINSTREAM_H
