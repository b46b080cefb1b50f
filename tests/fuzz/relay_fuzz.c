/* The transport record parser (staprun/relay.c: relay_feed), fed arbitrary
 * bytes: it must refuse malformed records without reading past the input. */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "staprun/relay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int null_fd = -1;
	struct relay r;
	struct loader_err e;

	if (null_fd < 0)
		null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	memset(&r, 0, sizeof r);
	r.data_fd = r.ctl_fd = -1;
	r.out_fd = r.err_fd = null_fd;
	(void)relay_feed(&r, data, size, &e);
	return 0;
}
