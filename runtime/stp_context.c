/* Per-CPU probe context: reentrancy guard, action counter, nesting, errors
 * with their script location or probe/function, locals memory and the output buffer.
 *
 * A probe handler runs with interrupts off on one CPU from start to end, so
 * the context of that CPU is its own; a second probe firing inside it (from
 * an interrupt or from a function the first one calls) is skipped and
 * counted, like stap does. */

enum stp_rstate {
	STP_STATE_LOADING = 0, /* module_init, before begin probes */
	STP_STATE_STARTING,    /* begin probes */
	STP_STATE_RUNNING,     /* every probe may fire */
	STP_STATE_STOPPING,    /* exit requested: no new probe handler runs */
	STP_STATE_ENDING,      /* end/error probes */
	STP_STATE_DONE,
};

enum stp_abort {
	STP_ABORT_NONE = 0,
	STP_ABORT_ERROR, /* a script error: unwinds to the nearest try or out */
	STP_ABORT_NEXT,	 /* "next": leaves the probe handler, no error */
};

#ifdef STP_NEED_REGEX
#include "stp_regex.h"
#endif

struct stp_context {
	atomic_t busy;
	const char *pp;	       /* pp() */
	const char *probefunc; /* probefunc(); "" when none */
	struct pt_regs *regs;  /* NULL for begin/end/timer probes */
	bool user_regs;	       /* regs are user-mode registers (uprobes) */
	bool is_return;
	unsigned long *entry_args; /* .return: argument registers saved at entry;
				      kernel.trace: the tracepoint's arguments */
	unsigned int nargs;	   /* how many entry_args (or registers) there are */
	char *value;		   /* procfs $value (MAXSTRINGLEN bytes), or NULL */
	long actions;
	int nesting;
	int abort;
	const char *err_loc;  /* "operator '/' at f.stp:3:9": the error is near it */
	bool err_limit;	      /* a resource limit: the error is in err_func or c->pp */
	const char *err_func; /* the function that hit the limit; NULL: the probe */
	char err_msg[MAXSTRINGLEN];
	size_t frame_used;
	char *frames;
	const char *tok_next; /* tokenize() state */
	char tok_buf[MAXSTRINGLEN];
#ifdef STP_NEED_REGEX
	struct stp_re_state re; /* the last =~ (stp_regex.c) */
#endif
	/* randint(): get_random_u32() takes a local_lock, a sleeping lock on
	 * PREEMPT_RT, and handlers run with interrupts off; this CPU's own
	 * prandom state, seeded at load (process context), takes none. */
	struct rnd_state rnd;
	size_t out_len;
	char out[STP_OUTBUF_BYTES];
};

static struct stp_context **stp_contexts;
static atomic_t stp_rstate = ATOMIC_INIT(STP_STATE_LOADING);
static atomic_t stp_errors = ATOMIC_INIT(0);
static atomic_t stp_skipped = ATOMIC_INIT(0);
static atomic_t stp_exit_called = ATOMIC_INIT(0);

static void stp_contexts_free(void)
{
	unsigned int cpu;

	if (!stp_contexts)
		return;
	for_each_possible_cpu(cpu)
	{
		struct stp_context *c = stp_contexts[cpu];

		if (!c)
			continue;
		vfree(c->frames);
		vfree(c);
	}
	kfree(stp_contexts);
	stp_contexts = NULL;
}

static int stp_contexts_alloc(void)
{
	unsigned int cpu;

	stp_contexts = kcalloc(nr_cpu_ids, sizeof(*stp_contexts), GFP_KERNEL);
	if (!stp_contexts)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
	{
		struct stp_context *c = vzalloc(sizeof(*c));

		if (!c)
			goto fail;
		stp_contexts[cpu] = c;
		prandom_seed_state(&c->rnd, get_random_u64());
		c->frames = vzalloc(STP_FRAME_BYTES);
		if (!c->frames)
			goto fail;
	}
	return 0;
fail:
	stp_contexts_free();
	return -ENOMEM;
}

/* Output of a probe goes into its CPU's buffer and to the transport when the
 * probe ends or the buffer is full, so one probe's lines stay together. */
static void stp_flush(struct stp_context *c)
{
	if (c->out_len)
		stp_print(c->out, c->out_len);
	c->out_len = 0;
}

static void stp_out_write(struct stp_context *c, const char *s, size_t n)
{
	while (n) {
		size_t room = STP_OUTBUF_BYTES - c->out_len;
		size_t k = n < room ? n : room;

		memcpy(c->out + c->out_len, s, k);
		c->out_len += k;
		s += k;
		n -= k;
		if (c->out_len == STP_OUTBUF_BYTES)
			stp_flush(c);
	}
}

