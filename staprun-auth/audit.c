/* Every decision, grant or refusal, and every unload goes to syslog
 * LOG_AUTHPRIV (MUST 10).  User-supplied strings (path, parameters, command,
 * the user's own name) are encoded and never used as a format. */
#include "staprun-auth/auth.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

void auth_audit_encode(const char *s, char *out, size_t outlen)
{
	size_t o = 0;

	if (!outlen)
		return;
	if (!s)
		s = "-";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		size_t need = (c > 0x20 && c < 0x7f && c != '"' && c != '\\') ? 1 : 4;

		if (o + need + 4 > outlen) { /* room for "..." and NUL */
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (need == 1)
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
	}
	out[o] = '\0';
}

/* Append ` key="encoded"` to out. */
static void audit_field(char *out, size_t outlen, const char *key, const char *val)
{
	char enc[1024];
	size_t o = strlen(out);

	auth_audit_encode(val, enc, sizeof enc);
	if (o < outlen)
		snprintf(out + o, outlen - o, " %s=\"%s\"", key, enc);
}

static void audit_params(char *out, size_t outlen, char *const *params, int n)
{
	char joined[1024];
	size_t o = 0;
	int i;

	joined[0] = '\0';
	for (i = 0; i < n && o + 1 < sizeof joined; i++) {
		int w = snprintf(joined + o, sizeof joined - o, "%s%s", i ? " " : "", params[i]);

		if (w < 0)
			break;
		o += (size_t)w;
	}
	audit_field(out, outlen, "params", joined);
}

void auth_audit_format(const struct auth_audit *a, char *out, size_t outlen)
{
	char uid[32];

	snprintf(uid, sizeof uid, "%u", (unsigned)a->uid);
	snprintf(out, outlen, "%s %s:", a->event, a->result);
	audit_field(out, outlen, "user", a->user);
	audit_field(out, outlen, "uid", uid);
	audit_field(out, outlen, "path", a->path);
	audit_field(out, outlen, "module", a->name);
	audit_field(out, outlen, "digest", a->digest);
	audit_field(out, outlen, "signer", a->signer);
	audit_field(out, outlen, "line", a->line);
	audit_params(out, outlen, a->params, a->nparams);
	audit_field(out, outlen, "cmd", a->cmd);
	audit_field(out, outlen, "reason", a->reason);
}

void auth_audit_log(const struct auth_audit *a)
{
	char line[4096];
	int prio =
	    !strcmp(a->result, "grant") || !strcmp(a->result, "done") ? LOG_NOTICE : LOG_WARNING;

	auth_audit_format(a, line, sizeof line);
	openlog("staprun.auth", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
	/* MUST 10: the record is data, never a format. */
	syslog(LOG_AUTHPRIV | prio, "%s", line);
	closelog();
}
