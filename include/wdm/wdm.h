/*
 * wdm.h - the WDM kernel interface as a C++ WavePci miniport uses it,
 * over ac97sim's kernel (kernel.h). Part of ac97sim's WDM compatibility
 * headers (pkg-config ac97sim-wdm; docs/cxx-miniports.md), written from
 * Microsoft's public documentation of WDM.
 *
 * kernel.h carries the calls and types ac97sim's backends implement
 * (spin locks, IRQL, DPCs, timers, events, port I/O, the pool); this file
 * adds WDM's other spellings of them, the types and macros a miniport's
 * source expects, and the checks a checked build makes (ASSERT,
 * PAGED_CODE), which here are real: they fail the run. Everything in it is
 * C-compatible so that a source may include it inside extern "C" { }, as
 * WDK samples include ntddk.h; the C++ parts are in extern "C++" blocks.
 *
 * Windows is LLP64: ULONG, LONG and DWORD are 32 bits here as there.
 */
#ifndef AC97SIM_WDM_H
#define AC97SIM_WDM_H

#ifndef __cplusplus
#error "the WDM compatibility headers are for C++ miniports; a C driver includes kernel.h"
#endif

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "kernel.h"
#include "guiddef.h"

/* ---- decorations: calling conventions, SAL, storage -------------------------- */

#define IN
#define OUT
#define OPTIONAL
#define CONST const
#define NTAPI
#define NTSYSAPI
#define NTKERNELAPI
#define NTHALAPI
#define FASTCALL
#define WINAPI
#define STDAPICALLTYPE
#define STDMETHODCALLTYPE
#define __stdcall
#define __cdecl
#define __fastcall
#define DECLSPEC_NOVTABLE
#define DECLSPEC_SELECTANY
#define DECLSPEC_RESTRICT
#define DECLSPEC_ALIGN(n) __attribute__((aligned(n)))
#define DECLSPEC_NOINLINE __attribute__((noinline))
#define FORCEINLINE inline __attribute__((always_inline))
#define C_ASSERT(e) static_assert((e), #e)
#define UNREFERENCED_PARAMETER(p) ((void)(p))
#define DBG_UNREFERENCED_PARAMETER(p) ((void)(p))
#define DBG_UNREFERENCED_LOCAL_VARIABLE(v) ((void)(v))

#include "sal.h"

/* ---- scalar types beyond kernel.h's -------------------------------------------- */

typedef unsigned char BYTE, *PBYTE, *LPBYTE;
typedef USHORT WORD, *PWORD;
typedef ULONG DWORD, *PDWORD, *LPDWORD;	/* one type with ULONG (overloads rely on it) */
typedef short SHORT, *PSHORT;
typedef int INT, *PINT;
typedef unsigned int UINT, *PUINT;
typedef int BOOL, *PBOOL;
typedef char *PCHAR, *PSTR, *LPSTR;
typedef const char *LPCSTR;
typedef char CCHAR;
typedef short CSHORT;
typedef char16_t WCHAR, *PWCHAR, *PWSTR, *LPWSTR;	/* 16 bits, as on Windows */
typedef const WCHAR *PCWSTR, *LPCWSTR;
typedef const void *PCVOID, *LPCVOID;
typedef ULONG ULONG32, *PULONG32;
typedef LONG LONG32, *PLONG32;
typedef ULONGLONG ULONG64, *PULONG64, DWORD64, *PDWORD64;
typedef LONGLONG LONG64, *PLONG64;
typedef intptr_t LONG_PTR, *PLONG_PTR;
typedef ULONG_PTR *PULONG_PTR, DWORD_PTR, *PDWORD_PTR;
typedef SIZE_T *PSIZE_T;
typedef intptr_t SSIZE_T;
typedef void *HANDLE, *PHANDLE;
typedef ULONG_PTR KAFFINITY;
typedef ULONG ACCESS_MASK;
typedef LONG HRESULT;	/* one type with NTSTATUS: STDMETHODIMP may define an NTSTATUS method */
typedef NTSTATUS *PNTSTATUS;
typedef UCHAR KPROCESSOR_MODE_BYTE;
typedef CCHAR KPRIORITY_CLASS;

