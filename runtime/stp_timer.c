/* timer.* probes: one hrtimer per probe point, re-armed from its callback.
 * Every timer is a _HARD one: the handler never sleeps (interrupts off,
 * trylocks only), and on PREEMPT_RT a plain hrtimer expires in the softirq
 * thread instead, so timer probes would see another context there, be
 * delayed behind real-time tasks, and race with the thread's preemption. */

struct stp_timer {
	const struct stp_probe *probe;
	u64 period_ns;
	u64 randomize_ns;
	struct rnd_state rnd; /* .randomize: no get_random_u32() in hard irq (RT) */
	bool started;
	struct hrtimer t;
};

static u64 stp_timer_next(struct stp_timer *st)
{
	u64 ns = st->period_ns;

	if (st->randomize_ns) /* uniform in [period - r, period + r] */
		ns = ns - st->randomize_ns +
		     prandom_u32_state(&st->rnd) % (2 * st->randomize_ns + 1);
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
	prandom_seed_state(&st->rnd, get_random_u64());
	hrtimer_init(&st->t, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	st->t.function = stp_timer_fire;
	hrtimer_start(&st->t, ns_to_ktime(stp_timer_next(st)), HRTIMER_MODE_REL_HARD);
	st->started = true;
	return 0;
}

static void stp_timer_unregister(struct stp_timer *st)
{
	if (st->started)
		hrtimer_cancel(&st->t);
	st->started = false;
}

/* timer.profile: one pinned hrtimer per CPU, each ticking at HZ on its own
 * CPU (started there by on_each_cpu), so the probe fires on every CPU
 * online at the start.  The handler gets no registers: the interrupted
 * context's arguments mean nothing to a script. */

struct stp_profile_cpu {
	struct hrtimer t;
	const struct stp_probe *probe;
};

struct stp_profile {
	const struct stp_probe *probe;
	struct stp_profile_cpu *cpus; /* nr_cpu_ids */
};

static enum hrtimer_restart stp_profile_fire(struct hrtimer *t)
{
	struct stp_profile_cpu *pc = container_of(t, struct stp_profile_cpu, t);

	stp_probe_run(pc->probe, NULL, 0, NULL, NULL);
	if (atomic_read(&stp_rstate) != STP_STATE_RUNNING)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(TICK_NSEC));
	return HRTIMER_RESTART;
}

static void stp_profile_start_cpu(void *info)
{
	struct stp_profile *pr = info;

	hrtimer_start(&pr->cpus[smp_processor_id()].t, ns_to_ktime(TICK_NSEC),
		      HRTIMER_MODE_REL_PINNED_HARD);
}

static int stp_profile_register(struct stp_profile *pr)
{
	unsigned int cpu;

	pr->cpus = kcalloc(nr_cpu_ids, sizeof(*pr->cpus), GFP_KERNEL);
	if (!pr->cpus)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
	{
		hrtimer_init(&pr->cpus[cpu].t, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
		pr->cpus[cpu].t.function = stp_profile_fire;
		pr->cpus[cpu].probe = pr->probe;
	}
	on_each_cpu(stp_profile_start_cpu, pr, 1);
	return 0;
}

static void stp_profile_unregister(struct stp_profile *pr)
{
	unsigned int cpu;

	if (!pr->cpus)
		return;
	for_each_possible_cpu(cpu) hrtimer_cancel(&pr->cpus[cpu].t);
	kfree(pr->cpus);
	pr->cpus = NULL;
}
