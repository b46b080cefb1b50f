/* Tracepoints, through the exported registration interface: each is found
 * by name with for_each_kernel_tracepoint and hooked with
 * tracepoint_probe_register (EXPORT_SYMBOL_GPL); teardown unregisters every
 * one, then tracepoint_synchronize_unregister waits out handlers still
 * running on other CPUs before the end probes run or the module goes.
 *
 * kernel.trace("NAME"): the generated probe function has the tracepoint's
 * prototype with every argument widened to unsigned long (each is one
 * register or stack slot on x86_64; pass 2 refuses arguments passed by
 * value) and hands them over as the probe's argument array.
 *
 * process[("PATH")].syscall[.return] ride on raw_syscalls sys_enter and
 * sys_exit (x86_64: the arguments are the user registers di si dx r10 r8
 * r9), in processes whose executable (mm->exe_file, read under RCU) is
 * PATH's inode, or in every user process.
 *
 * process[("PATH")].begin/.end ride on sched_process_exec and
 * sched_process_exit: begin runs in the process that has just exec'd (PATH:
 * the file it exec'd is PATH's inode); end runs in the process's last
 * exiting thread.  Its memory map is gone by then, so an end probe for PATH
 * remembers which processes exec'd PATH, in a fixed table (STP_PROC_TRACK
 * slots, lock-free; a process that finds it full is not reported and is
 * counted as skipped). */

#ifndef STP_PROC_TRACK
#define STP_PROC_TRACK 1024
#endif

struct stp_trace {
	const struct stp_probe *probe;
	const char *name;
	void *func;
	void *data; /* passed to func; NULL: this struct */
	struct tracepoint *tp;
	bool registered;
};

static void stp_trace_find(struct tracepoint *tp, void *priv)
{
	struct stp_trace *t = priv;

	if (!t->tp && strcmp(tp->name, t->name) == 0)
		t->tp = tp;
}

static int stp_trace_register(struct stp_trace *t)
{
	int rc;

	for_each_kernel_tracepoint(stp_trace_find, t);
	if (!t->tp) {
		stp_warnf("WARNING: probe %s: no tracepoint %s in this kernel\n",
			  t->probe ? t->probe->pp : "?", t->name);
		return -ENOENT;
	}
	rc = tracepoint_probe_register(t->tp, t->func, t->data ? t->data : t);
	if (rc == 0)
		t->registered = true;
	else
		stp_warnf("WARNING: probe %s registration error (rc %d)\n",
			  t->probe ? t->probe->pp : t->name, rc);
	return rc;
}

static void stp_trace_unregister(struct stp_trace *t)
{
	if (!t->registered)
		return;
	tracepoint_probe_unregister(t->tp, t->func, t->data ? t->data : t);
	t->registered = false;
}

/* After the last unregistration: no handler of ours runs on any CPU. */
static void stp_trace_sync(void)
{
	tracepoint_synchronize_unregister();
}

/* Called by the generated probe function of kernel.trace("NAME"). */
static void stp_trace_hit(void *data, unsigned long *args, unsigned int nargs)
{
	struct stp_trace *t = data;

	stp_probe_run_args(t->probe, NULL, 0, t->name, args, nargs, NULL);
}

enum stp_procev_kind { STP_PROC_BEGIN, STP_PROC_END, STP_PROC_SYSCALL, STP_PROC_SYSRET };

struct stp_procev {
	const struct stp_probe *probe;
	const char *path; /* NULL: any program */
	enum stp_procev_kind kind;
	struct inode *inode;
	struct stp_trace exec, exit;   /* syscall probes use exec for their tracepoint */
	atomic_t pids[STP_PROC_TRACK]; /* end probes for PATH: tgids running it */
};

static void stp_procev_track(struct stp_procev *pe, pid_t tgid, bool add)
{
	unsigned int i;

	for (i = 0; i < STP_PROC_TRACK; i++)
		if (atomic_read(&pe->pids[i]) == tgid) {
			if (!add)
				atomic_cmpxchg(&pe->pids[i], tgid, 0);
			return;
		}
	if (!add)
		return;
	for (i = 0; i < STP_PROC_TRACK; i++)
		if (atomic_cmpxchg(&pe->pids[i], 0, tgid) == 0)
			return;
	stp_skip();
}

static bool stp_procev_untrack(struct stp_procev *pe, pid_t tgid)
{
	unsigned int i;

	for (i = 0; i < STP_PROC_TRACK; i++)
		if (atomic_cmpxchg(&pe->pids[i], tgid, 0) == tgid)
			return true;
	return false;
}

