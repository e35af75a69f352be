/* ntddk.h - WDM plus what ntddk.h adds; for a miniport, the same as wdm.h
 * (ac97sim's WDM compatibility headers, docs/cxx-miniports.md). */
#ifndef AC97SIM_NTDDK_H
#define AC97SIM_NTDDK_H
#include "wdm.h"
#endif
