/*
 * minwave.h - the WavePci wave miniport: the filter (its pins and data
 * ranges), the interrupt, and the factory of streams.
 */
#ifndef MINWAVE_H
#define MINWAVE_H

#include "common.h"

class CMiniportWavePciStream;

// The converters take 16-bit PCM at any rate VRA allows; AC'97 2.3 makes
// 8 to 48 kHz the range every VRA codec covers.
#define RATE_MIN_HZ 8000
#define RATE_MAX_HZ 48000

// The filter's pins, in the order of the filter descriptor. The sink pins
// carry streams; the bridge pins stand for the analog side of the codec.
enum
{
    PIN_WAVE_OUT = 0,       // render sink: audio from the system to the DAC
    PIN_WAVE_OUT_BRIDGE,    // the DAC's analog output
    PIN_WAVE_IN,            // capture sink: the stereo ADC to the system
    PIN_WAVE_IN_BRIDGE,     // the stereo ADC's analog input
    PIN_MIC_IN,             // capture sink: the mic ADC to the system
    PIN_MIC_IN_BRIDGE,      // the mic ADC's analog input
    PIN_COUNT
};

// The filter's nodes.
enum
{
    NODE_DAC = 0,
    NODE_ADC,
    NODE_MIC_ADC,
    NODE_COUNT
};

class CMiniportWavePci : public IMiniportWavePci, public CUnknown
{
private:
    PPORTWAVEPCI        m_Port;
    PAC97ADAPTERCOMMON  m_AdapterCommon;
    PINTERRUPTSYNC      m_InterruptSync;
    PDMACHANNEL         m_DmaChannel;       // one bus-master channel, shared by the streams
    BOOLEAN             m_InterruptConnected;
    // The stream on each bus-master engine, or NULL. The ISR reads it at
    // DIRQL; it changes only inside CallSynchronizedRoutine, so the ISR sees
    // a stream whole or not at all.
    CMiniportWavePciStream *m_Streams[ICH_ENGINE_COUNT];

    static NTSTATUS InterruptServiceRoutine(_In_ PINTERRUPTSYNC InterruptSync,
                                            _In_ PVOID DynamicContext);
    static NTSTATUS SetStreamSynchronized(_In_ PINTERRUPTSYNC InterruptSync,
                                          _In_ PVOID DynamicContext);

public:
    DECLARE_STD_UNKNOWN();
    DEFINE_STD_CONSTRUCTOR(CMiniportWavePci);
    ~CMiniportWavePci();

    IMP_IMiniportWavePci;

    // For the streams.
    PPORTWAVEPCI Port(void) const { return m_Port; }
    PAC97ADAPTERCOMMON AdapterCommon(void) const { return m_AdapterCommon; }
    PDMACHANNEL DmaChannel(void) const { return m_DmaChannel; }
    // Puts Stream (or NULL) on Engine, in step with the ISR.
    void SetEngineStream(_In_ ULONG Engine, _In_opt_ CMiniportWavePciStream *Stream);
};

NTSTATUS CreateMiniportWavePci(_Out_ PUNKNOWN *Unknown, _In_ REFCLSID ClassId,
                               _In_opt_ PUNKNOWN UnknownOuter, _In_ POOL_TYPE PoolType);

#endif // MINWAVE_H
