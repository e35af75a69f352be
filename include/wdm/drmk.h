/*
 * drmk.h - the DRM interface a WavePci stream may expose
 * (IDrmAudioStream) and its rights structure (ac97sim's WDM compatibility
 * headers). ac97sim's port never calls it; it is here so that a stream
 * that implements it compiles.
 */
#ifndef AC97SIM_DRMK_H
#define AC97SIM_DRMK_H

#include "punknown.h"

typedef struct tagDRMRIGHTS {
	BOOL CopyProtect;
	ULONG Reserved;
	BOOL DigitalOutputDisable;
} DRMRIGHTS, *PDRMRIGHTS;
typedef const DRMRIGHTS *PCDRMRIGHTS;
#define DEFINE_DRMRIGHTS_DEFAULT(name) const DRMRIGHTS name = { FALSE, 0, FALSE }

#define STATIC_IID_IDrmAudioStream AC97SIM_NAMED_GUID_INIT("IID_IDrmAudioStream")
AC97SIM_DEFINE_STATIC_GUID(IID_IDrmAudioStream);

extern "C++" {
DECLARE_INTERFACE_(IDrmAudioStream, IUnknown)
{
	DEFINE_ABSTRACT_UNKNOWN()
	STDMETHOD_(NTSTATUS, SetContentId)(THIS_ ULONG ContentId, PCDRMRIGHTS DrmRights) PURE;
};
typedef IDrmAudioStream *PDRMAUDIOSTREAM;
}

#define IMP_IDrmAudioStream \
	STDMETHODIMP_(NTSTATUS) SetContentId(ULONG ContentId, PCDRMRIGHTS DrmRights)

#endif
