/* The Linux audit records of staprun.auth (staprun-auth/kaudit.c) and their
 * reading back by stap-authorize log (authorize/auditlog.c): the fields, the
 * encoding of what users chose, and the round trip through a raw audit.log
 * line as auditd writes it.  No kernel audit subsystem is needed (the VM
 * case auth_audit proves the real one). */
#include "tests/unit/unit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "authorize/authorize.h"
#include "staprun-auth/auth.h"

#define DIG "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* strcmp that shows both sides when they differ (too long for CHECK_STR). */
static int same(const char *got, const char *want)
{
	if (!strcmp(got, want))
		return 1;
	fprintf(stderr, "#   got:  %s\n#   want: %s\n", got, want);
	return 0;
}

/* A raw line as the kernel + auditd (ENRICHED) write one for body. */
static void raw_line(const char *body, const char *res, char *out, size_t outlen)
{
	snprintf(out, outlen,
		 "type=TRUSTED_APP msg=audit(1795000000.250:77): pid=4242 uid=1000 "
		 "auid=4294967295 ses=4294967295 subj=unconfined msg='%s "
		 "exe=\"/usr/sbin/staprun.auth\" hostname=? addr=? terminal=? res=%s'"
		 "\x1dUID=\"alice\" AUID=\"unset\"\n",
		 body, res);
}

TEST(kaudit_format_fields_and_encoding)
{
	char *params[] = {"lines=3"};
	struct auth_audit a = {
	    .event = "load",
	    .result = "grant",
	    .user = "alice",
	    .uid = 1000,
	    .path = "/home/alice/my mod.ko",
	    .name = "stp_m_u1000_42",
	    .digest = DIG,
	    .line = "/etc/systemtap/authorized_probes:3",
	    .params = params,
	    .nparams = 1,
	};
	char out[4096];

	CHECK(auth_kaudit_format(&a, out, sizeof out) == 0);
	CHECK(same(out, "op=stapauth-load result=grant acct=\"alice\" module=\"stp_m_u1000_42\" "
			"digest=\"" DIG "\" signer=? "
			"policy=\"/etc/systemtap/authorized_probes:3\" "
			"path=2F686F6D652F616C6963652F6D79206D6F642E6B6F reason=?"));
	CHECK(auth_kaudit_success("grant") && auth_kaudit_success("done"));
	CHECK(!auth_kaudit_success("refused") && !auth_kaudit_success("failed"));
	/* too small: refused whole, never a cut field */
	CHECK(auth_kaudit_format(&a, out, 40) == -ENOSPC);
}

TEST(kaudit_user_strings_cannot_make_fields)
{
	struct auth_audit a = {
	    .event = "load",
	    .result = "refused",
	    .user = "alice",
	    .path = "/tmp/x.ko' res=success digest=\"sha256:00\" \n",
	    .reason = "a \"quoted\" reason",
	};
	char out[4096], line[8192];
	struct az_audit_rec r;

	CHECK(auth_kaudit_format(&a, out, sizeof out) == 0);
	CHECK(!strchr(out, '\n') && !strchr(out, '\''));
	CHECK(strstr(out, " path=2F746D702F782E6B6F2720"));
	CHECK(strstr(out, " digest=? "));
	raw_line(out, "failed", line, sizeof line);
	CHECK(az_audit_parse_line(line, strlen(line), &r) == 1);
	CHECK(!strcmp(r.path, a.path));
	CHECK(!strcmp(r.reason, a.reason));
	CHECK_STR(r.digest, "");
	CHECK_STR(r.result, "refused");
}

TEST(kaudit_round_trip_through_a_raw_line)
{
	struct auth_audit a = {
	    .event = "unload",
	    .result = "done",
	    .user = "alice",
	    .name = "stp_m_u1000_42",
	    .digest = DIG,
	    .signer = DIG,
	    .line = "/etc/systemtap/authorized_probes:3",
	};
	char out[4096], line[8192];
	struct az_audit_rec r;

	CHECK(auth_kaudit_format(&a, out, sizeof out) == 0);
	raw_line(out, "success", line, sizeof line);
	CHECK(az_audit_parse_line(line, strlen(line), &r) == 1);
	CHECK(r.sec == 1795000000 && r.pid == 4242 && r.uid == 1000 && r.auid == -1);
	CHECK_STR(r.op, "unload");
	CHECK_STR(r.result, "done");
	CHECK_STR(r.acct, "alice");
	CHECK_STR(r.module, "stp_m_u1000_42");
	CHECK_STR(r.digest, DIG);
	CHECK_STR(r.signer, DIG);
	CHECK(!strcmp(r.policy, "/etc/systemtap/authorized_probes:3"));
	CHECK(!strcmp(r.path, ""));
	/* with node= in front (name_format), and without the enriched tail */
	snprintf(line, sizeof line,
		 "node=h1 type=TRUSTED_APP msg=audit(5.000:1): pid=1 uid=0 auid=0 ses=1 msg='%s "
		 "res=success'",
		 out);
	CHECK(az_audit_parse_line(line, strlen(line), &r) == 1);
	CHECK(r.sec == 5 && r.uid == 0 && r.auid == 0);
}

