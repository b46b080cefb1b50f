#include "lib/number.h"

#include <errno.h>
#include <stdlib.h>

int number_parse(const char *s, long long min, long long max, long long *out)
{
	const char *d = s[0] == '-' && min < 0 ? s + 1 : s;
	char *end;
	long long v;

	if (*d < '0' || *d > '9')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

const char *number_strerror(int err)
{
	return err == -ERANGE ? "out of range" : "not a number";
}
