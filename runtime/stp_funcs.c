/* Context and time functions of the script language. */

static int64_t stp_ppid(void)
{
	int64_t pid;

	rcu_read_lock();
	pid = task_tgid_nr(rcu_dereference(current->real_parent));
	rcu_read_unlock();
	return pid;
}

static const char *stp_pexecname(char *dst)
{
	rcu_read_lock();
	strscpy(dst, rcu_dereference(current->real_parent)->comm, MAXSTRINGLEN);
	rcu_read_unlock();
	return dst;
}

static const char *stp_execname(char *dst)
{
	strscpy(dst, current->comm, min_t(size_t, MAXSTRINGLEN, TASK_COMM_LEN));
	return dst;
}

static int64_t stp_uid(bool effective)
{
	kuid_t u = effective ? current_euid() : current_uid();

	return from_kuid_munged(current_user_ns(), u);
}

static int64_t stp_gid(bool effective)
{
	kgid_t g = effective ? current_egid() : current_gid();

	return from_kgid_munged(current_user_ns(), g);
}

static int64_t stp_time_ns(void)
{
	return ktime_to_ns(ktime_get_real());
}

/* n-th (1-based) argument register of the probed function: at entry from the
 * registers, in a .return probe from the copy saved at entry. */
static unsigned long stp_arg(struct stp_context *c, int64_t n, const char *loc)
{
	if (n < 1 || n > c->nargs) {
		stp_error(c, loc, "cannot access argument %lld (there are %u here)", (long long)n,
			  c->nargs);
		return 0;
	}
	if (c->entry_args)
		return c->entry_args[n - 1];
	if (!c->regs) {
		stp_error(c, loc, "cannot access function arguments in this probe");
		return 0;
	}
	return regs_get_kernel_argument(c->regs, n - 1);
}

static int64_t stp_returnval(struct stp_context *c, const char *loc)
{
	if (!c->regs || !c->is_return) {
		stp_error(c, loc, "cannot access the return value outside a .return probe");
		return 0;
	}
	return regs_return_value(c->regs);
}

static int64_t stp_randint(struct stp_context *c, int64_t n, const char *loc)
{
	if (n <= 0 || n > U32_MAX) {
		stp_error(c, loc, "randint: range %lld is out of 1..2^32", (long long)n);
		return 0;
	}
	return prandom_u32_state(&c->rnd) % (u32)n;
}

/* procfs $value: the file's content being made (.read) or written (.write). */
static const char *stp_procfs_value(struct stp_context *c, const char *loc)
{
	if (!c->value) {
		stp_error(c, loc, "$value is only known in procfs probes");
		return "";
	}
	return c->value;
}

static int64_t stp_procfs_set(struct stp_context *c, const char *s, const char *loc)
{
	if (!c->value) {
		stp_error(c, loc, "$value is only known in procfs probes");
		return 0;
	}
	strscpy(c->value, s, MAXSTRINGLEN);
	return 0;
}
