#undef TRACE_SYSTEM
#define TRACE_SYSTEM demo

DECLARE_EVENT_CLASS(demo_template,
	TP_PROTO(struct task_struct *p),
	TP_ARGS(p),
	TP_STRUCT__entry(__field(pid_t, pid)),
	TP_fast_assign(__entry->pid = p->pid;),
	TP_printk("pid=%d", __entry->pid)
);

DEFINE_EVENT(demo_template, demo_exit,
	TP_PROTO(struct task_struct *p),
	TP_ARGS(p));

DEFINE_EVENT_FN(demo_template, demo_fn, TP_PROTO(int x), TP_ARGS(x), reg, unreg);

TRACE_EVENT(demo_switch,
	TP_PROTO(bool preempt, struct task_struct *prev),
	TP_ARGS(preempt, prev),
	TP_STRUCT__entry(__field(int, x)),
	TP_fast_assign(__entry->x = 0;),
	TP_printk("%d", __entry->x)
);

TRACE_EVENT_CONDITION(demo_cond, TP_PROTO(int a), TP_ARGS(a), TP_CONDITION(a), TP_STRUCT__entry(), TP_fast_assign(), TP_printk(""));
