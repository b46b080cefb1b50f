/* Pass 3: statements.  Each statement counts one action (MAXACTION) and is
 * followed by a check of c->abort, which unwinds to the innermost try block
 * or to the end of the handler/function (e->err_label). */
#include <string.h>

#include "translator/emit.h"
#include "translator/errloc.h"

static void emit_action(struct emit *e, const struct stap_stmt *st)
{
	(void)st;
	fputs("\tif (unlikely(!stp_action(c, 1, ", e->out);
	emit_where(e);
	fprintf(e->out, "))) goto %s;\n", e->err_label);
}

static void emit_check(struct emit *e)
{
	fprintf(e->out, "\tif (unlikely(c->abort)) goto %s;\n", e->err_label);
}

static void emit_cond(struct emit *e, const struct stap_expr *x)
{
	emit_top_expr(e, x);
}

static void emit_block(struct emit *e, const struct stap_stmt *st)
{
	size_t i;

	for (i = 0; i < st->nstmts; i++)
		emit_stmt(e, st->stmts[i]);
}

static void emit_if(struct emit *e, const struct stap_stmt *st)
{
	fputs("\tif (", e->out);
	emit_cond(e, st->expr);
	fputs(") {\n", e->out);
	emit_stmt(e, st->body);
	fputs("\t}", e->out);
	if (st->els) {
		fputs(" else {\n", e->out);
		emit_stmt(e, st->els);
		fputs("\t}", e->out);
	}
	fputs("\n", e->out);
}

/* A loop: body between the labels for continue and break. */
static void emit_loop_body(struct emit *e, const struct stap_stmt *body, int brk, int cont)
{
	int ob = e->brk, oc = e->cont;

	e->brk = brk;
	e->cont = cont;
	emit_stmt(e, body);
	e->brk = ob;
	e->cont = oc;
}

static void emit_while(struct emit *e, const struct stap_stmt *st)
{
	int n = ++e->label;

	fputs("\tfor (;;) {\n\tif (!(", e->out);
	emit_cond(e, st->expr);
	fputs(") || unlikely(c->abort)) break;\n", e->out);
	emit_loop_body(e, st->body, n, n);
	fprintf(e->out, "\tstp_cont_%d:;\n\tif (unlikely(!stp_action(c, 1, ", n);
	emit_where(e);
	fprintf(e->out, "))) goto %s;\n\t}\n\tstp_brk_%d:;\n", e->err_label, n);
	emit_check(e);
}

static void emit_for(struct emit *e, const struct stap_stmt *st)
{
	int n = ++e->label;

	if (st->init) {
		fputs("\t(void)(", e->out);
		emit_top_expr(e, st->init);
		fputs(");\n", e->out);
		emit_check(e);
	}
	fputs("\tfor (;;) {\n", e->out);
	if (st->expr) {
		fputs("\tif (!(", e->out);
		emit_cond(e, st->expr);
		fputs(") || unlikely(c->abort)) break;\n", e->out);
	}
	emit_loop_body(e, st->body, n, n);
	fprintf(e->out, "\tstp_cont_%d:;\n", n);
	if (st->step) {
		fputs("\t(void)(", e->out);
		emit_top_expr(e, st->step);
		fputs(");\n", e->out);
		emit_check(e);
	}
	fputs("\tif (unlikely(!stp_action(c, 1, ", e->out);
	emit_where(e);
	fprintf(e->out, "))) goto %s;\n\t}\n\tstp_brk_%d:;\n", e->err_label, n);
	emit_check(e);
}

static void emit_bind_key(struct emit *e, const struct stap_var *v, const char *m, int k)
{
	if (v->type == STAP_T_STRING) {
		fprintf(e->out, "\tstp_strcpy(l->v%d, stp_ment_str(%s, _e%d, %d));\n", v->index, m,
			e->label, k);
	} else {
		fprintf(e->out, "\tl->v%d = stp_ment_num(%s, _e%d, %d);\n", v->index, m, e->label,
			k);
	}
}

/* The fixed keys of foreach (... in a[*, k]), evaluated once before the
 * loop; string keys are copied into frame memory, which the loop's end
 * gives back. */
