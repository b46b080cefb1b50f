#include "lib/array.h"
#include "lib/atomicfile.h"
#include "lib/digest.h"
#include "lib/modinfo.h"
#include "lib/modsig.h"
#include "lib/number.h"
#include "lib/readfile.h"
#include "lib/strbuf.h"
#include "lib/symvers.h"
#include "tests/unit/unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	if (write(fd, buf, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

TEST(readfile_reads_whole_file)
{
	unsigned char *d = NULL;
	size_t n = 0;
	const char *p = unit_path("f");

	CHECK(write_file(p, "hello", 5) == 0);
	CHECK(readfile_path(p, 100, &d, &n) == 0);
	CHECK(n == 5 && memcmp(d, "hello", 5) == 0 && d[5] == 0);
	free(d);
}

TEST(readfile_refuses_symlink_dir_fifo_and_big)
{
	unsigned char *d = NULL;
	size_t n = 0;
	char link[512], fifo[512];

	CHECK(write_file(unit_path("f"), "0123456789", 10) == 0);
	snprintf(link, sizeof link, "%s", unit_path("l"));
	CHECK(symlink("f", link) == 0);
	CHECK(readfile_path(link, 100, &d, &n) == -ELOOP);
	CHECK(readfile_path(unit_tmpdir(), 100, &d, &n) == -EISDIR);
	snprintf(fifo, sizeof fifo, "%s", unit_path("p"));
	CHECK(mkfifo(fifo, 0600) == 0);
	CHECK(readfile_path(fifo, 100, &d, &n) == -EINVAL);
	CHECK(readfile_path(unit_path("f"), 9, &d, &n) == -EFBIG);
	CHECK(readfile_path(unit_path("missing"), 9, &d, &n) == -ENOENT);
	CHECK(strstr(readfile_strerror(-ELOOP), "symbolic link"));
}

TEST(readfile_empty_file_is_empty)
{
	unsigned char *d = NULL;
	size_t n = 1;

	CHECK(write_file(unit_path("e"), "", 0) == 0);
	CHECK(readfile_path(unit_path("e"), 9, &d, &n) == 0);
	CHECK(n == 0);
	free(d);
}

