/* `stap-authorize log`: the history of approved loads from the Linux audit
 * trail staprun.auth writes (staprun-auth/kaudit.c).  Each grant is paired
 * with the record that ended its run (the next unload, reconcile or failed
 * load of the same module name: a name is one run's from init_module until
 * the module is gone), and with the kernel's own SYSCALL + KERN_MODULE
 * records of the module's load and unload when stapauth.rules had them
 * written.  The records come from `ausearch --raw` (which knows
 * auditd's log files and their rotation), or from a raw log given with
 * --input. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "authorize/authorize.h"
#include "lib/array.h"
#include "lib/number.h"

extern char **environ;

struct log_entry {
	long long start, end;	  /* end: -1 while no record ended it */
	long long kload, kunload; /* the kernel's records of them, or -1 */
	int pid;
	long long uid, auid;
	const char *how; /* how it ended: "unloaded", "reconciled", "load failed" */
	int shown;	 /* 0: left out by --since/--user, kept to take its end */
	char *acct, *module, *digest, *signer, *policy, *path;
};

struct log_state {
	const struct az *az;
	struct log_entry *v;
	size_t n, cap;
	size_t shown;		     /* entries shown */
	long long since;	     /* LLONG_MIN: all */
	unsigned long bad;	     /* malformed stapauth records */
	struct az_audit_kern sc, km; /* the last SYSCALL and KERN_MODULE */
};

static char *log_dup(const char *s)
{
	return s[0] ? strdup(s) : NULL;
}

static void log_entry_free(struct log_entry *e)
{
	free(e->acct);
	free(e->module);
	free(e->digest);
	free(e->signer);
	free(e->policy);
	free(e->path);
}

static int log_user_match(const struct az *az, const struct az_audit_rec *r)
{
	long long uid;

	if (!az->user)
		return 1;
	if (number_parse(az->user, 0, UINT_MAX, &uid) == 0)
		return r->uid == uid;
	return !strcmp(az->user, r->acct);
}

static int log_grant(struct log_state *st, const struct az_audit_rec *r)
{
	struct log_entry *e;

	if (array_grow(&st->v, &st->cap, st->n, sizeof *st->v, 64) < 0)
		return -ENOMEM;
	e = &st->v[st->n];
	memset(e, 0, sizeof *e);
	e->start = r->sec;
	e->end = -1;
	e->kload = e->kunload = -1;
	/* A load left out still takes its own end record, so that the end
	 * never goes to an older run of the same name (pids repeat). */
	if (r->sec < st->since || !log_user_match(st->az, r)) {
		e->module = log_dup(r->module);
		st->n++;
		return r->module[0] && !e->module ? -ENOMEM : 0;
	}
	e->shown = 1;
	st->shown++;
	e->pid = r->pid;
	e->uid = r->uid;
	e->auid = r->auid;
	e->acct = log_dup(r->acct);
	e->module = log_dup(r->module);
	e->digest = log_dup(r->digest);
	e->signer = log_dup(r->signer);
	e->policy = log_dup(r->policy);
	e->path = log_dup(r->path);
	st->n++;
	if ((r->acct[0] && !e->acct) || (r->module[0] && !e->module) ||
	    (r->digest[0] && !e->digest) || (r->signer[0] && !e->signer) ||
	    (r->policy[0] && !e->policy) || (r->path[0] && !e->path))
		return -ENOMEM;
	return 0;
}

static const char *log_end_kind(const struct az_audit_rec *r)
{
	if (!strcmp(r->op, "unload") && !strcmp(r->result, "done"))
		return "unloaded";
	if (!strcmp(r->op, "reconcile") && !strcmp(r->result, "done"))
		return "reconciled";
	if (!strcmp(r->op, "load") && !strcmp(r->result, "failed"))
		return "load failed";
	return NULL;
}

static void log_end(struct log_state *st, const struct az_audit_rec *r, const char *how)
{
	for (size_t i = st->n; i-- > 0;) {
		struct log_entry *e = &st->v[i];

		if (e->end < 0 && e->module && !strcmp(e->module, r->module)) {
			e->end = r->sec < e->start ? e->start : r->sec;
			e->how = how;
			return;
		}
	}
}

/* A successful init_module/delete_module of a module name (both records of
 * one event seen, in either order): the first after a grant of that name
 * is its load, the next its unload. */
