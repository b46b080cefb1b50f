/* staprun.auth pieces without privileges: audit encoding (MUST 10), unique
 * names and renaming, the /run record, the -d ownership checks (MUST 9),
 * the -x target check. */
#include "tests/unit/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "authorize/authorize.h"
#include "lib/modinfo.h"
#include "lib/readfile.h"
#include "staprun-auth/auth.h"
#include "staprun-auth/guard.h"

static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

TEST(audit_encodes_user_strings)
{
	char out[64];

	auth_audit_encode("ok-name_1.ko", out, sizeof out);
	CHECK_STR(out, "ok-name_1.ko");
	/* spaces, quotes, newlines, format directives cannot forge a record */
	auth_audit_encode("a b\"c\n%s\\", out, sizeof out);
	CHECK_STR(out, "a\\x20b\\x22c\\x0a%s\\x5c");
	auth_audit_encode("\xff", out, sizeof out);
	CHECK_STR(out, "\\xff");
	auth_audit_encode(NULL, out, sizeof out);
	CHECK_STR(out, "-");
	/* long input is cut, marked, and stays inside the buffer */
	auth_audit_encode("0123456789012345678901234567890123456789", out, 16);
	CHECK(strlen(out) < 16);
	CHECK(strstr(out, "..."));
}

TEST(audit_record_has_every_field)
{
	char line[2048];
	char *params[] = {"lines=3", "prefix=x y"};
	struct auth_audit a = {
	    .event = "load",
	    .result = "refused",
	    .user = "alice",
	    .uid = 1000,
	    .path = "/home/alice/m.ko",
	    .name = "stp_m",
	    .digest = "sha256:ab",
	    .signer = NULL,
	    .line = "/etc/systemtap/authorized_probes:3",
	    .params = params,
	    .nparams = 2,
	    .cmd = "id -u; echo %n",
	    .reason = "expired",
	};

	auth_audit_format(&a, line, sizeof line);
	CHECK(!strncmp(line, "load refused:", 13));
	CHECK(strstr(line, " user=\"alice\""));
	CHECK(strstr(line, " uid=\"1000\""));
	CHECK(strstr(line, " module=\"stp_m\""));
	CHECK(strstr(line, " digest=\"sha256:ab\""));
	CHECK(strstr(line, " signer=\"-\""));
	CHECK(strstr(line, " line=\"/etc/systemtap/authorized_probes:3\""));
	CHECK(strstr(line, " params=\"lines=3\\x20prefix=x\\x20y\""));
	CHECK(strstr(line, " cmd=\"id\\x20-u;\\x20echo\\x20%n\""));
	CHECK(strstr(line, " reason=\"expired\""));
	CHECK(!strchr(line, '\n'));
}

TEST(unique_name_fits_and_differs)
{
	char a[64], b[64], c[64];
	char lng[] = "stap_0123456789abcdef0123456789abcdef0123456789abcdef0";

	CHECK(auth_unique_name("stp_test", 1000, 42, a, sizeof a) == 0);
	CHECK_STR(a, "stp_test_u1000_42");
	CHECK(auth_unique_name("stp_test", 1001, 42, b, sizeof b) == 0);
	CHECK(strcmp(a, b) != 0);
	CHECK(auth_unique_name(lng, 4294967294u, 2147483647, c, sizeof c) == 0);
	CHECK(strlen(c) == AUTH_NAME_MAX);
	CHECK(auth_name_valid(c));
	CHECK(strstr(c, "_u4294967294_2147483647"));
	CHECK(auth_unique_name("bad/name", 1, 1, c, sizeof c) < 0);
	CHECK(!auth_name_valid("a.b") && !auth_name_valid("") && !auth_name_valid("../x"));
}

static int build_fixture(const char *obj)
{
	char cmd[1200];
	const char *code = "__attribute__((section(\".modinfo\"), used)) static const char m[] =\n"
			   "\"license=GPL\\0name=stp_fake\\0vermagic=6.1.0 SMP mod_unload\\0\";\n"
			   "struct mod { int s; void *l[2]; char name[56]; char rest[200]; };\n"
			   "__attribute__((section(\".gnu.linkonce.this_module\"), used))\n"
			   "struct mod this_module = { .name = \"stp_fake\" };\n";

	if (put(unit_path("fake.c"), code) < 0)
		return -1;
	snprintf(cmd, sizeof cmd, "cc -c -o '%s' '%s'", obj, unit_path("fake.c"));
	return system(cmd);
}