static void stp_procev_exec_fn(void *data, struct task_struct *p, pid_t old_pid,
			       struct linux_binprm *bprm)
{
	struct stp_procev *pe = data;
	bool match = !pe->inode || (bprm->file && file_inode(bprm->file) == pe->inode);

	if (pe->kind == STP_PROC_END) {
		if (pe->inode)
			stp_procev_track(pe, task_tgid_nr(p), match);
		return;
	}
	if (match)
		stp_probe_run(pe->probe, NULL, 0, NULL, NULL);
}

static void stp_procev_exit_fn(void *data, struct task_struct *p)
{
	struct stp_procev *pe = data;

	if (atomic_read(&p->signal->live)) /* other threads go on */
		return;
	if (pe->inode && !stp_procev_untrack(pe, task_tgid_nr(p)))
		return;
	stp_probe_run(pe->probe, NULL, 0, NULL, NULL);
}

/* Is current running the program pe names (or any user program)? */
static bool stp_procev_exe_ok(const struct stp_procev *pe)
{
	struct mm_struct *mm = current->mm;
	struct file *f;
	bool ok;

	if (!mm || (current->flags & PF_KTHREAD))
		return false;
	if (!pe->inode)
		return true;
	rcu_read_lock();
	f = rcu_dereference(mm->exe_file);
	ok = f && file_inode(f) == pe->inode;
	rcu_read_unlock();
	return ok;
}

#ifdef CONFIG_X86_64
static void stp_sys_enter_fn(void *data, struct pt_regs *regs, long id)
{
	struct stp_procev *pe = data;
	unsigned long args[7];

	if (!stp_procev_exe_ok(pe))
		return;
	args[0] = id;
	args[1] = regs->di;
	args[2] = regs->si;
	args[3] = regs->dx;
	args[4] = regs->r10;
	args[5] = regs->r8;
	args[6] = regs->r9;
	stp_probe_run_args(pe->probe, NULL, 0, NULL, args, ARRAY_SIZE(args), NULL);
}

static void stp_sys_exit_fn(void *data, struct pt_regs *regs, long ret)
{
	struct stp_procev *pe = data;
	unsigned long args[2];

	if (!stp_procev_exe_ok(pe))
		return;
	args[0] = regs->orig_ax;
	args[1] = ret;
	stp_probe_run_args(pe->probe, NULL, STP_RUN_RETURN, NULL, args, ARRAY_SIZE(args), NULL);
}

static int stp_syscall_register(struct stp_procev *pe)
{
	bool ret = pe->kind == STP_PROC_SYSRET;

	pe->exec = (struct stp_trace){pe->probe, ret ? "sys_exit" : "sys_enter",
				      ret ? (void *)stp_sys_exit_fn : (void *)stp_sys_enter_fn, pe};
	return stp_trace_register(&pe->exec);
}
#else
static int stp_syscall_register(struct stp_procev *pe)
{
	stp_warnf("WARNING: probe %s: process.syscall is x86_64 only\n", pe->probe->pp);
	return -EOPNOTSUPP;
}
#endif

static int stp_procev_register(struct stp_procev *pe)
{
	struct path p;
	int rc;

	if (pe->path) {
		rc = kern_path(pe->path, LOOKUP_FOLLOW, &p);
		if (rc) {
			stp_warnf("WARNING: probe %s: cannot find %s (rc %d)\n", pe->probe->pp,
				  pe->path, rc);
			return rc;
		}
		pe->inode = igrab(d_inode(p.dentry));
		path_put(&p);
		if (!pe->inode)
			return -ENOENT;
	}
	pe->exec =
	    (struct stp_trace){pe->probe, "sched_process_exec", (void *)stp_procev_exec_fn, pe};
	pe->exit =
	    (struct stp_trace){pe->probe, "sched_process_exit", (void *)stp_procev_exit_fn, pe};
	switch (pe->kind) {
	case STP_PROC_BEGIN:
		return stp_trace_register(&pe->exec);
	case STP_PROC_END:
		if (pe->inode) {
			rc = stp_trace_register(&pe->exec);
			if (rc)
				return rc;
		}
		return stp_trace_register(&pe->exit);
	default:
		return stp_syscall_register(pe);
	}
}

/* The inode is released only after stp_trace_sync: a handler may still
 * compare against it until then. */
static void stp_procev_unregister(struct stp_procev *pe)
{
	stp_trace_unregister(&pe->exec);
	stp_trace_unregister(&pe->exit);
}

static void stp_procev_release(struct stp_procev *pe)
{
	if (pe->inode)
		iput(pe->inode);
	pe->inode = NULL;
}
