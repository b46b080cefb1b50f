/* init_module(2) and delete_module(2), with readable errors. */
#include "staprun/err.h"
#include "staprun/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "lib/modsig.h"

#define UNLOAD_TRIES 100 /* 50 ms apart: 5 s for a busy module to settle */

const char *loader_load_strerror(int err)
{
	switch (err) {
	case ENOEXEC:
		return "not built for this kernel";
	case EEXIST:
		return "a module of that name is already loaded";
	case EKEYREJECTED:
		return "the kernel requires a signature from an enrolled key";
	case ENOKEY:
		return "the kernel requires a signed module and knows no key for it";
	case EBADMSG:
		return "the module signature is malformed";
	case EPERM:
		return "not permitted (CAP_SYS_MODULE, lockdown or modules_disabled)";
	case ENOENT:
		return "it uses a symbol the kernel does not export (see dmesg)";
	case EINVAL:
		return "the kernel rejected the module or a parameter (see dmesg)";
	case ENOMEM:
		return "out of kernel memory";
	case EBUSY:
		return "the module is busy";
	default:
		return strerror(err);
	}
}

/* The bytes given to init_module end with a kernel-format signature. */
static int loaded_signed(const struct loader_module *m)
{
	return m->len >= MODSIG_MAGIC_LEN &&
	       !memcmp(m->buf + m->len - MODSIG_MAGIC_LEN, MODSIG_MAGIC, MODSIG_MAGIC_LEN);
}

/* A signature-enforcing kernel (module.sig_enforce=1, CONFIG_MODULE_SIG_FORCE,
 * Secure Boot) refused the bytes: say what to do.  It trusts only the
 * certificates in its keyrings (built in, or enrolled as a MOK). */
static int sig_refused(const struct loader_module *m, int err, struct loader_err *e)
{
	if (loaded_signed(m))
		return loader_fail(
		    e, -err,
		    "%s: the kernel refused it: it enforces module signatures and "
		    "does not trust the module's signer; enrol the signing "
		    "certificate in the kernel's keyring (mokutil --import CERT.der, "
		    "then reboot)",
		    m->label);
	return loader_fail(e, -err,
			   "%s: the kernel refused it: it enforces module signatures and the "
			   "module is not signed; sign it (stap-authorize sign) with a key whose "
			   "certificate is enrolled in the kernel's keyring (mokutil --import "
			   "CERT.der)",
			   m->label);
}

int loader_load(const struct loader_module *m, const struct loader_params *p, struct loader_err *e)
{
	struct utsname u;
	int err;

	/* MUST: flags are never passed: init_module(2) has none, so the
	 * kernel's vermagic and modversions checks always apply. */
	if (syscall(SYS_init_module, m->buf, (unsigned long)m->len, p->str ? p->str : "") == 0)
		return 0;
	err = errno;
	if (err == EEXIST)
		return loader_fail(e, -err, "%s: a module named %s is already loaded", m->label,
				   m->name);
	if (err == ENOEXEC) {
		if (uname(&u) != 0)
			snprintf(u.release, sizeof u.release, "?");
		return loader_fail(
		    e, -err, "%s: not built for this kernel (vermagic %.*s, running %s; see dmesg)",
		    m->label, m->mi.vermagic ? (int)loader_vermagic_len(m->mi.vermagic) : 4,
		    m->mi.vermagic ? m->mi.vermagic : "none", u.release);
	}
	if (err == EKEYREJECTED || err == ENOKEY)
		return sig_refused(m, err, e);
	return loader_fail(e, -err, "%s: cannot load: %s", m->label, loader_load_strerror(err));
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int loader_unload(const char *name, struct loader_err *e)
{
	for (int i = 0;; i++) {
		if (syscall(SYS_delete_module, name, O_NONBLOCK) == 0)
			return 0;
		if ((errno != EAGAIN && errno != EBUSY) || i == UNLOAD_TRIES)
			break;
		sleep_ms(50);
	}
	if (errno == ENOENT)
		return loader_fail(e, -ENOENT, "no module named %s is loaded", name);
	return loader_fail(e, -errno, "cannot unload %s: %s", name,
			   errno == EAGAIN || errno == EBUSY ? "it is in use" : strerror(errno));
}

int loader_is_loaded(const char *name)
{
	char line[512];
	size_t n = strlen(name);
	FILE *f = fopen("/proc/modules", "re");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof line, f))
		found = !strncmp(line, name, n) && line[n] == ' ';
	fclose(f);
	return found;
}

int loader_proc_path(const char *name, const char *file, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "/proc/%s%s%s", name, file ? "/" : "", file ? file : "");

	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}
