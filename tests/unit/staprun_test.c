/* staprun/ library: parameters, module checks, the -c child, and the relay's
 * record parsing (fed through a pipe instead of /proc). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/transport_proto.h"
#include "staprun/loader.h"
#include "staprun/relay.h"
#include "unit.h"

/* An ELF object with the .modinfo a transport module has. */
static int fake_module(const char *vermagic, unsigned char **buf, size_t *len)
{
	char src[512], obj[512], cmd[1200];
	FILE *f;
	int rc;

	snprintf(src, sizeof src, "%s/m.c", unit_tmpdir());
	snprintf(obj, sizeof obj, "%s/m.o", unit_tmpdir());
	f = fopen(src, "w");
	if (!f)
		return -1;
	fprintf(
	    f,
	    "__attribute__((section(\".modinfo\"), used)) static const char m[] =\n"
	    "\"license=GPL\\0name=stp_fake\\0vermagic=%s\\0\"\n"
	    "\"parmtype=_stp_uid:uint\\0parmtype=_stp_gid:uint\\0parmtype=_stp_target:int\\0\"\n"
	    "\"parmtype=lines:int\\0parmtype=prefix:charp\\0parmtype=on:bool\\0\";\n",
	    vermagic);
	fclose(f);
	snprintf(cmd, sizeof cmd, "cc -c -o '%s' '%s'", obj, src);
	rc = system(cmd);
	if (rc != 0)
		return -1;
	f = fopen(obj, "rb");
	if (!f)
		return -1;
	*buf = malloc(1 << 16);
	*len = fread(*buf, 1, 1 << 16, f);
	fclose(f);
	return 0;
}

static int setup(struct loader_module *m, unsigned char **buf, const char *vermagic)
{
	size_t len;
	struct loader_err e;

	if (fake_module(vermagic, buf, &len) != 0)
		return -1;
	return loader_module_use(*buf, len, "m.ko", m, &e);
}

TEST(params_built_checked_and_quoted)
{
	struct loader_module m;
	struct loader_params p;
	struct loader_err e;
	unsigned char *buf;

	if (setup(&m, &buf, "6.1.0 SMP") != 0)
		SKIP("cc could not build the fixture");
	CHECK_STR(m.name, "stp_fake");
	loader_params_init(&p);
	CHECK(loader_params_add(&p, &m, "lines=3", 0, &e) == 0);
	CHECK(loader_params_add(&p, &m, "prefix=hello world", 0, &e) == 0);
	CHECK(loader_params_add(&p, &m, "on=y", 0, &e) == 0);
	CHECK(loader_params_add_internal(&p, &m, "_stp_uid", 1000, &e) == 0);
	CHECK_STR(p.str, "lines=3 prefix=\"hello world\" on=y _stp_uid=1000");
	CHECK(p.n == 4 && !strcmp(p.names[1], "prefix"));
	CHECK(loader_params_add(&p, &m, "bogus=1", 0, &e) == -ENOENT);
	CHECK(strstr(e.msg, "does not declare parameter bogus") != NULL);
	CHECK(loader_params_add(&p, &m, "lines=4", 0, &e) == -EINVAL);
	CHECK(strstr(e.msg, "given twice") != NULL);
	CHECK(loader_params_add(&p, &m, "_stp_gid=0", 0, &e) == -EPERM);
	CHECK(loader_params_add(&p, &m, "noequals", 0, &e) == -EINVAL);
	CHECK(loader_params_add(&p, &m, "=1", 0, &e) == -EINVAL);
	CHECK(loader_params_add(&p, &m, "on=maybe", 0, &e) == -EINVAL);
	CHECK_STR(p.str, "lines=3 prefix=\"hello world\" on=y _stp_uid=1000");
	loader_params_free(&p);
	loader_module_free(&m);
	free(buf);
}

TEST(params_values_strict_and_types)
{
	struct loader_module m;
	struct loader_params p;
	struct loader_err e;
	unsigned char *buf;

	if (setup(&m, &buf, "6.1.0 SMP") != 0)
		SKIP("cc could not build the fixture");
	loader_params_init(&p);
	CHECK(loader_params_add(&p, &m, "prefix=a\"b", 0, &e) == -EINVAL);
	CHECK(loader_params_add(&p, &m, "prefix=a\\b", 0, &e) == -EINVAL);
	CHECK(loader_params_add(&p, &m, "prefix=a\nb", 0, &e) == -EINVAL);
	CHECK(loader_params_add(&p, &m, "prefix=a b", LOADER_PARAM_STRICT, &e) == -EINVAL);
	CHECK(loader_params_add(&p, &m, "prefix=a;b", LOADER_PARAM_STRICT, &e) == -EINVAL);
	CHECK(loader_params_add(&p, &m, "lines=12x", 0, &e) == -EINVAL);
	CHECK(loader_params_add(&p, &m, "lines=", 0, &e) == -EINVAL);
	CHECK(loader_params_add(&p, &m, "lines=-0x10", 0, &e) == 0);
	CHECK(loader_params_add(&p, &m, "prefix=a,b", LOADER_PARAM_STRICT, &e) == -EINVAL);
	CHECK(loader_params_add(&p, &m, "prefix=a.b:d+e-f_9", LOADER_PARAM_STRICT, &e) == 0);
	CHECK(p.n == 2);
	loader_params_free(&p);
	loader_module_free(&m);
	free(buf);
}

