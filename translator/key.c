/* The cache key and the file-digest memo (see key.h). */
#include "translator/key.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* OpenSSL's low-level SHA-256: OpenSSL 3's EVP interface loads and sets up its
 * provider on first use, about 1 ms or a quarter of a whole cache hit; the
 * low-level functions compute the same digest without that. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "lib/array.h"
#include "lib/atomicfile.h"
#include "lib/digest.h"

extern char **environ;

/* Values of files changed less than this long ago are not remembered. */
#define MEMO_SETTLE_NS (2LL * 1000000000LL)
#define MEMO_MAX_ENTRIES 4096

struct memo_entry {
	char *line_id; /* "tag dev ino size mtime ctime" */
	char *path;
	char *value;
	int used;
};

struct key_memo {
	char *file;
	struct memo_entry *e;
	size_t n, cap;
	int dirty;
};

/* a/b into out; -ENAMETOOLONG if it does not fit. */
static int path_join(char *out, size_t len, const char *a, const char *b)
{
	int n = snprintf(out, len, "%s%s%s", a, *a && *b ? "/" : "", b);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static long long ts_ns(struct timespec t)
{
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static char *memo_id(const char *tag, const struct stat *st)
{
	char *id;

	if (asprintf(&id, "%s %llu %llu %lld %lld %lld", tag, (unsigned long long)st->st_dev,
		     (unsigned long long)st->st_ino, (long long)st->st_size, ts_ns(st->st_mtim),
		     ts_ns(st->st_ctim)) < 0)
		return NULL;
	return id;
}

static int memo_add(struct key_memo *m, char *id, char *path, char *value)
{
	if (array_grow(&m->e, &m->cap, m->n, sizeof *m->e, 64) < 0)
		return -ENOMEM;
	m->e[m->n++] = (struct memo_entry){id, path, value, 0};
	return 0;
}

/* One line per entry: ID <TAB> PATH <TAB> VALUE. */
static void memo_parse_line(struct key_memo *m, char *line)
{
	char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
	char *id, *path, *value;

	if (!t2)
		return;
	*t1 = *t2 = '\0';
	id = strdup(line);
	path = strdup(t1 + 1);
	value = strdup(t2 + 1);
	if (!id || !path || !value || memo_add(m, id, path, value) < 0) {
		free(id);
		free(path);
		free(value);
	}
}

struct key_memo *key_memo_open(const char *path)
{
	struct key_memo *m = calloc(1, sizeof *m);
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f;

	if (!m)
		return NULL;
	if (!path)
		return m;
	m->file = strdup(path);
	f = m->file ? fopen(path, "re") : NULL;
	if (!f)
		return m;
	/* Values someone else could have written are not trusted. */
	struct stat st;
	if (fstat(fileno(f), &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
		fclose(f);
		return m;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] != '\n')
			break; /* a torn last line is dropped */
		line[len - 1] = '\0';
		memo_parse_line(m, line);
	}
	free(line);
	fclose(f);
	return m;
}

static struct memo_entry *memo_find(struct key_memo *m, const char *id, const char *path)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->e[i].line_id, id) == 0 && strcmp(m->e[i].path, path) == 0)
			return &m->e[i];
	return NULL;
}

const char *key_memo_get(struct key_memo *m, const char *tag, const char *path,
			 const struct stat *st)
{
	struct memo_entry *e;
	char *id;

	if (!m || !(id = memo_id(tag, st)))
		return NULL;
	e = memo_find(m, id, path);
	free(id);
	if (!e)
		return NULL;
	e->used = 1;
	return e->value;
}

static int memo_settled(const struct stat *st)
{
	struct timespec now;

	if (clock_gettime(CLOCK_REALTIME, &now) < 0)
		return 0;
	return ts_ns(now) - ts_ns(st->st_ctim) > MEMO_SETTLE_NS &&
	       ts_ns(now) - ts_ns(st->st_mtim) > MEMO_SETTLE_NS;
}

