/* One run owns a module name (README rule 9): the lock (lock.c) and -d
 * under it (unload.c).  A forked child holding the lock plays the live run
 * (a loader stopped with SIGSTOP, or its guard). */
#include "tests/unit/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "staprun-auth/auth.h"

static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* A "run" in a child: takes NAME's lock, says so on the pipe, then holds
 * it until SIGTERM; on SIGTERM it ends as a run does: record, then lock
 * file, gone.  Returns its pid, or -1. */
static pid_t run_holding(const char *dir, const char *name)
{
	int p[2];
	pid_t pid;
	char b = 0;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		sigset_t s;
		int fd, sig;

		sigemptyset(&s);
		sigaddset(&s, SIGTERM);
		sigprocmask(SIG_BLOCK, &s, NULL);
		if (auth_lock_take(dir, name, 0, &fd) < 0)
			_exit(1);
		if (write(p[1], "l", 1) != 1)
			_exit(1);
		sigwait(&s, &sig);
		auth_record_remove(dir, name);
		auth_lock_release(dir, name, fd, 1);
		_exit(0);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &b, 1) != 1 || b != 'l') {
		close(p[0]);
		return -1;
	}
	close(p[0]);
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

TEST(lock_is_exclusive_and_removed_with_the_module)
{
	const char *dir = unit_path("run");
	int a, b;
	struct stat st;

	CHECK(auth_lock_take(dir, "stp_x", 0, &a) == 0);
	CHECK(auth_lock_take(dir, "stp_x", 0, &b) == -EBUSY && b == -1);
	/* waiting gives up after the time asked for */
	CHECK(auth_lock_take(dir, "stp_x", 120, &b) == -EBUSY);
	CHECK(auth_lock_take(dir, "stp_y", 0, &b) == 0);
	auth_lock_release(dir, "stp_y", b, 0);
	/* module still loaded: the file stays (the guard may still hold it) */
	CHECK(stat(unit_path("run/stp_y.lock"), &st) == 0);
	auth_lock_release(dir, "stp_x", a, 1);
	CHECK(stat(unit_path("run/stp_x.lock"), &st) < 0 && errno == ENOENT);
	CHECK(auth_lock_take(dir, "stp_x", 0, &a) == 0);
	auth_lock_release(dir, "stp_x", a, 1);
	CHECK(auth_lock_take(dir, "../x", 0, &a) == -EINVAL);
}

/* The guard holds the loader's open file description: the name stays owned
 * after the loader's own descriptor is closed (the loader died). */
TEST(lock_outlives_the_loader_in_its_guard)
{
	const char *dir = unit_path("run");
	int fd, other;
	pid_t guard;

	CHECK(auth_lock_take(dir, "stp_g", 0, &fd) == 0);
	guard = fork();
	CHECK(guard >= 0);
	if (guard == 0) {
		sleep(5);
		_exit(0);
	}
	close(fd);
	CHECK(auth_lock_take(dir, "stp_g", 0, &other) == -EBUSY);
	reap(guard);
	CHECK(auth_lock_take(dir, "stp_g", 0, &other) == 0);
	auth_lock_release(dir, "stp_g", other, 1);
}

/* A waiter that opened the file before its holder removed it must not take
 * the lock of the removed file: it takes the one now at the path. */
TEST(lock_never_held_on_a_removed_file)
{
	const char *dir = unit_path("run");
	int a, b, old;
	struct stat s1, s2;

	CHECK(auth_lock_take(dir, "stp_r", 0, &a) == 0);
	old = open(unit_path("run/stp_r.lock"), O_RDWR);
	CHECK(old >= 0);
	auth_lock_release(dir, "stp_r", a, 1);
	CHECK(auth_lock_take(dir, "stp_r", 0, &b) == 0);
	CHECK(fstat(b, &s1) == 0 && stat(unit_path("run/stp_r.lock"), &s2) == 0);
	CHECK(s1.st_ino == s2.st_ino && s1.st_nlink == 1);
	close(old);
	auth_lock_release(dir, "stp_r", b, 1);
}

