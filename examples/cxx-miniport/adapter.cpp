/*
 * adapter.cpp - the adapter driver's part: start the device (create the
 * adapter-common object) and name the WavePci miniport to ac97sim's port.
 *
 * On Windows this file would hold DriverEntry, AddDevice and StartDevice
 * (PcInitializeAdapterDriver, PcAddAdapterDevice, PcNewPort,
 * PcRegisterSubdevice). Under ac97sim the runtime plays portcls and the PnP
 * manager: AC97SIM_WAVEPCI_DRIVER names the miniport's create function and
 * StartAdapter, and the runtime calls them as StartDevice would.
 */
#include <initguid.h>   // this file defines the GUIDs the headers declare
#include "common.h"
#include "minwave.h"

#include <ac97sim_wavepci.h>

// Each build says which it is: the clean driver, or a copy of the same
// sources with one planted bug (a -D switch of the Makefile).
#if defined(CXX_BUG_RELEASE_UNDER_LOCK)
#define DRIVER_NAME "cxx-bug-release-locked"
#define DRIVER_DESCRIPTION "C++ WavePci example, planted bug: ReleaseMapping with the stream's spin lock held"
#elif defined(CXX_BUG_REVOKE_COUNTS_RANGE)
#define DRIVER_NAME "cxx-bug-revoke-count"
#define DRIVER_DESCRIPTION "C++ WavePci example, planted bug: RevokeMappings reports the range's width, released ones included"
#elif defined(CXX_BUG_ISR_ACKS_BCIS_ONLY)
#define DRIVER_NAME "cxx-bug-isr-ack"
#define DRIVER_DESCRIPTION "C++ WavePci example, planted bug: the ISR clears BCIS only, LVBCI and FIFOE stay set"
#elif defined(CXX_BUG_PORT_STREAM_KEPT)
#define DRIVER_NAME "cxx-bug-port-stream-kept"
#define DRIVER_DESCRIPTION "C++ WavePci example, planted bug: the stream never releases the port stream"
#elif defined(CXX_BUG_GROUP_RELEASED_TWICE)
#define DRIVER_NAME "cxx-bug-group-released-twice"
#define DRIVER_DESCRIPTION "C++ WavePci example, planted bug: the stream releases its service group twice"
#elif defined(CXX_BUG_PAGED_SERVICE)
#define DRIVER_NAME "cxx-bug-paged-service"
#define DRIVER_DESCRIPTION "C++ WavePci example, planted bug: Service is marked PAGED_CODE but runs at DISPATCH_LEVEL"
#else
#define DRIVER_NAME "cxx-clean"
#define DRIVER_DESCRIPTION "C++ WavePci example miniport (clean)"
#endif

/*
 * StartDevice's work for this adapter: bring the controller and codec up
 * through the adapter-common object and hand its IUnknown to the port,
 * which passes it to IMiniportWavePci::Init and releases it at stop.
 */
static NTSTATUS StartAdapter(_In_ PDEVICE_OBJECT DeviceObject, _In_ PRESOURCELIST ResourceList,
                             _Out_ PUNKNOWN *UnknownAdapter)
{
    PAGED_CODE();
    ASSERT(ResourceList);
    ASSERT(UnknownAdapter);

    *UnknownAdapter = NULL;

    PUNKNOWN unknownCommon = NULL;
    NTSTATUS ntStatus = NewAdapterCommon(&unknownCommon, IID_IAc97AdapterCommon, NULL,
                                         NonPagedPool);
    if (!NT_SUCCESS(ntStatus))
    {
        return ntStatus;
    }

    PAC97ADAPTERCOMMON adapterCommon = NULL;
    ntStatus = unknownCommon->QueryInterface(IID_IAc97AdapterCommon, (PVOID *)&adapterCommon);
    if (NT_SUCCESS(ntStatus))
    {
        ntStatus = adapterCommon->Init(ResourceList, DeviceObject);
        adapterCommon->Release();
    }

    if (NT_SUCCESS(ntStatus))
    {
        *UnknownAdapter = unknownCommon;    // our creation reference goes to the caller
    }
    else
    {
        unknownCommon->Release();
    }
    return ntStatus;
}

AC97SIM_WAVEPCI_DRIVER(DRIVER_NAME, DRIVER_DESCRIPTION, CreateMiniportWavePci, StartAdapter);
