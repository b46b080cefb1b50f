/* The transport: how a loaded probe module sends its output to user space
 * and is told to stop.  Included once by the module's C file (one
 * translation unit), see transport.h.
 *
 * Output goes into one ring buffer (vmalloc, power of two) as framed
 * records (transport_proto.h) under a raw spinlock with interrupts off, so
 * records from all CPUs keep one order.  A writer never waits: when the
 * record does not fit, its bytes are dropped and counted, and a drop record
 * is placed where the gap is once space returns.  Writers never wake the
 * reader (a wake_up from a scheduler probe can deadlock); a timer does.
 *
 * /proc/<module>/data   read: records; end of file once finished and drained
 * /proc/<module>/control write "exit"; read the state and counters
 * Both mode 0600, the directory 0500, owned by root whoever the owner
 * (_stp_uid/_stp_gid) is: only the loader opens them and relays the output,
 * so no user can open them before it (or keep them open across unload).
 *
 * Teardown, on every path (unload, failed start): the state becomes
 * FINISHED and readers are woken before proc_remove waits for them; then
 * epoll is told the wait queue goes away (POLLFREE) and plain
 * poll(2)/select(2) sleepers are waited out, so nothing outside the module
 * points into it once it is freed.
 *
 * Life cycle: STARTING (stp_module_start) -> RUNNING -> STOPPING (exit
 * requested: stp_module_stop, then stp_module_end exactly once, from a
 * work item) -> FINISHED.  Exit is requested by "exit" on the control file,
 * by stp_request_exit(), or when the reader is gone for good: the data file
 * was closed and not reopened within STP_READER_GRACE_MS, or never opened
 * within STP_OPEN_TIMEOUT_MS of the load. */
#include <linux/atomic.h>
#include <linux/ctype.h>
#include <linux/delay.h>
#include <linux/hardirq.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/magic.h>
#include <linux/namei.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/poll.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "transport.h"

#ifndef STP_BUFSIZE_SHIFT
#define STP_BUFSIZE_SHIFT 20 /* 1 MiB of output in flight */
#endif
#define STP_BUFSIZE (1UL << STP_BUFSIZE_SHIFT)
#define STP_BOUNCE (64UL << 10) /* most one read(2) returns */
#ifndef STP_TIMER_MS
#define STP_TIMER_MS 20
#endif
#ifndef STP_READER_GRACE_MS
#define STP_READER_GRACE_MS 5000
#endif
#ifndef STP_OPEN_TIMEOUT_MS
#define STP_OPEN_TIMEOUT_MS 30000
#endif
#define STP_DROP_PAYLOAD 16

/* Readable in sysfs: staprun.auth -d asks the owner of a loaded module. */
module_param(_stp_uid, uint, 0444);
MODULE_PARM_DESC(_stp_uid, "internal: uid of the user the module was loaded for");
module_param(_stp_gid, uint, 0);
MODULE_PARM_DESC(_stp_gid, "internal: gid of the user the module was loaded for");
module_param(_stp_target, int, 0);
MODULE_PARM_DESC(_stp_target, "internal: target process id (-c/-x)");

enum stp_state { STP_STARTING, STP_RUNNING, STP_STOPPING, STP_FINISHED };
static const char *const stp_state_names[] = {"starting", "running", "stopping", "finished"};

struct stp_transport {
	raw_spinlock_t lock; /* ring, head, tail, drop_pending */
	char *ring;
	unsigned long head; /* bytes ever written (free running) */
	unsigned long tail; /* bytes ever read */
	bool drop_pending;  /* a drop record is owed to the stream */
	atomic64_t dropped_bytes;
	atomic64_t dropped_records;
	atomic_t errors;
	atomic_t state;
	atomic_t exit_requested;
	atomic_t reader_gone;
	wait_queue_head_t wq;
	struct timer_list timer;
	atomic_t timer_stop;
	struct work_struct exit_work;
	struct mutex finish_lock; /* stop + end run once */
	bool ended;
	struct mutex read_lock; /* one read(2) at a time uses bounce */
	char *bounce;
	atomic_t readers;
	atomic_t ever_opened;
	unsigned long loaded_at;
	unsigned long closed_at;
	struct proc_dir_entry *dir;
};

static struct stp_transport stp_tr;
static DEFINE_PER_CPU(int, stp_in_emit);

