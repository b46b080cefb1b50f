/* Module parameters: checked against .modinfo, built into the string
 * init_module(2) takes ("a=1 b=\"x y\""). */
#include "staprun/err.h"
#include "staprun/loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"

#define PARAM_NAME_MAX 64
#define PARAM_VALUE_MAX 1024
#define INTERNAL_PREFIX "_stp_"

static const char name_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
/* No ',' (the kernel splits array parameters there: one value must stay one
 * value), no blank, no quote. */
static const char strict_chars[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:+-";

void loader_params_init(struct loader_params *p)
{
	memset(p, 0, sizeof *p);
	p->str = strdup("");
}

void loader_params_free(struct loader_params *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->names[i]);
	free(p->names);
	free(p->str);
	memset(p, 0, sizeof *p);
}

static int value_ok(const char *v, int flags)
{
	if (strlen(v) > PARAM_VALUE_MAX)
		return 0;
	if (flags & LOADER_PARAM_STRICT)
		return strspn(v, strict_chars) == strlen(v);
	for (; *v; v++)
		if (*v < 0x20 || *v > 0x7e || *v == '"' || *v == '\\')
			return 0;
	return 1;
}

/* Integer types must hold a number: a clear error here, not EINVAL later. */
static int value_fits_type(const char *type, const char *v)
{
	static const char *const ints[] = {"int",   "uint",   "long", "ulong",
					   "short", "ushort", "byte", "ullong"};
	char *end;

	if (!type)
		return 1;
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		if (strcmp(type, ints[i]) != 0)
			continue;
		if (!*v)
			return 0;
		errno = 0;
		(void)strtoll(v, &end, 0);
		return !*end && errno == 0;
	}
	if (!strcmp(type, "bool") || !strcmp(type, "invbool"))
		return strlen(v) == 1 ? strchr("yYnN01", *v) != NULL : 0;
	return 1;
}

static int params_append(struct loader_params *p, const char *name, const char *value)
{
	const char *q = strchr(value, ' ') ? "\"" : "";
	size_t n = strlen(p->str) + strlen(name) + strlen(value) + 5;
	char *s = malloc(n), *dup = strdup(name);

	if (!s || !dup || array_grow(&p->names, &p->cap, p->n, sizeof *p->names, 8) < 0) {
		free(s);
		free(dup);
		return -ENOMEM;
	}
	snprintf(s, n, "%s%s%s=%s%s%s", p->str, *p->str ? " " : "", name, q, value, q);
	free(p->str);
	p->str = s;
	p->names[p->n++] = dup;
	return 0;
}

static int params_has(const struct loader_params *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->names[i], name))
			return 1;
	return 0;
}

int loader_params_add(struct loader_params *p, const struct loader_module *m, const char *arg,
		      int flags, struct loader_err *e)
{
	const char *eq = strchr(arg, '=');
	const struct modinfo_parm *parm;
	char name[PARAM_NAME_MAX + 1];
	size_t n = eq ? (size_t)(eq - arg) : 0;

	if (!p->str)
		return loader_fail(e, -ENOMEM, "out of memory");
	if (!eq || n == 0)
		return loader_fail(e, -EINVAL, "%.64s: expected a parameter as name=value", arg);
	if (n > PARAM_NAME_MAX)
		return loader_fail(e, -EINVAL, "%.64s...: parameter name too long", arg);
	memcpy(name, arg, n);
	name[n] = '\0';
	if (strspn(name, name_chars) != n)
		return loader_fail(e, -EINVAL, "%s: invalid parameter name", name);
	if (!strncmp(name, INTERNAL_PREFIX, strlen(INTERNAL_PREFIX)) &&
	    !(flags & LOADER_PARAM_INTERNAL))
		return loader_fail(e, -EPERM, "parameter %s is internal (set by the loader only)",
				   name);
	parm = modinfo_parm(&m->mi, name);
	if (!parm)
		return loader_fail(e, -ENOENT, "%s: the module does not declare parameter %s",
				   m->label, name);
	if (params_has(p, name))
		return loader_fail(e, -EINVAL, "parameter %s given twice", name);
	if (!value_ok(eq + 1, flags))
		return loader_fail(e, -EINVAL,
				   "parameter %s: value has a forbidden character or is too long",
				   name);
	if (!value_fits_type(parm->type, eq + 1))
		return loader_fail(e, -EINVAL, "parameter %s: \"%s\" is not a valid %s", name,
				   eq + 1, parm->type);
	if (params_append(p, name, eq + 1))
		return loader_fail(e, -ENOMEM, "out of memory");
	return 0;
}

int loader_params_add_internal(struct loader_params *p, const struct loader_module *m,
			       const char *name, long long value, struct loader_err *e)
{
	char arg[PARAM_NAME_MAX + 32];

	if (!modinfo_parm(&m->mi, name))
		return loader_fail(e, -ENOENT, "%s: not a stapauth probe module (no %s parameter)",
				   m->label, name);
	snprintf(arg, sizeof arg, "%s=%lld", name, value);
	return loader_params_add(p, m, arg, LOADER_PARAM_INTERNAL | LOADER_PARAM_STRICT, e);
}
