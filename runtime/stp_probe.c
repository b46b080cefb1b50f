/* Running one probe handler: interrupts off, the CPU's context claimed (or
 * the hit skipped), every global the handler uses locked in a fixed order
 * with bounded trylock attempts (never sleeping, never waiting forever),
 * then the body, then unlock, report and flush. */

/* One lock per global, only ever tried, never waited for.  Not rwlock_t:
 * on PREEMPT_RT that is a sleeping rt_mutex-based lock whose trylock also
 * calls migrate_disable() on current, which in a hard interrupt (a timer
 * probe, a kprobe hit with interrupts off) is the interrupted task.  The
 * architecture's queued rwlock is the same spinning lock on every flavour,
 * and a trylock never reaches its (unexported) slow path. */
typedef arch_rwlock_t stp_rwlock_t;
#define STP_DEFINE_RWLOCK(x) stp_rwlock_t x = __ARCH_RW_LOCK_UNLOCKED

struct stp_lock {
	stp_rwlock_t *lock;
	bool write;
};

struct stp_probe {
	const char *pp;
	void (*body)(struct stp_context *c);
	const struct stp_lock *locks; /* sorted by global, so every CPU takes them in one order */
	unsigned int nlocks;
};

enum {
	STP_RUN_ALWAYS = 1 << 0, /* begin/end/error: run while not RUNNING */
	STP_RUN_USER = 1 << 1,	 /* regs are user registers */
	STP_RUN_RETURN = 1 << 2,
};

static bool stp_trylock(const struct stp_lock *l)
{
	int i;

	for (i = 0; i < MAXTRYLOCK; i++) {
		if (l->write ? arch_write_trylock(l->lock) : arch_read_trylock(l->lock))
			return true;
		ndelay(TRYLOCKDELAY);
	}
	return false;
}

static void stp_unlock(const struct stp_lock *l)
{
	if (l->write)
		arch_write_unlock(l->lock);
	else
		arch_read_unlock(l->lock);
}

static bool stp_lock_all(const struct stp_probe *p)
{
	unsigned int i;

	for (i = 0; i < p->nlocks; i++) {
		if (!stp_trylock(&p->locks[i])) {
			while (i--)
				stp_unlock(&p->locks[i]);
			return false;
		}
	}
	return true;
}

static void stp_unlock_all(const struct stp_probe *p)
{
	unsigned int i = p->nlocks;

	while (i--)
		stp_unlock(&p->locks[i]);
}

/* args: the probe's arguments (a .return probe's saved registers, a
 * tracepoint's values), nargs of them; value: procfs $value, MAXSTRINGLEN
 * bytes. */
static void stp_probe_run_irqs_off(const struct stp_probe *p, struct pt_regs *regs, int flags,
				   const char *func, unsigned long *args, unsigned int nargs,
				   char *value)
{
	struct stp_context *c;
	int state;

	state = atomic_read(&stp_rstate);
	if (flags & STP_RUN_ALWAYS) {
		if (state != STP_STATE_STARTING && state != STP_STATE_ENDING)
			return;
	} else if (state != STP_STATE_RUNNING || !stp_target_allowed()) {
		return;
	}
	c = stp_contexts[smp_processor_id()];
	if (atomic_inc_return(&c->busy) != 1) {
		atomic_dec(&c->busy);
		stp_skip();
		return;
	}
	c->pp = p->pp;
	c->probefunc = func ? func : "";
	c->regs = regs;
	c->user_regs = flags & STP_RUN_USER;
	c->is_return = flags & STP_RUN_RETURN;
	c->entry_args = args;
	c->nargs = nargs;
	c->value = value;
	c->actions = 0;
	c->nesting = 0;
	c->abort = STP_ABORT_NONE;
	c->err_loc = NULL;
	c->frame_used = 0;
	c->out_len = 0;
#ifdef STP_NEED_REGEX
	c->re.ok = false; /* matched() sees this handler's =~ only */
#endif
	if (!stp_lock_all(p)) {
		stp_skip();
		goto done;
	}
	p->body(c);
	stp_unlock_all(p);
	if (c->abort == STP_ABORT_ERROR)
		stp_report_error(c);
	c->abort = STP_ABORT_NONE;
	stp_flush(c);
done:
	atomic_dec(&c->busy);
}

static void stp_probe_run_args(const struct stp_probe *p, struct pt_regs *regs, int flags,
			       const char *func, unsigned long *args, unsigned int nargs,
			       char *value)
{
	unsigned long irqflags;

	local_irq_save(irqflags);
	stp_probe_run_irqs_off(p, regs, flags, func, args, nargs, value);
	local_irq_restore(irqflags);
}

static void stp_probe_run(const struct stp_probe *p, struct pt_regs *regs, int flags,
			  const char *func, unsigned long *entry_args)
{
	stp_probe_run_args(p, regs, flags, func, entry_args, 6, NULL);
}
