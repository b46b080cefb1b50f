/* kprobes and kretprobes; a .return probe saves the argument registers at
 * entry so it can still read its arguments. */

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
	int maxactive;
	bool registered;
	struct kprobe kp;
	struct kretprobe krp;
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
		rc = register_kprobe(&k->kp);
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
		unregister_kprobe(&k->kp);
	}
	k->registered = false;
}
