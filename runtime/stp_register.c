/* Probe registration with stable exported interfaces only: kprobes,
 * kretprobes (saving the argument registers at entry so a .return probe can
 * still read its arguments), hrtimers, and inode uprobes. */

struct stp_kprobe {
	const struct stp_probe *probe;
	const char *symbol;
	const char *module; /* NULL: the kernel */
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

struct stp_timer {
	const struct stp_probe *probe;
	u64 period_ns;
	u64 randomize_ns;
	bool started;
	struct hrtimer t;
};

static u64 stp_timer_next(const struct stp_timer *st)
{
	u64 ns = st->period_ns;

	if (st->randomize_ns) /* uniform in [period - r, period + r] */
		ns = ns - st->randomize_ns + get_random_u32() % (2 * st->randomize_ns + 1);
	return max_t(u64, ns, 1000);
}

static enum hrtimer_restart stp_timer_fire(struct hrtimer *t)
{
	struct stp_timer *st = container_of(t, struct stp_timer, t);

	stp_probe_run(st->probe, NULL, 0, NULL, NULL);
	if (atomic_read(&stp_rstate) != STP_STATE_RUNNING)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(stp_timer_next(st)));
	return HRTIMER_RESTART;
}

static int stp_timer_register(struct stp_timer *st)
{
	hrtimer_init(&st->t, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	st->t.function = stp_timer_fire;
	hrtimer_start(&st->t, ns_to_ktime(stp_timer_next(st)), HRTIMER_MODE_REL);
	st->started = true;
	return 0;
}

static void stp_timer_unregister(struct stp_timer *st)
{
	if (st->started)
		hrtimer_cancel(&st->t);
	st->started = false;
}

struct stp_uprobe {
	const struct stp_probe *probe;
	const char *path;
	const char *symbol;
	loff_t offset;
	bool ret;
	struct inode *inode;
	struct uprobe_consumer uc;
};

static int stp_uprobe_hit(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct stp_uprobe *u = container_of(uc, struct stp_uprobe, uc);

	stp_probe_run(u->probe, regs, STP_RUN_USER, u->symbol, NULL);
	return 0;
}

static int stp_uretprobe_hit(struct uprobe_consumer *uc, unsigned long func, struct pt_regs *regs)
{
	struct stp_uprobe *u = container_of(uc, struct stp_uprobe, uc);

	(void)func;
	stp_probe_run(u->probe, regs, STP_RUN_USER | STP_RUN_RETURN, u->symbol, NULL);
	return 0;
}

static int stp_uprobe_register(struct stp_uprobe *u)
{
	struct path p;
	int rc = kern_path(u->path, LOOKUP_FOLLOW, &p);

	if (rc) {
		stp_warnf("WARNING: probe %s: cannot find %s (rc %d)\n", u->probe->pp, u->path, rc);
		return rc;
	}
	u->inode = igrab(d_inode(p.dentry));
	path_put(&p);
	if (!u->inode)
		return -ENOENT;
	if (u->ret)
		u->uc.ret_handler = stp_uretprobe_hit;
	else
		u->uc.handler = stp_uprobe_hit;
	rc = uprobe_register(u->inode, u->offset, &u->uc);
	if (rc) {
		stp_warnf("WARNING: probe %s registration error (rc %d)\n", u->probe->pp, rc);
		iput(u->inode);
		u->inode = NULL;
	}
	return rc;
}

static void stp_uprobe_unregister(struct stp_uprobe *u)
{
	if (!u->inode)
		return;
	uprobe_unregister(u->inode, u->offset, &u->uc);
	iput(u->inode);
	u->inode = NULL;
}