TEST(run_dir_is_root_group_and_not_writable_by_others)
{
	struct stat st;

	CHECK(auth_run_dir(unit_path("rd")) == 0);
	CHECK(stat(unit_path("rd"), &st) == 0 && (st.st_mode & 07777) == 0755);
	if (geteuid() == 0) {
		/* a setuid process creates with the caller's group: given back */
		CHECK(chown(unit_path("rd"), 0, 1000) == 0);
		CHECK(auth_run_dir(unit_path("rd")) == 0);
		CHECK(stat(unit_path("rd"), &st) == 0 && st.st_gid == 0);
	}
	CHECK(chmod(unit_path("rd"), 0775) == 0);
	CHECK(auth_run_dir(unit_path("rd")) == -EPERM);
}

struct calls {
	int exits, unloads, unload_rc;
	pid_t run; /* ended by request_exit when set */
};

static void fake_exit(void *arg, const char *name)
{
	struct calls *c = arg;

	(void)name;
	c->exits++;
	if (c->run > 0)
		kill(c->run, SIGTERM);
}

static int fake_unload(void *arg, const char *name, char *err, size_t errlen)
{
	struct calls *c = arg;

	snprintf(err, errlen, "%s: fake unload %d", name, c->unload_rc);
	c->unloads++;
	return c->unload_rc;
}

/* rundir record + sysmod/<name>/parameters/_stp_uid, both saying uid. */
static int fixture(const char *name, uid_t uid)
{
	struct auth_record r = {.uid = uid};
	char p[512], v[32];

	snprintf(r.module, sizeof r.module, "%s", name);
	if (auth_record_write(unit_path("run"), &r) < 0)
		return -1;
	snprintf(p, sizeof p, "mkdir -p '%s/%s/parameters'", unit_path("sys"), name);
	if (system(p) != 0)
		return -1;
	snprintf(p, sizeof p, "%s/%s/parameters/_stp_uid", unit_path("sys"), name);
	snprintf(v, sizeof v, "%u\n", (unsigned)uid);
	return put(p, v);
}

static int unload(const char *name, struct calls *c, int wait_ms, int *by_run, char *err)
{
	struct auth_unload_ops ops = {
	    .rundir = unit_path("run"),
	    .sysmod = unit_path("sys"),
	    .procdir = unit_path("proc"),
	    .wait_ms = wait_ms,
	    .request_exit = fake_exit,
	    .unload = fake_unload,
	    .arg = c,
	};

	return auth_unload_locked(&ops, name, 1000, by_run, err, 256);
}

/* The review's attack: alice's loader is stopped holding the name; -d must
 * not unload it behind its back (the run would later unload a namesake
 * loaded since by someone else).  It asks the run to end, waits, refuses. */
TEST(unload_never_takes_a_name_a_live_run_holds)
{
	struct calls c = {0};
	char err[256];
	int by_run;
	pid_t run;
	struct stat st;

	CHECK(fixture("stp_held", 1000) == 0);
	run = run_holding(unit_path("run"), "stp_held");
	CHECK(run > 0);
	kill(run, SIGSTOP); /* a stopped run ends nothing */
	CHECK(unload("stp_held", &c, 300, &by_run, err) == -EBUSY);
	CHECK(strstr(err, "did not end"));
	CHECK(c.exits == 1 && c.unloads == 0);
	CHECK(stat(unit_path("run/stp_held"), &st) == 0);
	reap(run);
}

/* A live run asked to end ends by itself: -d then finds nothing to do. */
TEST(unload_of_a_live_run_lets_the_run_unload)
{
	struct calls c = {0};
	char err[256];
	int by_run = 0;

	CHECK(fixture("stp_live", 1000) == 0);
	c.run = run_holding(unit_path("run"), "stp_live");
	CHECK(c.run > 0);
	CHECK(unload("stp_live", &c, 5000, &by_run, err) == 0);
	CHECK(by_run == 1 && c.exits == 1 && c.unloads == 0);
	reap(c.run);
}