static void log_kernel(struct log_state *st)
{
	if (st->sc.serial != st->km.serial || !st->sc.success || !st->km.name[0])
		return;
	for (size_t i = st->n; i-- > 0;) {
		struct log_entry *e = &st->v[i];

		if (!e->module || strcmp(e->module, st->km.name) != 0)
			continue;
		if (e->kload < 0)
			e->kload = st->km.sec;
		else if (e->kunload < 0)
			e->kunload = st->km.sec;
		break;
	}
	st->km.name[0] = '\0'; /* each pair counts once */
}

static void log_kernel_line(struct log_state *st, const char *line, size_t len)
{
	struct az_audit_kern k;

	if (az_audit_parse_kernel(line, len, &k) != 1)
		return;
	if (k.kind == AZ_KERN_SYSCALL)
		st->sc = k;
	else
		st->km = k;
	log_kernel(st);
}

static int log_line(struct log_state *st, const char *line, size_t len)
{
	struct az_audit_rec r;
	const char *how;
	int k = az_audit_parse_line(line, len, &r);

	if (k < 0)
		st->bad++;
	if (k == 0)
		log_kernel_line(st, line, len);
	if (k <= 0)
		return 0;
	if (!strcmp(r.op, "load") && !strcmp(r.result, "grant"))
		return log_grant(st, &r);
	how = log_end_kind(&r);
	if (how && r.module[0])
		log_end(st, &r, how);
	return 0;
}

static int log_read(struct log_state *st, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int e = 0;

	while (e == 0 && (n = getline(&line, &cap, f)) >= 0)
		e = log_line(st, line, (size_t)n);
	free(line);
	if (e == 0 && ferror(f))
		e = -EIO;
	return e;
}

/* ausearch --raw over auditd's own logs; its complaints go to a temporary
 * file so that "<no matches>" (status 1) is no error of ours. */
static int log_from_ausearch(struct log_state *st)
{
	char *argv[] = {"ausearch", "--input-logs", "--raw", "-m", "TRUSTED_APP,KERN_MODULE", NULL};
	posix_spawn_file_actions_t fa;
	FILE *err = tmpfile(), *out = NULL;
	int p[2] = {-1, -1}, status = 0, e = 0;
	char msg[512] = "";
	pid_t pid;

	if (!err || pipe2(p, O_CLOEXEC) < 0) {
		if (err)
			fclose(err);
		return az_err(st->az, "cannot run ausearch: %s", strerror(errno));
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fileno(err), 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	e = posix_spawnp(&pid, "ausearch", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (e) {
		close(p[0]);
		fclose(err);
		return az_err(st->az,
			      "cannot run ausearch (%s): install auditd, or give --input FILE",
			      strerror(e));
	}
	out = fdopen(p[0], "r");
	e = out ? log_read(st, out) : -errno;
	if (out)
		fclose(out);
	else
		close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	rewind(err);
	if (!fgets(msg, sizeof msg, err))
		msg[0] = '\0';
	fclose(err);
	msg[strcspn(msg, "\n")] = '\0';
	if (e < 0)
		return az_err(st->az, "reading ausearch's output: %s", strerror(-e));
	if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && strcmp(msg, "<no matches>") != 0))
		return az_err(st->az, "ausearch failed: %s", msg[0] ? msg : "(no message)");
	return 0;
}

