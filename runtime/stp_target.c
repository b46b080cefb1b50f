/* MUST 12 (DESIGN.md): the -c/-x target of a module loaded for a user stays
 * a process that user could ptrace, or its hits are dropped, as SystemTap's
 * unprivileged mode refuses probes outside the user's own processes.
 *
 * While the target has its memory map, every hit checks it there: all of
 * its uid, euid, suid, fsuid, gid, egid, sgid and fsgid the owner's, and its
 * mm dumpable (SUID_DUMP_USER).  A setuid or setgid exec, a credential change
 * or file capabilities make it undumpable, and so does PR_SET_DUMPABLE 0; a
 * process that dropped privileges it had stays so until its next plain exec.
 * Checked at every hit, not latched: the -c child is undumpable between its
 * setresuid and its exec, and a target is the user's again after exec.
 * Silent: a warning would also fire for that harmless window.
 *
 * Its exit: do_exit drops the mm (exit_mm) before process.end
 * (sched_process_exit), before its files are closed and before the SIGCHLD
 * to its parent, so those hits have no mm to ask.  They are seen only when
 * the target was the owner's at the last moment it had one:
 *  - every thread of the target notes, on entering do_exit (mm still there;
 *    nothing the process does afterwards runs in user mode), whether it is
 *    the owner's by the check above; one "no" is remembered for the rest of
 *    the run;
 *  - an mm-less hit counts only when the whole thread group is exiting
 *    (signal->live is 0: every thread has passed its do_exit entry, so its
 *    note is in, and no thread can run user code or change the shared mm's
 *    dumpability again), at least one "yes" and no "no" was noted, the
 *    hit's thread still has all eight ids the owner's and holds no
 *    capability (the owner's -c child has none: MUST 7; for -x a target
 *    with any capability is simply not seen exiting).
 * So a target that ever ran setuid and then switched back to the owner's
 * ids (undumpable until a plain exec), or made itself undumpable, stays
 * unseen after its mm is gone, exactly as it was while it had one; a plain
 * target of the owner's is seen to its end.  Fail closed: a note missed (no
 * kprobe on do_exit, a thread already exiting when the module started)
 * leaves no "yes", and the exit unseen.  A thread exiting alone, while
 * others of its process go on, is not seen after its mm is gone. */

static atomic_t stp_target_exit_yes = ATOMIC_INIT(0);
static atomic_t stp_target_exit_no = ATOMIC_INIT(0);

static bool stp_target_ids_ok(const struct cred *cr)
{
	kuid_t u = make_kuid(&init_user_ns, _stp_uid);
	kgid_t g = make_kgid(&init_user_ns, _stp_gid);

	return uid_eq(cr->uid, u) && uid_eq(cr->euid, u) && uid_eq(cr->suid, u) &&
	       uid_eq(cr->fsuid, u) && gid_eq(cr->gid, g) && gid_eq(cr->egid, g) &&
	       gid_eq(cr->sgid, g) && gid_eq(cr->fsgid, g);
}

/* The check while current has its mm. */
static bool stp_target_live_ok(void)
{
	bool ok;

	rcu_read_lock();
	ok = stp_target_ids_ok(__task_cred(current));
	rcu_read_unlock();
	return ok && current->mm && get_dumpable(current->mm) == SUID_DUMP_USER;
}

/* The check after exit_mm (see above). */
static bool stp_target_exit_ok(void)
{
	const struct cred *cr;
	bool ok;

	if (!(current->flags & PF_EXITING) || (current->flags & PF_KTHREAD) ||
	    atomic_read(&current->signal->live))
		return false;
	smp_rmb(); /* each thread noted before its (fully ordered) live decrement */
	if (!atomic_read(&stp_target_exit_yes) || atomic_read(&stp_target_exit_no))
		return false;
	rcu_read_lock();
	cr = __task_cred(current);
	ok = stp_target_ids_ok(cr) && cap_isclear(cr->cap_permitted) &&
	     cap_isclear(cr->cap_effective) && cap_isclear(cr->cap_ambient);
	rcu_read_unlock();
	return ok;
}

static noinline bool stp_target_check(void)
{
	return current->mm ? stp_target_live_ok() : stp_target_exit_ok();
}

/* false: the hit is in a target that is no longer the owner's; drop it.
 * Inline: every hit of every probe asks (bench/probe-cost.sh). */
static __always_inline bool stp_target_allowed(void)
{
	if (likely(!_stp_uid || !_stp_target) || task_tgid_nr(current) != _stp_target)
		return true;
	return stp_target_check();
}

#ifdef CONFIG_KPROBES
static int stp_target_exit_note(struct kprobe *kp, struct pt_regs *regs)
{
	if (task_tgid_nr(current) == _stp_target)
		atomic_set(stp_target_live_ok() ? &stp_target_exit_yes : &stp_target_exit_no, 1);
	return 0;
}

static struct kprobe stp_target_exit_kp = {
    .symbol_name = "do_exit",
    .pre_handler = stp_target_exit_note,
};
static bool stp_target_exit_watched;
#endif

/* Before the probes are registered: note the target's exits (for a module
 * loaded for a user with a target; root's modules see every hit). */
static void stp_target_watch_start(void)
{
#ifdef CONFIG_KPROBES
	int rc;

	if (!_stp_uid || !_stp_target)
		return;
	rc = register_kprobe(&stp_target_exit_kp);
	if (rc)
		stp_warnf("WARNING: the target's exit stays unseen (no kprobe on do_exit: rc %d)\n",
			  rc);
	else
		stp_target_exit_watched = true;
#endif
}

static void stp_target_watch_stop(void)
{
#ifdef CONFIG_KPROBES
	if (stp_target_exit_watched)
		unregister_kprobe(&stp_target_exit_kp);
	stp_target_exit_watched = false;
#endif
}