TEST(rename_changes_only_the_name)
{
	const char *obj = unit_path("fake.o");
	unsigned char *d, *orig;
	size_t n, i, changed = 0;
	struct modinfo mi, mi2;
	const char *why;

	if (build_fixture(obj) != 0)
		SKIP("cc could not build the fixture object");
	CHECK(readfile_path(obj, 1 << 20, &d, &n) == 0);
	orig = malloc(n);
	CHECK(orig);
	memcpy(orig, d, n);
	CHECK(modinfo_read(d, n, &mi, &why) == 0);
	CHECK(auth_rename(d, n, mi.this_module_name_off, mi.modinfo_name_off, mi.modinfo_name_len,
			  "stp_fake_u1000_77") == 0);
	for (i = 0; i < n; i++)
		if (d[i] != orig[i]) {
			int in_tm =
			    i >= mi.this_module_name_off && i < mi.this_module_name_off + 56;
			int in_mi = i + 5 >= mi.modinfo_name_off &&
				    i < mi.modinfo_name_off + mi.modinfo_name_len;
			CHECK(in_tm || in_mi);
			changed++;
		}
	CHECK(changed > 0);
	CHECK(modinfo_read(d, n, &mi2, &why) == 0);
	CHECK_STR(mi2.name, "stp_fake_u1000_77"); /* name= gone: the kernel's fallback */
	CHECK(modinfo_get(&mi2, "name") == NULL);
	CHECK_STR(mi2.license, "GPL");
	/* bad names and offsets are refused */
	CHECK(auth_rename(d, n, mi.this_module_name_off, 0, 0, "a b") < 0);
	CHECK(auth_rename(d, n, n - 10, 0, 0, "ok") < 0);
	CHECK(auth_rename(d, n, mi.this_module_name_off, 3, 4, "ok") < 0);
	modinfo_free(&mi);
	modinfo_free(&mi2);
	free(orig);
	free(d);
}

TEST(record_write_read_list_remove)
{
	const char *dir = unit_path("run");
	struct auth_record r = {.uid = 1000, .pid = 4242, .since = 1700000000}, got;
	char line[512];

	snprintf(r.module, sizeof r.module, "stp_a_u1000_4242");
	snprintf(r.digest, sizeof r.digest, "sha256:%064d", 0);
	snprintf(r.user, sizeof r.user, "alice");
	CHECK(auth_record_write(dir, &r) == 0);
	CHECK(auth_record_read(dir, "stp_a_u1000_4242", &got) == 0);
	CHECK(got.uid == 1000 && got.pid == 4242 && got.since == 1700000000);
	CHECK_STR(got.user, "alice");
	az_record_format(&got, line, sizeof line);
	CHECK(strstr(line, "stp_a_u1000_4242 sha256:") && strstr(line, "user=alice") &&
	      strstr(line, "pid=4242") && strstr(line, "since=2023-11-14T22:13:20Z"));
	/* a record cannot speak for another module */
	CHECK(rename(unit_path("run/stp_a_u1000_4242"), unit_path("run/stp_b")) == 0);
	CHECK(auth_record_read(dir, "stp_b", &got) == -EBADMSG);
	CHECK(auth_record_remove(dir, "stp_b") == 0);
	CHECK(auth_record_read(dir, "stp_b", &got) == -ENOENT);
	CHECK(auth_record_read(dir, "../etc/passwd", &got) == -EINVAL);
}

TEST(record_dir_must_not_be_writable_by_others)
{
	const char *dir = unit_path("run2");
	struct auth_record r = {.uid = 1};

	snprintf(r.module, sizeof r.module, "m");
	CHECK(mkdir(dir, 0777) == 0 && chmod(dir, 0777) == 0);
	CHECK(auth_record_write(dir, &r) == -EPERM);
}

static int n_listed;
static void count(const struct auth_record *r, void *arg)
{
	(void)arg;
	(void)r;
	n_listed++;
}