TEST(auditlog_other_and_malformed_lines)
{
	static const char *other[] = {
	    "",
	    "type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=175 pid=1 uid=0 key=\"x\"",
	    "type=KERN_MODULE msg=audit(1.0:1): name=\"stp\"",
	    "type=TRUSTED_APP msg=audit(1.0:1): pid=1 uid=0 msg='op=other-thing res=success'",
	    "type=USER_START msg=audit(1.0:1): pid=1 uid=0 msg='op=stapauth-load res=success'",
	};
	static const char *bad[] = {
	    /* no time */
	    "type=TRUSTED_APP msg=audit(x): pid=1 uid=0 msg='op=stapauth-load result=grant "
	    "acct=? module=? digest=? signer=? policy=? path=? reason=? res=success'",
	    /* a field missing */
	    "type=TRUSTED_APP msg=audit(1.0:1): pid=1 uid=0 msg='op=stapauth-load result=grant "
	    "acct=? module=? digest=? signer=? policy=? path=? res=success'",
	    /* odd hex, lower-case hex, an embedded NUL */
	    "type=TRUSTED_APP msg=audit(1.0:1): pid=1 uid=0 msg='op=stapauth-load result=grant "
	    "acct=ABC module=? digest=? signer=? policy=? path=? reason=? res=success'",
	    "type=TRUSTED_APP msg=audit(1.0:1): pid=1 uid=0 msg='op=stapauth-load result=grant "
	    "acct=6a6b module=? digest=? signer=? policy=? path=? reason=? res=success'",
	    "type=TRUSTED_APP msg=audit(1.0:1): pid=1 uid=0 msg='op=stapauth-load result=grant "
	    "acct=610062 module=? digest=? signer=? policy=? path=? reason=? res=success'",
	    /* no uid */
	    "type=TRUSTED_APP msg=audit(1.0:1): pid=1 msg='op=stapauth-load result=grant "
	    "acct=? module=? digest=? signer=? policy=? path=? reason=? res=success'",
	    /* a result that is not a bare word */
	    "type=TRUSTED_APP msg=audit(1.0:1): pid=1 uid=0 msg='op=stapauth-load result=\"g\" "
	    "acct=? module=? digest=? signer=? policy=? path=? reason=? res=success'",
	};
	struct az_audit_rec r;

	for (size_t i = 0; i < sizeof other / sizeof *other; i++)
		CHECK(az_audit_parse_line(other[i], strlen(other[i]), &r) == 0);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK(az_audit_parse_line(bad[i], strlen(bad[i]), &r) == -EBADMSG);
}

TEST(auditlog_kernel_records)
{
	static const char sc[] =
	    "type=SYSCALL msg=audit(1795000001.000:11): arch=c000003e syscall=175 success=yes "
	    "exit=0 a0=7f a1=10 items=0 ppid=1 pid=4242 auid=1000 uid=1000 euid=0 "
	    "comm=\"staprun.auth\" exe=\"/usr/sbin/staprun.auth\" key=\"stapauth\"\x1d"
	    "ARCH=x86_64 SYSCALL=init_module\n";
	static const char km[] =
	    "node=h1 type=KERN_MODULE msg=audit(1795000001.000:11): name=\"stp_a_u1000_4242\"\n";
	static const char km_hex[] = "type=KERN_MODULE msg=audit(7.000:12): name=6120622E6B6F";
	static const char failed[] =
	    "type=SYSCALL msg=audit(7.000:13): arch=c000003e syscall=175 success=no exit=-17 "
	    "ppid=1 pid=9 uid=0";
	static const char *bad[] = {
	    "type=KERN_MODULE msg=audit(7.000): name=\"x\"",
	    "type=KERN_MODULE msg=audit(7.000:12): name=?",
	    "type=KERN_MODULE msg=audit(7.000:12): name=ABC",
	    "type=SYSCALL msg=audit(7.000:13): arch=c000003e syscall=175 success=yes",
	};
	struct az_audit_kern k;

	CHECK(az_audit_parse_kernel(sc, strlen(sc), &k) == 1);
	CHECK(k.kind == AZ_KERN_SYSCALL && k.serial == 11 && k.sec == 1795000001);
	CHECK(k.pid == 4242 && k.success == 1);
	CHECK(az_audit_parse_kernel(km, strlen(km), &k) == 1);
	CHECK(k.kind == AZ_KERN_MODULE && k.serial == 11);
	CHECK_STR(k.name, "stp_a_u1000_4242");
	CHECK(az_audit_parse_kernel(km_hex, strlen(km_hex), &k) == 1);
	CHECK_STR(k.name, "a b.ko");
	CHECK(az_audit_parse_kernel(failed, strlen(failed), &k) == 1);
	CHECK(k.success == 0 && k.pid == 9);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK(az_audit_parse_kernel(bad[i], strlen(bad[i]), &k) == -EBADMSG);
	CHECK(az_audit_parse_kernel("type=PROCTITLE msg=audit(7.000:13): proctitle=6162", 50, &k) ==
	      0);
}
