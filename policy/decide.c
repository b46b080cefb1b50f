#include "policy/policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), so no TZ or libc locale is involved. */
static long days_from_civil(long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

static int digits(const char *s, int n, unsigned *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*out = *out * 10 + (unsigned)(s[i] - '0');
	}
	return 0;
}

static unsigned month_days(unsigned y, unsigned m)
{
	static const unsigned char md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return md[m - 1] + (m == 2 && leap);
}

/* YYYY-MM-DD (valid through that day, UTC) or YYYY-MM-DDTHH:MM:SSZ. */
int policy_parse_time(const char *s, time_t *out)
{
	unsigned y, mo, d, h = 0, mi = 0, se = 0;
	size_t n = strlen(s);
	long days;

	if ((n != 10 && n != 20) || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d))
		return -EINVAL;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo))
		return -EINVAL;
	days = days_from_civil(y, mo, d);
	if (n == 10) {
		*out = (time_t)(days + 1) * 86400;
		return 0;
	}
	if (s[10] != 'T' || digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &se) || s[19] != 'Z' || h > 23 || mi > 59 || se > 59)
		return -EINVAL;
	*out = (time_t)days * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}

const struct policy_rule *policy_find(const struct policy *p, enum policy_kind kind,
				      const unsigned char digest[DIGEST_LEN])
{
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].kind == kind && !memcmp(p->rules[i].digest, digest, DIGEST_LEN))
			return &p->rules[i];
	return NULL;
}

static int in_list(char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

static void say(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

static int user_matches(const struct policy_rule *r, const struct policy_user *u)
{
	if (!r->users && !r->groups)
		return 1;
	if (!u || !u->name)
		return 0;
	if (r->users && in_list(r->users, r->nusers, u->name))
		return 1;
	for (size_t i = 0; r->groups && i < u->ngroups; i++)
		if (in_list(r->groups, r->ngroups, u->groups[i]))
			return 1;
	return 0;
}

/*
 * 0 when r grants rq; otherwise how far it got (1 user, 2 expiry, 3 a
 * parameter) with the reason in why, so that a denial can quote the line
 * that came closest: "expired" says more than "not in users=" of a line
 * meant for someone else.
 */
static int rule_refuses(const struct policy_rule *r, const struct policy_request *rq, char *why,
			size_t n)
{
	if (!user_matches(r, rq->user)) {
		say(why, n, "user %s is not in users= or groups=",
		    rq->user && rq->user->name ? rq->user->name : "(unknown)");
		return 1;
	}
	if (r->has_expires && rq->now >= r->expires) {
		struct tm tm;
		char when[32] = "?";
		time_t t = r->expires;
		if (gmtime_r(&t, &tm))
			strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		say(why, n, "approval expired at %s", when);
		return 2;
	}
	for (size_t i = 0; i < rq->nparams; i++) {
		const char *pm = rq->params[i];
		if (strncmp(pm, "_stp_", 5) == 0) {
			say(why, n, "parameter %.64s is internal and cannot be set", pm);
			return 3;
		}
		if (!r->params_all && !in_list(r->params, r->nparams, pm)) {
			say(why, n, "parameter %.64s is not allowed by params=", pm);
			return 3;
		}
	}
	return 0;
}

static void decided(struct policy_decision *d, int allow, const struct policy_rule *r)
{
	d->allow = allow;
	d->line = r ? r->line : 0;
	d->line_text = r ? r->text : NULL;
}

static int rule_applies(const struct policy_rule *r, const struct policy_request *rq)
{
	if (r->kind == POLICY_DIGEST)
		return !memcmp(r->digest, rq->digest, DIGEST_LEN);
	if (r->kind == POLICY_SIGNER)
		return rq->signer && !memcmp(r->digest, rq->signer, DIGEST_LEN);
	return 0;
}

int policy_decide(const struct policy *p, const struct policy_request *rq,
		  struct policy_decision *d)
{
	const struct policy_rule *closest = NULL, *grant = NULL, *r;
	char hex[DIGEST_HEXLEN + 1], why[256] = "", cur[256];
	int best = 0;

	memset(d, 0, sizeof *d);
	digest_hex(rq->digest, DIGEST_LEN, hex);
	/* One pass: a revoke: line anywhere wins over every approval. */
	for (size_t i = 0; i < p->nrules; i++) {
		r = &p->rules[i];
		if (r->kind == POLICY_REVOKE) {
			if (!memcmp(r->digest, rq->digest, DIGEST_LEN)) {
				decided(d, 0, r);
				say(d->reason, sizeof d->reason, "sha256:%s is revoked", hex);
				return 0;
			}
			continue;
		}
		if (grant || !rule_applies(r, rq))
			continue;
		int how = rule_refuses(r, rq, cur, sizeof cur);
		if (how == 0) {
			grant = r;
		} else if (how > best) {
			best = how;
			closest = r;
			memcpy(why, cur, sizeof why);
		}
	}
	if (grant) {
		decided(d, 1, grant);
		say(d->reason, sizeof d->reason, "approved by its %s line",
		    grant->kind == POLICY_DIGEST ? "sha256:" : "signer:");
		return 1;
	}
	decided(d, 0, closest);
	if (closest)
		say(d->reason, sizeof d->reason, "%s", why);
	else
		say(d->reason, sizeof d->reason,
		    "sha256:%s is not approved (no sha256: line for it%s)", hex,
		    rq->signer ? " and no signer: line for its signer"
			       : ", nor a trusted signature");
	return 0;
}