TEST(record_list_sorted_and_skips_junk)
{
	const char *dir = unit_path("run3");
	struct auth_record r = {.uid = 5};

	snprintf(r.module, sizeof r.module, "b_mod");
	CHECK(auth_record_write(dir, &r) == 0);
	snprintf(r.module, sizeof r.module, "a_mod");
	CHECK(auth_record_write(dir, &r) == 0);
	CHECK(put(unit_path("run3/x.tmp"), "junk") == 0);
	CHECK(put(unit_path("run3/c_bad"), "garbage\n") == 0);
	n_listed = 0;
	CHECK(auth_record_list(dir, count, NULL) == 0);
	CHECK(n_listed == 2);
	n_listed = 0;
	CHECK(auth_record_list(unit_path("nonexistent"), count, NULL) == 0);
	CHECK(n_listed == 0);
}

/* Fixture: rundir with a record, sysmod/<name>/parameters/_stp_uid. */
static void unload_fixture(const char *name, uid_t rec_uid, const char *param)
{
	struct auth_record r = {.uid = rec_uid};
	char p[512];

	snprintf(r.module, sizeof r.module, "%s", name);
	if (auth_record_write(unit_path("run"), &r) != 0)
		unit_fail(__FILE__, __LINE__, "record");
	if (!param)
		return;
	snprintf(p, sizeof p, "mkdir -p '%s/%s/parameters'", unit_path("sys"), name);
	if (system(p) != 0)
		unit_fail(__FILE__, __LINE__, "mkdir");
	snprintf(p, sizeof p, "%s/%s/parameters/_stp_uid", unit_path("sys"), name);
	put(p, param);
}

TEST(unload_only_own_modules)
{
	char err[256];

	mkdir(unit_path("proc"), 0755);
	unload_fixture("mine", 1000, "1000\n");
	unload_fixture("theirs", 1001, "1001\n");
	unload_fixture("lying_record", 1000, "1001\n");
	unload_fixture("gone", 1000, NULL);
	CHECK(auth_unload_check_at(unit_path("run"), unit_path("sys"), unit_path("proc"), "mine",
				   1000, err, sizeof err) == 0);
	CHECK(auth_unload_check_at(unit_path("run"), unit_path("sys"), unit_path("proc"), "theirs",
				   1000, err, sizeof err) == -EPERM);
	CHECK(strstr(err, "another user"));
	/* the module's own owner parameter must agree with the record */
	CHECK(auth_unload_check_at(unit_path("run"), unit_path("sys"), unit_path("proc"),
				   "lying_record", 1000, err, sizeof err) == -EPERM);
	CHECK(auth_unload_check_at(unit_path("run"), unit_path("sys"), unit_path("proc"), "gone",
				   1000, err, sizeof err) == -ENOENT);
	/* never loaded by staprun.auth: no record */
	CHECK(auth_unload_check_at(unit_path("run"), unit_path("sys"), unit_path("proc"), "ext4",
				   1000, err, sizeof err) == -EPERM);
	CHECK(strstr(err, "not loaded by staprun.auth"));
	CHECK(auth_unload_check_at(unit_path("run"), unit_path("sys"), unit_path("proc"), "../x",
				   1000, err, sizeof err) == -EINVAL);
}

TEST(unload_owner_from_proc_dir)
{
	char err[256];

	unload_fixture("viaproc", getuid(), NULL);
	CHECK(mkdir(unit_path("proc"), 0755) == 0 && mkdir(unit_path("proc/viaproc"), 0700) == 0);
	CHECK(auth_unload_check_at(unit_path("run"), unit_path("sys"), unit_path("proc"), "viaproc",
				   getuid(), err, sizeof err) == 0);
	CHECK(auth_unload_check_at(unit_path("run"), unit_path("sys"), unit_path("proc"), "viaproc",
				   getuid() + 1, err, sizeof err) == -EPERM);
}

TEST(target_must_be_same_user)
{
	char err[256];

	CHECK(auth_target_check("/proc", getpid(), getuid(), err, sizeof err) == 0);
	CHECK(auth_target_check("/proc", getpid(), getuid() + 1, err, sizeof err) == -EPERM);
	CHECK(strstr(err, "not a process of yours"));
	/* a setuid process of the user: real uid theirs, effective root */
	CHECK(mkdir(unit_path("p"), 0755) == 0 && mkdir(unit_path("p/7"), 0755) == 0);
	CHECK(put(unit_path("p/7/status"), "Name:\tpasswd\nUid:\t1000\t0\t0\t0\n") == 0);
	CHECK(auth_target_check(unit_path("p"), 7, 1000, err, sizeof err) == -EPERM);
	CHECK(auth_target_check(unit_path("p"), 8, 1000, err, sizeof err) == -ESRCH);
}