TEST(unload_under_the_lock_and_busy_keeps_the_record)
{
	struct calls c = {0};
	char err[256];
	int by_run;
	struct stat st;

	CHECK(fixture("stp_free", 1000) == 0);
	c.unload_rc = -EBUSY;
	CHECK(unload("stp_free", &c, 0, &by_run, err) == -EBUSY);
	CHECK(c.unloads == 1 && c.exits == 0 && by_run == 0);
	/* still loaded: record and lock file stay, for -d and status */
	CHECK(stat(unit_path("run/stp_free"), &st) == 0);
	CHECK(stat(unit_path("run/stp_free.lock"), &st) == 0);
	c.unload_rc = 0;
	CHECK(unload("stp_free", &c, 0, &by_run, err) == 0);
	CHECK(c.unloads == 2);
	CHECK(stat(unit_path("run/stp_free"), &st) < 0 && errno == ENOENT);
	CHECK(stat(unit_path("run/stp_free.lock"), &st) < 0 && errno == ENOENT);
}

TEST(unload_of_another_users_name_touches_no_lock)
{
	struct calls c = {0};
	char err[256];
	int by_run;
	struct stat st;

	CHECK(fixture("stp_bob", 1001) == 0);
	CHECK(unload("stp_bob", &c, 0, &by_run, err) == -EPERM);
	CHECK(strstr(err, "another user"));
	CHECK(c.unloads == 0 && c.exits == 0);
	CHECK(stat(unit_path("run/stp_bob.lock"), &st) < 0);
}

static int n_logged, n_failed;
static void count_log(void *arg, const struct auth_record *r, const char *err)
{
	(void)arg;
	(void)r;
	n_logged++;
	n_failed += err != NULL;
}

static int reconcile(struct calls *c)
{
	struct auth_unload_ops ops = {
	    .rundir = unit_path("run"),
	    .sysmod = unit_path("sys"),
	    .procdir = unit_path("proc"),
	    .unload = fake_unload,
	    .arg = c,
	};

	return auth_reconcile(&ops, count_log);
}

/* MUST 13: what a run whose loader and guard both died left behind is
 * finished at the next start; a live run's record is left alone. */
TEST(reconcile_finishes_dead_runs_only)
{
	struct calls c = {0};
	struct stat st;
	pid_t live;

	CHECK(fixture("stp_leaked", 1000) == 0);
	CHECK(fixture("stp_alive", 1000) == 0);
	live = run_holding(unit_path("run"), "stp_alive");
	CHECK(live > 0);
	n_logged = n_failed = 0;
	CHECK(reconcile(&c) == 1);
	CHECK(c.unloads == 1 && n_logged == 1 && n_failed == 0);
	CHECK(stat(unit_path("run/stp_leaked"), &st) < 0 && errno == ENOENT);
	CHECK(stat(unit_path("run/stp_alive"), &st) == 0);
	reap(live);
	/* a module that would not go keeps its record (and says why) */
	CHECK(fixture("stp_stuck", 1000) == 0);
	c.unload_rc = -EBUSY;
	n_logged = n_failed = 0;
	CHECK(reconcile(&c) == 2);
	CHECK(n_failed == 2);
	CHECK(stat(unit_path("run/stp_stuck"), &st) == 0);
}

TEST(cgroup_absent_is_nothing_to_do)
{
	char err[128];

	CHECK(auth_cgroup_enter(unit_tmpdir(), err, sizeof err) == 0);
}

TEST(loads_counted_from_records)
{
	unsigned mine = 9, total = 9;
	int fd;

	CHECK(auth_loads_count(unit_path("none"), 1000, &mine, &total) == 0);
	CHECK(mine == 0 && total == 0);
	CHECK(fixture("stp_a1", 1000) == 0 && fixture("stp_a2", 1000) == 0);
	CHECK(fixture("stp_b1", 1001) == 0);
	/* lock files and the count lock are no records */
	CHECK(auth_count_lock(unit_path("run"), &fd) == 0);
	CHECK(auth_lock_take(unit_path("run"), "stp_a1", 0, &fd) == 0);
	CHECK(auth_loads_count(unit_path("run"), 1000, &mine, &total) == 0);
	CHECK(mine == 2 && total == 3);
}