static void emit_slice_keys(struct emit *e, const struct stap_stmt *st, int n)
{
	const struct stap_expr *a = st->array;
	fprintf(e->out, "\tunion stp_key _k%d[%zu];\n", n, a->nargs);
	for (size_t k = 0; k < a->nargs; k++) {
		const struct stap_expr *x = a->args[k];
		if (x->kind == E_WILD) {
			fprintf(e->out, "\t_k%d[%zu].n = 0;\n", n, k);
		} else if (x->type == STAP_T_STRING) {
			fprintf(e->out,
				"\t_k%d[%zu].s = stp_frame_push(c, MAXSTRINGLEN, NULL);\n"
				"\tif (_k%d[%zu].s)\n\t\tstp_strcpy((char *)_k%d[%zu].s, ",
				n, k, n, k, n, k);
			emit_top_expr(e, x);
			fputs(");\n", e->out);
		} else {
			fprintf(e->out, "\t_k%d[%zu].n = ", n, k);
			emit_top_expr(e, x);
			fputs(";\n", e->out);
		}
		emit_check(e);
	}
}

/* foreach ([b] in @hist_*(s)), also with v = [b]: as stap walks it, every
 * bucket number from 0 up, empty ones too (limit counts them); v is the
 * bucket's count (0 when the element s names does not exist).  The loop
 * runs on its own counter, so the body may change b; it may not change s
 * (elab_check), so the statistic found before the loop stays valid. */
static void emit_foreach_hist(struct emit *e, const struct stap_stmt *st)
{
	const struct stap_expr *s = st->array->a;
	int n = ++e->label;

	fprintf(e->out, "\t{\n\tconst struct stp_hist *_h%d = ", n);
	emit_hist_ptr(e, s->var);
	fprintf(e->out, ";\n\tconst struct stp_stat *_s%d;\n\tint64_t _lim%d, _b%d;\n", n, n, n);
	e->cur_temp = 0;
	fprintf(e->out, "\t_s%d = ", n);
	emit_stat_ptr(e, s);
	fputs(";\n", e->out);
	emit_check(e);
	fprintf(e->out, "\t_lim%d = ", n);
	if (st->limit)
		emit_top_expr(e, st->limit);
	else
		fputs("-1", e->out);
	fputs(";\n", e->out);
	emit_check(e);
	fprintf(
	    e->out,
	    "\tfor (_b%d = 0; _b%d < _h%d->buckets && (_lim%d < 0 || _b%d < _lim%d); _b%d++) {\n",
	    n, n, n, n, n, n, n);
	if (st->keys[0])
		fprintf(e->out, "\tl->v%d = _b%d;\n", st->keys[0]->index, n);
	if (st->value)
		fprintf(e->out, "\tl->v%d = _s%d ? _s%d->hist[_b%d] : 0;\n", st->value->index, n, n,
			n);
	emit_loop_body(e, st->body, n, n);
	fprintf(e->out, "\tstp_cont_%d:\n\tif (unlikely(!stp_action(c, 1, ", n);
	emit_where(e);
	fprintf(e->out, "))) goto %s;\n\t}\n\tstp_brk_%d:;\n\t}\n", e->err_label, n);
}