/* -x PID of the user's own setgid or file-capability program: it holds more
 * than the user, like a setuid one. */
TEST(target_not_setgid_or_privileged)
{
	char err[256];

	CHECK(mkdir(unit_path("q"), 0755) == 0 && mkdir(unit_path("q/9"), 0755) == 0 &&
	      mkdir(unit_path("q/10"), 0755) == 0 && mkdir(unit_path("q/11"), 0755) == 0);
	CHECK(put(unit_path("q/9/status"),
		  "Name:\tcrontab\nUid:\t1000\t1000\t1000\t1000\n"
		  "Gid:\t1000\t42\t42\t42\nCapPrm:\t0000000000000000\n") == 0);
	CHECK(put(unit_path("q/10/status"),
		  "Name:\tping\nUid:\t1000\t1000\t1000\t1000\n"
		  "Gid:\t1000\t1000\t1000\t1000\nCapPrm:\t0000000000002000\n") == 0);
	CHECK(put(unit_path("q/11/status"),
		  "Name:\tsh\nUid:\t1000\t1000\t1000\t1000\n"
		  "Gid:\t1000\t1000\t1000\t1000\nCapPrm:\t0000000000000000\n") == 0);
	CHECK(auth_target_check(unit_path("q"), 9, 1000, err, sizeof err) == -EPERM);
	CHECK(strstr(err, "setgid or privileged"));
	CHECK(auth_target_check(unit_path("q"), 10, 1000, err, sizeof err) == -EPERM);
	CHECK(auth_target_check(unit_path("q"), 11, 1000, err, sizeof err) == 0);
}

/* -x PID: a pid checked, then dead (and free for reuse by anyone) before the
 * load, must be noticed: the pidfd taken before the check says so. */
TEST(target_held_by_pidfd)
{
	char err[256];
	pid_t kid = fork();
	int fd = -1;

	CHECK(kid >= 0);
	if (kid == 0) {
		pause();
		_exit(0);
	}
	CHECK(auth_target_open("/proc", kid, getuid(), &fd, err, sizeof err) == 0 && fd >= 0);
	CHECK(auth_target_alive(fd));
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	kill(kid, SIGKILL);
	CHECK(waitpid(kid, NULL, 0) == kid);
	CHECK(!auth_target_alive(fd));
	close(fd);
	fd = 7;
	CHECK(auth_target_open("/proc", kid, getuid(), &fd, err, sizeof err) == -ESRCH);
	CHECK(fd == -1 && strstr(err, "no such process"));
	CHECK(auth_target_open("/proc", getpid(), getuid() + 1, &fd, err, sizeof err) == -EPERM);
	CHECK(fd == -1);
}

/* Session id of pid from /proc/PID/stat (field 6), or -1. */
static long stat_session(pid_t pid)
{
	char path[64], buf[512], *p;
	long sid = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fgets(buf, sizeof buf, f) && (p = strrchr(buf, ')')) &&
	    sscanf(p + 1, " %*c %*d %*d %ld", &sid) != 1)
		sid = -1;
	fclose(f);
	return sid;
}

/* The guard must be out of reach once auth_guard_start returns: root in all
 * its ids (it was the user's to kill until then) and out of the user's
 * session (the terminal's ^\ and ^Z need no permission). */
TEST(guard_is_out_of_reach_when_started)
{
	struct auth_guard g;
	char err[256];
	unsigned r = 1, e = 1, sv = 1;
	char path[64], line[256];
	FILE *f;

	if (geteuid() != 0)
		SKIP("needs root (the guard becomes root in all its ids)");
	if (auth_guard_start(&g, unit_path("grun"), unit_path("gsys"), getuid(), -1, err,
			     sizeof err) < 0) {
		if (strstr(err, "did not start"))
			SKIP("the guard cannot reduce its capabilities here (container?)");
		CHECK(!"auth_guard_start");
	}
	CHECK(g.pid > 0 && g.fd >= 0);
	CHECK(stat_session(g.pid) == g.pid && stat_session(g.pid) != getsid(0));
	snprintf(path, sizeof path, "/proc/%d/status", (int)g.pid);
	f = fopen(path, "re");
	CHECK(f);
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Uid: %u %u %u", &r, &e, &sv) == 3)
			break;
	fclose(f);
	auth_guard_finish(&g, 1);
	CHECK(r == 0 && e == 0 && sv == 0);
	CHECK(g.pid == 0 && g.fd == -1);
}

