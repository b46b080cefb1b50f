/* The tapset index: which library file defines which function and probe
 * alias, from a quick scan of each file's top level (no tokens, no tree).
 *
 * The scan skips comments (#, //, slash-star), strings, embedded C (%{ %})
 * and everything inside braces; at brace depth 0 it reads
 *     [private] function NAME
 *     probe NAME [, NAME ...] =  or  +=
 * It over-approximates on purpose (both arms of a %( %? %: %) count): the
 * index only chooses files to parse, and the parser and pass 2 decide. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/array.h"
#include "lib/readfile.h"
#include "lib/strbuf.h"
#include "translator/tapset.h"

#define TAPSET_MAX_FILE (4u << 20) /* one library file */
#define TAPSET_MAX_DEPTH 4	   /* subfolders below a library folder */

struct scan {
	const char *s, *end;
	struct tapset_index *ix;
	size_t file;
	int oom;
};

static int is_word(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Past a comment, string or embedded block starting at s, or s itself. */
static const char *scan_skip_one(const char *s, const char *end)
{
	if (*s == '#' || (*s == '/' && s + 1 < end && s[1] == '/')) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		return nl ? nl + 1 : end;
	}
	if (*s == '/' && s + 1 < end && s[1] == '*') {
		for (s += 2; s + 1 < end; s++)
			if (s[0] == '*' && s[1] == '/')
				return s + 2;
		return end;
	}
	if (*s == '%' && s + 1 < end && s[1] == '{') {
		for (s += 2; s + 1 < end; s++)
			if (s[0] == '%' && s[1] == '}')
				return s + 2;
		return end;
	}
	if (*s == '"') {
		for (s++; s < end && *s != '"'; s++)
			if (*s == '\\' && s + 1 < end)
				s++;
		return s < end ? s + 1 : end;
	}
	return s;
}