static unsigned long stp_ring_used(void)
{
	return stp_tr.head - stp_tr.tail;
}

static void stp_ring_put(const void *src, unsigned long n)
{
	unsigned long off = stp_tr.head & (STP_BUFSIZE - 1);
	unsigned long first = min(n, STP_BUFSIZE - off);

	memcpy(stp_tr.ring + off, src, first);
	memcpy(stp_tr.ring, (const char *)src + first, n - first);
	stp_tr.head += n;
}

static void stp_ring_peek(void *dst, unsigned long at, unsigned long n)
{
	unsigned long off = at & (STP_BUFSIZE - 1);
	unsigned long first = min(n, STP_BUFSIZE - off);

	memcpy(dst, stp_tr.ring + off, first);
	memcpy((char *)dst + first, stp_tr.ring, n - first);
}

static void stp_put_header(unsigned int chan, unsigned long len)
{
	u32 h = cpu_to_le32((u32)len | (chan << STP_CHAN_SHIFT));

	stp_ring_put(&h, STP_HDR_LEN);
}

static void stp_put_drop_record(void)
{
	__le64 v[2] = {cpu_to_le64(atomic64_read(&stp_tr.dropped_bytes)),
		       cpu_to_le64(atomic64_read(&stp_tr.dropped_records))};

	stp_put_header(STP_CHAN_DROP, STP_DROP_PAYLOAD);
	stp_ring_put(v, STP_DROP_PAYLOAD);
	stp_tr.drop_pending = false;
}

static void stp_count_drop(unsigned long len)
{
	atomic64_add(len, &stp_tr.dropped_bytes);
	atomic64_inc(&stp_tr.dropped_records);
}

/* Called with the lock held: one record, or count it as dropped. */
static void stp_ring_record(unsigned int chan, const char *buf, unsigned long len)
{
	unsigned long need = STP_HDR_LEN + len;

	if (stp_tr.drop_pending)
		need += STP_HDR_LEN + STP_DROP_PAYLOAD;
	if (need > STP_BUFSIZE - stp_ring_used()) {
		stp_count_drop(len);
		stp_tr.drop_pending = true;
		return;
	}
	if (stp_tr.drop_pending)
		stp_put_drop_record();
	stp_put_header(chan, len);
	stp_ring_put(buf, len);
}

/* Take the lock without ever waiting on this CPU: a probe that fires while
 * this CPU is inside the transport (an NMI, a kprobe on something we call)
 * drops its record instead of deadlocking. */
static void stp_emit(unsigned int chan, const char *buf, size_t len)
{
	unsigned long flags;

	if (!stp_tr.ring)
		return;
	local_irq_save(flags);
	if (__this_cpu_read(stp_in_emit)) {
		stp_count_drop(len);
		local_irq_restore(flags);
		return;
	}
	__this_cpu_write(stp_in_emit, 1);
	if (in_nmi() ? raw_spin_trylock(&stp_tr.lock) : (raw_spin_lock(&stp_tr.lock), 1)) {
		while (len > 0) {
			size_t n = min_t(size_t, len, STP_REC_MAX);

			stp_ring_record(chan, buf, n);
			buf += n;
			len -= n;
		}
		raw_spin_unlock(&stp_tr.lock);
	} else {
		stp_count_drop(len);
	}
	__this_cpu_write(stp_in_emit, 0);
	local_irq_restore(flags);
}

static void __maybe_unused stp_print(const char *buf, size_t len)
{
	stp_emit(STP_CHAN_OUT, buf, len);
}

static void __maybe_unused stp_warn_msg(const char *buf, size_t len)
{
	stp_emit(STP_CHAN_WARN, buf, len);
}

static void __maybe_unused stp_error_msg(const char *buf, size_t len)
{
	atomic_inc(&stp_tr.errors);
	stp_emit(STP_CHAN_ERR, buf, len);
}

static void __maybe_unused stp_request_exit(void)
{
	atomic_set(&stp_tr.exit_requested, 1);
}

static int __maybe_unused stp_exiting(void)
{
	return atomic_read(&stp_tr.exit_requested) || atomic_read(&stp_tr.state) >= STP_STOPPING;
}

/* Process context.  Runs stop and end at most once, whoever asks first
 * (the exit work item or module unload). */
