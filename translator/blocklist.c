/* Kernel functions stap refuses to probe: the running kernel's kprobe
 * blacklist (/sys/kernel/debug/kprobes/blacklist, when readable and the
 * target is the running kernel), plus a built-in list of functions the
 * kernel marks NOKPROBE/__kprobes/notrace on some releases, functions the
 * probe runtime itself calls from probe context (probing them would recurse
 * into the handler), and functions that never return (a .return probe would
 * leak its instance).  A name probed explicitly is an error; a wildcard
 * skips these with a count. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "translator/blocklist.h"

/* Exact names and globs, each with its reason. */
struct block_rule {
	const char *pattern;
	const char *why;
};

static const char why_trap[] = "it runs in the kernel's trap, NMI or oops path (kprobe blacklist)";
static const char why_kprobes[] = "it belongs to the kprobes machinery itself";
static const char why_runtime[] = "the probe runtime calls it from probe context, so the probe "
				  "would recurse into itself";
static const char why_instr[] = "it is entry, tracing or sanitizer code the kernel does not let "
				"kprobes instrument (notrace/noinstr)";

static const struct block_rule rules[] = {
    /* Trap, NMI and die paths. */
    {"atomic_notifier_call_chain", why_trap},
    {"notifier_call_chain", why_trap},
    {"notify_die", why_trap},
    {"default_do_nmi", why_trap},
    {"exc_nmi", why_trap},
    {"exc_int3", why_trap},
    {"exc_debug", why_trap},
    {"exc_page_fault", why_trap},
    {"exc_general_protection", why_trap},
    {"__die", why_trap},
    {"die", why_trap},
    {"die_nmi", why_trap},
    {"do_int3", why_trap},
    {"do_debug", why_trap},
    {"do_trap", why_trap},
    {"do_general_protection", why_trap},
    {"do_page_fault", why_trap},
    {"do_IRQ", why_trap},
    {"oops_begin", why_trap},
    {"oops_end", why_trap},
    {"nmi_handle", why_trap},
    {"io_check_error", why_trap},
    {"mem_parity_error", why_trap},
    {"__switch_to", why_trap},
    {"__switch_to_asm", why_trap},
    /* The kprobes machinery. */
    {"kprobe_*", why_kprobes},
    {"*_kprobe_handler", why_kprobes},
    {"kretprobe_*", why_kprobes},
    {"__kretprobe_*", why_kprobes},
    {"arch_*kprobe*", why_kprobes},
    {"*kprobe_ftrace_handler", why_kprobes},
    {"rethook_*", why_kprobes},
    {"arch_rethook_*", why_kprobes},
    {"get_kprobe", why_kprobes},
    {"opt_pre_handler", why_kprobes},
    {"optimized_callback", why_kprobes},
    {"aggr_*_handler", why_kprobes},
    {"uprobe_*handler*", why_kprobes},
    /* What the runtime calls in probe context (runtime/stp_*.c). */
    {"_raw_spin_*", why_runtime},
    {"_raw_read_*", why_runtime},
    {"_raw_write_*", why_runtime},
    {"__raw_spin_*", why_runtime},
    {"do_raw_spin_*", why_runtime},
    {"queued_spin_lock_slowpath", why_runtime},
    {"native_queued_spin_lock_slowpath", why_runtime},
    {"preempt_count_add", why_runtime},
    {"preempt_count_sub", why_runtime},
    {"debug_smp_processor_id", why_runtime},
    {"copy_from_kernel_nofault*", why_runtime},
    {"copy_from_user_nofault", why_runtime},
    {"strncpy_from_kernel_nofault", why_runtime},
    {"strncpy_from_user_nofault", why_runtime},
    {"__get_user_*", why_runtime},
    {"ktime_get*", why_runtime},
    {"local_clock", why_runtime},
    {"sched_clock*", why_runtime},
    {"native_sched_clock", why_runtime},
    {"get_random_u32*", why_runtime},
    {"relay_switch_subbuf", why_runtime},
    {"irq_work_queue", why_runtime},
    {"rcu_read_lock_*held", why_runtime},
    /* Entry, tracing, lockdep and sanitizer code. */
    {"__fentry__", why_instr},
    {"ftrace_*", why_instr},
    {"__x86_indirect_thunk_*", why_instr},
    {"__x86_return_thunk", why_instr},
    {"trace_hardirqs_*", why_instr},
    {"lockdep_*", why_instr},
    {"lock_acquire", why_instr},
    {"lock_release", why_instr},
    {"__lock_acquire", why_instr},
    {"__asan_*", why_instr},
    {"__kasan_*", why_instr},
    {"__ubsan_*", why_instr},
    {"__sanitizer_*", why_instr},
    {"__kcsan_*", why_instr},
    {"__pfx_*", why_instr},
    {"native_irq_*", why_instr},
    {"native_save_fl", why_instr},
    {"native_restore_fl", why_instr},
    {"arch_local_irq_*", why_instr},
    {"__do_softirq", why_instr},
    {"irqentry_*", why_instr},
    {"syscall_enter_from_user_mode*", why_instr},
    {"do_syscall_64", why_instr},
    {"entry_SYSCALL*", why_instr},
    {NULL, NULL},
};

