/*
 * common.h - the adapter-common object: the one owner of the controller's
 * two I/O ranges. It brings the AC-link and the codec up at start and gives
 * the wave miniport register access, so no other object needs to know where
 * the registers are.
 */
#ifndef COMMON_H
#define COMMON_H

#include <portcls.h>
#include <stdunk.h>

#include "ichreg.h"

// Pool tag of the driver's allocations: 'AC9x' as a debugger shows it
// (written as a number: a multi-character literal is implementation-defined).
#define AC97_POOL_TAG 0x78394341

// {6C8E1A52-2F0B-4B7A-9D3E-5A1C0F47B2E1}
DEFINE_GUID(IID_IAc97AdapterCommon,
            0x6c8e1a52, 0x2f0b, 0x4b7a, 0x9d, 0x3e, 0x5a, 0x1c, 0x0f, 0x47, 0xb2, 0xe1);

/*
 * IAc97AdapterCommon: what the wave miniport asks of the adapter. The bus
 * master accessors take offsets into NABMBAR and may be called at any IRQL
 * (the ISR uses them); the codec accessors wait on the codec access
 * semaphore and are for PASSIVE_LEVEL.
 */
DECLARE_INTERFACE_(IAc97AdapterCommon, IUnknown)
{
    DEFINE_ABSTRACT_UNKNOWN()

    STDMETHOD_(NTSTATUS, Init)(THIS_ _In_ PRESOURCELIST ResourceList,
                                     _In_ PDEVICE_OBJECT DeviceObject) PURE;

    STDMETHOD_(UCHAR, ReadBusMasterUchar)(THIS_ _In_ ULONG Offset) PURE;
    STDMETHOD_(USHORT, ReadBusMasterUshort)(THIS_ _In_ ULONG Offset) PURE;
    STDMETHOD_(ULONG, ReadBusMasterUlong)(THIS_ _In_ ULONG Offset) PURE;
    STDMETHOD_(void, WriteBusMasterUchar)(THIS_ _In_ ULONG Offset, _In_ UCHAR Value) PURE;
    STDMETHOD_(void, WriteBusMasterUshort)(THIS_ _In_ ULONG Offset, _In_ USHORT Value) PURE;
    STDMETHOD_(void, WriteBusMasterUlong)(THIS_ _In_ ULONG Offset, _In_ ULONG Value) PURE;

    STDMETHOD_(NTSTATUS, ReadCodecRegister)(THIS_ _In_ ULONG Register, _Out_ PUSHORT Value) PURE;
    STDMETHOD_(NTSTATUS, WriteCodecRegister)(THIS_ _In_ ULONG Register, _In_ USHORT Value) PURE;

    // Programs one converter's rate (AC97REG_FRONT_DAC_RATE, _LR_ADC_RATE or
    // _MIC_ADC_RATE), turning variable rate audio on for anything but 48 kHz.
    // STATUS_NOT_SUPPORTED when the codec answers with another rate.
    STDMETHOD_(NTSTATUS, ProgramSampleRate)(THIS_ _In_ ULONG RateRegister,
                                                  _In_ ULONG SampleRate) PURE;
};

typedef IAc97AdapterCommon *PAC97ADAPTERCOMMON;

NTSTATUS NewAdapterCommon(_Out_ PUNKNOWN *Unknown, _In_ REFCLSID ClassId,
                          _In_opt_ PUNKNOWN UnknownOuter, _In_ POOL_TYPE PoolType);

#endif // COMMON_H