typedef union _ULARGE_INTEGER {
	struct {
		ULONG LowPart;
		ULONG HighPart;
	};
	struct {
		ULONG LowPart;
		ULONG HighPart;
	} u;
	ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

#ifndef NULL
#define NULL 0
#endif
#define MAXULONG 0xFFFFFFFFu
#define MAXLONG 0x7FFFFFFF
#define MAXUSHORT 0xFFFFu
#define MAXUCHAR 0xFFu

/* ---- status codes beyond kernel.h's -------------------------------------------- */

#define STATUS_WAIT_0 ((NTSTATUS)0x00000000)
#define STATUS_ALERTED ((NTSTATUS)0x00000101)
#define STATUS_MORE_ENTRIES ((NTSTATUS)0x00000105)
#define STATUS_BUFFER_OVERFLOW ((NTSTATUS)0x80000005)
#define STATUS_NO_MORE_ENTRIES ((NTSTATUS)0x8000001A)
#define STATUS_INVALID_HANDLE ((NTSTATUS)0xC0000008)
#define STATUS_NO_SUCH_DEVICE ((NTSTATUS)0xC000000E)
#define STATUS_INVALID_DEVICE_REQUEST ((NTSTATUS)0xC0000010)
#define STATUS_END_OF_FILE ((NTSTATUS)0xC0000011)
#define STATUS_NO_MEMORY ((NTSTATUS)0xC0000017)
#define STATUS_ACCESS_DENIED ((NTSTATUS)0xC0000022)
#define STATUS_BUFFER_TOO_SMALL ((NTSTATUS)0xC0000023)
#define STATUS_OBJECT_NAME_NOT_FOUND ((NTSTATUS)0xC0000034)
#define STATUS_INVALID_PARAMETER_1 ((NTSTATUS)0xC00000EF)
#define STATUS_INVALID_PARAMETER_2 ((NTSTATUS)0xC00000F0)
#define STATUS_INVALID_PARAMETER_3 ((NTSTATUS)0xC00000F1)
#define STATUS_DEVICE_NOT_READY ((NTSTATUS)0xC00000A3)
#define STATUS_IO_TIMEOUT ((NTSTATUS)0xC00000B5)
#define STATUS_DEVICE_BUSY ((NTSTATUS)0x80000011)
#define STATUS_INVALID_DEVICE_STATE ((NTSTATUS)0xC0000184)
#define STATUS_DEVICE_CONFIGURATION_ERROR ((NTSTATUS)0xC0000182)
#define STATUS_NO_MATCH ((NTSTATUS)0xC0000272)
#define STATUS_INTERNAL_ERROR ((NTSTATUS)0xC00000E5)
#define STATUS_INVALID_BUFFER_SIZE ((NTSTATUS)0xC0000206)
#define NT_INFORMATION(s) ((ULONG)(s) >> 30 == 1)
#define NT_WARNING(s) ((ULONG)(s) >> 30 == 2)
#define NT_ERROR(s) ((ULONG)(s) >> 30 == 3)

/* ---- memory and arithmetic helpers ----------------------------------------------- */

#define RtlCopyMemory(d, s, n) memcpy((d), (s), (n))
#define RtlMoveMemory(d, s, n) memmove((d), (s), (n))
#define RtlFillMemory(d, n, f) memset((d), (f), (n))
#define RtlZeroMemory(d, n) memset((d), 0, (n))
#define RtlEqualMemory(a, b, n) (memcmp((a), (b), (n)) == 0)
#define RtlCompareMemory(a, b, n) ac97sim_compare_memory((a), (b), (n))
static inline SIZE_T ac97sim_compare_memory(const void *a, const void *b, SIZE_T n)
{
	SIZE_T i = 0;
	while (i < n && ((const UCHAR *)a)[i] == ((const UCHAR *)b)[i])
		i++;
	return i;
}
#define FIELD_OFFSET(type, field) ((LONG)offsetof(type, field))
#define CONTAINING_RECORD(address, type, field) \
	((type *)((PCHAR)(address) - (ULONG_PTR)offsetof(type, field)))
#define ARRAYSIZE(a) (sizeof(a) / sizeof((a)[0]))
#define RTL_NUMBER_OF(a) ARRAYSIZE(a)
#define ULongToPtr(ul) ((PVOID)(ULONG_PTR)(ULONG)(ul))
#define UlongToPtr(ul) ULongToPtr(ul)
#define LongToPtr(l) ((PVOID)(LONG_PTR)(LONG)(l))
#define PtrToUlong(p) ((ULONG)(ULONG_PTR)(p))
#define PtrToLong(p) ((LONG)(LONG_PTR)(p))
#define PtrToUshort(p) ((USHORT)(ULONG_PTR)(p))
#define BYTE_OFFSET(va) ((ULONG)((ULONG_PTR)(va) & (PAGE_SIZE - 1)))
#define ROUND_TO_PAGES(n) (((ULONG_PTR)(n) + PAGE_SIZE - 1) & ~((ULONG_PTR)PAGE_SIZE - 1))
#define ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, n) \
	((ULONG)((BYTE_OFFSET(va) + (ULONG)(n) + PAGE_SIZE - 1) / PAGE_SIZE))
#define PAGE_SHIFT 12
#define FILE_BYTE_ALIGNMENT 0x00000000
#define FILE_WORD_ALIGNMENT 0x00000001
#define FILE_LONG_ALIGNMENT 0x00000003
#define FILE_QUAD_ALIGNMENT 0x00000007
#define FILE_OCTA_ALIGNMENT 0x0000000f
#define FILE_64_BYTE_ALIGNMENT 0x0000003f
#ifndef NOMINMAX
#ifndef min
#define min(a, b) (((a) < (b)) ? (a) : (b))
#endif
#ifndef max
#define max(a, b) (((a) > (b)) ? (a) : (b))
#endif
#endif
#define LOBYTE(w) ((BYTE)((ULONG_PTR)(w) & 0xff))
#define HIBYTE(w) ((BYTE)(((ULONG_PTR)(w) >> 8) & 0xff))
#define LOWORD(l) ((WORD)((ULONG_PTR)(l) & 0xffff))
#define HIWORD(l) ((WORD)(((ULONG_PTR)(l) >> 16) & 0xffff))
#define MAKELONG(a, b) ((LONG)(((WORD)(a)) | ((DWORD)((WORD)(b))) << 16))

/* ---- checked-build checks, which ac97sim always makes -------------------------- */

#ifndef DBG
#define DBG 0
#endif
#define AC97SIM_STR2(x) #x
#define AC97SIM_STR(x) AC97SIM_STR2(x)
/* ASSERT evaluates its expression in every build (a checked build's
 * behaviour): a false one fails the run with failure "assert". */
#define ASSERT(e)                                                                        \
	((e) ? (void)0                                                                   \
	     : AcRuleBroken(AcRuleAssert, __FILE__ ":" AC97SIM_STR(__LINE__) ": ASSERT(" #e \
							      ") failed"))
#define ASSERTMSG(msg, e)                                                                \
	((e) ? (void)0                                                                   \
	     : AcRuleBroken(AcRuleAssert, __FILE__ ":" AC97SIM_STR(__LINE__) ": " msg))
#define NT_ASSERT(e) ASSERT(e)
#define NT_VERIFY(e) ASSERT(e)
/* Paged code must not run above APC_LEVEL (it could be paged out):
 * failure "paged-code". #pragma code_seg("PAGE") itself means nothing
 * here (and draws an unknown-pragma warning: -Wno-unknown-pragmas). */
#define PAGED_CODE()                                                                     \
	((KeGetCurrentIrql() <= APC_LEVEL)                                               \
		 ? (void)0                                                                \
		 : AcRuleBroken(AcRulePagedCode,                                          \
				__FILE__ ":" AC97SIM_STR(__LINE__) ": PAGED_CODE() above APC_LEVEL"))
#define PAGED_CODE_LOCKED() ((void)0)
/* A break into the kernel debugger: logged (there is no debugger to stop
 * in, and a free build does not stop either). */
#define DbgBreakPoint() ((void)DbgPrint("DbgBreakPoint() at %s:%d\n", __FILE__, __LINE__))
#define KdBreakPoint() DbgBreakPoint()
#define KdPrint(args) ((void)DbgPrint args)
#define KdPrintEx(args) ((void)0)
#define DPFLTR_IHVAUDIO_ID 0
#define DPFLTR_ERROR_LEVEL 0
#define DPFLTR_WARNING_LEVEL 1
#define DPFLTR_TRACE_LEVEL 2
#define DPFLTR_INFO_LEVEL 3

/* ---- IRQL and spin locks: WDM's other spellings ------------------------------- */

#define CLOCK_LEVEL ((KIRQL)13)
#define PROFILE_LEVEL ((KIRQL)15)
static inline KIRQL KeRaiseIrqlToDpcLevel(void)
{
	KIRQL old;
	KeRaiseIrql(DISPATCH_LEVEL, &old);
	return old;
}
static inline KIRQL KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock)
{
	KIRQL old;
	KeAcquireSpinLock(SpinLock, &old);
	return old;
}
typedef struct _KLOCK_QUEUE_HANDLE {
	PKSPIN_LOCK Lock;
	KIRQL OldIrql;
} KLOCK_QUEUE_HANDLE, *PKLOCK_QUEUE_HANDLE;
static inline void KeAcquireInStackQueuedSpinLock(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE h)
{
	h->Lock = SpinLock;
	KeAcquireSpinLock(SpinLock, &h->OldIrql);
}
static inline void KeReleaseInStackQueuedSpinLock(PKLOCK_QUEUE_HANDLE h)
{
	KeReleaseSpinLock(h->Lock, h->OldIrql);
}
static inline void KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock,
							    PKLOCK_QUEUE_HANDLE h)
{
	h->Lock = SpinLock;
	KeAcquireSpinLockAtDpcLevel(SpinLock);
}
static inline void KeReleaseInStackQueuedSpinLockFromDpcLevel(PKLOCK_QUEUE_HANDLE h)
{
	KeReleaseSpinLockFromDpcLevel(h->Lock);
}

