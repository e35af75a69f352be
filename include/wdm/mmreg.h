/*
 * mmreg.h - wave formats (ac97sim's WDM compatibility headers), laid out
 * as Windows lays them out: byte-packed, so that WAVEFORMATEX is 18 bytes
 * and WAVEFORMATEXTENSIBLE 40 (its cbSize, 22, is the difference).
 */
#ifndef AC97SIM_MMREG_H
#define AC97SIM_MMREG_H

#include "wdm.h"

#define WAVE_FORMAT_UNKNOWN 0x0000
#define WAVE_FORMAT_PCM 0x0001
#define WAVE_FORMAT_ADPCM 0x0002
#define WAVE_FORMAT_IEEE_FLOAT 0x0003
#define WAVE_FORMAT_ALAW 0x0006
#define WAVE_FORMAT_MULAW 0x0007
#define WAVE_FORMAT_DOLBY_AC3_SPDIF 0x0092
#define WAVE_FORMAT_EXTENSIBLE 0xFFFE

#pragma pack(push, 1)
typedef struct tWAVEFORMATEX {
	WORD wFormatTag;
	WORD nChannels;
	DWORD nSamplesPerSec;
	DWORD nAvgBytesPerSec;
	WORD nBlockAlign;
	WORD wBitsPerSample;
	WORD cbSize;
} WAVEFORMATEX, *PWAVEFORMATEX, *LPWAVEFORMATEX;
typedef const WAVEFORMATEX *PCWAVEFORMATEX;

typedef struct {
	WAVEFORMATEX Format;
	union {
		WORD wValidBitsPerSample;
		WORD wSamplesPerBlock;
		WORD wReserved;
	} Samples;
	DWORD dwChannelMask;
	GUID SubFormat;
} WAVEFORMATEXTENSIBLE, *PWAVEFORMATEXTENSIBLE;
#pragma pack(pop)

typedef WAVEFORMATEXTENSIBLE WAVEFORMATPCMEX, *PWAVEFORMATPCMEX;

#define SPEAKER_FRONT_LEFT 0x1
#define SPEAKER_FRONT_RIGHT 0x2
#define SPEAKER_FRONT_CENTER 0x4
#define SPEAKER_LOW_FREQUENCY 0x8
#define SPEAKER_BACK_LEFT 0x10
#define SPEAKER_BACK_RIGHT 0x20
#define SPEAKER_FRONT_LEFT_OF_CENTER 0x40
#define SPEAKER_FRONT_RIGHT_OF_CENTER 0x80
#define SPEAKER_BACK_CENTER 0x100
#define SPEAKER_SIDE_LEFT 0x200
#define SPEAKER_SIDE_RIGHT 0x400
#define SPEAKER_TOP_CENTER 0x800
#define SPEAKER_RESERVED 0x7FFC0000
#define SPEAKER_ALL 0x80000000

/* The KS subtype of a WAVEFORMATEX format tag: the tag in Data1 of the
 * media-subtype base GUID {xxxxxxxx-0000-0010-8000-00aa00389b71}, as the
 * documentation of WAVEFORMATEXTENSIBLE gives it. */
#define DEFINE_WAVEFORMATEX_GUID(x) \
	(USHORT)(x), 0x0000, 0x0010, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71
#define INIT_WAVEFORMATEX_GUID(g, x)                                                     \
	do {                                                                             \
		*(g) = GUID{ (USHORT)(x), 0x0000, 0x0010,                                \
			     { 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71 } };       \
	} while (0)
#define EXTRACT_WAVEFORMATEX_ID(g) (USHORT)((g)->Data1)
#define IS_VALID_WAVEFORMATEX_GUID(g)                                                    \
	(((g)->Data1 & 0xFFFF0000u) == 0 && (g)->Data2 == 0 && (g)->Data3 == 0x0010 &&     \
	 memcmp((g)->Data4, "\x80\x00\x00\xaa\x00\x38\x9b\x71", 8) == 0)

#endif