void key_memo_put(struct key_memo *m, const char *tag, const char *path, const struct stat *st,
		  const char *value)
{
	char *id, *p, *v;

	if (!m || !memo_settled(st) || strpbrk(path, "\t\n") || strpbrk(value, "\t\n"))
		return;
	id = memo_id(tag, st);
	p = strdup(path);
	v = strdup(value);
	if (!id || !p || !v || memo_add(m, id, p, v) < 0) {
		free(id);
		free(p);
		free(v);
		return;
	}
	m->e[m->n - 1].used = 1;
	m->dirty = 1;
}

static int memo_write(struct key_memo *m, FILE *f)
{
	size_t kept = 0;

	/* Entries used by this run first, then the others, up to the cap. */
	for (int pass = 1; pass >= 0; pass--)
		for (size_t i = 0; i < m->n && kept < MEMO_MAX_ENTRIES; i++)
			if (m->e[i].used == pass) {
				fprintf(f, "%s\t%s\t%s\n", m->e[i].line_id, m->e[i].path,
					m->e[i].value);
				kept++;
			}
	return ferror(f) ? -EIO : 0;
}

int key_memo_save(struct key_memo *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (!m || !m->file || !m->dirty)
		return 0;
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	r = memo_write(m, f);
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r == 0)
		r = atomic_write(m->file, text, len, 0600);
	free(text);
	if (r == 0)
		m->dirty = 0;
	return r;
}

void key_memo_free(struct key_memo *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->e[i].line_id);
		free(m->e[i].path);
		free(m->e[i].value);
	}
	free(m->e);
	free(m->file);
	free(m);
}

static int digest_fd(int fd, char hex[KEY_HEXLEN + 1])
{
	unsigned char buf[65536], md[SHA256_DIGEST_LENGTH];
	SHA256_CTX ctx;
	ssize_t n;

	if (!SHA256_Init(&ctx))
		return -EIO;
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!SHA256_Update(&ctx, buf, (size_t)n))
			return -EIO;
	}
	if (!SHA256_Final(md, &ctx))
		return -EIO;
	digest_hex(md, sizeof md, hex);
	return 0;
}

int key_file_digest(struct key_memo *m, const char *path, char hex[KEY_HEXLEN + 1])
{
	struct stat st, st2;
	const char *v;
	int fd, r;

	/* A memo hit needs the file's identity only: one stat, not open, fstat
	 * and close (a cache hit looks up some 25 files).  The identity is
	 * the same one the fstat below would see at that instant. */
	if (m && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (v = key_memo_get(m, "sha256", path, &st)) && strlen(v) == KEY_HEXLEN) {
		memcpy(hex, v, KEY_HEXLEN + 1);
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = S_ISREG(st.st_mode) ? -errno : -EINVAL;
		close(fd);
		return r;
	}
	v = key_memo_get(m, "sha256", path, &st);
	if (v && strlen(v) == KEY_HEXLEN) {
		memcpy(hex, v, KEY_HEXLEN + 1);
		close(fd);
		return 0;
	}
	r = digest_fd(fd, hex);
	/* Remember only what did not change while it was read. */
	if (r == 0 && fstat(fd, &st2) == 0 && ts_ns(st2.st_ctim) == ts_ns(st.st_ctim) &&
	    st2.st_size == st.st_size)
		key_memo_put(m, "sha256", path, &st, hex);
	close(fd);
	return r;
}

struct tree_walk {
	char **rel;
	size_t n, cap;
};

static int walk_add(struct tree_walk *w, const char *rel)
{
	if (array_grow(&w->rel, &w->cap, w->n, sizeof *w->rel, 64) < 0)
		return -ENOMEM;
	if (!(w->rel[w->n] = strdup(rel)))
		return -ENOMEM;
	w->n++;
	return 0;
}

