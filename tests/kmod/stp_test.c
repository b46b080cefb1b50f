/* A hand-made module over the transport: a kprobe counting vfs_read calls
 * and an hrtimer printing numbered lines, the way a translated script
 * would ("probe kernel.function("vfs_read") { n++ } probe timer.ms(20)
 * { printf("%s %d\n", prefix, ++i); if (i == lines) exit() }"). */
#include <linux/hrtimer.h>
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>

#include "transport.c"

static int lines = 5;
module_param(lines, int, 0);
MODULE_PARM_DESC(lines, "lines to print before exit() (0: until stopped)");
static int burst = 1;
module_param(burst, int, 0);
MODULE_PARM_DESC(burst, "lines per timer tick");
static char *prefix = "line";
module_param(prefix, charp, 0);
MODULE_PARM_DESC(prefix, "text before each line number");
static int flood;
module_param(flood, int, 0);
MODULE_PARM_DESC(flood, "lines printed at once by the begin probe");
static int warn;
module_param(warn, int, 0);
MODULE_PARM_DESC(warn, "1: print a warning and an error at begin");

static int bigline;
module_param(bigline, int, 0);
MODULE_PARM_DESC(bigline, "length of one long line printed at begin (split in records)");
static int fail;
module_param(fail, int, 0);
MODULE_PARM_DESC(fail, "1: the begin probe fails (with an error message) and the load fails");

static int readlines;
module_param(readlines, int, 0);
MODULE_PARM_DESC(readlines, "1: every vfs_read hit prints a numbered line (many writers)");

static atomic64_t hits;
static int printed; /* only the timer touches it */
static struct hrtimer tick;

static void out(const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vscnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	stp_print(buf, n);
}

static int count_read(struct kprobe *p, struct pt_regs *regs)
{
	long long n = atomic64_inc_return(&hits);

	if (readlines)
		out("read %lld\n", n);
	return 0;
}

static struct kprobe kp = {.symbol_name = "vfs_read", .pre_handler = count_read};

static enum hrtimer_restart tick_fn(struct hrtimer *t)
{
	for (int i = 0; i < burst; i++) {
		if (lines > 0 && printed >= lines) {
			stp_request_exit();
			return HRTIMER_NORESTART;
		}
		out("%s %d\n", prefix, ++printed);
	}
	hrtimer_forward_now(t, ms_to_ktime(20));
	return HRTIMER_RESTART;
}

static int stp_module_start(void)
{
	int rc;

	out("begin\n");
	if (_stp_target)
		out("target %d\n", _stp_target);
	for (int i = 0; i < flood; i++)
		out("flood %d ................................................\n", i);
	if (warn) {
		static const char w[] = "WARNING: test warning\n", e[] = "ERROR: test error\n";

		stp_warn_msg(w, sizeof w - 1);
		stp_error_msg(e, sizeof e - 1);
	}
	if (bigline > 0) {
		char *b = kvmalloc(bigline, GFP_KERNEL);

		if (!b)
			return -ENOMEM;
		memset(b, 'x', bigline);
		b[bigline - 1] = '\n';
		stp_print(b, bigline);
		kvfree(b);
	}
	if (fail) {
		static const char e[] = "ERROR: begin probe failed on purpose\n";

		stp_error_msg(e, sizeof e - 1);
		return -EINVAL;
	}
	rc = register_kprobe(&kp);
	if (rc)
		return rc;
	hrtimer_init(&tick, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	tick.function = tick_fn;
	hrtimer_start(&tick, ms_to_ktime(20), HRTIMER_MODE_REL);
	return 0;
}

static void stp_module_stop(void)
{
	hrtimer_cancel(&tick);
	unregister_kprobe(&kp);
}

static void stp_module_end(void)
{
	if (readlines)
		out("end: reads %lld\n", (long long)atomic64_read(&hits));
	out("end: %d lines, vfs_read hits %s\n", printed,
	    atomic64_read(&hits) > 0 ? "counted" : "none");
}

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("stapauth transport test module");