TEST(digest_known_vector)
{
	char s[DIGEST_STRLEN];
	unsigned char md[DIGEST_LEN], md2[DIGEST_LEN];

	CHECK(digest_sha256_str("abc", 3, s) == 0);
	CHECK_STR(s, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK(digest_sha256("abc", 3, md) == 0);
	CHECK(digest_parse(s, md2) == 0);
	CHECK(memcmp(md, md2, DIGEST_LEN) == 0);
}

TEST(digest_parse_is_strict)
{
	unsigned char md[DIGEST_LEN];
	const char *good =
	    "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	char buf[100];

	CHECK(digest_parse(good, md) == 0);
	snprintf(buf, sizeof buf, "%s", good);
	buf[10] = 'A'; /* uppercase */
	CHECK(digest_parse(buf, md) == -EINVAL);
	snprintf(buf, sizeof buf, "%s0", good); /* too long */
	CHECK(digest_parse(buf, md) == -EINVAL);
	CHECK(digest_parse("md5:d41d8cd98f00b204e9800998ecf8427e", md) == -EINVAL);
	CHECK(digest_parse("sha256:", md) == -EINVAL);
}

static unsigned char *signed_blob(size_t payload, size_t sig, size_t *len)
{
	unsigned char *b = calloc(1, payload + sig + MODSIG_INFO_LEN + MODSIG_MAGIC_LEN);
	memset(b, 'P', payload);
	memset(b + payload, 'S', sig);
	modsig_trailer(sig, b + payload + sig);
	*len = payload + sig + MODSIG_INFO_LEN + MODSIG_MAGIC_LEN;
	return b;
}

TEST(modsig_split_signed_and_unsigned)
{
	struct modsig ms;
	const char *why;
	size_t len;
	unsigned char *b = signed_blob(100, 20, &len);

	CHECK(modsig_split(b, len, &ms, &why) == 0);
	CHECK(ms.payload_len == 100 && ms.sig_len == 20 && ms.sig == b + 100);
	CHECK(modsig_split(b, 100, &ms, &why) == 0);
	CHECK(ms.payload_len == 100 && ms.sig == NULL);
	free(b);
}

TEST(modsig_split_rejects_bad_trailers)
{
	struct modsig ms;
	const char *why;
	size_t len;
	unsigned char *b = signed_blob(100, 20, &len);
	unsigned char *info = b + len - MODSIG_MAGIC_LEN - MODSIG_INFO_LEN;

	/* sig_len larger than the file */
	info[8] = 0x7f;
	CHECK(modsig_split(b, len, &ms, &why) == -EBADMSG);
	CHECK(strstr(why, "larger than the file"));
	info[8] = 0;
	/* only the magic: truncated trailer */
	CHECK(modsig_split(b + len - MODSIG_MAGIC_LEN - 4, MODSIG_MAGIC_LEN + 4, &ms, &why) ==
	      -EBADMSG);
	/* not PKCS#7 */
	info[2] = 1;
	CHECK(modsig_split(b, len, &ms, &why) == -ENOPKG);
	info[2] = MODSIG_ID_PKCS7;
	/* stray non-zero field */
	info[4] = 1;
	CHECK(modsig_split(b, len, &ms, &why) == -EBADMSG);
	info[4] = 0;
	/* zero length */
	info[11] = 0;
	CHECK(modsig_split(b, len, &ms, &why) == -EBADMSG);
	free(b);
}

/* A real ELF relocatable object with a .modinfo like modpost writes. */
static int build_fake_module(const char *obj)
{
	char src[512], cmd[1200];
	const char *code =
	    "__attribute__((section(\".modinfo\"), used)) static const char m[] =\n"
	    "\"license=GPL\\0name=stp_fake\\0vermagic=6.1.0 SMP mod_unload\\0\"\n"
	    "\"parm=lines:how many lines\\0parmtype=lines:int\\0parmtype=prefix:charp\\0\";\n"
	    "struct mod { int s; void *l[2]; char name[56]; char rest[200]; };\n"
	    "struct mv { unsigned long crc; char name[56]; };\n"
	    "__attribute__((section(\"__versions\"), used)) static const struct mv v[] =\n"
	    "{ { 0x1234abcd, \"jiffies\" }, { 0xdeadbeef, \"_printk\" } };\n"
	    "__attribute__((section(\".gnu.linkonce.this_module\"), used))\n"
	    "struct mod this_module = { .name = \"stp_fake\" };\n";

	snprintf(src, sizeof src, "%s/fake.c", unit_tmpdir());
	if (write_file(src, code, strlen(code)) < 0)
		return -1;
	snprintf(cmd, sizeof cmd, "cc -c -o '%s' '%s'", obj, src);
	return system(cmd);
}

TEST(modinfo_reads_fields_and_parms)
{
	char obj[512];
	unsigned char *d;
	size_t n;
	struct modinfo mi;
	const char *why;
	const struct modinfo_parm *p;

	snprintf(obj, sizeof obj, "%s/fake.o", unit_tmpdir());
	if (build_fake_module(obj) != 0)
		SKIP("cc could not build the fixture object");
	CHECK(readfile_path(obj, 1 << 20, &d, &n) == 0);
	CHECK(modinfo_read(d, n, &mi, &why) == 0);
	CHECK_STR(mi.name, "stp_fake");
	CHECK_STR(mi.license, "GPL");
	CHECK_STR(mi.vermagic, "6.1.0 SMP mod_unload");
	CHECK(mi.nparms == 2);
	p = modinfo_parm(&mi, "lines");
	CHECK(p && p->type && !strcmp(p->type, "int") && p->desc &&
	      !strcmp(p->desc, "how many lines"));
	p = modinfo_parm(&mi, "prefix");
	CHECK(p && !strcmp(p->type, "charp") && p->desc == NULL);
	CHECK(modinfo_parm(&mi, "nope") == NULL);
	CHECK(mi.this_module_name_off && !strcmp((char *)d + mi.this_module_name_off, "stp_fake"));
	CHECK(mi.modinfo_name_off && mi.modinfo_name_len == 8 &&
	      !memcmp(d + mi.modinfo_name_off, "stp_fake", 8));
	CHECK(mi.ncrcs == 2);
	CHECK(mi.crcs[0].crc == 0x1234abcd && !strcmp(mi.crcs[0].name, "jiffies"));
	CHECK(mi.crcs[1].crc == 0xdeadbeef && !strcmp(mi.crcs[1].name, "_printk"));
	modinfo_free(&mi);
	free(d);
}

TEST(symvers_compare_finds_the_first_other_crc)
{
	static const struct modinfo_crc crcs[] = {{0x1234abcd, "jiffies"}, {0xdeadbeef, "_printk"}};
	const char *same = "0x1234abcd\tjiffies\tvmlinux\tEXPORT_SYMBOL\t\n"
			   "0xdeadbeef\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n"
			   "0x00000001\tjiffies_64\tvmlinux\tEXPORT_SYMBOL\t\n";
	const char *other = "garbage line\n0x1234abcd\tjiffies\tvmlinux\tEXPORT_SYMBOL\n"
			    "0xdeadbee0\t_printk\tvmlinux\tEXPORT_SYMBOL_GPL\tNS";
	struct symvers_diff d;

	CHECK(symvers_compare(same, strlen(same), crcs, 2, &d) == 0);
	CHECK(symvers_compare(other, strlen(other), crcs, 2, &d) == 1);
	CHECK(d.crc == &crcs[1] && d.kernel_crc == 0xdeadbee0);
	/* names the file lacks are the kernel's to judge */
	CHECK(symvers_compare("", 0, crcs, 2, &d) == 0);
	CHECK(symvers_compare("0x1\tjiffies", 11, crcs, 2, &d) == 1);
	CHECK(symvers_compare("0xzz\tjiffies\n", 13, crcs, 2, &d) == 0);
}

TEST(modinfo_refuses_non_modules)
{
	struct modinfo mi;
	const char *why;
	char obj[512];
	unsigned char *d;
	size_t n;

	CHECK(modinfo_read("hello", 5, &mi, &why) == -ENOEXEC);
	CHECK(why && strstr(why, "ELF"));
	modinfo_free(&mi);
	CHECK(modinfo_read("", 0, &mi, &why) == -ENOEXEC);
	modinfo_free(&mi);
	/* an ELF object without .modinfo */
	snprintf(obj, sizeof obj, "%s/plain.o", unit_tmpdir());
	CHECK(write_file(unit_path("plain.c"), "int x;\n", 7) == 0);
	{
		char cmd[1200];
		snprintf(cmd, sizeof cmd, "cc -c -o '%s' '%s'", obj, unit_path("plain.c"));
		if (system(cmd) != 0)
			SKIP("cc could not build the fixture object");
	}
	CHECK(readfile_path(obj, 1 << 20, &d, &n) == 0);
	CHECK(modinfo_read(d, n, &mi, &why) == -ENOEXEC);
	CHECK(strstr(why, ".modinfo"));
	modinfo_free(&mi);
	/* truncated: the section table now points past the end */
	CHECK(modinfo_read(d, n / 2, &mi, &why) < 0);
	modinfo_free(&mi);
	free(d);
}

TEST(number_parse_exact_decimal_in_range)
{
	long long v = 7;

	CHECK(number_parse("0", 0, 10, &v) == 0 && v == 0);
	CHECK(number_parse("4294967294", 0, 4294967294LL, &v) == 0 && v == 4294967294LL);
	CHECK(number_parse("-5", -10, 10, &v) == 0 && v == -5);
	v = 7;
	CHECK(number_parse("", 0, 10, &v) == -EINVAL);
	CHECK(number_parse(" 1", 0, 10, &v) == -EINVAL);
	CHECK(number_parse("+1", 0, 10, &v) == -EINVAL);
	CHECK(number_parse("1 ", 0, 10, &v) == -EINVAL);
	CHECK(number_parse("0x1", 0, 10, &v) == -EINVAL);
	CHECK(number_parse("-1", 0, 10, &v) == -EINVAL);
	CHECK(number_parse("11", 0, 10, &v) == -ERANGE);
	CHECK(number_parse("-11", -10, 10, &v) == -ERANGE);
	CHECK(number_parse("99999999999999999999", 0, 10, &v) == -ERANGE);
	CHECK(v == 7);
	CHECK(strcmp(number_strerror(-ERANGE), "out of range") == 0);
}

TEST(strbuf_appends_and_grows)
{
	struct strbuf b = {0};

	for (int i = 0; i < 200; i++)
		sb_printf(&b, "%03d,", i);
	sb_puts(&b, "end");
	sb_putn(&b, "xyz", 1);
	CHECK(!b.oom && b.n == 200 * 4 + 4 && b.s[b.n] == 0);
	CHECK(strncmp(b.s, "000,001,", 8) == 0 && strcmp(b.s + 800, "endx") == 0);
	sb_putn(&b, "a", SIZE_MAX - 4); /* would overflow: flagged, not done */
	CHECK(b.oom && b.n == 804);
	free(b.s);
}

TEST(strbuf_shquote_one_shell_word)
{
	struct strbuf b = {0};

	sb_shquote(&b, "it's $HOME; `id`");
	sb_puts(&b, " ");
	sb_shquote(&b, "");
	CHECK_STR(b.s, "'it'\\''s $HOME; `id`' ''");
	free(b.s);
}

TEST(readfile_stream_reads_a_pipe_to_its_cap)
{
	unsigned char *buf;
	size_t len;
	int p[2];

	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "-----BEGIN x\n", 13) == 13);
	close(p[1]);
	CHECK(readfile_stream(p[0], 13, &buf, &len) == 0);
	close(p[0]);
	CHECK(len == 13 && buf[13] == 0 && !memcmp(buf, "-----BEGIN x\n", 13));
	free(buf);
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "0123456789", 10) == 10);
	close(p[1]);
	CHECK(readfile_stream(p[0], 9, &buf, &len) == -EFBIG);
	close(p[0]);
}

