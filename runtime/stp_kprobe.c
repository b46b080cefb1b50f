/* kprobes and kretprobes; a .return probe saves the argument registers at
 * entry so it can still read its arguments.
 *
 * A function entry probe on a kernel function that ftrace can hook runs from
 * an ftrace_ops of its own with SAVE_REGS (the handler gets a full pt_regs
 * at the function's first instruction): the kprobes-on-ftrace path it
 * replaces goes through the same ftrace call site, then kprobes' own ops,
 * its hash lookup, current_kprobe and the int3 emulation of regs->ip.  The
 * kprobe is still registered, disabled, first: it resolves the symbol and
 * makes every check register_kprobe makes (blacklist, text, ftrace
 * location), so the ftrace path probes exactly what the kprobe would; a
 * function ftrace cannot hook, or an ftrace error, enables the kprobe
 * instead.  Only where the translator says so (.ftrace): one entry probe
 * alone on its function, few in the script (translator/emit.c).
 * (bench/probe-cost.sh: a sixth of a counter's hit cost, beside bpftrace's
 * fentry trampolines.) */

#ifndef STP_ENTRY_VALS
#define STP_ENTRY_VALS 1
#endif

struct stp_kprobe {
	const struct stp_probe *probe;
	const struct stp_probe *entry; /* .return with @entry(...): run at entry */
	const char *symbol;
	const char *module; /* NULL: the kernel */
	unsigned long addr; /* kernel.statement(ADDR).absolute: symbol is NULL */
	bool ret;
	bool ftrace; /* the translator allows the ftrace path (translator/emit.c) */
	int maxactive;
	bool registered;
	struct kprobe kp;
	struct kretprobe krp;
#ifdef STP_FTRACE_ENTRY
	bool ftraced; /* hits come from fops, kp is registered disabled */
	struct ftrace_ops fops;
#endif
};

/* A kretprobe instance's data: args first (c->entry_args points at it). */
struct stp_entry_args {
	unsigned long args[6];
	int64_t vals[STP_ENTRY_VALS]; /* @entry(...) values */
};

static struct stp_entry_args *stp_entry_data(struct stp_context *c)
{
	return c->entry_args ? container_of(c->entry_args, struct stp_entry_args, args[0]) : NULL;
}

/* Where the entry run stores @entry value i, and where the return run reads
 * it (0 when the entry run was skipped: a busy CPU, a dropped hit). */
static int64_t *stp_entry_slot(struct stp_context *c, size_t i)
{
	static int64_t stp_entry_discard;
	struct stp_entry_args *ea = stp_entry_data(c);

	return ea && i < STP_ENTRY_VALS ? &ea->vals[i] : &stp_entry_discard;
}

static int64_t stp_entry_val(struct stp_context *c, size_t i)
{
	struct stp_entry_args *ea = stp_entry_data(c);

	return ea && i < STP_ENTRY_VALS ? ea->vals[i] : 0;
}

static int stp_kprobe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct stp_kprobe *k = container_of(kp, struct stp_kprobe, kp);

	stp_probe_run(k->probe, regs, 0, k->symbol, NULL);
	return 0;
}

#ifdef STP_FTRACE_ENTRY
/* This CPU is inside stp_ftrace_entry: a probed function that the handler
 * itself calls (or an NMI on a probed function meanwhile) is dropped
 * and counted as skipped, as kprobes drop a hit while one runs
 * (kprobe_running, nmissed).  Cheaper
 * than ftrace_test_recursion_trylock and no less strict: interrupts are off
 * from the first instruction that could be probed. */
static DEFINE_PER_CPU(int, stp_ftrace_active);

/* notrace: ftrace must not call into its own callback. */
static void notrace stp_ftrace_entry(unsigned long ip, unsigned long parent_ip,
				     struct ftrace_ops *ops, struct ftrace_regs *fregs)
{
	struct stp_kprobe *k = container_of(ops, struct stp_kprobe, fops);
	struct pt_regs *regs = ftrace_get_regs(fregs);
	unsigned long flags;

	local_irq_save(flags);
	if (regs && !__this_cpu_read(stp_ftrace_active)) {
		__this_cpu_write(stp_ftrace_active, 1);
		stp_probe_run_irqs_off(k->probe, regs, 0, k->symbol, NULL, 6, NULL);
		__this_cpu_write(stp_ftrace_active, 0);
	} else {
		stp_skip(); /* counted as kprobes count theirs (nmissed) */
	}
	local_irq_restore(flags);
}

