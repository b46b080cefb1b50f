/* A visit of every statement and expression under a node (pre-order).  A
 * callback returning non-zero stops the walk, and the walk returns it. */
#ifndef TRANSLATOR_AST_WALK_H
#define TRANSLATOR_AST_WALK_H

#include "translator/ast.h"

struct ast_visit {
	int (*stmt)(struct ast_visit *v, const struct stap_stmt *s);
	int (*expr)(struct ast_visit *v, const struct stap_expr *e);
	/* After the arguments of a user function call (E_CALL), e.g. to walk
	 * into the function. */
	int (*call)(struct ast_visit *v, const struct stap_expr *e);
};

int ast_visit_stmt(struct ast_visit *v, const struct stap_stmt *s);
int ast_visit_expr(struct ast_visit *v, const struct stap_expr *e);

#endif