TEST(array_grow_doubles_and_keeps_elements)
{
	int *v = NULL;
	size_t cap = 0, n;

	for (n = 0; n < 100; n++) {
		CHECK(array_grow(&v, &cap, n, sizeof(*v), 8) == 0);
		CHECK(cap > n);
		v[n] = (int)n;
	}
	CHECK(cap == 128 && v[0] == 0 && v[99] == 99);
	CHECK(array_grow(&v, &cap, 128, SIZE_MAX / 2, 8) == -ENOMEM && cap == 128);
	free(v);
}

static int read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);

	if (fd >= 0)
		close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	if (d)
		closedir(d);
	return n;
}

TEST(atomic_write_replaces_whole_file_with_mode)
{
	char path[512], buf[64];
	struct stat st;

	snprintf(path, sizeof path, "%s", unit_path("a"));
	CHECK(write_file(path, "old content", 11) == 0);
	CHECK(atomic_write(path, "new", 3, 0640) == 0);
	CHECK(read_text(path, buf, sizeof buf) == 0 && strcmp(buf, "new") == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640);
	CHECK(count_entries(unit_tmpdir()) == 1); /* no temporary file left */
}

TEST(atomic_file_abort_leaves_old_content)
{
	struct atomic_file af;
	char path[512], buf[64];

	snprintf(path, sizeof path, "%s", unit_path("b"));
	CHECK(write_file(path, "keep", 4) == 0);
	CHECK(atomic_file_open(&af, path, 0600) == 0);
	CHECK(strncmp(af.tmp, unit_tmpdir(), strlen(unit_tmpdir())) == 0); /* same folder */
	CHECK(write(af.fd, "partial", 7) == 7);
	CHECK(read_text(path, buf, sizeof buf) == 0 && strcmp(buf, "keep") == 0);
	atomic_file_abort(&af);
	CHECK(read_text(path, buf, sizeof buf) == 0 && strcmp(buf, "keep") == 0);
	CHECK(count_entries(unit_tmpdir()) == 1);
	CHECK(atomic_write(unit_path("missing/x"), "x", 1, 0600) == -ENOENT);
}

