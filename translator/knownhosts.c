/* known_hosts(5) parser (format: knownhosts.h).  The text is the user's
 * own or a file concatenated from many machines; every value that later
 * reaches ssh or a path is checked here, so a host never starts with '-'
 * and a name never holds a blank. */
#include "translator/knownhosts.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/array.h"
#include "lib/number.h"
#include "lib/readfile.h"

#define KH_VALUE_MAX 4096

/* One line being parsed: where it is and the errors found so far. */
struct kh_line {
	const char *path;
	unsigned line;
	struct strbuf *err;
	int nerr;
};

__attribute__((format(printf, 2, 3))) static void kh_error(struct kh_line *l, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sb_printf(l->err, "%s:%u: %s\n", l->path, l->line, msg);
	l->nerr++;
}

static int kh_charset(const char *s, const char *extra, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (c && strchr(extra, c))))
			return 0;
	}
	return 1;
}

int kh_valid_name(const char *s)
{
	/* '@' starts a group name (fleets), '-' would read as an option. */
	return kh_charset(s, "._-", 64) && s[0] != '-' && s[0] != '.';
}

/* group=NAME[,NAME...]: each a valid target name (@NAME in stap -T). */
static int kh_valid_groups(const char *s)
{
	char buf[KH_VALUE_MAX + 1], *save = NULL, *g;
	size_t n = strlen(s);

	if (n == 0 || n > KH_VALUE_MAX || s[0] == ',' || s[n - 1] == ',' || strstr(s, ",,"))
		return 0;
	memcpy(buf, s, n + 1);
	for (g = strtok_r(buf, ",", &save); g; g = strtok_r(NULL, ",", &save))
		if (!kh_valid_name(g))
			return 0;
	return 1;
}

int kh_in_group(const struct kh_record *r, const char *group)
{
	size_t n = strlen(group);

	for (const char *g = r->groups; g && *g; g += strcspn(g, ","), g += *g == ',')
		if (strncmp(g, group, n) == 0 && (g[n] == ',' || g[n] == 0))
			return 1;
	return 0;
}

static int kh_valid_release(const char *s)
{
	return kh_charset(s, "._+~-", 64) && s[0] != '-';
}

