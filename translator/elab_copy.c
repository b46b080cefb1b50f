/* Deep copies of statements and expressions: a body used by several derived
 * probes (aliases, conditions) gets its own nodes, so binding each copy to
 * its probe's locals does not disturb the others. */
#include <string.h>

#include "translator/elab_int.h"

struct stap_expr *elab_copy_expr(struct stap_program *p, const struct stap_expr *e)
{
	if (!e)
		return NULL;
	struct stap_expr *c = stap_alloc(p, sizeof(*c));
	*c = *e;
	c->a = elab_copy_expr(p, e->a);
	c->b = elab_copy_expr(p, e->b);
	c->c = elab_copy_expr(p, e->c);
	if (e->nargs) {
		c->args = stap_alloc(p, e->nargs * sizeof(*c->args));
		for (size_t i = 0; i < e->nargs; i++)
			c->args[i] = elab_copy_expr(p, e->args[i]);
	}
	return c;
}

static struct stap_var *copy_var(struct stap_program *p, const struct stap_var *v)
{
	if (!v)
		return NULL;
	struct stap_var *c = stap_alloc(p, sizeof(*c));
	*c = *v;
	return c;
}

struct stap_stmt *elab_copy_stmt(struct stap_program *p, const struct stap_stmt *s)
{
	if (!s)
		return NULL;
	struct stap_stmt *c = stap_alloc(p, sizeof(*c));
	*c = *s;
	if (s->nstmts) {
		c->stmts = stap_alloc(p, s->nstmts * sizeof(*c->stmts));
		for (size_t i = 0; i < s->nstmts; i++)
			c->stmts[i] = elab_copy_stmt(p, s->stmts[i]);
	}
	c->expr = elab_copy_expr(p, s->expr);
	c->init = elab_copy_expr(p, s->init);
	c->step = elab_copy_expr(p, s->step);
	c->body = elab_copy_stmt(p, s->body);
	c->els = elab_copy_stmt(p, s->els);
	if (s->nkeys) {
		c->keys = stap_alloc(p, s->nkeys * sizeof(*c->keys));
		for (size_t i = 0; i < s->nkeys; i++)
			c->keys[i] = copy_var(p, s->keys[i]);
	}
	c->value = copy_var(p, s->value);
	c->array = elab_copy_expr(p, s->array);
	c->limit = elab_copy_expr(p, s->limit);
	c->catch_var = copy_var(p, s->catch_var);
	return c;
}
