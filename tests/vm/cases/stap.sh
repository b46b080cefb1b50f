# The stap catalogue in the real kernel: every module built by
# tests/vm/prep/stap.sh runs under staprun and its output is checked against
# NAME.expect (format: tests/stp/README); then 100 loads of one module in a
# row, and the probe cost of a hot function as a ratio to the bare loop.
. /stap/lib.sh
D=/stap/stp
S=$BIN/staprun
if [ ! -x "$S" ] || ! ls "$D"/*.ko >/dev/null 2>&1; then
	skip "all" "staprun or the catalogue modules are missing (prep failed?)"
	exit 0
fi
lo_up

for ko in "$D"/*.ko; do
	m=${ko##*/}
	m=${m%.ko}
	n=${m#stp_}
	run=$(cat "$D/$n.run" 2>/dev/null)
	params=$(cat "$D/$n.params" 2>/dev/null)
	eval "set -- $run"
	# shellcheck disable=SC2086
	to_pipe "$TMP/$n.out" timeout 120 "$S" "$@" "$ko" $params 2>"$TMP/$n.err"
	st=$?
	if [ ! -f "$D/$n.expect" ]; then
		fail "$n" "no expectations"
	else
		expect_result "$n" "$D/$n.expect" "$TMP/$n.out" "$TMP/$n.err" "$st"
	fi
	if mod_loaded "$m"; then
		fail "$n: unloaded" "$m is still in /proc/modules"
		rmmod "$m" 2>/dev/null
	fi
done

# The same module loaded and unloaded 100 times in one boot.
if [ -f "$D/stp_hello.ko" ]; then
	i=0
	good=0
	while [ $i -lt 100 ]; do
		out=$(timeout 30 "$S" "$D/stp_hello.ko" 2>&1)
		[ "$out" = "hello world" ] && good=$((good + 1))
		i=$((i + 1))
	done
	! mod_loaded stp_hello && [ $good -eq 100 ]
	ok "100 loads and unloads of one module" "$good of 100 printed hello world"
fi

# Probe cost: the busy loop alone and under the hot-function probe, three
# rounds each, the best of each (TCG timing is noisy).
busy=$(cat "$D/busy.path" 2>/dev/null)
if [ -x "$busy" ] && [ -f "$D/stp_hot_getpid.ko" ]; then
	bare= probed=
	for r in 1 2 3; do
		b=$("$busy" 200000 | sed -n 's/.*ns_per_call //p')
		p=$(timeout 120 "$S" -c "$busy 200000" "$D/stp_hot_getpid.ko" 2>/dev/null |
			sed -n 's/.*ns_per_call //p')
		[ -n "$b" ] && { [ -z "$bare" ] || [ "$b" -lt "$bare" ]; } && bare=$b
		[ -n "$p" ] && { [ -z "$probed" ] || [ "$p" -lt "$probed" ]; } && probed=$p
	done
	if [ -n "$bare" ] && [ -n "$probed" ] && [ "$bare" -gt 0 ]; then
		echo "# bench probe-cost: getpid() bare ${bare} ns, with a probe on __task_pid_nr_ns ${probed} ns: $(awk -v a="$probed" -v b="$bare" 'BEGIN { printf "%.2f", a / b }')x the bare loop (TCG, best of 3)"
	fi
fi
check "no oops in the kernel log" no_oops
