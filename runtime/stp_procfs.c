/* procfs("NAME").read / .write: a file /proc/<module>/NAME beside the
 * transport's files (proc_create_data, EXPORT_SYMBOL), in the same 0500
 * root-owned folder, so only root opens it whoever loaded the module.
 *
 * Opening for reading runs the read probe once, which sets $value: the
 * file's content for that open.  Each write(2) of up to MAXSTRINGLEN - 1
 * bytes runs the write probe with those bytes as $value (longer writes are
 * taken in pieces).  The user copy happens outside the probe handler, which
 * never touches user memory.  proc_remove at teardown waits for calls in
 * progress. */

struct stp_procfs {
	const char *name;
	const struct stp_probe *read, *write;
	struct proc_dir_entry *pde;
};

struct stp_procfs_buf {
	char data[MAXSTRINGLEN];
};

static int stp_procfs_open(struct inode *inode, struct file *f)
{
	struct stp_procfs *pf = pde_data(inode);
	struct stp_procfs_buf *b = kzalloc(sizeof(*b), GFP_KERNEL);

	if (!b)
		return -ENOMEM;
	f->private_data = b;
	if (pf->read && (f->f_mode & FMODE_READ))
		stp_probe_run_args(pf->read, NULL, 0, NULL, NULL, 0, b->data);
	return 0;
}

static ssize_t stp_procfs_read(struct file *f, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct stp_procfs_buf *b = f->private_data;

	return simple_read_from_buffer(ubuf, count, ppos, b->data, strnlen(b->data, MAXSTRINGLEN));
}

static ssize_t stp_procfs_write(struct file *f, const char __user *ubuf, size_t count, loff_t *ppos)
{
	struct stp_procfs *pf = pde_data(file_inode(f));
	struct stp_procfs_buf *b = f->private_data;
	size_t n = min_t(size_t, count, MAXSTRINGLEN - 1);

	if (!pf->write)
		return -EINVAL;
	if (copy_from_user(b->data, ubuf, n))
		return -EFAULT;
	b->data[n] = '\0';
	stp_probe_run_args(pf->write, NULL, 0, NULL, NULL, 0, b->data);
	*ppos += n;
	return n;
}

static int stp_procfs_release(struct inode *inode, struct file *f)
{
	kfree(f->private_data);
	return 0;
}

static const struct proc_ops stp_procfs_ops = {
    .proc_open = stp_procfs_open,
    .proc_read = stp_procfs_read,
    .proc_write = stp_procfs_write,
    .proc_release = stp_procfs_release,
    .proc_lseek = default_llseek,
};

static int stp_procfs_register(struct stp_procfs *pf)
{
	umode_t mode = (pf->read ? 0400 : 0) | (pf->write ? 0200 : 0);

	pf->pde = proc_create_data(pf->name, mode, stp_tr.dir, &stp_procfs_ops, pf);
	if (!pf->pde) {
		stp_warnf("WARNING: cannot create /proc/%s/%s\n", THIS_MODULE->name, pf->name);
		return -ENOMEM;
	}
	return 0;
}

static void stp_procfs_unregister(struct stp_procfs *pf)
{
	if (pf->pde)
		proc_remove(pf->pde);
	pf->pde = NULL;
}
