/* staprun.auth's decision over a fixture tree (policy, keys, modules), no
 * root needed: the expected owner of policy and keys is the test's uid.
 * Each refusal of the issue that does not need a kernel is here; the VM
 * bench repeats them through the installed setuid program. */
#include "tests/unit/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "keys/sign.h"
#include "keys/verify.h"
#include "lib/readfile.h"
#include "staprun-auth/auth.h"

static int put(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int ok = fd >= 0 && write(fd, data, n) == (ssize_t)n;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static int puts_file(const char *path, const char *text)
{
	return put(path, text, strlen(text));
}

/* A relocatable object shaped like a module: .modinfo with two parameters
 * and an internal one, and .gnu.linkonce.this_module. */
static int fixture_module(const char *obj)
{
	char cmd[1200];
	const char *code =
	    "__attribute__((section(\".modinfo\"), used)) static const char m[] =\n"
	    "\"license=GPL\\0name=stp_fix\\0vermagic=6.1.0 SMP mod_unload\\0\"\n"
	    "\"parmtype=lines:int\\0parmtype=prefix:charp\\0parmtype=_stp_uid:uint\\0\";\n"
	    "struct mod { int s; void *l[2]; char name[56]; char rest[200]; };\n"
	    "__attribute__((section(\".gnu.linkonce.this_module\"), used))\n"
	    "struct mod this_module = { .name = \"stp_fix\" };\n";

	if (puts_file(unit_path("fix.c"), code) < 0)
		return -1;
	snprintf(cmd, sizeof cmd, "cc -c -o '%s' '%s'", obj, unit_path("fix.c"));
	return system(cmd);
}

struct fx {
	struct auth_paths paths;
	struct auth_user user;
	char digest[DIGEST_STRLEN];
	char mod[512], policy[512], keys[512];
};

static int fx_setup(struct fx *f)
{
	unsigned char *d;
	size_t n;

	memset(f, 0, sizeof *f);
	snprintf(f->mod, sizeof f->mod, "%s", unit_path("m.ko"));
	snprintf(f->policy, sizeof f->policy, "%s", unit_path("authorized_probes"));
	snprintf(f->keys, sizeof f->keys, "%s", unit_path("keys"));
	if (fixture_module(f->mod) != 0)
		return -1;
	if (readfile_path(f->mod, 1 << 20, &d, &n) < 0)
		return -1;
	digest_sha256_str(d, n, f->digest);
	free(d);
	mkdir(unit_path("keys"), 0755);
	f->paths.policy = f->policy;
	f->paths.keys = f->keys;
	f->paths.owner = getuid();
	f->paths.pam_service = NULL;
	return auth_user_get(&f->user, (char[256]){0}, 256);
}

static int fx_policy(struct fx *f, const char *fmt, const char *a)
{
	char text[1024];

	snprintf(text, sizeof text, fmt, a, a);
	(void)f;
	return puts_file(unit_path("authorized_probes"), text);
}

/* Decide with argv-style params; returns 0 grant, -1 refused; reason in why. */
static int decide(struct fx *f, const char *mod, char **params, int n, char *why, size_t wl)
{
	struct auth_opts o = {.mode = AUTH_CHECK, .module = mod, .params = params, .nparams = n};
	struct auth_decision d;
	int r = auth_decide(&f->paths, &o, &f->user, time(NULL), &d);

	snprintf(why, wl, "%s", r == 0 ? d.line : d.reason);
	printf("#   %s: %s\n", r == 0 ? "granted" : "refused", why);
	auth_decision_free(&d);
	return r;
}

#define SETUP(f)                                                                                   \
	do {                                                                                       \
		if (fx_setup(&f) < 0)                                                              \
			SKIP("cc could not build the fixture module");                             \
	} while (0)

TEST(decide_grant_by_digest)
{
	struct fx f;
	char why[600];

	SETUP(f);
	CHECK(fx_policy(&f, "# approved\n%s\n", f.digest) == 0);
	CHECK(decide(&f, f.mod, NULL, 0, why, sizeof why) == 0);
	CHECK(strstr(why, "authorized_probes:2"));
}

TEST(decide_refusals_of_the_policy)
{
	struct fx f;
	char why[600], line[300];
	const char *me;

	SETUP(f);
	me = f.user.name;
	/* not approved at all */
	CHECK(fx_policy(
		  &f,
		  "sha256:%.0s0000000000000000000000000000000000000000000000000000000000000000\n",
		  f.digest) == 0);
	CHECK(decide(&f, f.mod, NULL, 0, why, sizeof why) < 0);
	CHECK(strstr(why, "not approved"));
	/* a user outside users= */
	snprintf(line, sizeof line, "%s users=nobody_%s\n", f.digest, me);
	CHECK(puts_file(unit_path("authorized_probes"), line) == 0);
	CHECK(decide(&f, f.mod, NULL, 0, why, sizeof why) < 0);
	/* a group outside groups= */
	snprintf(line, sizeof line, "%s groups=no_such_group_x\n", f.digest);
	CHECK(puts_file(unit_path("authorized_probes"), line) == 0);
	CHECK(decide(&f, f.mod, NULL, 0, why, sizeof why) < 0);
	/* expired */
	CHECK(fx_policy(&f, "%s expires=2001-01-01\n", f.digest) == 0);
	CHECK(decide(&f, f.mod, NULL, 0, why, sizeof why) < 0);
	CHECK(strstr(why, "expire"));
	/* revoked wins over an approval */
	CHECK(fx_policy(&f, "%s\nrevoke:%s\n", f.digest) == 0);
	CHECK(decide(&f, f.mod, NULL, 0, why, sizeof why) < 0);
	CHECK(strstr(why, "revoked"));
	/* an md5: line refuses the whole file */
	CHECK(fx_policy(&f, "%s\nmd5:0123456789abcdef0123456789abcdef\n", f.digest) == 0);
	CHECK(decide(&f, f.mod, NULL, 0, why, sizeof why) < 0);
	CHECK(strstr(why, "policy refused") && strstr(why, "md5"));
}

TEST(decide_one_byte_changed)
{
	struct fx f;
	char why[600];
	unsigned char *d;
	size_t n;

	SETUP(f);
	CHECK(fx_policy(&f, "%s\n", f.digest) == 0);
	CHECK(readfile_path(f.mod, 1 << 20, &d, &n) == 0);
	d[n - 1] ^= 1;
	CHECK(put(unit_path("changed.ko"), d, n) == 0);
	free(d);
	CHECK(decide(&f, unit_path("changed.ko"), NULL, 0, why, sizeof why) < 0);
	CHECK(strstr(why, "not approved"));
}

TEST(decide_unsafe_policy_or_parent)
{
	struct fx f;
	char why[600];

	SETUP(f);
	CHECK(fx_policy(&f, "%s\n", f.digest) == 0);
	CHECK(chmod(unit_path("authorized_probes"), 0664) == 0);
	CHECK(decide(&f, f.mod, NULL, 0, why, sizeof why) < 0);
	CHECK(strstr(why, "unsafe policy"));
	CHECK(chmod(unit_path("authorized_probes"), 0644) == 0);
	/* a parent directory writable by a group */
	CHECK(chmod(unit_tmpdir(), 0775) == 0);
	CHECK(decide(&f, f.mod, NULL, 0, why, sizeof why) < 0);
	CHECK(strstr(why, "unsafe"));
	CHECK(chmod(unit_tmpdir(), 0700) == 0);
	/* a writable keys folder refuses too */
	CHECK(chmod(unit_path("keys"), 0777) == 0);
	CHECK(decide(&f, f.mod, NULL, 0, why, sizeof why) < 0);
	CHECK(strstr(why, "unsafe keys"));
	CHECK(chmod(unit_path("keys"), 0755) == 0);
	CHECK(decide(&f, f.mod, NULL, 0, why, sizeof why) == 0);
}

TEST(decide_parameters)
{
	struct fx f;
	char why[600];
	char *ok[] = {"lines=3"};
	char *undeclared[] = {"nosuch=1"};
	char *notallowed[] = {"prefix=x"};
	char *internal[] = {"_stp_uid=0"};
	char *bad[][1] = {
	    {"lines=1 2"}, {"lines=\"1\""}, {"lines=1,2"}, {"lines=1\n2"}, {"lines=$(id)"}};
	size_t i;

	SETUP(f);
	CHECK(fx_policy(&f, "%s params=lines\n", f.digest) == 0);
	CHECK(decide(&f, f.mod, ok, 1, why, sizeof why) == 0);
	CHECK(decide(&f, f.mod, undeclared, 1, why, sizeof why) < 0);
	CHECK(strstr(why, "nosuch"));
	/* the policy first: libelf reads only approved bytes */
	CHECK(strstr(why, "not allowed"));
	CHECK(decide(&f, f.mod, notallowed, 1, why, sizeof why) < 0);
	CHECK(strstr(why, "prefix"));
	CHECK(decide(&f, f.mod, internal, 1, why, sizeof why) < 0);
	CHECK(strstr(why, "internal"));
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(decide(&f, f.mod, bad[i], 1, why, sizeof why) < 0);
	/* params=* still never lets a user set an internal parameter */
	CHECK(fx_policy(&f, "%s params=*\n", f.digest) == 0);
	CHECK(decide(&f, f.mod, notallowed, 1, why, sizeof why) == 0);
	CHECK(decide(&f, f.mod, internal, 1, why, sizeof why) < 0);
	CHECK(decide(&f, f.mod, undeclared, 1, why, sizeof why) < 0);
	CHECK(strstr(why, "does not declare"));
}

TEST(decide_symlink_and_odd_files)
{
	struct fx f;
	char why[600];

	SETUP(f);
	CHECK(fx_policy(&f, "%s\n", f.digest) == 0);
	CHECK(symlink(f.mod, unit_path("link.ko")) == 0);
	CHECK(decide(&f, unit_path("link.ko"), NULL, 0, why, sizeof why) < 0);
	CHECK(strstr(why, "symbolic link"));
	CHECK(decide(&f, unit_tmpdir(), NULL, 0, why, sizeof why) < 0);
	CHECK(decide(&f, unit_path("missing.ko"), NULL, 0, why, sizeof why) < 0);
	CHECK(puts_file(unit_path("empty.ko"), "") == 0);
	CHECK(decide(&f, unit_path("empty.ko"), NULL, 0, why, sizeof why) < 0);
}

/* The review's "held up" list: each refused, none hangs or is read past the
 * cap. */
TEST(decide_held_up_odd_module_paths)
{
	struct fx f;
	char why[600], fdpath[64], jd[DIGEST_STRLEN];
	int fd;

	SETUP(f);
	CHECK(fx_policy(&f, "%s\n", f.digest) == 0);
	CHECK(mkfifo(unit_path("fifo.ko"), 0600) == 0);
	CHECK(decide(&f, unit_path("fifo.ko"), NULL, 0, why, sizeof why) < 0);
	CHECK(decide(&f, "/dev/zero", NULL, 0, why, sizeof why) < 0);
	CHECK(decide(&f, "/dev/stdin", NULL, 0, why, sizeof why) < 0);
	fd = open(f.mod, O_RDONLY);
	CHECK(fd >= 0);
	snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
	CHECK(decide(&f, fdpath, NULL, 0, why, sizeof why) < 0);
	close(fd);
	/* a 100 MiB sparse file: refused by size, never read whole */
	fd = open(unit_path("sparse.ko"), O_WRONLY | O_CREAT, 0600);
	CHECK(fd >= 0 && ftruncate(fd, 100L << 20) == 0);
	close(fd);
	CHECK(decide(&f, unit_path("sparse.ko"), NULL, 0, why, sizeof why) < 0);
	/* malformed ELF, approved by digest: still not loaded */
	CHECK(puts_file(unit_path("junk.ko"), "\177ELF\2\1\1junk") == 0);
	digest_sha256_str((const unsigned char *)"\177ELF\2\1\1junk", 11, jd);
	CHECK(fx_policy(&f, "%s\n", jd) == 0);
	CHECK(decide(&f, unit_path("junk.ko"), NULL, 0, why, sizeof why) < 0);
	CHECK(strstr(why, "not a usable kernel module"));
}

/* Sign the fixture with a fresh key; trust the cert when trusted. */
static int fx_signed(struct fx *f, const char *keydir, int trusted, const char *out,
		     unsigned char fpr[DIGEST_LEN])
{
	char msg[300], cert[512], key[512], dst[512];
	unsigned char *d, *s;
	size_t n, sn;
	struct keys_cert c;
	int r;

	if (keys_keygen(keydir, "stapauth test", 0, 30, msg, sizeof msg) < 0) {
		printf("#   keygen: %s\n", msg);
		return -1;
	}
	snprintf(cert, sizeof cert, "%s/signing_cert.pem", keydir);
	snprintf(key, sizeof key, "%s/signing_key.pem", keydir);
	if (readfile_path(f->mod, 1 << 20, &d, &n) < 0)
		return -1;
	r = keys_sign_module(d, n, key, cert, "sha256", &s, &sn, msg, sizeof msg);
	free(d);
	if (r < 0) {
		printf("#   sign: %s\n", msg);
		return -1;
	}
	r = put(out, s, sn);
	free(s);
	if (r < 0 || keys_cert_load(cert, &c, msg, sizeof msg) < 0)
		return -1;
	memcpy(fpr, c.fpr, DIGEST_LEN);
	keys_cert_free(&c);
	if (!trusted)
		return 0;
	snprintf(dst, sizeof dst, "%s/test.pem", f->paths.keys);
	if (readfile_path(cert, 1 << 20, &d, &n) < 0)
		return -1;
	r = put(dst, d, n);
	free(d);
	return r;
}

TEST(decide_signer)
{
	struct fx f;
	char why[600], line[300], hex[DIGEST_HEXLEN + 1];
	unsigned char fpr[DIGEST_LEN], fpr2[DIGEST_LEN];

	SETUP(f);
	mkdir(unit_path("k1"), 0700);
	mkdir(unit_path("k2"), 0700);
	if (fx_signed(&f, unit_path("k1"), 1, unit_path("signed.ko"), fpr) < 0)
		SKIP("keys_keygen/keys_sign_module failed");
	CHECK(fx_signed(&f, unit_path("k2"), 0, unit_path("untrusted.ko"), fpr2) == 0);
	digest_hex(fpr, DIGEST_LEN, hex);
	snprintf(line, sizeof line, "signer:sha256:%s\n", hex);
	CHECK(puts_file(unit_path("authorized_probes"), line) == 0);
	/* a trusted signer approves; the payload digest is the unsigned one */
	CHECK(decide(&f, unit_path("signed.ko"), NULL, 0, why, sizeof why) == 0);
	CHECK(strstr(why, "authorized_probes:1"));
	/* the unsigned module is not approved by a signer line */
	CHECK(decide(&f, f.mod, NULL, 0, why, sizeof why) < 0);
	/* signed by a key that is not pinned */
	CHECK(decide(&f, unit_path("untrusted.ko"), NULL, 0, why, sizeof why) < 0);
	/* revoked even though signed by the trusted signer */
	snprintf(line, sizeof line, "signer:sha256:%s\nrevoke:%s\n", hex, f.digest);
	CHECK(puts_file(unit_path("authorized_probes"), line) == 0);
	CHECK(decide(&f, unit_path("signed.ko"), NULL, 0, why, sizeof why) < 0);
	CHECK(strstr(why, "revoked"));
}