TEST(module_release_check)
{
	struct loader_module m;
	struct loader_err e;
	struct utsname u;
	char vm[128 + sizeof u.release];
	unsigned char *buf;

	CHECK(uname(&u) == 0);
	snprintf(vm, sizeof vm, "%s SMP preempt mod_unload ", u.release);
	if (setup(&m, &buf, vm) != 0)
		SKIP("cc could not build the fixture");
	CHECK(loader_module_check_kernel(&m, &e) == 0);
	loader_module_free(&m);
	free(buf);
	CHECK(setup(&m, &buf, "0.0.1-other SMP mod_unload ") == 0);
	CHECK(loader_module_check_kernel(&m, &e) == -ENOEXEC);
	CHECK(strstr(e.msg, "not built for this kernel: built for 0.0.1-other, running") != NULL);
	loader_module_free(&m);
	free(buf);
}

TEST(module_refuses_empty_and_garbage)
{
	struct loader_module m;
	struct loader_err e;
	unsigned char junk[64] = "not an ELF";

	CHECK(loader_module_use(junk, 0, "e.ko", &m, &e) == -ENOEXEC);
	CHECK(!strcmp(e.msg, "e.ko: is empty, not a kernel module"));
	loader_module_free(&m);
	CHECK(loader_module_use(junk, sizeof junk, "j.ko", &m, &e) < 0);
	CHECK(strstr(e.msg, "j.ko: not a usable kernel module") == e.msg);
	loader_module_free(&m);
	CHECK(loader_module_read(unit_tmpdir(), &m, &e) == -EISDIR);
	loader_module_free(&m);
}

TEST(proc_path_and_load_messages)
{
	char p[32];

	CHECK(loader_proc_path("stp_x", "data", p, sizeof p) == 0);
	CHECK_STR(p, "/proc/stp_x/data");
	CHECK(loader_proc_path("stp_x", NULL, p, sizeof p) == 0);
	CHECK_STR(p, "/proc/stp_x");
	CHECK(loader_proc_path("a_very_long_module_name_indeed", "control", p, sizeof p) ==
	      -ENAMETOOLONG);
	CHECK(strstr(loader_load_strerror(EKEYREJECTED), "enrolled key") != NULL);
	CHECK(strstr(loader_load_strerror(EEXIST), "already loaded") != NULL);
	CHECK(loader_is_loaded("no_such_module_hopefully") == 0);
}

static int hook_calls;
static int hook_ok(void *arg, struct loader_err *e)
{
	(void)e;
	hook_calls += *(int *)arg;
	return 0;
}
static int hook_refuse(void *arg, struct loader_err *e)
{
	(void)arg;
	snprintf(e->msg, sizeof e->msg, "hook says no");
	return -EPERM;
}

static int child_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

TEST(child_runs_only_when_released)
{
	struct loader_child_opts o = {.cmd = "exit 42"};
	struct loader_child c;
	struct loader_err e;
	char cmd[600], mark[512];
	int one = 1;

	CHECK(loader_child_start(&o, &c, &e) == 0 && c.pid > 0);
	CHECK(loader_child_release(&c) == 0);
	CHECK(child_status(c.pid) == 42);

	/* never released: the command never runs */
	snprintf(mark, sizeof mark, "%s/ran", unit_tmpdir());
	snprintf(cmd, sizeof cmd, "touch '%s'", mark);
	o.cmd = cmd;
	CHECK(loader_child_start(&o, &c, &e) == 0);
	close(c.go_fd);
	c.go_fd = -1;
	CHECK(child_status(c.pid) == 127);
	CHECK(access(mark, F_OK) != 0);

	/* the hook runs in the child (its effect is not seen here), a refusal stops it */
	o.hook = hook_ok;
	o.hook_arg = &one;
	CHECK(loader_child_start(&o, &c, &e) == 0);
	CHECK(loader_child_release(&c) == 0);
	CHECK(child_status(c.pid) == 0);
	CHECK(access(mark, F_OK) == 0 && hook_calls == 0);
	unlink(mark);
	o.hook = hook_refuse;
	CHECK(loader_child_start(&o, &c, &e) == 0);
	loader_child_release(&c);
	CHECK(child_status(c.pid) == 127);
	CHECK(access(mark, F_OK) != 0);
}

static void put_rec(unsigned char **p, unsigned chan, const void *data, size_t len)
{
	uint32_t h = (uint32_t)len | (uint32_t)chan << STP_CHAN_SHIFT;

	for (int i = 0; i < 4; i++)
		*(*p)++ = (unsigned char)(h >> (8 * i));
	memcpy(*p, data, len);
	*p += len;
}

static size_t slurp(int fd, char *buf, size_t n)
{
	ssize_t r = read(fd, buf, n - 1);

	buf[r > 0 ? r : 0] = '\0';
	return r > 0 ? (size_t)r : 0;
}

