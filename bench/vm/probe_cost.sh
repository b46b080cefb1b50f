# Inside the VM (bench/probe-cost.sh): the getpid() busy loop bare and under
# the same four workloads probed by stapauth (staprun) and by bpftrace, in
# rounds (the order of the tools alternates); medians of the rounds.
#   per-hit cost = ns per loop call probed - ns per call of the bare loop
#   run just before it (each getpid() makes one hit of __task_pid_nr_ns and
#   one raw_syscalls sys_enter), median over the rounds; printing throughput = "ev" lines that reached the tool's
#   output file per second of the loop, with the events each tool says it
#   lost (staprun's "dropped" writes, bpftrace's "Lost N events").
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
		grep -c '^ev ' "$o" >>"$TMP/$1-print-ev"
		lost "$o" >>"$TMP/$1-print-lost"
		;;
	esac || { fail "$1 $2 round $3" "no result at the end"; sed 's/^/#   /' "$o" | head -n 15; }
	return 0
}

# med FILE: the median of the numbers in FILE.
med() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

W="count lathist trace print"
i=1
while [ $i -le "$R" ]; do
	for w in $W; do
		if [ $((i % 2)) -eq 1 ]; then
			one stap "$w" $i
			one bt "$w" $i
		else
			one bt "$w" $i
			one stap "$w" $i
		fi
	done
	i=$((i + 1))
done

bare=$(med "$TMP/bare")
echo "# bench probe-cost: bare loop $bare ns per getpid() (median of $(wc -l <"$TMP/bare") runs, $PC_CLOCK)"
for w in $W; do
	[ -s "$TMP/stap-$w" ] && [ -s "$TMP/bt-$w" ] || continue
	hs=$(med "$TMP/stap-$w.hit")
	hb=$(med "$TMP/bt-$w.hit")
	awk -v w="$w" -v hs="$hs" -v hb="$hb" -v z="$bare" 'BEGIN {
		printf "# bench probe-cost: %s: per hit stapauth %+.0f ns (%.2fx the bare loop), bpftrace %+.0f ns (%.2fx); stapauth/bpftrace per-hit cost %.2f (goal <= 1: %s)\n",
			w, hs, (z + hs) / z, hb, (z + hb) / z, (hb > 0 ? hs / hb : 0), (hs <= hb ? "met" : "NOT met") }'
done
if [ -s "$TMP/stap-print-ev" ] && [ -s "$TMP/bt-print-ev" ]; then
	se=$(med "$TMP/stap-print-ev") sl=$(med "$TMP/stap-print-lost")
	be=$(med "$TMP/bt-print-ev") bl=$(med "$TMP/bt-print-lost")
	s=$(med "$TMP/stap-print") b=$(med "$TMP/bt-print")
	awk -v se="$se" -v sl="$sl" -v be="$be" -v bl="$bl" -v s="$s" -v b="$b" -v n="$N" 'BEGIN {
		rs = se / (n * s / 1e9); rb = be / (n * b / 1e9)
		printf "# bench probe-cost: print: delivered stapauth %d of %d events (%d lost), %.0f events/s; bpftrace %d (%d lost), %.0f events/s; stapauth/bpftrace throughput %.2f (goal >= 1: %s)\n",
			se, n, sl, rs, be, bl, rb, rs / rb, (rs >= rb ? "met" : "NOT met") }'
	check "stapauth printing delivered every event (median of $R)" [ "$sl" = 0 ]
fi
check "no oops in the kernel log" no_oops