static void log_when(long long t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;

	snprintf(out, outlen, "?");
	if (gmtime_r(&tt, &tm))
		strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void log_duration(const struct log_entry *e, char *out, size_t outlen)
{
	long long s = e->end - e->start;

	if (e->end < 0)
		snprintf(out, outlen, "-");
	else if (s < 60)
		snprintf(out, outlen, "%llds", s);
	else if (s < 3600)
		snprintf(out, outlen, "%lldm%02llds", s / 60, s % 60);
	else
		snprintf(out, outlen, "%lldh%02lldm%02llds", s / 3600, s / 60 % 60, s % 60);
}

/* For the table: printable ASCII as is, anything else as \xHH (the values
 * came from users and must not drive the admin's terminal). */
static void log_safe(const char *s, char *out, size_t outlen)
{
	size_t o = 0;

	for (; s && *s && o + 5 < outlen; s++) {
		unsigned char c = (unsigned char)*s;

		if (c > 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
	}
	if (o == 0 && outlen > 1)
		out[o++] = '-';
	out[o] = '\0';
}

static void log_table(const struct log_state *st)
{
	char when[32], dur[32], user[140], mod[140], dig[170], pol[820];

	printf("%-20s %-9s %-12s %-24s %-71s %-12s %-13s %s\n", "START (UTC)", "DURATION", "USER",
	       "MODULE", "DIGEST", "END", "KERNEL", "APPROVAL");
	for (size_t i = 0; i < st->n; i++) {
		const struct log_entry *e = &st->v[i];

		if (!e->shown)
			continue;
		log_when(e->start, when, sizeof when);
		log_duration(e, dur, sizeof dur);
		log_safe(e->acct, user, sizeof user);
		log_safe(e->module, mod, sizeof mod);
		log_safe(e->digest, dig, sizeof dig);
		log_safe(e->policy, pol, sizeof pol);
		printf("%-20s %-9s %-12s %-24s %-71s %-12s %-13s %s%s%s\n", when, dur, user, mod,
		       dig, e->how ? e->how : "no record",
		       e->kunload >= 0 ? "load+unload"
		       : e->kload >= 0 ? "load"
				       : "-",
		       pol, e->signer ? " signer " : "", e->signer ? e->signer : "");
	}
}

static void log_json_field(const char *key, const char *v)
{
	printf(",\"%s\":", key);
	if (v)
		az_json_str(stdout, v);
	else
		printf("null");
}

static void log_json(const struct log_state *st)
{
	char when[32];
	size_t k = 0;

	printf("[");
	for (size_t i = 0; i < st->n; i++) {
		const struct log_entry *e = &st->v[i];

		if (!e->shown)
			continue;
		log_when(e->start, when, sizeof when);
		printf("%s\n {\"start\":\"%s\",\"start_epoch\":%lld", k++ ? "," : "", when,
		       e->start);
		if (e->end >= 0) {
			log_when(e->end, when, sizeof when);
			printf(",\"end\":\"%s\",\"end_epoch\":%lld,\"seconds\":%lld", when, e->end,
			       e->end - e->start);
		} else {
			printf(",\"end\":null,\"end_epoch\":null,\"seconds\":null");
		}
		log_json_field("ended", e->how);
		log_json_field("user", e->acct);
		printf(",\"uid\":%lld,\"auid\":", e->uid);
		e->auid >= 0 ? printf("%lld", e->auid) : printf("null");
		printf(",\"pid\":%d", e->pid);
		log_json_field("module", e->module);
		log_json_field("digest", e->digest);
		log_json_field("signer", e->signer);
		log_json_field("approval", e->policy);
		log_json_field("path", e->path);
		printf(",\"kernel_load_epoch\":");
		e->kload >= 0 ? printf("%lld", e->kload) : printf("null");
		printf(",\"kernel_unload_epoch\":");
		e->kunload >= 0 ? printf("%lld", e->kunload) : printf("null");
		printf("}");
	}
	printf("%s]\n", st->shown ? "\n" : "");
}

static int log_since(struct log_state *st)
{
	time_t t;

	st->since = LLONG_MIN;
	if (!st->az->since)
		return 0;
	if (policy_parse_time(st->az->since, &t) < 0)
		return az_err(st->az, "--since %s: not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ",
			      st->az->since);
	/* a bare date means its start (policy_parse_time gives its end) */
	st->since = (long long)t - (strlen(st->az->since) == 10 ? 86400 : 0);
	return 0;
}

int az_cmd_log(struct az *az)
{
	struct log_state st = {.az = az};
	FILE *f;
	int r = log_since(&st);

	if (r)
		return r;
	if (az->input) {
		f = fopen(az->input, "re");
		if (!f)
			return az_err(az, "%s: %s", az->input, strerror(errno));
		r = log_read(&st, f);
		fclose(f);
		if (r < 0)
			r = az_err(az, "%s: %s", az->input, strerror(-r));
	} else {
		r = log_from_ausearch(&st);
	}
	if (r == 0) {
		if (st.bad)
			fprintf(stderr,
				"stap-authorize: log: warning: %lu malformed staprun.auth "
				"record%s skipped\n",
				st.bad, st.bad == 1 ? "" : "s");
		if (az->json)
			log_json(&st);
		else if (st.shown)
			log_table(&st);
		else
			fprintf(stderr,
				"stap-authorize: log: no approved load in the audit trail\n");
	}
	for (size_t i = 0; i < st.n; i++)
		log_entry_free(&st.v[i]);
	free(st.v);
	return r;
}