TEST(relay_splits_channels_and_reports_drops)
{
	int data[2], out[2], err[2];
	unsigned char rec[256], *p = rec, drop[16] = {0};
	struct relay r;
	struct loader_err e;
	char got[256];

	CHECK(pipe(data) == 0 && pipe(out) == 0 && pipe(err) == 0);
	fcntl(data[0], F_SETFL, O_NONBLOCK);
	memset(&r, 0, sizeof r);
	r.data_fd = data[0];
	r.ctl_fd = -1;
	r.out_fd = out[1];
	r.err_fd = err[1];
	r.buflen = STP_READ_MIN;
	r.buf = malloc(r.buflen);
	put_rec(&p, STP_CHAN_OUT, "one\n", 4);
	put_rec(&p, STP_CHAN_WARN, "WARNING: w\n", 11);
	drop[0] = 100; /* 100 bytes, 3 records */
	drop[8] = 3;
	put_rec(&p, STP_CHAN_DROP, drop, 16);
	put_rec(&p, STP_CHAN_OUT, "two\n", 4);
	CHECK(write(data[1], rec, (size_t)(p - rec)) == p - rec);
	CHECK(relay_pump(&r, 1000, NULL, &e) == 0);
	slurp(out[0], got, sizeof got);
	CHECK_STR(got, "one\ntwo\n");
	slurp(err[0], got, sizeof got);
	CHECK(strstr(got, "WARNING: w\n") == got);
	CHECK(strstr(got, "100 bytes (3 writes) of probe output dropped") != NULL);
	CHECK(r.dropped_bytes == 100 && r.dropped_records == 3);

	p = rec; /* a record claiming more than STP_REC_MAX: a protocol error */
	put_rec(&p, STP_CHAN_OUT, "", 0);
	rec[2] = 0x10;
	CHECK(write(data[1], rec, 4) == 4);
	CHECK(relay_pump(&r, 1000, NULL, &e) == -EPROTO);
	CHECK(strstr(e.msg, "bad record length") != NULL);

	close(data[1]); /* end of stream */
	CHECK(relay_pump(&r, 1000, NULL, &e) == 1 && r.eof);
	free(r.buf);
	close(data[0]);
	close(out[0]);
	close(out[1]);
	close(err[0]);
	close(err[1]);
}

/* A module that never stops printing: one relay_pump does a bounded number
 * of reads, so the caller gets back to its signals. */
TEST(relay_pump_returns_under_endless_output)
{
	int data[2], out;
	unsigned char *rec = malloc(STP_HDR_LEN + STP_REC_MAX), *p = rec, payload[STP_REC_MAX];
	struct relay r;
	struct loader_err e;
	struct stat st;
	int i;

	CHECK(rec && pipe(data) == 0);
	if (fcntl(data[1], F_SETPIPE_SZ, 1 << 20) < (1 << 20))
		SKIP("cannot grow a pipe to 1 MiB");
	fcntl(data[0], F_SETFL, O_NONBLOCK);
	memset(payload, 'x', sizeof payload);
	put_rec(&p, STP_CHAN_OUT, payload, sizeof payload);
	for (i = 0; i < 40; i++)
		CHECK(write(data[1], rec, (size_t)(p - rec)) == p - rec);
	snprintf((char *)payload, sizeof payload, "%s/out", unit_tmpdir());
	out = open((char *)payload, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	memset(&r, 0, sizeof r);
	r.data_fd = data[0];
	r.ctl_fd = -1;
	r.out_fd = out;
	r.err_fd = out;
	r.buflen = STP_READ_MIN; /* one record per read */
	r.buf = malloc(r.buflen);
	CHECK(relay_pump(&r, 0, NULL, &e) == 0);
	CHECK(fstat(out, &st) == 0 && st.st_size > 0 && st.st_size < 40 * STP_REC_MAX);
	for (i = 0; i < 40 && relay_pump(&r, 0, NULL, &e) == 0; i++)
		;
	CHECK(fstat(out, &st) == 0 && st.st_size == 40 * STP_REC_MAX);
	free(r.buf);
	free(rec);
	close(out);
	close(data[0]);
	close(data[1]);
}

TEST(tied_ends_on_eof_or_hangup_not_on_input)
{
	int in[2], out[2];

	CHECK(pipe(in) == 0 && pipe(out) == 0);
	CHECK(loader_tie_broken(in[0], out[1]) == 0);
	CHECK(write(in[1], "keepalive\n", 10) == 10);
	CHECK(loader_tie_broken(in[0], out[1]) == 0); /* input is dropped */
	CHECK(loader_tie_broken(in[0], out[1]) == 0);
	close(in[1]);
	CHECK(loader_tie_broken(in[0], out[1]) == 1); /* the connection closed */
	close(in[0]);
	CHECK(pipe(in) == 0);
	close(out[0]);
	CHECK(loader_tie_broken(in[0], out[1]) == 1); /* nobody reads the output */
	close(in[0]);
	close(in[1]);
	close(out[1]);
}