/* After the disabled kprobe registered: hook its address through ftrace.
 * 0, or an error (the caller enables the kprobe instead). */
static int stp_ftrace_register(struct stp_kprobe *k)
{
	int rc;

	k->fops.func = stp_ftrace_entry;
	k->fops.flags = FTRACE_OPS_FL_SAVE_REGS;
	rc = ftrace_set_filter_ip(&k->fops, (unsigned long)k->kp.addr, 0, 0);
	if (rc)
		return rc;
	rc = register_ftrace_function(&k->fops);
	if (rc) {
		ftrace_free_filter(&k->fops);
		return rc;
	}
	k->ftraced = true;
	return 0;
}

static bool stp_ftrace_wanted(const struct stp_kprobe *k)
{
	return k->ftrace && !k->ret && !k->addr && k->symbol && !strchr(k->symbol, ':');
}
#endif

static int stp_kretprobe_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct stp_entry_args *ea = (struct stp_entry_args *)ri->data;
	struct kretprobe *rp = get_kretprobe(ri);
	struct stp_kprobe *k = rp ? container_of(rp, struct stp_kprobe, krp) : NULL;
	int i;

	for (i = 0; i < 6; i++)
		ea->args[i] = regs_get_kernel_argument(regs, i);
	memset(ea->vals, 0, sizeof(ea->vals));
	if (k && k->entry)
		stp_probe_run(k->entry, regs, 0, k->symbol, ea->args);
	return 0;
}

static int stp_kretprobe_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kretprobe *rp = get_kretprobe(ri);
	struct stp_kprobe *k;

	if (!rp)
		return 0;
	k = container_of(rp, struct stp_kprobe, krp);
	stp_probe_run(k->probe, regs, STP_RUN_RETURN, k->symbol,
		      ((struct stp_entry_args *)ri->data)->args);
	return 0;
}

static int stp_kprobe_register(struct stp_kprobe *k)
{
	int rc;

	if (k->ret) {
		k->krp.kp.symbol_name = k->symbol;
		k->krp.handler = stp_kretprobe_ret;
		k->krp.entry_handler = stp_kretprobe_entry;
		k->krp.data_size = sizeof(struct stp_entry_args);
		k->krp.maxactive = k->maxactive;
		rc = register_kretprobe(&k->krp);
	} else {
		if (k->addr)
			k->kp.addr = (kprobe_opcode_t *)k->addr;
		else
			k->kp.symbol_name = k->symbol;
		k->kp.pre_handler = stp_kprobe_pre;
#ifdef STP_FTRACE_ENTRY
		if (stp_ftrace_wanted(k)) {
			k->kp.flags = KPROBE_FLAG_DISABLED;
			rc = register_kprobe(&k->kp);
			/* No ftrace: the kprobe; if that cannot be armed either,
			 * it must not outlive the failed start (it lives in
			 * this module's memory). */
			if (rc == 0 && stp_ftrace_register(k) != 0 &&
			    (rc = enable_kprobe(&k->kp)) != 0)
				unregister_kprobe(&k->kp);
		} else {
			rc = register_kprobe(&k->kp);
		}
#else
		rc = register_kprobe(&k->kp);
#endif
	}
	if (rc == 0)
		k->registered = true;
	else
		stp_warnf("WARNING: probe %s registration error (rc %d)\n", k->probe->pp, rc);
	return rc;
}

static void stp_kprobe_unregister(struct stp_kprobe *k)
{
	if (!k->registered)
		return;
	if (k->ret) {
		if (k->krp.nmissed)
			atomic_add(k->krp.nmissed, &stp_skipped);
		unregister_kretprobe(&k->krp);
	} else {
#ifdef STP_FTRACE_ENTRY
		if (k->ftraced) {
			unregister_ftrace_function(&k->fops);
			ftrace_free_filter(&k->fops);
			k->ftraced = false;
		}
#endif
		unregister_kprobe(&k->kp);
		if (k->kp.nmissed)
			atomic_add(k->kp.nmissed, &stp_skipped);
	}
	k->registered = false;
}