static int kh_valid_printable(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

static int kh_valid_hex(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 128 || n % 2)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

/* Host: a DNS name or IPv4 address, or an IPv6 address in brackets (kept
 * without them). */
static int kh_valid_host(const char *s)
{
	if (strchr(s, ':'))
		return kh_charset(s, ":.", 64);
	return kh_charset(s, ".-_", 253) && s[0] != '-' && s[0] != '.';
}

int kh_parse_destination(const char *s, struct kh_record *r, const char **why)
{
	const char *at = strchr(s, '@'), *h = at ? at + 1 : s, *end, *colon;
	long long port = 0;
	char *host;

	if (at) {
		char user[64];
		size_t n = (size_t)(at - s);
		if (n >= sizeof user)
			return *why = "user name too long", -1;
		memcpy(user, s, n);
		user[n] = 0;
		if (!kh_charset(user, "._-", 32) || user[0] == '-')
			return *why = "bad user name", -1;
		r->user = strdup(user);
	}
	if (*h == '[') {
		end = strchr(h, ']');
		if (!end)
			return *why = "unclosed '[' in the host", -1;
		host = strndup(h + 1, (size_t)(end - h - 1));
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return free(host), *why = "junk after ']'", -1;
	} else {
		colon = strchr(h, ':');
		host = colon ? strndup(h, (size_t)(colon - h)) : strdup(h);
	}
	if (!host || !kh_valid_host(host))
		return free(host), *why = "bad host name", -1;
	if (colon && number_parse(colon + 1, 1, 65535, &port) < 0)
		return free(host), *why = "bad port (1-65535)", -1;
	r->host = host;
	r->port = (int)port;
	return 0;
}

static const struct {
	const char *name;
	enum kh_exec exec;
} kh_modes[] = {
    {"auth", KH_AUTH},
    {"sudo", KH_SUDO},
    {"root", KH_ROOT},
};

static void kh_execute(struct kh_line *l, struct kh_record *r, const char *v)
{
	const char *why = NULL, *last;
	char *dest;
	size_t i;

	if (strcmp(v, "local") == 0) {
		r->exec = KH_LOCAL;
		return;
	}
	last = strrchr(v, ':');
	if (strncmp(v, "ssh:", 4) != 0 || !last || last < v + 4) {
		kh_error(l, "execute=%s: want local or ssh:[user@]host[:port]:auth|sudo|root", v);
		return;
	}
	for (i = 0; i < sizeof kh_modes / sizeof kh_modes[0]; i++)
		if (strcmp(last + 1, kh_modes[i].name) == 0)
			break;
	if (i == sizeof kh_modes / sizeof kh_modes[0]) {
		kh_error(l, "execute=: unknown mode '%s' (auth, sudo or root)", last + 1);
		return;
	}
	r->exec = kh_modes[i].exec;
	dest = strndup(v + 4, (size_t)(last - v - 4));
	if (!dest || kh_parse_destination(dest, r, &why) < 0)
		kh_error(l, "execute=: %s", why ? why : "out of memory");
	free(dest);
}

enum kh_kind { KH_RELEASE, KH_WORD, KH_PATH, KH_TEXT, KH_HEX, KH_YESNO, KH_EXECUTE, KH_GROUPS };

/* The keys: what each holds and how it is checked. */
static const struct kh_key {
	const char *name;
	enum kh_kind kind;
	size_t off; /* of the char * field; unused for execute and yes/no */
	int required;
} kh_keys[] = {
    {"execute", KH_EXECUTE, 0, 1},
    {"kernel", KH_RELEASE, offsetof(struct kh_record, kernel), 1},
    {"arch", KH_WORD, offsetof(struct kh_record, arch), 1},
    {"cpu", KH_WORD, offsetof(struct kh_record, cpu), 0},
    {"build", KH_PATH, offsetof(struct kh_record, build), 0},
    {"uname-v", KH_TEXT, offsetof(struct kh_record, uname_v), 0},
    {"build-id", KH_HEX, offsetof(struct kh_record, build_id), 0},
    {"sig-enforce", KH_YESNO, 0, 0},
    {"stapauth", KH_RELEASE, offsetof(struct kh_record, stapauth), 0},
    {"group", KH_GROUPS, offsetof(struct kh_record, groups), 0},
};
#define KH_NKEYS (sizeof kh_keys / sizeof kh_keys[0])

static const char *kh_check(enum kh_kind kind, const char *v)
{
	switch (kind) {
	case KH_RELEASE:
		return kh_valid_release(v) ? NULL : "letters, digits and ._+~- (at most 64)";
	case KH_WORD:
		return kh_charset(v, "_.-", 32) ? NULL : "letters, digits and _.- (at most 32)";
	case KH_PATH:
		return v[0] == '/' && kh_valid_printable(v, 4095) ? NULL
								  : "an absolute path, printable";
	case KH_TEXT:
		return kh_valid_printable(v, 64) ? NULL : "printable text (at most 64)";
	case KH_HEX:
		return kh_valid_hex(v) ? NULL : "lowercase hex, 2 to 128 digits";
	case KH_YESNO:
		return strcmp(v, "yes") == 0 || strcmp(v, "no") == 0 ? NULL : "yes or no";
	case KH_EXECUTE:
		return NULL;
	case KH_GROUPS:
		return kh_valid_groups(v)
			   ? NULL
			   : "group names (letters, digits and ._-), comma-separated";
	}
	return "?";
}

static void kh_set(struct kh_line *l, struct kh_record *r, const char *key, const char *v,
		   unsigned *seen)
{
	size_t i;
	const char *why;

	for (i = 0; i < KH_NKEYS; i++)
		if (strcmp(kh_keys[i].name, key) == 0)
			break;
	if (i == KH_NKEYS) {
		kh_error(l, "unknown key '%.64s'", key);
		return;
	}
	if (*seen & (1u << i)) {
		kh_error(l, "%s= given twice", key);
		return;
	}
	*seen |= 1u << i;
	if ((why = kh_check(kh_keys[i].kind, v))) {
		kh_error(l, "%s=%.64s: want %s", key, v, why);
		return;
	}
	if (kh_keys[i].kind == KH_EXECUTE)
		kh_execute(l, r, v);
	else if (kh_keys[i].kind == KH_YESNO)
		r->sig_enforce = v[0] == 'y' ? KH_SIG_YES : KH_SIG_NO;
	else
		*(char **)((char *)r + kh_keys[i].off) = strdup(v);
}

/* The next word of the line at *p: bare, or with a double-quoted value
 * part ("\"" and "\\" escapes).  Stops at a '#' outside quotes.  1 with
 * the word in buf, 0 at the end of the line, -1 after an error. */
static int kh_word(struct kh_line *l, const char **p, const char *end, char *buf, size_t size)
{
	const char *s = *p;
	size_t n = 0;
	int quoted = 0;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == end || *s == '#')
		return *p = s, 0;
	for (; s < end && (quoted || (*s != ' ' && *s != '\t' && *s != '#')); s++) {
		char c = *s;
		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted && c == '\\' && s + 1 < end && (s[1] == '"' || s[1] == '\\'))
			c = *++s;
		if (n + 1 >= size) {
			kh_error(l, "word longer than %zu bytes", size - 1);
			return -1;
		}
		buf[n++] = c;
	}
	if (quoted) {
		kh_error(l, "unclosed '\"'");
		return -1;
	}
	buf[n] = 0;
	*p = s;
	return 1;
}