/* Functions that never return: a .return probe would never fire and would
 * hold its kretprobe instance forever. */
static const char *const noreturn_fns[] = {
    "do_exit",
    "do_group_exit",
    "make_task_dead",
    "__x64_sys_exit",
    "__x64_sys_exit_group",
    "panic",
    "__stack_chk_fail",
    NULL,
};

static const char why_noreturn[] = "it never returns, so a .return probe would never fire";
static const char why_kernel[] = "the kernel forbids kprobes there (kprobes/blacklist)";

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One "0xSTART-0xEND\tNAME" line (the kernel prints one per range). */
static int add_line(struct blocklist *b, const char *p, const char *eol)
{
	const char *tab = memchr(p, '\t', (size_t)(eol - p));
	if (!tab || tab + 1 >= eol || b->n >= BLOCKLIST_MAX)
		return 0;
	/* module functions print as "name [module]" */
	size_t n = 0;
	while (tab + 1 + n < eol && tab[1 + n] != ' ' && tab[1 + n] != '\t')
		n++;
	char *name = strndup(tab + 1, n);
	char **v = realloc(b->names, (b->n + 1) * sizeof(*v));
	if (v)
		b->names = v;
	if (!name || !v) {
		free(name);
		return -1;
	}
	b->names[b->n++] = name;
	return 0;
}

static void sort_names(struct blocklist *b)
{
	if (b->n > 1)
		qsort(b->names, b->n, sizeof(*b->names), name_cmp);
}

int blocklist_parse(struct blocklist *b, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	int rc = 0;
	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		rc = add_line(b, p, eol);
		p = eol + 1;
	}
	sort_names(b);
	return rc;
}

/* debugfs files report size 0: read line by line, not by fstat size. */
void blocklist_load(struct blocklist *b, const char *path)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	if (!f)
		return; /* not mounted, or not root: the built-in list still applies */
	while ((n = getline(&line, &cap, f)) > 0)
		if (add_line(b, line, line + n - (line[n - 1] == '\n')) < 0)
			break;
	free(line);
	sort_names(b);
	fclose(f);
}

void blocklist_free(struct blocklist *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->names[i]);
	free(b->names);
	b->names = NULL;
	b->n = 0;
}

const char *blocklist_why(const struct blocklist *b, const char *fn, int ret)
{
	for (const struct block_rule *r = rules; r->pattern; r++)
		if (fnmatch(r->pattern, fn, 0) == 0)
			return r->why;
	if (ret)
		for (int i = 0; noreturn_fns[i]; i++)
			if (strcmp(noreturn_fns[i], fn) == 0)
				return why_noreturn;
	if (b && b->n && bsearch(&fn, b->names, b->n, sizeof(*b->names), name_cmp))
		return why_kernel;
	return NULL;
}
