/* stap-target: record machines in known_hosts(5).
 *   stap-target print [NAME]
 *   stap-target add [--force] [-f FILE] NAME [user@]host[:port] [auth|sudo|root]
 * "print" reads this machine's facts; "add" reads them on the target over
 * ssh (the same connection code as stap -T) and records the line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "translator/knownhosts.h"
#include "translator/ssh.h"
#include "translator/target.h"

#define FACTS_MAX (1u << 20)
#define BTF_MAX (256u << 20)

static void usage(FILE *f)
{
	fputs("usage: stap-target print [NAME]\n"
	      "       stap-target add [--force] [-f FILE] NAME [user@]host[:port] "
	      "[auth|sudo|root]\n",
	      f);
}

static int print_record(const struct kh_record *r)
{
	struct strbuf line = {0};

	kh_format(r, &line);
	if (line.oom)
		return 1;
	printf("%s\n", line.s);
	free(line.s);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* This host's short name, when it is a valid target name. */
static int default_name(char *buf, size_t size)
{
	if (gethostname(buf, size) < 0)
		return -1;
	buf[size - 1] = 0;
	buf[strcspn(buf, ".")] = 0;
	return kh_valid_name(buf) ? 0 : -1;
}

static int cmd_print(int argc, char **argv)
{
	struct target_facts f;
	struct kh_record r;
	char host[256];
	const char *name = argc > 0 ? argv[0] : NULL, *why = NULL;
	int rc;

	if (argc > 1)
		return usage(stderr), 1;
	if (!name && default_name(host, sizeof host) == 0)
		name = host;
	if (!name || !kh_valid_name(name)) {
		fprintf(stderr,
			"stap-target: print: '%s' is not a target name (letters, digits, "
			"._-)\n",
			name ? name : "(this host's name)");
		return 1;
	}
	if (target_facts_local(getenv("STAPAUTH_SYSFS_ROOT"), &f, &why) < 0) {
		fprintf(stderr, "stap-target: print: %s\n", why);
		return 1;
	}
	if (target_record_from_facts(&f, name, &r) < 0)
		return 1;
	r.exec = KH_LOCAL;
	rc = print_record(&r);
	kh_record_free(&r);
	return rc;
}

static const struct {
	const char *word;
	enum kh_exec exec;
} modes[] = {{"auth", KH_AUTH}, {"sudo", KH_SUDO}, {"root", KH_ROOT}};

static int parse_mode(const char *w, enum kh_exec *e)
{
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (strcmp(w, modes[i].word) == 0)
			return *e = modes[i].exec, 0;
	fprintf(stderr, "stap-target: add: mode '%s': want auth, sudo or root\n", w);
	return -1;
}

static uint32_t btf_u32(const struct strbuf *b, size_t at)
{
	uint32_t v;
	memcpy(&v, b->s + at, sizeof v);
	return v;
}

/* The whole of a little-endian BTF blob: magic 0xeB9F, and the header's
 * sections (hdr_len, type_off/len, str_off/len) end where the bytes do. */
static int btf_whole(const struct strbuf *b)
{
	uint64_t types, strs;

	if (b->oom || b->n < 24 || (unsigned char)b->s[0] != 0x9f || (unsigned char)b->s[1] != 0xeb)
		return 0;
	types = (uint64_t)btf_u32(b, 4) + btf_u32(b, 8) + btf_u32(b, 12);
	strs = (uint64_t)btf_u32(b, 4) + btf_u32(b, 16) + btf_u32(b, 20);
	return (types > strs ? types : strs) == b->n;
}

/* The target's BTF (world-readable there) into btf; empty when it has
 * none. */
static void remote_btf(struct ssh_conn *c, struct strbuf *btf)
{
	if (ssh_capture(c, "cat /sys/kernel/btf/vmlinux 2>/dev/null", -1, btf, BTF_MAX) != 0 ||
	    !btf_whole(btf))
		btf->n = 0;
}

/* Connect, read the facts and the BTF there, and turn them into a record. */
static int remote_record(const struct kh_record *dest, const char *name, struct kh_record *out,
			 struct strbuf *btf)
{
	struct ssh_conn c;
	struct strbuf text = {0};
	struct target_facts f;
	const char *why = NULL;
	int st, r = -1;

	if (ssh_open(&c, dest, name) < 0)
		return -1;
	st = ssh_capture(&c, target_facts_script(), -1, &text, FACTS_MAX);
	if (st == 0)
		remote_btf(&c, btf);
	ssh_close(&c);
	if (st != 0)
		fprintf(stderr, "stap-target: %s: reading the facts failed (status %d)\n", name,
			st);
	else if (target_facts_parse(text.s ? text.s : "", text.n, &f, &why) < 0)
		fprintf(stderr, "stap-target: %s: %s\n", name, why);
	else if (target_record_from_facts(&f, name, out) == 0)
		r = 0;
	free(text.s);
	return r;
}

/* Keep the target's BTF for stap -T; a target without one gets its old
 * copy removed (probes then resolve with this machine's files). */
static int add_btf(const char *name, const struct kh_record *rec, const struct strbuf *btf)
{
	if (btf->n)
		return target_btf_store(name, rec->build_id, (const unsigned char *)btf->s,
					btf->n) < 0
			   ? 1
			   : 0;
	target_btf_remove(name);
	fprintf(stderr,
		"stap-target: %s: no /sys/kernel/btf/vmlinux there; stap -T %s resolves probes "
		"with this machine's files for kernel %s\n",
		name, name, rec->kernel);
	return 0;
}

static int cmd_add(int argc, char **argv)
{
	struct kh_record dest = {0}, rec;
	struct strbuf btf = {0};
	const char *file = NULL, *why = NULL;
	char *deflt = NULL;
	int force = 0, i = 0, rc = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--force") == 0)
			force = 1;
		else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
			file = argv[++i];
		else
			return usage(stderr), 1;
	}
	if (argc - i < 2 || argc - i > 3)
		return usage(stderr), 1;
	if (!kh_valid_name(argv[i])) {
		fprintf(stderr,
			"stap-target: add: '%s' is not a target name (letters, digits, ._-)\n",
			argv[i]);
		return 1;
	}
	dest.exec = KH_AUTH;
	if (argc - i == 3 && parse_mode(argv[i + 2], &dest.exec) < 0)
		return 1;
	if (kh_parse_destination(argv[i + 1], &dest, &why) < 0) {
		fprintf(stderr, "stap-target: add: %s: %s\n", argv[i + 1], why);
		kh_record_free(&dest);
		return 1;
	}
	if (!file)
		file = deflt = kh_user_path();
	if (file && remote_record(&dest, argv[i], &rec, &btf) == 0) {
		rec.exec = dest.exec;
		rec.user = dest.user ? strdup(dest.user) : NULL;
		rec.host = strdup(dest.host);
		rec.port = dest.port;
		struct strbuf line = {0};
		if (kh_file_update(file, &rec, force, &line) == 0 && !line.oom) {
			printf("%s\n", line.s);
			rc = fflush(stdout) == 0 ? 0 : 1;
			if (rc == 0)
				rc = add_btf(argv[i], &rec, &btf);
		}
		free(line.s);
		kh_record_free(&rec);
	}
	kh_record_free(&dest);
	free(deflt);
	free(btf.s);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "print") == 0)
		return cmd_print(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return cmd_add(argc - 2, argv + 2);
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return usage(stdout), 0;
	if (argc == 2 && strcmp(argv[1], "--version") == 0)
		return puts("stap-target (stapauth) " STAPAUTH_VERSION), 0;
	usage(stderr);
	return 1;
}
