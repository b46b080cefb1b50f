/* A module held in memory: read once, parse .modinfo, check it was built for
 * the running kernel. */
#include "staprun/err.h"
#include "staprun/loader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "lib/readfile.h"
#include "lib/symvers.h"

int loader_fail(struct loader_err *e, int rc, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* The name becomes /proc/<name>: only what the kernel's module names use. */
static int module_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > MODINFO_NAME_MAX || s[0] == '.')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

int loader_module_use(unsigned char *buf, size_t len, const char *label, struct loader_module *m,
		      struct loader_err *e)
{
	const char *why = NULL;
	int rc;

	memset(m, 0, sizeof *m);
	m->buf = buf;
	m->len = len;
	snprintf(m->label, sizeof m->label, "%s", label);
	if (len == 0)
		return loader_fail(e, -ENOEXEC, "%s: is empty, not a kernel module", label);
	rc = modinfo_read(buf, len, &m->mi, &why);
	if (rc)
		return loader_fail(e, rc, "%s: not a usable kernel module: %s", label,
				   why ? why : "unreadable");
	if (!m->mi.name || !module_name_ok(m->mi.name))
		return loader_fail(e, -ENOEXEC, "%s: the module has no valid name in .modinfo",
				   label);
	snprintf(m->name, sizeof m->name, "%s", m->mi.name);
	return 0;
}

int loader_module_read(const char *path, struct loader_module *m, struct loader_err *e)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc;

	memset(m, 0, sizeof *m);
	rc = readfile_path(path, LOADER_MODULE_MAX, &buf, &len);
	if (rc)
		return loader_fail(e, rc, "%s: cannot read: %s", path, readfile_strerror(rc));
	rc = loader_module_use(buf, len, path, m, e);
	m->owned = 1;
	return rc;
}

void loader_module_free(struct loader_module *m)
{
	modinfo_free(&m->mi);
	if (m->owned)
		free(m->buf);
	memset(m, 0, sizeof *m);
}

size_t loader_vermagic_len(const char *v)
{
	size_t n = strlen(v);

	while (n > 0 && v[n - 1] == ' ')
		n--;
	return n;
}

/* The module's __versions against the running kernel's build tree, when it
 * has one (the kernel repeats this check; an early refusal names the
 * symbol and both CRCs, where the kernel's only says "see dmesg"). */
static int check_crcs(const struct loader_module *m, const char *rel, struct loader_err *e)
{
	char path[512];
	unsigned char *text = NULL;
	size_t len = 0;
	struct symvers_diff d;
	int r;

	if (!m->mi.ncrcs)
		return 0;
	snprintf(path, sizeof path, LOADER_MODULES_DIR "/%s/build/Module.symvers", rel);
	if (readfile_path(path, LOADER_SYMVERS_MAX, &text, &len) != 0)
		return 0; /* no build tree: the kernel's check alone */
	r = symvers_compare((const char *)text, len, m->mi.crcs, m->mi.ncrcs, &d);
	free(text);
	if (r == 0)
		return 0;
	return loader_fail(e, -ENOEXEC,
			   "%s: not built for this kernel: built for %s with other symbol "
			   "versions than the running %s (%s: 0x%08lx in the module, 0x%08lx "
			   "in %s)",
			   m->label, rel, rel, d.crc->name, d.crc->crc, d.kernel_crc, path);
}

int loader_module_check_kernel(const struct loader_module *m, struct loader_err *e)
{
	struct utsname u;
	size_t n;
	int mod_rt, run_rt;

	if (!m->mi.vermagic)
		return loader_fail(e, -ENOEXEC, "%s: the module has no vermagic", m->label);
	if (uname(&u) != 0)
		return loader_fail(e, -errno, "uname: %s", strerror(errno));
	n = strcspn(m->mi.vermagic, " ");
	if (n != strlen(u.release) || memcmp(m->mi.vermagic, u.release, n) != 0)
		return loader_fail(e, -ENOEXEC,
				   "%s: not built for this kernel: built for %.*s, running %s "
				   "(vermagic %.*s)",
				   m->label, (int)n, m->mi.vermagic, u.release,
				   (int)loader_vermagic_len(m->mi.vermagic), m->mi.vermagic);
	mod_rt = strstr(m->mi.vermagic, " preempt_rt ") != NULL;
	run_rt = readfile_flag("/sys/kernel/realtime") == '1';
	if (mod_rt != run_rt)
		return loader_fail(e, -ENOEXEC,
				   "%s: not built for this kernel: built for %.*s %s PREEMPT_RT, "
				   "running %s %s it (vermagic %.*s)",
				   m->label, (int)n, m->mi.vermagic, mod_rt ? "with" : "without",
				   u.release, run_rt ? "with" : "without",
				   (int)loader_vermagic_len(m->mi.vermagic), m->mi.vermagic);
	return check_crcs(m, u.release, e);
}