static int walk_dir(struct tree_walk *w, const char *root, const char *rel, int depth)
{
	char dir[PATH_MAX], sub[PATH_MAX];
	struct dirent *d;
	struct stat st;
	DIR *dh;
	int r = 0;

	if (depth > 16)
		return -ELOOP;
	if (path_join(dir, sizeof dir, root, rel) < 0)
		return -ENAMETOOLONG;
	if (!(dh = opendir(dir)))
		return -errno;
	while (r == 0 && (d = readdir(dh))) {
		if (d->d_name[0] == '.')
			continue; /* dot files, editor swap files, ., .. */
		char full[PATH_MAX];
		if (path_join(sub, sizeof sub, rel, d->d_name) < 0 ||
		    path_join(full, sizeof full, root, sub) < 0) {
			r = -ENAMETOOLONG;
			break;
		}
		if (stat(full, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			r = walk_dir(w, root, sub, depth + 1);
		else if (S_ISREG(st.st_mode))
			r = walk_add(w, sub);
	}
	closedir(dh);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int key_tree_digest(struct key_memo *m, const char *dir, char hex[KEY_HEXLEN + 1])
{
	struct tree_walk w = {0};
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256_CTX ctx;
	int r;

	r = SHA256_Init(&ctx) ? walk_dir(&w, dir, "", 0) : -EIO;
	if (r == 0)
		qsort(w.rel, w.n, sizeof *w.rel, cmp_str);
	for (size_t i = 0; r == 0 && i < w.n; i++) {
		char full[PATH_MAX], fh[KEY_HEXLEN + 1];
		r = path_join(full, sizeof full, dir, w.rel[i]);
		if (r == 0)
			r = key_file_digest(m, full, fh);
		if (r == 0 &&
		    (!SHA256_Update(&ctx, w.rel[i], strlen(w.rel[i]) + 1) ||
		     !SHA256_Update(&ctx, fh, KEY_HEXLEN) || !SHA256_Update(&ctx, "\n", 1)))
			r = -EIO;
	}
	if (r == 0 && !SHA256_Final(md, &ctx))
		r = -EIO;
	if (r == 0)
		digest_hex(md, sizeof md, hex);
	for (size_t i = 0; i < w.n; i++)
		free(w.rel[i]);
	free(w.rel);
	return r;
}

/* The value of CONFIG_NAME="..." in the tree's .config, unquoted. */
static char *config_string(const char *build_dir, const char *name)
{
	char path[PATH_MAX], *line = NULL, *val = NULL;
	size_t cap = 0, nl = strlen(name);
	ssize_t len;
	FILE *f;

	snprintf(path, sizeof path, "%s/.config", build_dir);
	if (!(f = fopen(path, "re")))
		return NULL;
	while (!val && (len = getline(&line, &cap, f)) > 0) {
		if (strncmp(line, name, nl) != 0 || line[nl] != '=')
			continue;
		char *v = line + nl + 1, *end = line + len;
		while (end > v && (end[-1] == '\n' || end[-1] == '"'))
			*--end = '\0';
		if (*v == '"')
			v++;
		val = strdup(v);
	}
	free(line);
	fclose(f);
	return val;
}

/* Resolve a command name through PATH to an existing file. */
static int find_in_path(const char *cmd, char *out, size_t outlen)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL;

	if (strchr(cmd, '/')) {
		snprintf(out, outlen, "%s", cmd);
		return access(out, X_OK) == 0 ? 0 : -ENOENT;
	}
	copy = strdup(path ? path : "/usr/bin:/bin");
	if (!copy)
		return -ENOMEM;
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, outlen, "%s/%s", d, cmd);
		if (access(out, X_OK) == 0) {
			free(copy);
			return 0;
		}
	}
	free(copy);
	return -ENOENT;
}

