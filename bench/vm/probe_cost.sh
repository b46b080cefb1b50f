# Inside the VM (bench/probe-cost.sh): the getpid() busy loop bare and under
# the same workloads probed by stapauth (staprun), by bpftrace with kprobes
# (and its tracepoint) and by bpftrace with kfunc/kretfunc, in rounds (the
# order of the tools reverses every other round); medians of the rounds.
#   per-hit cost = ns per loop call probed - ns per call of the bare loop
#   run just before it (each getpid() makes one hit of __task_pid_nr_ns and
#   one raw_syscalls sys_enter).  One CPU: the reader of the events (staprun,
#   bpftrace) runs on it too, so its work per event is in the figure.
#   printing throughput = "ev" lines that reached the tool's output file per
#   second of the loop, with the events each tool says it lost (staprun's
#   dropped writes, bpftrace's "Lost N events"); default buffers on both sides.
. /stap/lib.sh
D=/stap/pc
. "$D/conf" 2>/dev/null
N=${PC_CALLS:-200000}
R=${PC_ROUNDS:-5}
BT=$(cat "$D/bpftrace.path" 2>/dev/null)
if [ ! -x "$BIN/staprun" ] || [ -z "$BT" ] || [ ! -x "$BT" ]; then
	skip "all" "staprun or bpftrace is missing from the image (prep failed?)"
	exit 0
fi
# What bpftrace needs from the kernel: BTF is in sysfs; tracefs, debugfs.
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
[ -r /sys/kernel/btf/vmlinux ] || echo "#   no /sys/kernel/btf/vmlinux"
echo "# probe-cost: $N getpid() calls per run, $R rounds, $(grep -c ^processor /proc/cpuinfo) CPU, $PC_CLOCK"

# ns NAME FILE: the loop's ns per call from FILE, appended to $TMP/NAME.
ns() {
	v=$(sed -n 's/^calls [0-9]* ns_per_call //p' "$2" | head -n 1)
	[ -n "$v" ] || return 1
	echo "$v" >>"$TMP/$1"
	[ "$1" = bare ] && last_bare=$v && return 0
	echo $((v - last_bare)) >>"$TMP/$1.hit"
}

# lost FILE: the events FILE's tool says it lost.
lost() {
	sed -n -e 's/.*bytes (\([0-9]*\) writes) of probe output dropped.*/\1/p' \
		-e 's/^Lost \([0-9]*\) events.*/\1/p' "$1" | awk '{ s += $1 } END { print s + 0 }'
}

run_stap() { # WORKLOAD OUT
	timeout 600 "$BIN/staprun" -c "$D/busy $N" "$D/pc_$1.ko" >"$2" 2>&1
}
run_bt() {
	timeout 600 "$BT" -c "$D/busy $N" "$D/$1.bt" >"$2" 2>&1
}
run_bk() {
	timeout 600 "$BT" -c "$D/busy $N" "$D/$1-kfunc.bt" >"$2" 2>&1
}

# one TOOL WORKLOAD ROUND: run it, record ns/call (and for print: events
# delivered, lost); a run that fails or prints no loop figure is a FAIL.
one() {
	o=$TMP/$1-$2-$3.out
	# the bare loop right before: the host's load drifts between runs
	"$D/busy" "$N" >"$TMP/bare.out" && ns bare "$TMP/bare.out" || return 1
	"run_$1" "$2" "$o"
	st=$?
	if [ $st -ne 0 ] || ! ns "$1-$2" "$o"; then
		fail "$1 $2 round $3" "exit status $st"
		sed 's/^/#   /' "$o" | head -n 15
		return 1
	fi
	[ "$3" = 1 ] && { echo "#   $1 $2:"; grep -v '^ev ' "$o" | head -n 12 | sed 's/^/#     /'; }
	case $2 in
	count) grep -Eq '^(hits|@hits:) [0-9]+' "$o" ;;
	lathist) grep -Eq '^\[?[0-9]+.*\|@*' "$o" || grep -q '@lat' "$o" ;;
	trace) grep -Eq '^(n|@n:) [0-9]+' "$o" ;;
	print)
		e=$(grep -c '^ev ' "$o")
		echo "$e" >>"$TMP/$1-print-ev"
		lost "$o" >>"$TMP/$1-print-lost"
		# events/s: delivered over the loop's own run time
		awk -v e="$e" -v n="$N" -v ns="$v" 'BEGIN { printf "%.0f\n", (ns > 0 ? e / (n * ns / 1e9) : 0) }' \
			>>"$TMP/$1-print-rate"
		;;
	esac || { fail "$1 $2 round $3" "no result at the end"; sed 's/^/#   /' "$o" | head -n 15; }
	return 0
}

