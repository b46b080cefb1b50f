/* A module whose start fails after a while (slow_ms, default 3000), so a
 * reader can be inside read(2) on its data file when the load fails: the
 * failed init must end that reader, not wait for it (cases/kernel.sh). */
#include <linux/delay.h>
#include <linux/module.h>

#include "transport.c"

static unsigned int slow_ms = 3000;
module_param(slow_ms, uint, 0);

static int stp_module_start(void)
{
	static const char msg[] = "ERROR: slowfail: begin fails on purpose\n";

	msleep(slow_ms);
	stp_error_msg(msg, sizeof(msg) - 1);
	return -EINVAL;
}

static void stp_module_stop(void)
{
}

static void stp_module_end(void)
{
}

MODULE_LICENSE("GPL");
