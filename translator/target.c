/* A machine's kernel facts: read here (stap-target print), or on a target
 * over ssh by target_facts_script() and parsed back here.  The remote text
 * is untrusted: every value is checked as the known_hosts parser would. */
#include "translator/target.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "lib/digest.h"
#include "lib/readfile.h"

#define NT_GNU_BUILD_ID_TYPE 3
#define NOTES_MAX (1u << 20)

static uint32_t notes_u32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v); /* host byte order: the running kernel's */
	return v;
}

static size_t notes_pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

int target_notes_build_id(const unsigned char *buf, size_t len, char hex[TARGET_BUILD_ID_MAX])
{
	size_t off = 0;

	while (len - off >= 12) {
		uint32_t namesz = notes_u32(buf + off), descsz = notes_u32(buf + off + 4);
		uint32_t type = notes_u32(buf + off + 8);
		size_t name_at = off + 12, desc_at, end;

		if (namesz > NOTES_MAX || descsz > NOTES_MAX)
			return -1;
		desc_at = name_at + notes_pad4(namesz);
		end = desc_at + notes_pad4(descsz);
		if (end > len || desc_at > len)
			return -1;
		if (type == NT_GNU_BUILD_ID_TYPE && namesz == 4 &&
		    memcmp(buf + name_at, "GNU", 4) == 0) {
			if (descsz == 0 || descsz * 2 >= TARGET_BUILD_ID_MAX)
				return -1;
			digest_hex(buf + desc_at, descsz, hex);
			return 0;
		}
		off = end;
	}
	return -1;
}

static int facts_copy(char *dst, const char *src, const char **why, const char *what)
{
	size_t n = strlen(src);

	if (n == 0 || n >= TARGET_FACT_MAX) {
		*why = what;
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)src[i] < 0x20 || (unsigned char)src[i] > 0x7e) {
			*why = what;
			return -1;
		}
	memcpy(dst, src, n + 1);
	return 0;
}

static char *facts_path(const char *root, const char *rel)
{
	char *p = NULL;
	return asprintf(&p, "%s%s", root ? root : "", rel) < 0 ? NULL : p;
}

static void facts_local_notes(const char *root, struct target_facts *f)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	char *p = facts_path(root, "/sys/kernel/notes");

	f->build_id[0] = 0;
	if (p && readfile_path(p, NOTES_MAX, &buf, &len) == 0 &&
	    target_notes_build_id(buf, len, f->build_id) < 0)
		f->build_id[0] = 0;
	free(buf);
	free(p);
}

/* Y/N in /sys/module/module/parameters/sig_enforce; absent: a kernel
 * without module signing, which enforces nothing. */
static void facts_local_sig(const char *root, struct target_facts *f)
{
	char *p = facts_path(root, "/sys/module/module/parameters/sig_enforce");
	FILE *fp = p ? fopen(p, "re") : NULL;
	int c = fp ? fgetc(fp) : 'N';

	f->sig_enforce = c == 'Y' ? KH_SIG_YES : KH_SIG_NO;
	if (fp)
		fclose(fp);
	free(p);
}

int target_facts_local(const char *root, struct target_facts *f, const char **why)
{
	struct utsname u;

	memset(f, 0, sizeof *f);
	if (uname(&u) < 0) {
		*why = strerror(errno);
		return -1;
	}
	if (facts_copy(f->release, u.release, why, "odd uname -r") < 0 ||
	    facts_copy(f->version, u.version, why, "odd uname -v") < 0 ||
	    facts_copy(f->machine, u.machine, why, "odd uname -m") < 0)
		return -1;
	facts_local_notes(root, f);
	facts_local_sig(root, f);
	snprintf(f->stapauth, sizeof f->stapauth, "%s", STAPAUTH_VERSION);
	return 0;
}

const char *target_facts_script(void)
{
	/* Loaders live in sbin, which a non-login PATH may lack; appended so
	 * the PATH the account already has keeps its order. */
	return "PATH=$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin:/usr/bin:/bin; "
	       "export PATH; LC_ALL=C; export LC_ALL; "
	       "printf 'release %s\\n' \"$(uname -r)\"; "
	       "printf 'version %s\\n' \"$(uname -v)\"; "
	       "printf 'machine %s\\n' \"$(uname -m)\"; "
	       "printf 'notes %s\\n' \"$(od -An -v -tx1 /sys/kernel/notes 2>/dev/null | tr -d "
	       "' \\n')\"; "
	       "printf 'sig_enforce %s\\n' \"$(cat /sys/module/module/parameters/sig_enforce "
	       "2>/dev/null)\"; "
	       "v=$(staprun --version 2>/dev/null | head -n 1); "
	       "printf 'stapauth %s\\n' \"${v:-none}\"";
}

