/* kprobes and kretprobes; a .return probe saves the argument registers at
 * entry so it can still read its arguments. */

struct stp_kprobe {
	const struct stp_probe *probe;
	const char *symbol;
	const char *module; /* NULL: the kernel */
	unsigned long addr; /* kernel.statement(ADDR).absolute: symbol is NULL */
	bool ret;
	int maxactive;
	bool registered;
	struct kprobe kp;
	struct kretprobe krp;
};

struct stp_entry_args {
	unsigned long args[6];
};

static int stp_kprobe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct stp_kprobe *k = container_of(kp, struct stp_kprobe, kp);

	stp_probe_run(k->probe, regs, 0, k->symbol, NULL);
	return 0;
}

static int stp_kretprobe_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct stp_entry_args *ea = (struct stp_entry_args *)ri->data;
	int i;

	for (i = 0; i < 6; i++)
		ea->args[i] = regs_get_kernel_argument(regs, i);
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
