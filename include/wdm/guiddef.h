/*
 * guiddef.h - GUIDs as WDM code uses them (C++ only). Part of ac97sim's
 * WDM compatibility headers (pkg-config ac97sim-wdm, docs/cxx-miniports.md).
 *
 * Inside ac97sim both the port and the miniport are compiled against these
 * headers, so a GUID only has to be equal to itself and different from the
 * others. The headers therefore name most of their GUIDs by a hash of the
 * name (AC97SIM_NAMED_GUID); they are not Microsoft's values, and nothing
 * here should be compared with a Windows dump. A driver's own GUIDs
 * (DEFINE_GUID, DEFINE_GUIDSTRUCT) keep the values its source gives.
 *
 * Every GUID is a C++17 inline constexpr object: one object program-wide
 * whichever translation unit defines INITGUID (or none does), so the
 * INITGUID/PUT_GUIDS_HERE dance of the WDK is harmless and unnecessary.
 */
#ifndef AC97SIM_WDM_GUIDDEF_H
#define AC97SIM_WDM_GUIDDEF_H

#ifndef __cplusplus
#error "the WDM compatibility headers are for C++ miniports; a C driver includes kernel.h"
#endif

#include <string.h>

#include "kernel.h"

extern "C++" {

typedef struct _GUID {
	ULONG Data1;
	USHORT Data2;
	USHORT Data3;
	UCHAR Data4[8];
} GUID, *LPGUID;
static_assert(sizeof(GUID) == 16, "GUID: 16 bytes, as in guiddef.h");
typedef const GUID *LPCGUID;
typedef GUID IID, CLSID;
typedef IID *LPIID;
typedef CLSID *LPCLSID;
typedef const GUID &REFGUID;
typedef const IID &REFIID;
typedef const CLSID &REFCLSID;

inline bool IsEqualGUID(REFGUID a, REFGUID b)
{
	return memcmp(&a, &b, sizeof(GUID)) == 0;
}
#define IsEqualIID(a, b) IsEqualGUID((a), (b))
#define IsEqualCLSID(a, b) IsEqualGUID((a), (b))
/* WDK's variant may assume 8-byte alignment; a byte compare needs none. */
#define IsEqualGUIDAligned(a, b) IsEqualGUID((a), (b))
inline bool operator==(REFGUID a, REFGUID b) { return IsEqualGUID(a, b); }
inline bool operator!=(REFGUID a, REFGUID b) { return !IsEqualGUID(a, b); }

namespace ac97sim_guid {

/* FNV-1a over the name, twice with different offsets, gives 128 bits. */
constexpr unsigned long long hash(const char *s, unsigned long long h)
{
	return *s == '\0' ? h : hash(s + 1, (h ^ (unsigned char)*s) * 0x100000001b3ull);
}
constexpr unsigned long long lo(const char *name) { return hash(name, 0xcbf29ce484222325ull); }
constexpr unsigned long long hi(const char *name) { return hash(name, 0x84222325cbf29ce4ull); }

constexpr int hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}
/* Not constexpr: reaching it in a constant evaluation stops compilation. */
int not_a_guid_string(void);
/* n hex digits of s from at; a non-digit is a compile-time error. */
constexpr unsigned long long digits(const char *s, int at, int n)
{
	unsigned long long v = 0;
	for (int i = 0; i < n; i++) {
		int d = hex(s[at + i]);
		if (d < 0)
			return (unsigned long long)not_a_guid_string();
		v = v * 16 + (unsigned)d;
	}
	return v;
}
/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", as DEFINE_GUIDSTRUCT takes it. */
constexpr GUID parse(const char *s)
{
	return GUID{ (ULONG)digits(s, 0, 8), (USHORT)digits(s, 9, 4), (USHORT)digits(s, 14, 4),
		     { (UCHAR)digits(s, 19, 2), (UCHAR)digits(s, 21, 2), (UCHAR)digits(s, 24, 2),
		       (UCHAR)digits(s, 26, 2), (UCHAR)digits(s, 28, 2), (UCHAR)digits(s, 30, 2),
		       (UCHAR)digits(s, 32, 2), (UCHAR)digits(s, 34, 2) } };
}

/* A GUID from the eleven values of a STATIC_ initialiser. */
constexpr GUID make(ULONG d1, USHORT d2, USHORT d3, UCHAR b0, UCHAR b1, UCHAR b2, UCHAR b3,
		    UCHAR b4, UCHAR b5, UCHAR b6, UCHAR b7)
{
	return GUID{ d1, d2, d3, { b0, b1, b2, b3, b4, b5, b6, b7 } };
}

} /* namespace ac97sim_guid */
} /* extern "C++" */

/* The eleven initialiser values of the GUID named by name (a string). */
#define AC97SIM_NAMED_GUID_INIT(name)                                                   \
	(ULONG)ac97sim_guid::lo(name), (USHORT)(ac97sim_guid::lo(name) >> 32),           \
		(USHORT)(ac97sim_guid::lo(name) >> 48), (UCHAR)ac97sim_guid::hi(name),   \
		(UCHAR)(ac97sim_guid::hi(name) >> 8), (UCHAR)(ac97sim_guid::hi(name) >> 16), \
		(UCHAR)(ac97sim_guid::hi(name) >> 24), (UCHAR)(ac97sim_guid::hi(name) >> 32), \
		(UCHAR)(ac97sim_guid::hi(name) >> 40), (UCHAR)(ac97sim_guid::hi(name) >> 48), \
		(UCHAR)(ac97sim_guid::hi(name) >> 56)

/* DEFINE_GUID(name, l, w1, w2, b1, ..., b8): one GUID object, any TU. */
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
	extern "C++" inline constexpr GUID name = { l, w1, w2, { b1, b2, b3, b4, b5, b6, b7, b8 } }
/* A GUID of these headers' own: STATIC_name (its initialiser, for
 * STATICGUIDOF in brace initialisers) and the object name. */
#define AC97SIM_DEFINE_NAMED_GUID(name)                                    \
	extern "C++" inline constexpr GUID name = ac97sim_guid::make(AC97SIM_NAMED_GUID_INIT(#name))
#define AC97SIM_DEFINE_STATIC_GUID(name) \
	extern "C++" inline constexpr GUID name = ac97sim_guid::make(STATIC_##name)
#define STATICGUIDOF(guid) STATIC_##guid

/* KS's way: a GUID from its string form, named through DEFINE_GUIDNAMED. */
#define DEFINE_GUIDSTRUCT(guid_string, name) \
	extern "C++" inline constexpr GUID ac97sim_guidstruct_##name = ac97sim_guid::parse(guid_string)
#define DEFINE_GUIDNAMED(name) ac97sim_guidstruct_##name
#define DEFINE_GUIDEX(name) /* the GUID is defined by DEFINE_GUID/STATIC_ already */

DEFINE_GUID(GUID_NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

#endif