/* Past blanks and comments. */
static const char *scan_blank(const char *s, const char *end)
{
	for (;;) {
		while (s < end && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
			s++;
		if (s >= end || *s == '"' || (*s == '%' && s + 1 < end && s[1] == '{'))
			return s;
		const char *t = scan_skip_one(s, end);
		if (t == s)
			return s;
		s = t;
	}
}

static void scan_add(struct scan *sc, struct tapset_name **v, size_t *n, size_t *cap,
		     const char *name, size_t len)
{
	char *copy;
	if (!len || sc->oom)
		return;
	if (array_grow(v, cap, *n, sizeof(**v), 64) < 0 || !(copy = strndup(name, len))) {
		sc->oom = 1;
		return;
	}
	(*v)[*n].name = copy;
	(*v)[(*n)++].file = sc->file;
}

static const char *scan_function(struct scan *sc, const char *s)
{
	const char *w;
	s = scan_blank(s, sc->end);
	for (w = s; s < sc->end && is_word((unsigned char)*s); s++)
		;
	scan_add(sc, &sc->ix->funcs, &sc->ix->nfuncs, &sc->ix->funcs_cap, w, (size_t)(s - w));
	return s;
}

/* "probe a.b("x"), c.d =": the names without blanks, if it is an alias. */
static const char *scan_probe(struct scan *sc, const char *s)
{
	struct strbuf names = {0};
	int paren = 0;
	const char *end = sc->end;

	for (;;) {
		s = scan_blank(s, end);
		if (s >= end || *s == '{' || *s == '}' || *s == ';')
			break;
		if (paren == 0 && (*s == '=' || (*s == '+' && s + 1 < end && s[1] == '='))) {
			if (*s == '=' && s + 1 < end && s[1] == '=')
				break;
			size_t i = 0;
			while (!sc->oom && i < names.n) {
				size_t k = strcspn(names.s + i, "\n");
				scan_add(sc, &sc->ix->aliases, &sc->ix->naliases,
					 &sc->ix->aliases_cap, names.s + i, k);
				i += k + 1;
			}
			s += *s == '+' ? 2 : 1;
			break;
		}
		const char *t = *s == '"' ? scan_skip_one(s, end) : s + 1;
		if (paren == 0 && *s == ',')
			sb_puts(&names, "\n");
		else
			sb_putn(&names, s, (size_t)(t - s));
		paren += *s == '(' ? 1 : *s == ')' && paren > 0 ? -1 : 0;
		s = t;
	}
	sc->oom |= names.oom;
	free(names.s);
	return s;
}

int tapset_index_scan(struct tapset_index *ix, size_t file, const char *text, size_t len)
{
	struct scan sc = {text, text + len, ix, file, 0};
	const char *s = text;
	int depth = 0;

	while (s < sc.end && !sc.oom) {
		const char *t = scan_skip_one(s, sc.end);
		if (t != s) {
			s = t;
			continue;
		}
		if (*s == '{' || *s == '}') {
			depth += *s == '{' ? 1 : depth > 0 ? -1 : 0;
			s++;
			continue;
		}
		if (!is_word((unsigned char)*s)) {
			s++;
			continue;
		}
		const char *w = s;
		while (s < sc.end && is_word((unsigned char)*s))
			s++;
		if (depth || (w > text && (w[-1] == '.' || w[-1] == '$' || w[-1] == '@')))
			continue;
		if (s - w == 8 && memcmp(w, "function", 8) == 0)
			s = scan_function(&sc, s);
		else if (s - w == 5 && memcmp(w, "probe", 5) == 0)
			s = scan_probe(&sc, s);
	}
	return sc.oom ? -1 : 0;
}

static int name_cmp(const void *a, const void *b)
{
	const struct tapset_name *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	/* Earlier files first among equal names: the first definition wins. */
	return c ? c : (x->file > y->file) - (x->file < y->file);
}

void tapset_index_sort(struct tapset_index *ix)
{
	if (ix->nfuncs > 1)
		qsort(ix->funcs, ix->nfuncs, sizeof(*ix->funcs), name_cmp);
}

long tapset_index_func(const struct tapset_index *ix, const char *name)
{
	size_t lo = 0, hi = ix->nfuncs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(ix->funcs[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ix->nfuncs && strcmp(ix->funcs[lo].name, name) == 0 ? (long)ix->funcs[lo].file
									: -1;
}

/* The next component of an alias name: its name (up to '(' or '.') and
 * whether it has an argument.  Returns the text after it. */
static const char *next_comp(const char *s, char *name, size_t n, int *has_arg)
{
	size_t len = strcspn(s, ".(");
	snprintf(name, n, "%.*s", (int)len, s);
	s += len;
	*has_arg = *s == '(';
	if (*has_arg) {
		int paren = 0;
		for (; *s; s++) {
			if (*s == '"')
				for (s++; *s && *s != '"'; s++)
					s += s[0] == '\\' && s[1];
			if (!*s)
				break;
			paren += *s == '(' ? 1 : *s == ')' ? -1 : 0;
			if (paren == 0) {
				s++;
				break;
			}
		}
	}
	return *s == '.' ? s + 1 : s;
}

int tapset_alias_matches(const char *name, const struct stap_pp_spec *sp)
{
	const char *s = name;
	for (size_t i = 0; i < sp->ncomps; i++) {
		char comp[256];
		int has_arg;
		if (!*s)
			return 0;
		s = next_comp(s, comp, sizeof(comp), &has_arg);
		/* Arguments are compared by pass 2; here only their presence. */
		if (fnmatch(sp->comps[i].name, comp, 0) != 0 || has_arg != sp->comps[i].has_arg)
			return 0;
	}
	return *s == '\0';
}

static int tapset_add_file(struct tapset_index *ix, const char *path, const char *display,
			   char *why, size_t whylen)
{
	unsigned char *text;
	size_t len;
	int r = readfile_path(path, TAPSET_MAX_FILE, &text, &len);
	if (r < 0) {
		snprintf(why, whylen, "%s: %s", path, readfile_strerror(r));
		return -1;
	}
	if (array_grow(&ix->files, &ix->files_cap, ix->nfiles, sizeof(*ix->files), 16) < 0) {
		free(text);
		snprintf(why, whylen, "%s: out of memory", path);
		return -1;
	}
	struct tapset_file *f = &ix->files[ix->nfiles++];
	f->text = (char *)text; /* freed by tapset_index_free */
	f->len = len;
	f->path = strdup(path);
	f->display = strdup(display);
	if (!f->path || !f->display || tapset_index_scan(ix, ix->nfiles - 1, f->text, len) < 0) {
		snprintf(why, whylen, "%s: out of memory", path);
		return -1;
	}
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_dir_depth(struct tapset_index *ix, const char *dir, const char *display,
			 const char *ext, int depth, char *why, size_t whylen)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int r = 0;

	if (!d) {
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) && r == 0) {
		if (de->d_name[0] == '.')
			continue;
		if (array_grow(&names, &cap, n, sizeof(*names), 32) < 0 ||
		    !(names[n] = strdup(de->d_name)))
			r = -1;
		else
			n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), str_cmp);
	for (size_t i = 0; i < n && r == 0; i++) {
		struct strbuf path = {0}, disp = {0};
		struct stat st;
		size_t len = strlen(names[i]);
		sb_printf(&path, "%s/%s", dir, names[i]);
		sb_printf(&disp, "%s/%s", display, names[i]);
		if (path.oom || disp.oom)
			r = -1;
		else if (stat(path.s, &st) == 0 && S_ISDIR(st.st_mode) && depth < TAPSET_MAX_DEPTH)
			r = add_dir_depth(ix, path.s, disp.s, ext, depth + 1, why, whylen);
		else if (len > strlen(ext) && strcmp(names[i] + len - strlen(ext), ext) == 0 &&
			 S_ISREG(st.st_mode))
			r = tapset_add_file(ix, path.s, disp.s, why, whylen);
		free(path.s);
		free(disp.s);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (r < 0 && !why[0])
		snprintf(why, whylen, "%s: out of memory", dir);
	return r;
}

int tapset_index_add_dir(struct tapset_index *ix, const char *dir, const char *display, char *why,
			 size_t whylen)
{
	why[0] = '\0';
	return add_dir_depth(ix, dir, display, ".stp", 0, why, whylen);
}

int tapset_index_add_macro_dir(struct tapset_index *ix, const char *dir, const char *display,
			       char *why, size_t whylen)
{
	why[0] = '\0';
	return add_dir_depth(ix, dir, display, ".stpm", 0, why, whylen);
}

void tapset_index_free(struct tapset_index *ix)
{
	for (size_t i = 0; i < ix->nfiles; i++) {
		free(ix->files[i].path);
		free(ix->files[i].display);
		free(ix->files[i].text);
	}
	for (size_t i = 0; i < ix->nfuncs; i++)
		free(ix->funcs[i].name);
	for (size_t i = 0; i < ix->naliases; i++)
		free(ix->aliases[i].name);
	free(ix->files);
	free(ix->funcs);
	free(ix->aliases);
	memset(ix, 0, sizeof(*ix));
}
