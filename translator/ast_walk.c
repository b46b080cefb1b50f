/* The generic pre-order walk of ast_walk.h. */
#include <stddef.h>

#include "translator/ast_walk.h"

int ast_visit_expr(struct ast_visit *v, const struct stap_expr *e)
{
	int r;
	if (!e)
		return 0;
	if (v->expr && (r = v->expr(v, e)))
		return r;
	if ((r = ast_visit_expr(v, e->a)) || (r = ast_visit_expr(v, e->b)) ||
	    (r = ast_visit_expr(v, e->c)))
		return r;
	for (size_t i = 0; i < e->nargs; i++)
		if ((r = ast_visit_expr(v, e->args[i])))
			return r;
	return e->kind == E_CALL && v->call ? v->call(v, e) : 0;
}

int ast_visit_stmt(struct ast_visit *v, const struct stap_stmt *s)
{
	int r;
	if (!s)
		return 0;
	if (v->stmt && (r = v->stmt(v, s)))
		return r;
	for (size_t i = 0; i < s->nstmts; i++)
		if ((r = ast_visit_stmt(v, s->stmts[i])))
			return r;
	if ((r = ast_visit_expr(v, s->expr)) || (r = ast_visit_expr(v, s->init)) ||
	    (r = ast_visit_expr(v, s->step)) || (r = ast_visit_expr(v, s->limit)) ||
	    (r = ast_visit_expr(v, s->array)))
		return r;
	if ((r = ast_visit_stmt(v, s->body)))
		return r;
	return ast_visit_stmt(v, s->els);
}