/* A loader killed while a process it forked (a -c child the user stopped
 * before exec) still holds the guard's pipe: the guard must act anyway.  The
 * module is not loaded here, so the guard's cleanup shows as the removal of
 * its record. */
TEST(guard_acts_when_loader_dies_though_pipe_held)
{
	const char *rec = unit_path("grun2/stp_guard_probe");
	int p[2], i, gone = 0;
	pid_t loader, holder = 0;

	if (geteuid() != 0)
		SKIP("needs root (the guard becomes root in all its ids)");
	CHECK(mkdir(unit_path("grun2"), 0755) == 0 && put(rec, "x\n") == 0);
	CHECK(pipe(p) == 0);
	loader = fork();
	CHECK(loader >= 0);
	if (loader == 0) {
		struct auth_guard g;
		char err[256];

		close(p[0]);
		if (auth_guard_start(&g, unit_path("grun2"), unit_path("gsys"), getuid(), -1, err,
				     sizeof err) < 0)
			_exit(2);
		if (auth_guard_arm(&g, "stp_guard_probe") < 0)
			_exit(3);
		holder = fork();
		if (holder == 0) {
			close(p[1]);
			sleep(20); /* holds g.fd, as a stopped child would */
			_exit(0);
		}
		if (write(p[1], &holder, sizeof holder) != sizeof holder)
			_exit(4);
		_exit(0); /* dies without "done" */
	}
	close(p[1]);
	i = (int)read(p[0], &holder, sizeof holder);
	close(p[0]);
	{
		int st = -1;

		CHECK(waitpid(loader, &st, 0) == loader);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 2)
			SKIP("the guard cannot start here (capabilities)");
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0 && i == sizeof holder && holder > 0);
	}
	for (i = 0; i < 50 && !gone; i++) {
		gone = access(rec, F_OK) < 0;
		if (!gone)
			usleep(100000);
	}
	kill(holder, SIGKILL);
	CHECK(gone);
}

TEST(status_lists_live_loads)
{
	const char *dir = unit_path("st");
	struct auth_record r = {.uid = 1000, .pid = getpid(), .since = 0};
	char buf[1024] = "";
	FILE *f;

	snprintf(r.module, sizeof r.module, "stp_live");
	snprintf(r.digest, sizeof r.digest, "sha256:%064d", 1);
	snprintf(r.user, sizeof r.user, "alice");
	CHECK(auth_record_write(dir, &r) == 0);
	r.pid = 0x3ffffff0; /* no such process */
	snprintf(r.module, sizeof r.module, "stp_dead");
	CHECK(auth_record_write(dir, &r) == 0);
	f = fmemopen(buf, sizeof buf, "w");
	CHECK(f);
	CHECK(az_status_print(f, dir, NULL, 0) == 2);
	fclose(f);
	CHECK(strstr(buf, "stp_dead sha256:") && strstr(buf, "(loader gone)\nstp_live"));
	CHECK(strstr(buf, "stp_live sha256:0000") && strstr(buf, "user=alice uid=1000"));
	CHECK(!strstr(strstr(buf, "stp_live"), "gone"));
	CHECK(az_status_print(stdout, unit_path("none"), NULL, 0) == 0);
	CHECK_STR(az_status_dir(), "/run/stapauth");
	/* --json: one array, an object per load, sorted by module */
	memset(buf, 0, sizeof buf);
	f = fmemopen(buf, sizeof buf, "w");
	CHECK(f);
	CHECK(az_status_print(f, dir, NULL, 1) == 2);
	fclose(f);
	CHECK(!strncmp(buf, "[\n {\"module\":\"stp_dead\",\"digest\":\"sha256:000", 40));
	CHECK(strstr(buf, "\"user\":\"alice\",\"uid\":1000,\"pid\":1073741808,"
			  "\"since\":\"1970-01-01T00:00:00Z\",\"since_epoch\":0,"
			  "\"program\":null,\"loader_alive\":false},\n {\"module\":\"stp_live\""));
	CHECK(strstr(buf, "\"loader_alive\":true}\n]\n"));
}
