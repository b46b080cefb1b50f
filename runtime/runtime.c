/* The kernel runtime of a generated module, one translation unit: the module
 * defines its -D limits, includes the transport, then this file, then its own
 * globals, functions and probes.  Only stable, exported kernel interfaces are
 * used, so a kernel update does not break pass 4.  The module defines
 * STP_NEED_KPROBES / STP_NEED_TIMERS / STP_NEED_UPROBES / STP_NEED_TRACE /
 * STP_NEED_PROCFS for the probe kinds
 * it has, so that it does not compile (or carry) the others. */
#ifndef STP_RUNTIME_C
#define STP_RUNTIME_C

#include <linux/atomic.h>
#include <linux/ctype.h>
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/jhash.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/coredump.h>
#include <linux/sched/signal.h>
#include <linux/timex.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/ptrace.h>

/* A module uses only part of the runtime. */
#pragma GCC diagnostic ignored "-Wunused-function"

#include "stp_limits.h"
#include "stp_context.c"
#include "stp_string.c"
#include "stp_memory.c"
#include "stp_arith.c"
#include "stp_funcs.c"
#include "stp_stat.c"
#include "stp_map.c"
#ifdef CONFIG_KPROBES
#include <linux/kprobes.h>
#endif
#include "stp_target.c"
#include "stp_probe.c"
#ifdef STP_NEED_REGEX
#include "stp_regex.c"
#endif
#ifdef STP_NEED_KPROBES
#include <linux/kprobes.h>
/* A lone function entry probe runs from an ftrace_ops of its own
 * (stp_kprobe.c) where the kernel allows it; -D STP_NO_FTRACE_ENTRY keeps
 * every kernel probe a kprobe. */
#if !defined(STP_NO_FTRACE_ENTRY) && defined(CONFIG_DYNAMIC_FTRACE_WITH_REGS) &&                   \
    defined(CONFIG_KPROBES_ON_FTRACE)
#ifndef STP_FTRACE_ENTRY
#define STP_FTRACE_ENTRY 1
#endif
#else
#undef STP_FTRACE_ENTRY
#endif
#ifdef STP_FTRACE_ENTRY
#include <linux/ftrace.h>
#endif
#include "stp_kprobe.c"
#endif
#ifdef STP_NEED_TIMERS
#include <linux/hrtimer.h>
#include "stp_timer.c"
#endif
#if defined(STP_NEED_UPROBES) || defined(STP_NEED_TRACE)
#include <linux/namei.h>
#endif
#ifdef STP_NEED_UPROBES
#include <linux/uprobes.h>
#include "stp_uprobe.c"
#endif
#ifdef STP_NEED_TRACE
#include <linux/binfmts.h>
#include <linux/sched/signal.h>
#include <linux/tracepoint.h>
#include "stp_trace.c"
#endif
#ifdef STP_NEED_PROCFS
#include "stp_procfs.c"
#endif

#endif
