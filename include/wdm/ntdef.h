/* ntdef.h - the base types; here they come with wdm.h (ac97sim's WDM
 * compatibility headers). */
#ifndef AC97SIM_NTDEF_H
#define AC97SIM_NTDEF_H
#include "wdm.h"
#endif