static __printf(2, 3) void stp_printf(struct stp_context *c, const char *fmt, ...)
{
	va_list ap;
	size_t room = STP_OUTBUF_BYTES - c->out_len;
	int n;

	if (c->abort)
		return;
	va_start(ap, fmt);
	n = vsnprintf(c->out + c->out_len, room, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < room) {
		c->out_len += n;
		return;
	}
	/* Did not fit: flush, then format again into the empty buffer. */
	stp_flush(c);
	va_start(ap, fmt);
	n = vsnprintf(c->out, STP_OUTBUF_BYTES, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->out_len = min_t(size_t, n, STP_OUTBUF_BYTES - 1);
}

static void stp_puts(struct stp_context *c, const char *s)
{
	if (!c->abort)
		stp_out_write(c, s, strlen(s));
}

static __printf(1, 2) void stp_warnf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vscnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	stp_warn_msg(buf, n);
}

/* Ask the transport to end the session once: probes stop, end probes run. */
static void stp_exit(void)
{
	if (atomic_xchg(&stp_exit_called, 1))
		return;
	if (atomic_read(&stp_rstate) == STP_STATE_RUNNING)
		atomic_set(&stp_rstate, STP_STATE_STOPPING);
	stp_request_exit();
}

/* Record a script error; the generated code unwinds to the nearest try block
 * or to the end of the handler, where stp_report_error prints it. */
static __printf(3, 4) void stp_error(struct stp_context *c, const char *loc, const char *fmt, ...)
{
	va_list ap;

	if (c->abort)
		return;
	va_start(ap, fmt);
	vscnprintf(c->err_msg, sizeof(c->err_msg), fmt, ap);
	va_end(ap);
	c->err_loc = loc;
	c->err_limit = false;
	c->abort = STP_ABORT_ERROR;
}

/* A resource limit that any statement may hit: the message names the
 * function or the probe point, not a source position, which the cache key
 * does not cover for statements (translator/errloc.h). */
static void stp_limit_error(struct stp_context *c, const char *func, const char *msg)
{
	stp_error(c, NULL, "%s", msg);
	c->err_limit = true;
	c->err_func = func;
}

static void stp_report_error(struct stp_context *c)
{
	char buf[MAXSTRINGLEN + 160];
	int n;

	if (c->err_loc)
		n = scnprintf(buf, sizeof(buf), "ERROR: %s near %s\n", c->err_msg, c->err_loc);
	else if (c->err_limit && c->err_func)
		n = scnprintf(buf, sizeof(buf), "ERROR: %s in function %s\n", c->err_msg,
			      c->err_func);
	else if (c->err_limit)
		n = scnprintf(buf, sizeof(buf), "ERROR: %s in probe %s\n", c->err_msg, c->pp);
	else
		n = scnprintf(buf, sizeof(buf), "ERROR: %s\n", c->err_msg);
	stp_error_msg(buf, n);
	if (atomic_inc_return(&stp_errors) > MAXERRORS)
		stp_exit();
}

static void stp_skip(void)
{
	if (atomic_inc_return(&stp_skipped) == MAXSKIPPED + 1) {
		static const char msg[] = "ERROR: Skipped too many probes, check MAXSKIPPED\n";

		stp_error_msg(msg, sizeof(msg) - 1);
		stp_exit();
	}
}

/* Locals of a handler or function live in the CPU's frame memory, not on the
 * small kernel stack. */
static void *stp_frame_push(struct stp_context *c, size_t size, const char *func)
{
	void *p;

	size = ALIGN(size, 8);
	if (c->abort)
		return NULL;
	if (c->nesting > MAXNESTING) { /* the handler's own frame is one */
		stp_limit_error(c, func, "MAXNESTING exceeded");
		return NULL;
	}
	if (size > STP_FRAME_BYTES - c->frame_used) {
		stp_limit_error(c, func, "out of memory for locals (STP_FRAME_BYTES)");
		return NULL;
	}
	p = c->frames + c->frame_used;
	c->frame_used += size;
	c->nesting++;
	return p;
}

/* Back to the frame memory in use before a push (the function's or
 * handler's exit, whatever foreach buffers were taken since). */
static void stp_frame_restore(struct stp_context *c, size_t saved)
{
	c->frame_used = saved;
	c->nesting--;
}

static inline bool stp_action(struct stp_context *c, long n, const char *func)
{
	c->actions += n;
	if (likely(c->actions <= MAXACTION))
		return true;
	stp_limit_error(c, func, "MAXACTION exceeded");
	return false;
}
