/* Two users may run the same approved module at once: after verification the
 * in-memory copy gets a kernel module name of its own.  The kernel takes the
 * name from struct module in .gnu.linkonce.this_module; the "name=" entry of
 * .modinfo (used by the kernel for early messages) is blanked so that it can
 * never disagree.  Bytes changed: the 56-byte name field and the name= entry,
 * nothing else. */
#include "staprun-auth/auth.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int auth_name_valid(const char *name)
{
	size_t n = strnlen(name, AUTH_NAME_MAX + 1);
	size_t i;

	if (n == 0 || n > AUTH_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return 0;
	}
	return 1;
}

/* "<orig>_u<uid>_<pid>", the original cut so the whole fits 55 bytes.  The pid
 * is the loader's, alive for as long as the module is loaded. */
int auth_unique_name(const char *orig, uid_t uid, pid_t pid, char *out, size_t outlen)
{
	char suffix[40];
	size_t s, keep;

	if (!auth_name_valid(orig) || outlen < AUTH_NAME_MAX + 1)
		return -EINVAL;
	s = (size_t)snprintf(suffix, sizeof suffix, "_u%u_%d", (unsigned)uid, (int)pid);
	keep = strlen(orig);
	if (keep + s > AUTH_NAME_MAX)
		keep = AUTH_NAME_MAX - s;
	snprintf(out, outlen, "%.*s%s", (int)keep, orig, suffix);
	return 0;
}

int auth_rename(unsigned char *buf, size_t len, size_t this_module_name_off,
		size_t modinfo_name_off, size_t modinfo_name_len, const char *newname)
{
	size_t n = strlen(newname);

	if (!auth_name_valid(newname) || !this_module_name_off ||
	    this_module_name_off + AUTH_NAME_MAX + 1 > len)
		return -EINVAL;
	if (modinfo_name_off) {
		/* "name=VALUE\0": blank from the key on; NUL runs are skipped
		 * by every .modinfo reader, the kernel's included. */
		if (modinfo_name_off < 5 || modinfo_name_off + modinfo_name_len > len ||
		    memcmp(buf + modinfo_name_off - 5, "name=", 5) != 0)
			return -EINVAL;
		memset(buf + modinfo_name_off - 5, 0, modinfo_name_len + 5);
	}
	memset(buf + this_module_name_off, 0, AUTH_NAME_MAX + 1);
	memcpy(buf + this_module_name_off, newname, n);
	return 0;
}
