/* libFuzzer target: what stap-authorize -w reads from clush (the hosts'
 * own bytes, labelled).  Input: chunks, each a byte (low bit: stdout or
 * stderr; the rest: length) and that many bytes.  Invariants: a host's
 * status is -1 or 0..255; the groups are well formed (each host's group is
 * a host at or before it that heads its own group, and pairs with it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authorize/fleet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_groups(struct fleet *f,
			 int (*same)(const struct fleet_host *, const struct fleet_host *))
{
	fleet_group(f, same);
	for (size_t i = 0; i < f->n; i++) {
		size_t g = (size_t)f->h[i].group;
		if (g > i || f->h[g].group != (int)g || (g != i && !same(&f->h[i], &f->h[g])))
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hosts[] = {"a", "web01", "10.0.0.1", "clush", "a: b"};
	struct fleet f = {0};

	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++)
		if (fleet_host_add(&f, hosts[i]) < 0)
			__builtin_trap();
	while (size) {
		size_t n = (size_t)(data[0] >> 1);
		int fd = data[0] & 1;
		data++, size--;
		if (n > size)
			n = size;
		fleet_feed(&f, fd, (const char *)data, n);
		data += n, size -= n;
	}
	fleet_feed(&f, 0, "\n", 1);
	fleet_feed(&f, 1, "\n", 1);
	for (size_t i = 0; i < f.n; i++)
		if (f.h[i].rc < -1 || f.h[i].rc > 255)
			__builtin_trap();
	check_groups(&f, fleet_same_out);
	check_groups(&f, fleet_same_err);
	check_groups(&f, fleet_same_outcome);
	fleet_free(&f);
	return 0;
}