/* ---- time ------------------------------------------------------------------------------ */

/* Sleeps at PASSIVE_LEVEL (Interval < 0: relative, in 100 ns). */
static inline NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
					      PLARGE_INTEGER Interval)
{
	KEVENT never;
	KeInitializeEvent(&never, NotificationEvent, FALSE);
	NTSTATUS s = KeWaitForSingleObject(&never, Executive, WaitMode, Alertable, Interval);
	return s == STATUS_TIMEOUT ? STATUS_SUCCESS : s;
}
/* A 10 MHz counter: the interrupt time. */
static inline LARGE_INTEGER KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency)
{
	LARGE_INTEGER now;
	if (PerformanceFrequency != NULL)
		PerformanceFrequency->QuadPart = 10000000;
	now.QuadPart = (LONGLONG)KeQueryInterruptTime();
	return now;
}
static inline ULONGLONG KeQueryInterruptTimePrecise(PULONGLONG QpcTimeStamp)
{
	ULONGLONG t = KeQueryInterruptTime();
	if (QpcTimeStamp != NULL)
		*QpcTimeStamp = t;
	return t;
}
#define KeQuerySystemTime(t) ((t)->QuadPart = (LONGLONG)KeQueryInterruptTime())

/* ---- pool ---------------------------------------------------------------------------------- */

