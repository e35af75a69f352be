/*
 * registry.cpp - the registry as a miniport finds it on a fresh install:
 * every key opens (PcNewRegistryKey, IPort::NewRegistryKey, NewSubKey)
 * and holds no value until the driver writes one; values written are read
 * back through any key of the same path until the run ends. Miniports
 * read their settings with defaults for what is missing and write them
 * back on power-down, so this runs their code paths without a registry.
 *
 * The store is the plug-in's static data: it starts empty in every run
 * (ac97sim restores a plug-in's data before each run).
 */
#include "runtime.h"

#define PATH_CHARS_MAX 128u
#define VALUES_MAX 64u
#define VALUE_BYTES_MAX 64u

struct stored_value {
	WCHAR path[PATH_CHARS_MAX];	/* key path, '\\', value name */
	ULONG type;
	ULONG size;
	UCHAR data[VALUE_BYTES_MAX];
};

static struct stored_value store[VALUES_MAX];
static ULONG stored_count;

/* dst = a '\\' b, truncated to fit; false if it did not. */
static bool join(WCHAR *dst, const WCHAR *a, const WCHAR *b, USHORT b_chars)
{
	ULONG n = 0;
	for (; a[n] != 0 && n < PATH_CHARS_MAX - 1; n++)
		dst[n] = a[n];
	if (n < PATH_CHARS_MAX - 1)
		dst[n++] = '\\';
	for (USHORT i = 0; i < b_chars; i++) {
		if (n >= PATH_CHARS_MAX - 1) {
			dst[n] = 0;
			return false;
		}
		dst[n++] = b[i];
	}
	dst[n] = 0;
	return true;
}

static bool same(const WCHAR *a, const WCHAR *b)
{
	for (ULONG i = 0;; i++) {
		if (a[i] != b[i])
			return false;
		if (a[i] == 0)
			return true;
	}
}

class CRegistryKey : public IRegistryKey, public CUnknown {
      public:
	DECLARE_STD_UNKNOWN();
	DEFINE_STD_CONSTRUCTOR(CRegistryKey);
	void SetPath(const WCHAR *path)
	{
		ULONG i = 0;
		for (; path[i] != 0 && i < PATH_CHARS_MAX - 1; i++)
			m_Path[i] = path[i];
		m_Path[i] = 0;
	}

	STDMETHODIMP_(NTSTATUS) QueryKey(ULONG, PVOID, ULONG, PULONG ResultLength);
	STDMETHODIMP_(NTSTATUS) EnumerateKey(ULONG, ULONG, PVOID, ULONG, PULONG ResultLength);
	STDMETHODIMP_(NTSTATUS) QueryValueKey(PUNICODE_STRING ValueName,
					      KEY_VALUE_INFORMATION_CLASS KeyValueInformationClass,
					      PVOID KeyValueInformation, ULONG Length,
					      PULONG ResultLength);
	STDMETHODIMP_(NTSTATUS) EnumerateValueKey(ULONG, KEY_VALUE_INFORMATION_CLASS, PVOID, ULONG,
						  PULONG ResultLength);
	STDMETHODIMP_(NTSTATUS) SetValueKey(PUNICODE_STRING ValueName, ULONG Type, PVOID Data,
					    ULONG DataSize);
	STDMETHODIMP_(NTSTATUS) QueryRegistryValues(PVOID, PVOID);
	STDMETHODIMP_(NTSTATUS) NewSubKey(IRegistryKey **RegistrySubKey, PUNKNOWN OuterUnknown,
					  ACCESS_MASK DesiredAccess, PUNICODE_STRING SubKeyName,
					  ULONG CreateOptions, PULONG Disposition);
	STDMETHODIMP_(NTSTATUS) DeleteKey();

      private:
	struct stored_value *Find(PUNICODE_STRING ValueName);
	WCHAR m_Path[PATH_CHARS_MAX];
};

STDMETHODIMP_(NTSTATUS) CRegistryKey::NonDelegatingQueryInterface(REFIID InterfaceId,
								  PVOID *Interface)
{
	if (IsEqualGUIDAligned(InterfaceId, IID_IUnknown) ||
	    IsEqualGUIDAligned(InterfaceId, IID_IRegistryKey)) {
		*Interface = static_cast<PREGISTRYKEY>(this);
		AddRef();
		return STATUS_SUCCESS;
	}
	*Interface = NULL;
	return STATUS_INVALID_PARAMETER;
}

static NTSTATUS new_key(PREGISTRYKEY *out, PUNKNOWN outer, const WCHAR *path)
{
	CRegistryKey *key = new (PagedPool, RUNTIME_POOL_TAG) CRegistryKey(outer);
	*out = key;
	if (key == NULL)
		return STATUS_INSUFFICIENT_RESOURCES;
	key->SetPath(path);
	key->AddRef();
	return STATUS_SUCCESS;
}

struct stored_value *CRegistryKey::Find(PUNICODE_STRING ValueName)
{
	WCHAR path[PATH_CHARS_MAX];
	if (ValueName == NULL || ValueName->Buffer == NULL ||
	    !join(path, m_Path, ValueName->Buffer, (USHORT)(ValueName->Length / sizeof(WCHAR))))
		return NULL;
	for (ULONG i = 0; i < stored_count; i++)
		if (same(store[i].path, path))
			return &store[i];
	return NULL;
}

