/*
 * ichreg.h - the Intel ICH AC'97 controller and AC'97 2.3 codec registers
 * this miniport touches, as the ICH datasheet and the AC'97 component
 * specification describe them. Only what the driver uses.
 */
#ifndef ICHREG_H
#define ICHREG_H

// ---- Bus master (NABMBAR, 64 bytes of I/O) --------------------------------------
//
// Three DMA engines, each with the same block of registers at its own base.
#define ICH_ENGINE_PCM_IN       0       // PI: PCM in (stereo ADC)
#define ICH_ENGINE_PCM_OUT      1       // PO: PCM out (front DAC)
#define ICH_ENGINE_MIC_IN       2       // MC: microphone (mono ADC)
#define ICH_ENGINE_COUNT        3
#define ICH_ENGINE_STRIDE       0x10    // PI at 0x00, PO at 0x10, MC at 0x20

// Offsets inside an engine's block.
#define ICH_BDBAR       0x00    // 32 bits: physical address of the buffer descriptor list
#define ICH_CIV         0x04    // 8 bits, RO: current index value (bits 4:0)
#define ICH_LVI         0x05    // 8 bits: last valid index (bits 4:0)
#define ICH_SR          0x06    // 16 bits: status
#define ICH_PICB        0x08    // 16 bits, RO: samples left in the current buffer
#define ICH_PIV         0x0A    // 8 bits, RO: prefetched index value
#define ICH_CR          0x0B    // 8 bits: control

// SR bits. LVBCI, BCIS and FIFOE are write-1-to-clear.
#define ICH_SR_DCH      0x0001  // DMA controller halted
#define ICH_SR_CELV     0x0002  // current equals last valid, and it is done
#define ICH_SR_LVBCI    0x0004  // last valid buffer completion interrupt
#define ICH_SR_BCIS     0x0008  // buffer completion interrupt (IOC descriptor done)
#define ICH_SR_FIFOE    0x0010  // FIFO under/overrun
#define ICH_SR_INTERRUPTS (ICH_SR_LVBCI | ICH_SR_BCIS | ICH_SR_FIFOE)

// CR bits.
#define ICH_CR_RPBM     0x01    // run/pause bus master
#define ICH_CR_RR       0x02    // reset registers (only while halted)
#define ICH_CR_LVBIE    0x04    // interrupt on LVBCI
#define ICH_CR_FEIE     0x08    // interrupt on FIFOE
#define ICH_CR_IOCE     0x10    // interrupt on BCIS
#define ICH_CR_INTERRUPTS (ICH_CR_LVBIE | ICH_CR_FEIE | ICH_CR_IOCE)

// Global registers.
#define ICH_GLOB_CNT    0x2C    // 32 bits: global control
#define ICH_GLOB_STA    0x30    // 32 bits: global status
#define ICH_CAS         0x34    // 8 bits: codec access semaphore

#define ICH_GLOB_CNT_COLD       0x00000002  // COLD# is active low: 1 lets the AC-link out of reset

#define ICH_GLOB_STA_PIINT      0x00000020  // PI has an enabled status bit set
#define ICH_GLOB_STA_POINT      0x00000040  // PO likewise
#define ICH_GLOB_STA_MINT       0x00000080  // MC likewise
#define ICH_GLOB_STA_S0CR       0x00000100  // primary codec ready

#define ICH_CAS_BUSY    0x01    // reading CAS returns this set when another access is under way

// ---- Buffer descriptor list ------------------------------------------------------
#define ICH_BDL_ENTRIES         32
#define ICH_BD_IOC              0x80000000  // DW1: interrupt when this buffer is done
#define ICH_BD_MAX_SAMPLES      0xFFFE      // DW1 bits 15:0, kept even (whole stereo frames)

// ---- AC'97 codec (NAMBAR, 256 bytes of I/O) ------------------------------------------
#define AC97REG_MASTER_VOLUME       0x02
#define AC97REG_PCM_OUT_VOLUME      0x18
#define AC97REG_RECORD_GAIN         0x1C
#define AC97REG_RECORD_GAIN_MIC     0x1E
#define AC97REG_EXT_AUDIO_CTRL      0x2A
#define AC97REG_FRONT_DAC_RATE      0x2C
#define AC97REG_LR_ADC_RATE         0x32
#define AC97REG_MIC_ADC_RATE        0x34

#define AC97_EXT_VRA    0x0001  // variable rate PCM audio
#define AC97_EXT_VRM    0x0008  // variable rate mic

#define AC97_VOLUME_0DB         0x0000  // master: no attenuation, not muted
#define AC97_VOLUME_GAIN_0DB    0x0808  // PCM out: 0 dB is step 8 on both channels

#endif // ICHREG_H
