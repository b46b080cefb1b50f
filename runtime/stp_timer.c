/* timer.* probes: one hrtimer per probe point, re-armed from its callback. */

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