static void kh_names(struct kh_line *l, struct kh_record *r, char *word)
{
	char *save = NULL, *n;
	size_t cap = 0;

	if (strchr(word, '=')) {
		kh_error(l, "a line starts with the target's NAME, not '%.64s'", word);
		return;
	}
	for (n = strtok_r(word, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
		if (!kh_valid_name(n)) {
			kh_error(l, "bad target name '%.64s' (letters, digits and ._-)", n);
			continue;
		}
		if (array_grow(&r->names, &cap, r->nnames, sizeof *r->names, 2) < 0)
			return;
		r->names[r->nnames++] = strdup(n);
	}
	if (!r->nnames && !l->nerr)
		kh_error(l, "no target name");
}

/* Parse one line into r.  0 for a blank or comment line, 1 for a record. */
static int kh_line_parse(struct kh_line *l, const char *s, const char *end, struct kh_record *r)
{
	char *buf = malloc(KH_VALUE_MAX + 1), *eq;
	unsigned seen = 0;
	int first = 1, w, before = l->nerr;

	if (!buf)
		return -1;
	while ((w = kh_word(l, &s, end, buf, KH_VALUE_MAX + 1)) > 0) {
		if (first) {
			kh_names(l, r, buf);
			first = 0;
			continue;
		}
		eq = strchr(buf, '=');
		if (!eq) {
			kh_error(l, "'%.64s' is not KEY=VALUE", buf);
			continue;
		}
		*eq = 0;
		kh_set(l, r, buf, eq + 1, &seen);
	}
	free(buf);
	if (first && w == 0)
		return 0;
	for (size_t i = 0; w == 0 && i < KH_NKEYS; i++)
		if (kh_keys[i].required && !(seen & (1u << i)))
			kh_error(l, "%s= is missing", kh_keys[i].name);
	return l->nerr == before ? 1 : 0;
}

void kh_record_free(struct kh_record *r)
{
	for (size_t i = 0; i < r->nnames; i++)
		free(r->names[i]);
	free(r->names);
	free(r->user);
	free(r->host);
	free(r->kernel);
	free(r->arch);
	free(r->cpu);
	free(r->build);
	free(r->uname_v);
	free(r->build_id);
	free(r->stapauth);
	free(r->groups);
	memset(r, 0, sizeof *r);
}

/* A name defined twice in one file is an error: which line is meant? */
static void kh_check_duplicates(struct kh_line *l, const struct known_hosts *kh, size_t from,
				const struct kh_record *r)
{
	for (size_t i = from; i < kh->n; i++)
		for (size_t a = 0; a < kh->v[i].nnames; a++)
			for (size_t b = 0; b < r->nnames; b++)
				if (strcmp(kh->v[i].names[a], r->names[b]) == 0)
					kh_error(l, "target '%s' is already defined on line %u",
						 r->names[b], kh->v[i].line);
}

static const char *kh_keep_path(struct known_hosts *kh, const char *path)
{
	char *p;

	if (kh->nfiles && strcmp(kh->files[kh->nfiles - 1], path) == 0)
		return kh->files[kh->nfiles - 1];
	if (array_grow(&kh->files, &kh->files_cap, kh->nfiles, sizeof *kh->files, 2) < 0 ||
	    !(p = strdup(path)))
		return NULL;
	kh->files[kh->nfiles++] = p;
	return p;
}

static void kh_truncate(struct known_hosts *kh, size_t n)
{
	while (kh->n > n)
		kh_record_free(&kh->v[--kh->n]);
}

int kh_parse(struct known_hosts *kh, const char *path, const char *text, size_t len,
	     struct strbuf *err)
{
	struct kh_line l = {path, 0, err, 0};
	const char *s = text, *end = text + len, *nl, *kept = kh_keep_path(kh, path);
	size_t from = kh->n;

	if (!kept)
		return -ENOMEM;
	if (memchr(text, 0, len)) {
		sb_printf(err, "%s: holds a NUL byte; not a known_hosts file\n", path);
		return 1;
	}
	while (s < end) {
		struct kh_record r = {0};
		int before = l.nerr;

		nl = memchr(s, '\n', (size_t)(end - s));
		l.line++;
		int got = kh_line_parse(&l, s, nl ? nl : end, &r);
		if (got > 0)
			kh_check_duplicates(&l, kh, from, &r);
		if (got > 0 && l.nerr == before &&
		    array_grow(&kh->v, &kh->cap, kh->n, sizeof *kh->v, 8) == 0) {
			r.file = kept;
			r.line = l.line;
			kh->v[kh->n++] = r;
		} else {
			kh_record_free(&r);
		}
		s = nl ? nl + 1 : end;
	}
	if (err->oom)
		l.nerr++;
	if (l.nerr)
		kh_truncate(kh, from);
	return l.nerr;
}

int kh_load_file(struct known_hosts *kh, const char *path, struct strbuf *err)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int r = readfile_path(path, KH_FILE_MAX, &buf, &len);

	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		sb_printf(err, "%s: %s\n", path, readfile_strerror(r));
		return 1;
	}
	r = kh_parse(kh, path, (const char *)buf, len, err);
	free(buf);
	return r;
}

