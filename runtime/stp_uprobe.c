/* process("PATH").function(...) probes: inode uprobes (uprobe_register on
 * the inode of PATH at the function's file offset). */

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