static void stp_finish(void)
{
	unsigned long flags;

	mutex_lock(&stp_tr.finish_lock);
	if (!stp_tr.ended) {
		atomic_set(&stp_tr.state, STP_STOPPING);
		stp_module_stop();
		stp_module_end();
		stp_tr.ended = true;
		raw_spin_lock_irqsave(&stp_tr.lock, flags);
		if (stp_tr.drop_pending &&
		    STP_BUFSIZE - stp_ring_used() >= STP_HDR_LEN + STP_DROP_PAYLOAD)
			stp_put_drop_record();
		raw_spin_unlock_irqrestore(&stp_tr.lock, flags);
		/* Everything written before this point is in the ring. */
		atomic_set_release(&stp_tr.state, STP_FINISHED);
	}
	mutex_unlock(&stp_tr.finish_lock);
	wake_up_interruptible(&stp_tr.wq);
}

static void stp_exit_work_fn(struct work_struct *w)
{
	stp_finish();
}

static bool stp_reader_gone(void)
{
	unsigned long now = jiffies;

	if (atomic_read(&stp_tr.readers))
		return false;
	if (atomic_read(&stp_tr.ever_opened))
		return time_after(now, READ_ONCE(stp_tr.closed_at) +
					   msecs_to_jiffies(STP_READER_GRACE_MS));
	return time_after(now, stp_tr.loaded_at + msecs_to_jiffies(STP_OPEN_TIMEOUT_MS));
}

/* Softirq context: wakes the reader, starts the exit work. */
static void stp_timer_fn(struct timer_list *t)
{
	int state = atomic_read(&stp_tr.state);

	if (READ_ONCE(stp_tr.head) != READ_ONCE(stp_tr.tail) || state == STP_FINISHED)
		wake_up_interruptible(&stp_tr.wq);
	if (state == STP_RUNNING && stp_reader_gone()) {
		atomic_set(&stp_tr.reader_gone, 1);
		atomic_set(&stp_tr.exit_requested, 1);
	}
	if (state == STP_RUNNING && atomic_read(&stp_tr.exit_requested))
		schedule_work(&stp_tr.exit_work);
	if (!atomic_read(&stp_tr.timer_stop))
		mod_timer(t, jiffies + msecs_to_jiffies(STP_TIMER_MS));
}

/* Whole records from the ring into bounce, at most max bytes; they stay in
 * the ring until stp_ring_consume (only the read_lock holder moves tail). */
static size_t stp_ring_peek_records(size_t max)
{
	unsigned long flags, at;
	size_t out = 0;

	raw_spin_lock_irqsave(&stp_tr.lock, flags);
	at = stp_tr.tail;
	while (stp_tr.head - at >= STP_HDR_LEN) {
		__le32 h;
		unsigned long rec;

		stp_ring_peek(&h, at, STP_HDR_LEN);
		rec = STP_HDR_LEN + (le32_to_cpu(h) & STP_LEN_MASK);
		if (out + rec > max)
			break;
		stp_ring_peek(stp_tr.bounce + out, at, rec);
		at += rec;
		out += rec;
	}
	raw_spin_unlock_irqrestore(&stp_tr.lock, flags);
	return out;
}

static void stp_ring_consume(size_t n)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&stp_tr.lock, flags);
	stp_tr.tail += n;
	raw_spin_unlock_irqrestore(&stp_tr.lock, flags);
}

static bool stp_readable(void)
{
	return READ_ONCE(stp_tr.head) != READ_ONCE(stp_tr.tail) ||
	       atomic_read(&stp_tr.state) == STP_FINISHED;
}

static int stp_data_open(struct inode *inode, struct file *f)
{
	if (atomic_cmpxchg(&stp_tr.readers, 0, 1) != 0)
		return -EBUSY;
	atomic_set(&stp_tr.ever_opened, 1);
	return nonseekable_open(inode, f);
}

static int stp_data_release(struct inode *inode, struct file *f)
{
	WRITE_ONCE(stp_tr.closed_at, jiffies);
	atomic_set(&stp_tr.readers, 0);
	return 0;
}

