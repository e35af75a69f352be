/*
 * sal.h - Microsoft's source annotation language, as no-ops (ac97sim's
 * WDM compatibility headers). The annotations tell a static analyser what
 * a parameter is for; a compiler ignores them, and so does ac97sim, which
 * checks IRQL at run time instead.
 */
#ifndef AC97SIM_SAL_H
#define AC97SIM_SAL_H

#define _In_
#define _In_opt_
#define _In_z_
#define _In_reads_(n)
#define _In_reads_bytes_(n)
#define _In_reads_opt_(n)
#define _In_reads_bytes_opt_(n)
#define _In_range_(lo, hi)
#define _Out_
#define _Out_opt_
#define _Out_writes_(n)
#define _Out_writes_bytes_(n)
#define _Out_writes_opt_(n)
#define _Out_writes_bytes_opt_(n)
#define _Out_writes_bytes_to_(n, m)
#define _Out_range_(lo, hi)
#define _Inout_
#define _Inout_opt_
#define _Inout_updates_(n)
#define _Inout_updates_bytes_(n)
#define _Outptr_
#define _Outptr_opt_
#define _Outptr_result_maybenull_
#define _COM_Outptr_
#define _COM_Outptr_opt_
#define _Ret_maybenull_
#define _Ret_notnull_
#define _Return_type_success_(e)
#define _Success_(e)
#define _Check_return_
#define _Must_inspect_result_
#define _Use_decl_annotations_
#define _When_(c, a)
#define _At_(t, a)
#define _Pre_maybenull_
#define _Pre_notnull_
#define _Post_invalid_
#define _Post_satisfies_(e)
#define _Analysis_assume_(e)
#define _Analysis_assume_lock_held_(l)
#define _Analysis_assume_lock_not_held_(l)
#define _Field_size_(n)
#define _Field_size_bytes_(n)
#define _Field_range_(lo, hi)
#define _Struct_size_bytes_(n)
#define _Interlocked_operand_
#define _Guarded_by_(l)
#define _Requires_lock_held_(l)
#define _Requires_lock_not_held_(l)
#define _Acquires_lock_(l)
#define _Releases_lock_(l)
#define _IRQL_requires_(i)
#define _IRQL_requires_max_(i)
#define _IRQL_requires_min_(i)
#define _IRQL_requires_same_
#define _IRQL_raises_(i)
#define _IRQL_saves_
#define _IRQL_restores_
#define _IRQL_saves_global_(k, p)
#define _IRQL_restores_global_(k, p)
#define _IRQL_always_function_min_(i)
#define _IRQL_always_function_max_(i)
#define _IRQL_uses_cancel_
#define _Kernel_float_saved_
#define _Kernel_float_restored_
#define _Kernel_clear_do_init_(yn)
#define _Function_class_(c)
#define _Dispatch_type_(t)
#define __drv_reportError(...)
#define __drv_allocatesMem(k)
#define __drv_freesMem(k)
#define __drv_aliasesMem
#define __drv_when(c, a)
#define __drv_maxIRQL(i)
#define __drv_minIRQL(i)
#define __drv_requiresIRQL(i)
#define __drv_setsIRQL(i)
#define __drv_savesIRQL
#define __drv_restoresIRQL
#define __drv_savesIRQLGlobal(k, p)
#define __drv_restoresIRQLGlobal(k, p)
#define __drv_dispatchType(t)
#define __drv_functionClass(c)
#define __drv_strictTypeMatch(m)
#define __in
#define __out
#define __inout
#define __in_opt
#define __out_opt
#define __deref_out
#define __checkReturn

#endif
