/* initguid.h - in the WDK it makes DEFINE_GUID define rather than declare.
 * Here every GUID is an inline constexpr object already (guiddef.h), so
 * there is nothing to switch. */
#ifndef AC97SIM_INITGUID_H
#define AC97SIM_INITGUID_H
#endif