char *kh_user_path(void)
{
	const char *dir = getenv("SYSTEMTAP_DIR"), *home = getenv("HOME");
	struct passwd *pw;
	char *p = NULL;

	if (dir && *dir)
		return asprintf(&p, "%s/known_hosts", dir) < 0 ? NULL : p;
	if (!home || !*home)
		home = (pw = getpwuid(getuid())) ? pw->pw_dir : NULL;
	if (!home)
		return NULL;
	return asprintf(&p, "%s/.systemtap/known_hosts", home) < 0 ? NULL : p;
}

int kh_load_default(struct known_hosts *kh, struct strbuf *err)
{
	char *user = kh_user_path();
	const char *sys = getenv("STAPAUTH_KNOWN_HOSTS_SYSTEM"); /* tests */
	int r = 0;

	if (user)
		r = kh_load_file(kh, user, err);
	free(user);
	if (r == 0)
		r = kh_load_file(kh, sys && *sys ? sys : KH_SYSTEM_PATH, err);
	return r;
}

const struct kh_record *kh_find(const struct known_hosts *kh, const char *name)
{
	for (size_t i = 0; i < kh->n; i++)
		for (size_t j = 0; j < kh->v[i].nnames; j++)
			if (strcmp(kh->v[i].names[j], name) == 0)
				return &kh->v[i];
	return NULL;
}

void kh_free(struct known_hosts *kh)
{
	kh_truncate(kh, 0);
	free(kh->v);
	for (size_t i = 0; i < kh->nfiles; i++)
		free(kh->files[i]);
	free(kh->files);
	memset(kh, 0, sizeof *kh);
}

void kh_format_execute(const struct kh_record *r, struct strbuf *out)
{
	if (r->exec == KH_LOCAL) {
		sb_puts(out, "local");
		return;
	}
	sb_puts(out, "ssh:");
	if (r->user)
		sb_printf(out, "%s@", r->user);
	sb_printf(out, strchr(r->host, ':') ? "[%s]" : "%s", r->host);
	if (r->port)
		sb_printf(out, ":%d", r->port);
	for (size_t i = 0; i < sizeof kh_modes / sizeof kh_modes[0]; i++)
		if (kh_modes[i].exec == r->exec)
			sb_printf(out, ":%s", kh_modes[i].name);
}

static void kh_format_value(struct strbuf *out, const char *key, const char *v)
{
	if (!v)
		return;
	sb_printf(out, " %s=", key);
	if (!strpbrk(v, " \t\"#\\")) {
		sb_puts(out, v);
		return;
	}
	sb_puts(out, "\"");
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			sb_puts(out, "\\");
		sb_putn(out, v, 1);
	}
	sb_puts(out, "\"");
}

void kh_format(const struct kh_record *r, struct strbuf *out)
{
	for (size_t i = 0; i < r->nnames; i++)
		sb_printf(out, "%s%s", i ? "," : "", r->names[i]);
	sb_puts(out, " execute=");
	kh_format_execute(r, out);
	for (size_t i = 1; i < KH_NKEYS; i++) {
		if (kh_keys[i].kind == KH_YESNO) {
			if (r->sig_enforce != KH_SIG_UNKNOWN)
				sb_printf(out, " %s=%s", kh_keys[i].name,
					  r->sig_enforce == KH_SIG_YES ? "yes" : "no");
			continue;
		}
		kh_format_value(out, kh_keys[i].name,
				*(char *const *)((const char *)r + kh_keys[i].off));
	}
}

static int kh_streq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int kh_same_host(const struct kh_record *a, const struct kh_record *b)
{
	if (a->exec == KH_LOCAL || b->exec == KH_LOCAL)
		return a->exec == b->exec;
	return kh_streq(a->user, b->user) && kh_streq(a->host, b->host) && a->port == b->port;
}