static void emit_foreach(struct emit *e, const struct stap_stmt *st)
{
	const struct stap_var *arr;
	char m[200];
	int n, saved;
	size_t k;

	if (st->array->kind == E_HIST) {
		emit_foreach_hist(e, st);
		return;
	}
	if ((st->array->kind != E_VAR && st->array->kind != E_INDEX) || !st->array->var ||
	    st->array->var->arity == 0) {
		emit_error(e, &st->loc, "foreach over this expression is not supported");
		return;
	}
	arr = st->array->var;
	n = ++e->label;
	snprintf(m, sizeof m, "&stp_m_%s", arr->name);
	fprintf(e->out, "\t{\n\tconst size_t _fu%d = c->frame_used;\n\tu32 _i%d, _n%d;\n", n, n, n);
	fprintf(e->out, "\tconst u32 *_o%d = stp_map_order(c, %s, %d, %d, &_n%d, ", n, m,
		st->sort_column == -1 && st->sort_agg ? -1 - (st->sort_agg - OP_COUNT)
						      : st->sort_column,
		st->sort_dir < 0 ? -1 : 1, n);
	emit_loc_string(e, errloc_stmt(st), "keyword");
	fprintf(e->out, ");\n\tint64_t _lim%d = ", n);
	if (st->limit)
		emit_top_expr(e, st->limit);
	else
		fputs("-1", e->out);
	fprintf(e->out, ";\n");
	emit_check(e);
	unsigned mask =
	    st->array->kind == E_INDEX ? emit_slice_mask(st->array->args, st->array->nargs) : 0;
	if (mask)
		emit_slice_keys(e, st, n);
	fprintf(e->out, "\tint64_t _c%d = 0;\n", n);
	fprintf(e->out,
		"\tfor (_i%d = 0; _i%d < _n%d && (_lim%d < 0 || _c%d < _lim%d); _i%d++) {\n", n, n,
		n, n, n, n, n);
	fprintf(e->out, "\tstruct stp_ment *_e%d = stp_map_ent(%s, _o%d[_i%d]);\n", n, m, n, n);
	if (mask)
		fprintf(e->out, "\tif (!stp_map_match_mask(%s, _e%d, _k%d, %uu))\n\t\tcontinue;\n",
			m, n, n, mask);
	fprintf(e->out, "\t_c%d++;\n", n);
	saved = e->label;
	e->label = n;
	for (k = 0; k < st->nkeys; k++)
		if (st->keys[k])
			emit_bind_key(e, st->keys[k], m, (int)k);
	e->label = saved;
	if (st->value) {
		const struct stap_var *v = st->value;

		if (v->type == STAP_T_STRING)
			fprintf(e->out, "\tstp_strcpy(l->v%d, stp_ment_val(%s, _e%d));\n", v->index,
				m, n);
		else if (arr->type == STAP_T_LONG)
			fprintf(e->out, "\tl->v%d = *(int64_t *)stp_ment_val(%s, _e%d);\n",
				v->index, m, n);
		else
			emit_error(e, &st->loc,
				   "foreach value of a statistics array is not supported");
	}
	emit_loop_body(e, st->body, n, n);
	fprintf(e->out, "\tstp_cont_%d:\n\tif (unlikely(!stp_action(c, 1, ", n);
	emit_where(e);
	fprintf(e->out, "))) goto %s;\n\t}\n\tstp_brk_%d:\n\tc->frame_used = _fu%d;\n\t}\n",
		e->err_label, n, n);
}

static void emit_delete(struct emit *e, const struct stap_stmt *st)
{
	const struct stap_expr *x = st->expr;
	const struct stap_var *v = x->var;
	size_t i;

	if (!v) {
		emit_error(e, &st->loc, "delete of this expression is not supported");
		return;
	}
	if (x->kind == E_INDEX && emit_slice_mask(x->args, x->nargs)) {
		fprintf(e->out, "\tstp_map_delete_slice(&stp_m_%s, ", v->name);
		e->cur_temp = 0;
		emit_keys(e, x->args, x->nargs);
		fprintf(e->out, ", %uu);\n", emit_slice_mask(x->args, x->nargs));
		emit_check(e);
	} else if (x->kind == E_INDEX) {
		fprintf(e->out, "\tstp_map_delete(&stp_m_%s, (const union stp_key[]){", v->name);
		e->cur_temp = 0;
		for (i = 0; i < x->nargs; i++) {
			fputs(i ? ", {." : "{.", e->out);
			fputs(x->args[i]->type == STAP_T_STRING ? "s = " : "n = ", e->out);
			emit_expr(e, x->args[i]);
			fputs("}", e->out);
		}
		fputs("});\n", e->out);
		emit_check(e);
	} else if (v->arity) {
		fprintf(e->out, "\tstp_map_clear(&stp_m_%s);\n", v->name);
	} else if (v->type == STAP_T_STATS) {
		fprintf(e->out, "\tmemset(stp_s_%s, 0, stp_stat_size(&stp_h_%s));\n", v->name,
			v->name);
	} else if (v->type == STAP_T_STRING) {
		fputs("\t", e->out);
		emit_var_ref(e, v);
		fputs("[0] = '\\0';\n", e->out);
	} else {
		fputs("\t", e->out);
		emit_var_ref(e, v);
		fputs(" = 0;\n", e->out);
	}
}