/* First line of `exe --version`, or NULL. */
static char *compiler_version(const char *exe)
{
	char *argv[] = {(char *)exe, "--version", NULL}, buf[512];
	posix_spawn_file_actions_t fa;
	int pfd[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, exe, &fa, NULL, argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	while (
	    pid > 0 && got < sizeof buf - 1 &&
	    ((n = read(pfd[0], buf + got, sizeof buf - 1 - got)) > 0 || (n < 0 && errno == EINTR)))
		got += n > 0 ? (size_t)n : 0;
	close(pfd[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return NULL;
	buf[got] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return strdup(buf);
}

/* CONFIG_CC_VERSION_TEXT through the memo: .config is 250 KB to scan. */
static char *config_cc_text(struct key_memo *m, const char *build_dir)
{
	char path[PATH_MAX], *text;
	const char *cached;
	struct stat st;

	if (path_join(path, sizeof path, build_dir, ".config") < 0 || stat(path, &st) < 0)
		return NULL;
	cached = key_memo_get(m, "cctext", path, &st);
	if (cached)
		return strdup(cached);
	text = config_string(build_dir, "CONFIG_CC_VERSION_TEXT");
	if (text)
		key_memo_put(m, "cctext", path, &st, text);
	return text;
}

char *key_compiler_identity(struct key_memo *m, const char *build_dir)
{
	char *text = config_cc_text(m, build_dir);
	char cmd[256], exe[PATH_MAX], *ver = NULL, *out = NULL;
	struct stat st;
	const char *cached;

	/* kbuild runs $(CC); Debian names the compiler in the config text. */
	snprintf(cmd, sizeof cmd, "%s", getenv("CC") ? getenv("CC") : text ? text : "gcc");
	cmd[strcspn(cmd, " \t")] = '\0';
	if (find_in_path(cmd, exe, sizeof exe) < 0 && find_in_path("gcc", exe, sizeof exe) < 0)
		exe[0] = '\0';
	if (exe[0] && stat(exe, &st) == 0) {
		cached = key_memo_get(m, "ccversion", exe, &st);
		ver = cached ? strdup(cached) : compiler_version(exe);
		if (!cached && ver)
			key_memo_put(m, "ccversion", exe, &st, ver);
	}
	if (asprintf(&out, "%s | %s: %s", text ? text : "(no CONFIG_CC_VERSION_TEXT)",
		     exe[0] ? exe : "(no compiler)", ver ? ver : "(no version)") < 0)
		out = NULL;
	free(text);
	free(ver);
	return out;
}

static int key_add(struct cache_key *k, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *v;
	int r;

	if (k->n == KEY_MAX_FIELDS)
		return -ENOSPC;
	va_start(ap, fmt);
	r = vasprintf(&v, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	k->f[k->n].name = name;
	k->f[k->n].value = v;
	k->n++;
	return 0;
}

/* The digest of a file, or "absent" when it does not exist (a tree without
 * Module.symvers is a different tree from one with it). */
static int add_file_field(struct cache_key *k, struct key_memo *m, const char *name,
			  const char *dir, const char *rel)
{
	char path[PATH_MAX], hex[KEY_HEXLEN + 1];
	int r;

	snprintf(path, sizeof path, "%s/%s", dir, rel);
	r = key_file_digest(m, path, hex);
	if (r == -ENOENT)
		return key_add(k, name, "absent");
	if (r < 0) {
		fprintf(stderr, "stap: cache key: %s: %s\n", path, strerror(-r));
		return -1;
	}
	return key_add(k, name, "sha256:%s", hex);
}

static char *join_list(const char *const *v, size_t n)
{
	size_t len = 1;
	char *s, *p;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) * 2 + 3;
	if (!(s = p = malloc(len)))
		return NULL;
	*p = '\0';
	/* Quote so that "-D A -D B" and "-D 'A -D B'" differ. */
	for (size_t i = 0; i < n; i++) {
		*p++ = i ? ' ' : '[';
		for (const char *c = v[i]; *c; c++) {
			if (*c == '\\' || *c == ' ' || *c == ']')
				*p++ = '\\';
			*p++ = *c;
		}
	}
	if (n)
		*p++ = ']';
	*p = '\0';
	return s;
}

static int add_inputs(const struct key_input *in, struct key_memo *m, struct cache_key *k)
{
	char hex[KEY_HEXLEN + 1], *s;
	unsigned char md[SHA256_DIGEST_LENGTH];
	int r;

	SHA256_CTX ctx; /* not SHA256(): in OpenSSL 3 it goes through EVP */

	if (!SHA256_Init(&ctx) ||
	    !SHA256_Update(&ctx, in->program_text, strlen(in->program_text)) ||
	    !SHA256_Final(md, &ctx))
		return -1;
	digest_hex(md, DIGEST_LEN, hex);
	if (key_add(k, "program", "sha256:%s", hex) < 0)
		return -1;
	r = key_file_digest(m, in->self_exe ? in->self_exe : "/proc/self/exe", hex);
	if (r < 0 || key_add(k, "translator", "%s sha256:%s", in->translator, hex) < 0) {
		fprintf(stderr, "stap: cache key: translator binary: %s\n", strerror(-r));
		return -1;
	}
	r = key_tree_digest(m, in->runtime_dir, hex);
	if (r < 0) {
		fprintf(stderr, "stap: cache key: runtime %s: %s\n", in->runtime_dir, strerror(-r));
		return -1;
	}
	if (key_add(k, "runtime", "sha256:%s", hex) < 0 ||
	    key_add(k, "release", "%s", in->release) < 0 || key_add(k, "arch", "%s", in->arch) < 0)
		return -1;
	/* -T: two machines with one release but differently built kernels
	 * (uname -v, build-id) get two entries; absent for local builds. */
	if (in->target && key_add(k, "target.kernel", "%s", in->target) < 0)
		return -1;
	if (add_file_field(k, m, "kernel.config", in->build_dir, ".config") < 0 ||
	    add_file_field(k, m, "kernel.symvers", in->build_dir, "Module.symvers") < 0 ||
	    add_file_field(k, m, "kernel.utsrelease", in->build_dir,
			   "include/generated/utsrelease.h") < 0 ||
	    add_file_field(k, m, "kernel.autoconf", in->build_dir, "include/generated/autoconf.h") <
		0)
		return -1;
	s = key_compiler_identity(m, in->build_dir);
	r = s ? key_add(k, "compiler", "%s", s) : -1;
	free(s);
	if (r < 0 || key_add(k, "euid", "%u", (unsigned)geteuid()) < 0 ||
	    key_add(k, "option.g", "%d", in->guru ? 1 : 0) < 0)
		return -1;
	s = join_list(in->defines, in->ndefines);
	r = s ? key_add(k, "option.D", "%s", s) : -1;
	free(s);
	if (r < 0)
		return -1;
	s = join_list(in->kbuild_opts, in->nkbuild_opts);
	r = s ? key_add(k, "option.B", "%s", s) : -1;
	free(s);
	if (r < 0)
		return -1;
	return key_add(k, "option.m", "%s", in->modname_opt ? in->modname_opt : "");
}

/* SHA-256 over tag, then "name=LEN:value\n" for every field in order but
 * the one named skip. */
static int key_hash(const struct cache_key *k, const char *tag, const char *skip,
		    char hex[KEY_HEXLEN + 1])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256_CTX ctx;
	int ok = SHA256_Init(&ctx);

	ok = ok && SHA256_Update(&ctx, tag, strlen(tag));
	for (size_t i = 0; ok && i < k->n; i++) {
		char head[128];
		if (skip && !strcmp(k->f[i].name, skip))
			continue;
		int hl =
		    snprintf(head, sizeof head, "%s=%zu:", k->f[i].name, strlen(k->f[i].value));
		ok = SHA256_Update(&ctx, head, (size_t)hl) &&
		     SHA256_Update(&ctx, k->f[i].value, strlen(k->f[i].value)) &&
		     SHA256_Update(&ctx, "\n", 1);
	}
	ok = ok && SHA256_Final(md, &ctx);
	if (!ok)
		return -1;
	digest_hex(md, sizeof md, hex);
	return 0;
}

int key_compute(const struct key_input *in, struct key_memo *m, struct cache_key *k)
{
	char mod[KEY_HEXLEN + 1];

	memset(k, 0, sizeof *k);
	/* The module is named by every field but the user's id: the name is in
	 * the module's bytes, and those must not depend on who built it. */
	if (add_inputs(in, m, k) < 0 || key_hash(k, "stapauth-cache-key-1\n", NULL, k->hex) < 0 ||
	    key_hash(k, "stapauth-module-1\n", "euid", mod) < 0) {
		if (k->n < KEY_MAX_FIELDS)
			fprintf(stderr, "stap: cache key: could not compute the key\n");
		key_release(k);
		return -1;
	}
	if (in->modname_opt)
		snprintf(k->modname, sizeof k->modname, "%s", in->modname_opt);
	else
		snprintf(k->modname, sizeof k->modname, "stap_%.*s", KEY_MODNAME_HEX, mod);
	return 0;
}

void key_print(const struct cache_key *k, FILE *out)
{
	for (size_t i = 0; i < k->n; i++)
		fprintf(out, "%s: %s\n", k->f[i].name, k->f[i].value);
	fprintf(out, "key: %s\n", k->hex);
}

void key_release(struct cache_key *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->f[i].value);
	k->n = 0;
}