#define PagedPoolCacheAligned ((POOL_TYPE)5)
typedef ULONGLONG POOL_FLAGS;
#define POOL_FLAG_USE_QUOTA 0x0000000000000001ull
#define POOL_FLAG_UNINITIALIZED 0x0000000000000002ull
#define POOL_FLAG_CACHE_ALIGNED 0x0000000000000008ull
#define POOL_FLAG_RAISE_ON_FAILURE 0x0000000000000020ull
#define POOL_FLAG_NON_PAGED 0x0000000000000040ull
#define POOL_FLAG_NON_PAGED_EXECUTE 0x0000000000000080ull
#define POOL_FLAG_PAGED 0x0000000000000100ull
/* Zeroed unless POOL_FLAG_UNINITIALIZED; NULL for tag 0 or no pool kind,
 * as the documentation says. */
static inline PVOID ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag)
{
	POOL_FLAGS kind = Flags & (POOL_FLAG_NON_PAGED | POOL_FLAG_NON_PAGED_EXECUTE | POOL_FLAG_PAGED);
	if (Tag == 0 || (kind != POOL_FLAG_NON_PAGED && kind != POOL_FLAG_NON_PAGED_EXECUTE &&
			 kind != POOL_FLAG_PAGED))
		return NULL;
	POOL_TYPE type = kind == POOL_FLAG_PAGED ? PagedPool : NonPagedPool;
	return (Flags & POOL_FLAG_UNINITIALIZED) ? ExAllocatePoolWithTag(type, NumberOfBytes, Tag)
						 : ExAllocatePoolZero(type, NumberOfBytes, Tag);
}
/* The untagged form: tag "None", as Windows gives it. */
#define AC97SIM_UNTAGGED_POOL_TAG 0x656E6F4Eu
static inline PVOID ExAllocatePool(POOL_TYPE PoolType, SIZE_T NumberOfBytes)
{
	return ExAllocatePoolWithTag(PoolType, NumberOfBytes, AC97SIM_UNTAGGED_POOL_TAG);
}