TEST(atomic_file_commit_new_never_replaces)
{
	struct atomic_file af;
	char path[512], buf[64];
	struct stat st;

	snprintf(path, sizeof path, "%s", unit_path("key"));
	CHECK(atomic_file_open(&af, path, 0600) == 0);
	CHECK(atomic_file_write(&af, "first", 5) == 0);
	CHECK(atomic_file_commit_new(&af) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
	CHECK(atomic_file_open(&af, path, 0600) == 0);
	CHECK(atomic_file_write(&af, "second", 6) == 0);
	CHECK(atomic_file_commit_new(&af) == -EEXIST);
	CHECK(read_text(path, buf, sizeof buf) == 0 && strcmp(buf, "first") == 0);
	CHECK(count_entries(unit_tmpdir()) == 1); /* the refused temporary is gone */
}

TEST(atomic_write_tmp_uses_the_callers_name)
{
	struct atomic_file af;
	char tmpl[512], buf[64];

	snprintf(tmpl, sizeof tmpl, "%s", unit_path(".tmp.42.x.XXXXXX"));
	CHECK(atomic_file_open_tmp(&af, unit_path("x"), tmpl, 0644) == 0);
	CHECK(strncmp(af.tmp, tmpl, strlen(tmpl) - 6) == 0 && strcmp(af.tmp, tmpl) != 0);
	atomic_file_abort(&af);
	CHECK(atomic_write_tmp(unit_path("x"), tmpl, "text", 4, 0644) == 0);
	CHECK(read_text(unit_path("x"), buf, sizeof buf) == 0 && strcmp(buf, "text") == 0);
	CHECK(count_entries(unit_tmpdir()) == 1);
}

TEST(atomic_rename_moves_a_finished_file)
{
	char tmp[512], buf[64];

	snprintf(tmp, sizeof tmp, "%s", unit_path(".built"));
	CHECK(write_file(tmp, "module", 6) == 0);
	CHECK(write_file(unit_path("m.ko"), "old", 3) == 0);
	CHECK(atomic_rename(tmp, unit_path("m.ko")) == 0);
	CHECK(read_text(unit_path("m.ko"), buf, sizeof buf) == 0 && strcmp(buf, "module") == 0);
	CHECK(count_entries(unit_tmpdir()) == 1);
	CHECK(atomic_rename(tmp, unit_path("m.ko")) == -ENOENT);
}