static int facts_notes_hex(const char *v, struct target_facts *f, const char **why)
{
	size_t n = strlen(v);
	unsigned char *buf;

	f->build_id[0] = 0;
	if (n == 0)
		return 0; /* no /sys/kernel/notes: no build-id to compare */
	if (n % 2 || n / 2 > NOTES_MAX) {
		*why = "malformed kernel notes";
		return -1;
	}
	buf = malloc(n / 2);
	if (!buf) {
		*why = "out of memory";
		return -1;
	}
	if (digest_unhex(v, n / 2, buf) < 0 || target_notes_build_id(buf, n / 2, f->build_id) < 0)
		f->build_id[0] = 0;
	free(buf);
	return 0;
}

/* The last word of a version line ("staprun.auth (stapauth) 0.1"). */
static int facts_version(const char *v, struct target_facts *f, const char **why)
{
	const char *w = strrchr(v, ' ');
	return facts_copy(f->stapauth, w ? w + 1 : v, why, "odd stapauth version");
}

static int facts_field(const char *key, const char *v, struct target_facts *f, const char **why)
{
	if (strcmp(key, "release") == 0)
		return facts_copy(f->release, v, why, "odd uname -r");
	if (strcmp(key, "version") == 0)
		return facts_copy(f->version, v, why, "odd uname -v");
	if (strcmp(key, "machine") == 0)
		return facts_copy(f->machine, v, why, "odd uname -m");
	if (strcmp(key, "notes") == 0)
		return facts_notes_hex(v, f, why);
	if (strcmp(key, "sig_enforce") == 0) {
		f->sig_enforce = v[0] == 'Y' ? KH_SIG_YES : KH_SIG_NO;
		return 0;
	}
	if (strcmp(key, "stapauth") == 0)
		return facts_version(v, f, why);
	return 0; /* a newer target may say more */
}

int target_facts_parse(const char *text, size_t len, struct target_facts *f, const char **why)
{
	const char *s = text, *end = text + len;
	char *line;
	int r = 0;

	memset(f, 0, sizeof *f);
	while (r == 0 && s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		line = strndup(s, (size_t)((nl ? nl : end) - s));
		if (!line) {
			*why = "out of memory";
			return -1;
		}
		char *sp = strchr(line, ' ');
		if (sp) {
			*sp = 0;
			r = facts_field(line, sp + 1, f, why);
		}
		free(line);
		s = nl ? nl + 1 : end;
	}
	if (r == 0 && (!f->release[0] || !f->version[0] || !f->machine[0])) {
		*why = "the target did not report its kernel (uname)";
		r = -1;
	}
	return r;
}

/* uname -m to the kernel's arch name as known_hosts records it. */
static const char *facts_arch(const char *machine)
{
	if (strcmp(machine, "aarch64") == 0)
		return "arm64";
	if (machine[0] == 'i' && strcmp(machine + 2, "86") == 0)
		return "i386";
	return machine;
}

int target_record_from_facts(const struct target_facts *f, const char *name, struct kh_record *r)
{
	memset(r, 0, sizeof *r);
	r->names = calloc(1, sizeof *r->names);
	if (!r->names || !(r->names[0] = strdup(name)))
		return -1;
	r->nnames = 1;
	r->kernel = strdup(f->release);
	r->arch = strdup(facts_arch(f->machine));
	r->uname_v = strdup(f->version);
	r->build_id = f->build_id[0] ? strdup(f->build_id) : NULL;
	r->sig_enforce = f->sig_enforce;
	r->stapauth = strdup(f->stapauth[0] ? f->stapauth : "none");
	return r->kernel && r->arch && r->uname_v && r->stapauth ? 0 : -1;
}

static void facts_diff(struct strbuf *out, const char *what, const char *was, const char *is)
{
	if (!was || strcmp(was, is) == 0)
		return;
	sb_printf(out, "%s%s was '%s', is now '%s'", out->n ? "; " : "", what, was,
		  is[0] ? is : "(none)");
}

int target_facts_compare(const struct kh_record *r, const struct target_facts *f,
			 struct strbuf *out)
{
	size_t before = out->n;

	facts_diff(out, "kernel", r->kernel, f->release);
	facts_diff(out, "uname -v", r->uname_v, f->version);
	facts_diff(out, "build-id", r->build_id, f->build_id);
	facts_diff(out, "arch", r->arch, facts_arch(f->machine));
	return out->n != before;
}