static void emit_return(struct emit *e, const struct stap_stmt *st)
{
	if (st->expr && e->in_func) {
		if (e->ret == STAP_T_STRING) {
			fputs("\tstp_strcpy(stp_ret, ", e->out);
			emit_top_expr(e, st->expr);
			fputs(");\n", e->out);
		} else if (e->ret == STAP_T_LONG) {
			fputs("\tstp_ret = ", e->out);
			emit_top_expr(e, st->expr);
			fputs(";\n", e->out);
		} else {
			fputs("\t(void)(", e->out);
			emit_top_expr(e, st->expr);
			fputs(");\n", e->out);
		}
		/* Inside try: an error in the value goes to the catch, not out. */
		if (strcmp(e->err_label, "stp_out") != 0)
			emit_check(e);
	}
	fputs("\tgoto stp_out;\n", e->out);
}

/* try { body } catch (msg) { handler }: an error in body lands at the catch
 * label with c->abort set; "next" passes through to the outer label. */
static void emit_try(struct emit *e, const struct stap_stmt *st)
{
	int n = ++e->label;
	char label[32];
	const char *outer = e->err_label;

	snprintf(label, sizeof label, "stp_catch_%d", n);
	e->err_label = label;
	fprintf(e->out, "\t{\n\tconst size_t _tf%d = c->frame_used;\n\t{\n", n);
	emit_stmt(e, st->body);
	e->err_label = outer;
	fprintf(e->out,
		"\t}\n\tstp_catch_%d:\n\tc->frame_used = _tf%d; /* foreach buffers left by the "
		"error */\n"
		"\tif (c->abort == STP_ABORT_ERROR) {\n\tc->abort = STP_ABORT_NONE;\n",
		n, n);
	if (st->catch_var)
		fprintf(e->out, "\tstp_strcpy(l->v%d, c->err_msg);\n", st->catch_var->index);
	if (st->els)
		emit_stmt(e, st->els);
	fprintf(e->out, "\t}\n\t}\n\tif (unlikely(c->abort)) goto %s;\n", e->err_label);
}

void emit_stmt(struct emit *e, const struct stap_stmt *st)
{
	if (!st)
		return;
	if (st->kind != S_BLOCK && st->kind != S_NULL)
		emit_action(e, st);
	switch (st->kind) {
	case S_NULL:
		return;
	case S_BLOCK:
		emit_block(e, st);
		return;
	case S_EXPR:
		fputs("\t(void)(", e->out);
		emit_top_expr(e, st->expr);
		fputs(");\n", e->out);
		emit_check(e);
		return;
	case S_IF:
		emit_if(e, st);
		return;
	case S_WHILE:
		emit_while(e, st);
		return;
	case S_FOR:
		emit_for(e, st);
		return;
	case S_FOREACH:
		emit_foreach(e, st);
		return;
	case S_BREAK:
	case S_CONTINUE:
		if (!e->brk) {
			emit_error(e, &st->loc, "%s outside a loop",
				   st->kind == S_BREAK ? "break" : "continue");
			return;
		}
		fprintf(e->out, "\tgoto stp_%s_%d;\n", st->kind == S_BREAK ? "brk" : "cont",
			st->kind == S_BREAK ? e->brk : e->cont);
		return;
	case S_NEXT:
		fputs("\tc->abort = STP_ABORT_NEXT;\n\tgoto stp_out;\n", e->out);
		return;
	case S_RETURN:
		emit_return(e, st);
		return;
	case S_DELETE:
		emit_delete(e, st);
		return;
	case S_TRY:
		emit_try(e, st);
		return;
	case S_EMBEDDED:
		fprintf(e->out, "\t{\n%s\n\t}\n", st->code ? st->code : "");
		return;
	}
}