STDMETHODIMP_(NTSTATUS) CRegistryKey::QueryKey(ULONG, PVOID, ULONG, PULONG ResultLength)
{
	if (ResultLength != NULL)
		*ResultLength = 0;
	return STATUS_NOT_SUPPORTED;
}

STDMETHODIMP_(NTSTATUS) CRegistryKey::EnumerateKey(ULONG, ULONG, PVOID, ULONG, PULONG ResultLength)
{
	if (ResultLength != NULL)
		*ResultLength = 0;
	return STATUS_NO_MORE_ENTRIES;
}

STDMETHODIMP_(NTSTATUS) CRegistryKey::QueryValueKey(PUNICODE_STRING ValueName,
						    KEY_VALUE_INFORMATION_CLASS Class,
						    PVOID Information, ULONG Length,
						    PULONG ResultLength)
{
	PAGED_CODE();
	struct stored_value *v = Find(ValueName);
	if (v == NULL)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	if (Class != KeyValuePartialInformation)
		return STATUS_NOT_SUPPORTED;
	ULONG need = (ULONG)offsetof(KEY_VALUE_PARTIAL_INFORMATION, Data) + v->size;
	if (ResultLength != NULL)
		*ResultLength = need;
	if (Information == NULL || Length < need)
		return STATUS_BUFFER_TOO_SMALL;
	KEY_VALUE_PARTIAL_INFORMATION *info = static_cast<KEY_VALUE_PARTIAL_INFORMATION *>(Information);
	info->TitleIndex = 0;
	info->Type = v->type;
	info->DataLength = v->size;
	RtlCopyMemory(info->Data, v->data, v->size);
	return STATUS_SUCCESS;
}

STDMETHODIMP_(NTSTATUS) CRegistryKey::EnumerateValueKey(ULONG, KEY_VALUE_INFORMATION_CLASS, PVOID,
							ULONG, PULONG ResultLength)
{
	if (ResultLength != NULL)
		*ResultLength = 0;
	return STATUS_NO_MORE_ENTRIES;
}

STDMETHODIMP_(NTSTATUS) CRegistryKey::SetValueKey(PUNICODE_STRING ValueName, ULONG Type, PVOID Data,
						  ULONG DataSize)
{
	PAGED_CODE();
	if (DataSize > VALUE_BYTES_MAX || (Data == NULL && DataSize > 0))
		return STATUS_INVALID_PARAMETER;
	struct stored_value *v = Find(ValueName);
	if (v == NULL) {
		if (stored_count == VALUES_MAX || ValueName == NULL || ValueName->Buffer == NULL)
			return STATUS_INSUFFICIENT_RESOURCES;
		v = &store[stored_count];
		if (!join(v->path, m_Path, ValueName->Buffer,
			  (USHORT)(ValueName->Length / sizeof(WCHAR))))
			return STATUS_INVALID_PARAMETER;
		stored_count++;
	}
	v->type = Type;
	v->size = DataSize;
	if (DataSize > 0)
		RtlCopyMemory(v->data, Data, DataSize);
	return STATUS_SUCCESS;
}

STDMETHODIMP_(NTSTATUS) CRegistryKey::QueryRegistryValues(PVOID, PVOID)
{
	return STATUS_NOT_SUPPORTED;
}

STDMETHODIMP_(NTSTATUS) CRegistryKey::NewSubKey(IRegistryKey **RegistrySubKey, PUNKNOWN OuterUnknown,
						ACCESS_MASK, PUNICODE_STRING SubKeyName, ULONG,
						PULONG Disposition)
{
	PAGED_CODE();
	if (RegistrySubKey == NULL || SubKeyName == NULL || SubKeyName->Buffer == NULL)
		return STATUS_INVALID_PARAMETER;
	WCHAR path[PATH_CHARS_MAX];
	if (!join(path, m_Path, SubKeyName->Buffer, (USHORT)(SubKeyName->Length / sizeof(WCHAR))))
		return STATUS_INVALID_PARAMETER;
	if (Disposition != NULL)
		*Disposition = REG_OPENED_EXISTING_KEY;
	return new_key(RegistrySubKey, OuterUnknown, path);
}

STDMETHODIMP_(NTSTATUS) CRegistryKey::DeleteKey()
{
	return STATUS_SUCCESS;
}

NTSTATUS NewRegistryKey(PREGISTRYKEY *OutRegistryKey, PUNKNOWN OuterUnknown, ULONG RegistryKeyType)
{
	static const WCHAR root[] = { 'k', 'e', 'y', 0 };
	WCHAR path[PATH_CHARS_MAX];
	const WCHAR digit[] = { (WCHAR)('0' + RegistryKeyType % 10u), 0 };
	join(path, root, digit, 1);
	return new_key(OutRegistryKey, OuterUnknown, path);
}

NTSTATUS PcNewRegistryKey(PREGISTRYKEY *OutRegistryKey, PUNKNOWN OuterUnknown,
			  ULONG RegistryKeyType, ACCESS_MASK, PVOID, PVOID, POBJECT_ATTRIBUTES, ULONG,
			  PULONG Disposition)
{
	if (OutRegistryKey == NULL)
		return STATUS_INVALID_PARAMETER;
	if (Disposition != NULL)
		*Disposition = REG_OPENED_EXISTING_KEY;
	return NewRegistryKey(OutRegistryKey, OuterUnknown, RegistryKeyType);
}