static ssize_t stp_data_read(struct file *f, char __user *ubuf, size_t count, loff_t *ppos)
{
	ssize_t ret;

	if (count < STP_READ_MIN)
		return -EINVAL;
	if (mutex_lock_interruptible(&stp_tr.read_lock))
		return -ERESTARTSYS;
	for (;;) {
		bool finished = atomic_read_acquire(&stp_tr.state) == STP_FINISHED;
		size_t n = stp_ring_peek_records(min_t(size_t, count, STP_BOUNCE));

		if (n) {
			/* A faulting buffer leaves the records for the next read. */
			if (copy_to_user(ubuf, stp_tr.bounce, n)) {
				ret = -EFAULT;
				break;
			}
			stp_ring_consume(n);
			ret = n;
			break;
		}
		if (finished) {
			ret = 0;
			break;
		}
		if (f->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		if (wait_event_interruptible(stp_tr.wq, stp_readable())) {
			ret = -ERESTARTSYS;
			break;
		}
	}
	mutex_unlock(&stp_tr.read_lock);
	return ret;
}

static __poll_t stp_data_poll(struct file *f, poll_table *wait)
{
	poll_wait(f, &stp_tr.wq, wait);
	return stp_readable() ? EPOLLIN | EPOLLRDNORM : 0;
}

static ssize_t stp_control_read(struct file *f, char __user *ubuf, size_t count, loff_t *ppos)
{
	char buf[256];
	int n;

	n = scnprintf(buf, sizeof buf,
		      "state %s\ndropped_bytes %lld\ndropped_records %lld\nerrors %d\n"
		      "reader_gone %d\ntarget %d\n",
		      stp_state_names[atomic_read(&stp_tr.state)],
		      (long long)atomic64_read(&stp_tr.dropped_bytes),
		      (long long)atomic64_read(&stp_tr.dropped_records),
		      atomic_read(&stp_tr.errors), atomic_read(&stp_tr.reader_gone), _stp_target);
	return simple_read_from_buffer(ubuf, count, ppos, buf, n);
}

static ssize_t stp_control_write(struct file *f, const char __user *ubuf, size_t count,
				 loff_t *ppos)
{
	char buf[sizeof(STP_CTL_EXIT)];
	size_t n = sizeof(STP_CTL_EXIT) - 1;

	/* Exactly "exit" or "exit\n": the write's length is the command's. */
	if (count != n && count != n + 1)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	if (memcmp(buf, STP_CTL_EXIT, n) != 0 || (count > n && buf[n] != '\n'))
		return -EINVAL;
	stp_request_exit();
	return count;
}

static const struct proc_ops stp_data_ops = {
    .proc_open = stp_data_open,
    .proc_release = stp_data_release,
    .proc_read = stp_data_read,
    .proc_poll = stp_data_poll,
    .proc_lseek = no_llseek,
};

static const struct proc_ops stp_control_ops = {
    .proc_read = stp_control_read,
    .proc_write = stp_control_write,
    .proc_lseek = default_llseek,
};

/* Whether /proc already has an entry of this name (/proc/sys, /proc/net, a
 * name another module registered): proc_mkdir would WARN on it, and with
 * panic_on_warn a root-chosen -m name would take the machine down.  Asked
 * through the loader's /proc when that is procfs; pid folders are not
 * registered entries and pass. */
static int stp_proc_name_taken(const char *name)
{
	char p[MODULE_NAME_LEN + 8];
	struct path path;
	int taken;

	if (strchr(name, '/') || snprintf(p, sizeof p, "/proc/%s", name) >= (int)sizeof p)
		return 1;
	if (kern_path(p, 0, &path))
		return 0;
	taken = path.dentry->d_sb->s_magic == PROC_SUPER_MAGIC;
	path_put(&path);
	return taken && !isdigit((unsigned char)name[0]);
}

static int stp_proc_create(void)
{
	struct proc_dir_entry *d, *c;

	if (!uid_valid(make_kuid(&init_user_ns, _stp_uid)) ||
	    !gid_valid(make_kgid(&init_user_ns, _stp_gid)))
		return -EINVAL;
	if (stp_proc_name_taken(THIS_MODULE->name)) {
		pr_err("%s: /proc/%s exists already: choose another module name (stap -m)\n",
		       THIS_MODULE->name, THIS_MODULE->name);
		return -EBUSY;
	}
	/* THIS_MODULE->name, not KBUILD_MODNAME: loaders may rename a copy. */
	stp_tr.dir = proc_mkdir_mode(THIS_MODULE->name, 0500, NULL);
	if (!stp_tr.dir) {
		/* not -EEXIST: loaders read that as "module already loaded" */
		pr_err("%s: cannot create /proc/%s (name taken?)\n", THIS_MODULE->name,
		       THIS_MODULE->name);
		return -EBUSY;
	}
	d = proc_create(STP_PROC_DATA, 0600, stp_tr.dir, &stp_data_ops);
	c = proc_create(STP_PROC_CONTROL, 0600, stp_tr.dir, &stp_control_ops);
	if (!d || !c) {
		proc_remove(stp_tr.dir);
		stp_tr.dir = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* The load failed: nobody will read the ring, so show the begin probes'
 * warnings and errors in the kernel log. */
static void stp_dump_messages(void)
{
	size_t n = stp_ring_peek_records(STP_BOUNCE), off = 0;

	while (off + STP_HDR_LEN <= n) {
		u32 h = le32_to_cpu(*(__le32 *)(stp_tr.bounce + off));
		unsigned int len = h & STP_LEN_MASK, chan = h >> STP_CHAN_SHIFT;

		if (chan == STP_CHAN_WARN || chan == STP_CHAN_ERR)
			pr_err("%s: %.*s", THIS_MODULE->name, (int)len,
			       stp_tr.bounce + off + STP_HDR_LEN);
		off += STP_HDR_LEN + len;
	}
}

/* Nothing outside the module may point at the wait queue once it is freed.
 * This is wake_up_pollfree() without its check that the queue is then
 * empty: POLLFREE detaches epoll entries (module memory is freed only after
 * an RCU grace period, which wake_up_pollfree requires, and we wait for one
 * too), but a poll(2)/select(2) sleeper (a loader in ppoll while -d or rmmod
 * unloads) only wakes and takes itself off in poll_freewait: wait for it. */
static void stp_wq_release(void)
{
	__wake_up(&stp_tr.wq, TASK_NORMAL, 0, poll_to_key(EPOLLHUP | POLLFREE));
	while (waitqueue_active(&stp_tr.wq)) {
		wake_up_all(&stp_tr.wq);
		msleep(1);
	}
	synchronize_rcu(); /* epoll may still look at the queue under RCU */
}

/* Every teardown path: readers see the end (a blocked read returns, the
 * next one returns 0) before proc_remove waits for the ones inside our
 * file operations; then no file of ours is open or polled. */
static void stp_transport_free(void)
{
	atomic_set_release(&stp_tr.state, STP_FINISHED);
	wake_up_all(&stp_tr.wq);
	if (stp_tr.dir)
		proc_remove(stp_tr.dir);
	stp_tr.dir = NULL;
	stp_wq_release();
	atomic_set(&stp_tr.timer_stop, 1);
	del_timer_sync(&stp_tr.timer);
	cancel_work_sync(&stp_tr.exit_work);
	vfree(stp_tr.bounce);
	vfree(stp_tr.ring);
	stp_tr.ring = NULL;
}

static int __init stp_transport_init(void)
{
	int rc;

	raw_spin_lock_init(&stp_tr.lock);
	init_waitqueue_head(&stp_tr.wq);
	mutex_init(&stp_tr.finish_lock);
	mutex_init(&stp_tr.read_lock);
	INIT_WORK(&stp_tr.exit_work, stp_exit_work_fn);
	timer_setup(&stp_tr.timer, stp_timer_fn, 0);
	atomic_set(&stp_tr.state, STP_STARTING);
	stp_tr.loaded_at = jiffies;
	stp_tr.ring = vzalloc(STP_BUFSIZE);
	stp_tr.bounce = vmalloc(STP_BOUNCE);
	if (!stp_tr.ring || !stp_tr.bounce) {
		stp_transport_free();
		return -ENOMEM;
	}
	rc = stp_proc_create();
	if (rc) {
		stp_transport_free();
		return rc;
	}
	mod_timer(&stp_tr.timer, jiffies + msecs_to_jiffies(STP_TIMER_MS));
	rc = stp_module_start(); /* on error it has undone itself */
	if (rc) {
		stp_tr.ended = true;
		stp_dump_messages();
		stp_transport_free();
		return rc;
	}
	atomic_set(&stp_tr.state, STP_RUNNING);
	return 0;
}

static void __exit stp_transport_exit(void)
{
	stp_finish(); /* a reader still blocked in read(2) now sees the end */
	stp_transport_free();
}

module_init(stp_transport_init);
module_exit(stp_transport_exit);