# med FILE: the median of the numbers in FILE.
med() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# tools: stap (staprun), bt (bpftrace kprobe:/kretprobe:/tracepoint:), bk
# (bpftrace kfunc:/kretfunc:, its fastest form for a function, DESIGN.md §5)
tools() {
	if [ -f "$D/$1-kfunc.bt" ]; then echo stap bt bk; else echo stap bt; fi
}
W="count lathist trace print"
i=1
while [ $i -le "$R" ]; do
	for w in $W; do
		t=$(tools "$w")
		[ $((i % 2)) -eq 0 ] && t=$(echo "$t" | awk '{ for (k = NF; k > 0; k--) printf "%s ", $k }')
		for x in $t; do
			one "$x" "$w" $i
		done
	done
	i=$((i + 1))
done

bare=$(med "$TMP/bare")
echo "# bench probe-cost: bare loop $bare ns per getpid() (median of $(wc -l <"$TMP/bare") runs, $PC_CLOCK)"
for w in $W; do
	[ -s "$TMP/stap-$w.hit" ] && [ -s "$TMP/bt-$w.hit" ] || continue
	hs=$(med "$TMP/stap-$w.hit")
	hb=$(med "$TMP/bt-$w.hit")
	hk=$([ -s "$TMP/bk-$w.hit" ] && med "$TMP/bk-$w.hit")
	awk -v w="$w" -v hs="$hs" -v hb="$hb" -v hk="$hk" -v z="$bare" 'BEGIN {
		f = hb; form = "kprobe"
		if (w == "trace") form = "tracepoint"
		k = ""
		if (hk != "") {
			k = sprintf(", bpftrace kfunc %+.0f ns (%.2fx)", hk, (z + hk) / z)
			if (hk + 0 < f + 0) { f = hk; form = "kfunc" }
		}
		if (f > 0)
			r = sprintf("%.2f (goal <= 1: %s)", hs / f, (hs <= f ? "met" : "NOT met"))
		else
			r = "not measured: bpftrace'"'"'s figure is within the noise of the bare loop"
		printf "# bench probe-cost: %s: per hit stapauth %+.0f ns (%.2fx the bare loop), bpftrace %s %+.0f ns (%.2fx)%s; stapauth/bpftrace (fastest form: %s) per-hit cost %s\n",
			w, hs, (z + hs) / z, (w == "trace" ? "tracepoint" : "kprobe"), hb, (z + hb) / z, k, form, r }'
done
if [ -s "$TMP/stap-print-rate" ] && [ -s "$TMP/bt-print-rate" ]; then
	line="# bench probe-cost: print, events delivered to user space per second of the loop (median of $R):"
	best=0
	for x in stap bt bk; do
		[ -s "$TMP/$x-print-rate" ] || continue
		r=$(med "$TMP/$x-print-rate")
		e=$(med "$TMP/$x-print-ev")
		l=$(med "$TMP/$x-print-lost")
		case $x in stap) nm=stapauth sr=$r sl=$l ;; bt) nm="bpftrace kprobe" ;; bk) nm="bpftrace kfunc" ;; esac
		[ $x != stap ] && best=$(awk -v a="$best" -v b="$r" 'BEGIN { print (b > a ? b : a) }')
		l=$(awk -v n="$N" -v e="$e" -v l="$l" 'BEGIN { u = n - e - l
			printf "%s lost", l; if (u > 0) printf ", %s more neither delivered nor reported", u }')
		line="$line $nm $r/s ($e of $N delivered, $l);"
	done
	echo "$line"
	awk -v s="$sr" -v b="$best" 'BEGIN {
		printf "# bench probe-cost: print: stapauth/bpftrace (best form) delivered events/s %.2f (goal >= 1: %s)\n",
			(b > 0 ? s / b : 0), (s >= b ? "met" : "NOT met") }'
	check "stapauth printing lost no event (median of $R)" [ "$sl" = 0 ]
fi
# Start and stop: staprun -c true with the counter on ftrace (its own
# ftrace_ops: RCU-tasks grace periods at unload) and on kprobes (count2).
ms() { # MODULE: the median ms of 5 runs of staprun -c true
	for k in 1 2 3 4 5; do
		a=$(cut -d' ' -f1 /proc/uptime)
		"$BIN/staprun" -c true "$D/$1.ko" >/dev/null 2>&1
		b=$(cut -d' ' -f1 /proc/uptime)
		awk -v a="$a" -v b="$b" 'BEGIN { printf "%.0f\n", (b - a) * 1000 }'
	done >"$TMP/ms"
	med "$TMP/ms"
}
if [ -f "$D/pc_count.ko" ] && [ -f "$D/pc_count2.ko" ]; then
	echo "# bench probe-cost: staprun -c true, load to unload: counter on ftrace $(ms pc_count) ms, on kprobes (two probes, one function) $(ms pc_count2) ms (median of 5)"
fi
check "no oops in the kernel log" no_oops