/* ---- interlocked operations on pointers ------------------------------------------------ */

static inline PVOID InterlockedExchangePointer(PVOID volatile *Target, PVOID Value)
{
	KeYield();
	return __atomic_exchange_n(Target, Value, __ATOMIC_SEQ_CST);
}
static inline PVOID InterlockedCompareExchangePointer(PVOID volatile *Destination, PVOID Exchange,
						      PVOID Comperand)
{
	KeYield();
	__atomic_compare_exchange_n(Destination, &Comperand, Exchange, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	return Comperand;
}
#define InterlockedOr(p, v) __atomic_fetch_or((p), (v), __ATOMIC_SEQ_CST)
#define InterlockedAnd(p, v) __atomic_fetch_and((p), (v), __ATOMIC_SEQ_CST)
#define KeMemoryBarrier() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define _ReadWriteBarrier() __atomic_signal_fence(__ATOMIC_SEQ_CST)

/* ---- objects a miniport names but ac97sim does not model ---------------------- */

typedef struct _DRIVER_OBJECT DRIVER_OBJECT, *PDRIVER_OBJECT;
typedef struct _IRP IRP, *PIRP;
typedef struct _MDL MDL, *PMDL;
typedef struct _FILE_OBJECT FILE_OBJECT, *PFILE_OBJECT;
typedef struct _OBJECT_ATTRIBUTES OBJECT_ATTRIBUTES, *POBJECT_ATTRIBUTES;
typedef struct _DEVICE_CAPABILITIES DEVICE_CAPABILITIES, *PDEVICE_CAPABILITIES;
typedef struct _KEY_VALUE_PARTIAL_INFORMATION {
	ULONG TitleIndex;
	ULONG Type;
	ULONG DataLength;
	UCHAR Data[1];
} KEY_VALUE_PARTIAL_INFORMATION, *PKEY_VALUE_PARTIAL_INFORMATION;
typedef enum _KEY_VALUE_INFORMATION_CLASS {
	KeyValueBasicInformation,
	KeyValueFullInformation,
	KeyValuePartialInformation
} KEY_VALUE_INFORMATION_CLASS;
#define KEY_READ 0x20019u
#define KEY_WRITE 0x20006u
#define KEY_ALL_ACCESS 0xF003Fu

typedef struct _UNICODE_STRING {
	USHORT Length;
	USHORT MaximumLength;
	PWSTR Buffer;
} UNICODE_STRING, *PUNICODE_STRING;
typedef const UNICODE_STRING *PCUNICODE_STRING;
static inline void RtlInitUnicodeString(PUNICODE_STRING d, PCWSTR s)
{
	USHORT n = 0;
	if (s != NULL)
		while (s[n] != 0)
			n++;
	d->Buffer = (PWSTR)s;
	d->Length = (USHORT)(n * sizeof(WCHAR));
	d->MaximumLength = (USHORT)(d->Length + (s != NULL ? sizeof(WCHAR) : 0));
}

/* ---- power ---------------------------------------------------------------------------------- */

typedef enum _SYSTEM_POWER_STATE {
	PowerSystemUnspecified = 0,
	PowerSystemWorking,
	PowerSystemSleeping1,
	PowerSystemSleeping2,
	PowerSystemSleeping3,
	PowerSystemHibernate,
	PowerSystemShutdown,
	PowerSystemMaximum
} SYSTEM_POWER_STATE, *PSYSTEM_POWER_STATE;
typedef enum _DEVICE_POWER_STATE {
	PowerDeviceUnspecified = 0,
	PowerDeviceD0,
	PowerDeviceD1,
	PowerDeviceD2,
	PowerDeviceD3,
	PowerDeviceMaximum
} DEVICE_POWER_STATE, *PDEVICE_POWER_STATE;
typedef union _POWER_STATE {
	SYSTEM_POWER_STATE SystemState;
	DEVICE_POWER_STATE DeviceState;
} POWER_STATE, *PPOWER_STATE;

/* ---- DMA --------------------------------------------------------------------------------------- */

typedef enum _DMA_WIDTH { Width8Bits, Width16Bits, Width32Bits, Width64Bits, WidthNoWrap,
			  MaximumDmaWidth } DMA_WIDTH, *PDMA_WIDTH;
typedef enum _DMA_SPEED { Compatible, TypeA, TypeB, TypeC, TypeF, MaximumDmaSpeed } DMA_SPEED,
	*PDMA_SPEED;

typedef struct _DMA_ADAPTER DMA_ADAPTER, *PDMA_ADAPTER;
typedef void (*PPUT_DMA_ADAPTER)(PDMA_ADAPTER DmaAdapter);
typedef PVOID (*PALLOCATE_COMMON_BUFFER)(PDMA_ADAPTER DmaAdapter, ULONG Length,
					 PPHYSICAL_ADDRESS LogicalAddress, BOOLEAN CacheEnabled);
typedef void (*PFREE_COMMON_BUFFER)(PDMA_ADAPTER DmaAdapter, ULONG Length,
				    PHYSICAL_ADDRESS LogicalAddress, PVOID VirtualAddress,
				    BOOLEAN CacheEnabled);
/* The adapter's operations, in WDM's order. ac97sim implements the
 * common-buffer pair; the packet-DMA and scatter/gather routines after
 * them are NULL (a WavePci miniport gets its pages from GetMapping). */
typedef struct _DMA_OPERATIONS {
	ULONG Size;
	PPUT_DMA_ADAPTER PutDmaAdapter;
	PALLOCATE_COMMON_BUFFER AllocateCommonBuffer;
	PFREE_COMMON_BUFFER FreeCommonBuffer;
	PVOID AllocateAdapterChannel;
	PVOID FlushAdapterBuffers;
	PVOID FreeAdapterChannel;
	PVOID FreeMapRegisters;
	PVOID MapTransfer;
	PVOID GetDmaAlignment;
	PVOID ReadDmaCounter;
	PVOID GetScatterGatherList;
	PVOID PutScatterGatherList;
} DMA_OPERATIONS, *PDMA_OPERATIONS;
struct _DMA_ADAPTER {
	USHORT Version;
	USHORT Size;
	PDMA_OPERATIONS DmaOperations;
};

/* ---- resources ---------------------------------------------------------------------------- */

typedef UCHAR CM_RESOURCE_TYPE;
#define CmResourceTypeNull 0
#define CmResourceTypePort 1
#define CmResourceTypeInterrupt 2
#define CmResourceTypeMemory 3
#define CmResourceTypeDma 4
#define CmResourceTypeDeviceSpecific 5
#define CmResourceTypeBusNumber 6
#define CmResourceTypeMemoryLarge 7
#define CmResourceTypePrivate 0x81
#define CmResourceTypeAssignedResource 0x83
#define CmResourceTypeSubAllocateFrom 0x84
#define CM_RESOURCE_PORT_IO 0x0001
#define CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE 0x0000
#define CM_RESOURCE_INTERRUPT_LATCHED 0x0001
typedef enum _CM_SHARE_DISPOSITION {
	CmResourceShareUndetermined,
	CmResourceShareDeviceExclusive,
	CmResourceShareDriverExclusive,
	CmResourceShareShared
} CM_SHARE_DISPOSITION;

/* Packed to 4, as WDM's: the union starts at offset 4, Start with it. */
#pragma pack(push, 4)
typedef struct _CM_PARTIAL_RESOURCE_DESCRIPTOR {
	UCHAR Type;
	UCHAR ShareDisposition;
	USHORT Flags;
	union {
		struct {
			PHYSICAL_ADDRESS Start;
			ULONG Length;
		} Generic, Port, Memory;
		struct {
			USHORT Level;
			USHORT Group;
			ULONG Vector;
			KAFFINITY Affinity;
		} Interrupt;
		struct {
			ULONG Channel;
			ULONG Port;
			ULONG Reserved1;
		} Dma;
		struct {
			ULONG Data[3];
		} DevicePrivate;
		struct {
			ULONG Start;
			ULONG Length;
			ULONG Reserved;
		} BusNumber;
		struct {
			ULONG DataSize;
			ULONG Reserved1;
			ULONG Reserved2;
		} DeviceSpecificData;
	} u;
} CM_PARTIAL_RESOURCE_DESCRIPTOR, *PCM_PARTIAL_RESOURCE_DESCRIPTOR;
#pragma pack(pop)

typedef struct _CM_PARTIAL_RESOURCE_LIST {
	USHORT Version;
	USHORT Revision;
	ULONG Count;
	CM_PARTIAL_RESOURCE_DESCRIPTOR PartialDescriptors[1];
} CM_PARTIAL_RESOURCE_LIST, *PCM_PARTIAL_RESOURCE_LIST;
typedef enum _INTERFACE_TYPE { InterfaceTypeUndefined = -1, Internal, Isa, Eisa, MicroChannel,
			       TurboChannel, PCIBus } INTERFACE_TYPE;
typedef struct _CM_FULL_RESOURCE_DESCRIPTOR {
	INTERFACE_TYPE InterfaceType;
	ULONG BusNumber;
	CM_PARTIAL_RESOURCE_LIST PartialResourceList;
} CM_FULL_RESOURCE_DESCRIPTOR, *PCM_FULL_RESOURCE_DESCRIPTOR;
typedef struct _CM_RESOURCE_LIST {
	ULONG Count;
	CM_FULL_RESOURCE_DESCRIPTOR List[1];
} CM_RESOURCE_LIST, *PCM_RESOURCE_LIST;

typedef enum _DEVICE_REGISTRY_PROPERTY { DevicePropertyDeviceDescription = 0 }
	DEVICE_REGISTRY_PROPERTY;

#endif
