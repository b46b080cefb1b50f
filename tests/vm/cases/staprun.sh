# staprun and the transport, in the real kernel (runs as root in the VM).
. /stap/lib.sh
S=$BIN/staprun
M=$MOD/stp_test.ko
Q=$MOD/stp_quick.ko
if [ ! -x "$S" ] || [ ! -f "$M" ]; then
	skip "all" "staprun or the test module is missing (prep failed?)"
	exit 0
fi

not_loaded() { ! mod_loaded stp_test && ! mod_loaded stp_quick; }

# expect NAME FILE LINE...: FILE holds exactly these lines.
expect() {
	name=$1 f=$2
	shift 2
	printf '%s\n' "$@" >"$TMP/want"
	if cmp -s "$TMP/want" "$f"; then
		pass "$name"
	else
		fail "$name" "output differs"
		diff "$TMP/want" "$f" | head -20 | sed 's/^/#   /'
	fi
}

# --- output, parameters, end handlers ---
$S $M >"$TMP/o" 2>"$TMP/e"
rc=$?
expect "lines arrive in order, begin and end run once" "$TMP/o" \
	begin "line 1" "line 2" "line 3" "line 4" "line 5" "end: 5 lines, vfs_read hits counted"
check "exit() from a probe ends staprun with status 0" [ $rc -eq 0 ]
check "nothing on stderr for a clean run" [ ! -s "$TMP/e" ]
check "module unloaded after the run" not_loaded

$S $M lines=3 prefix=tick >"$TMP/o" 2>&1
expect "parameters change behaviour" "$TMP/o" begin "tick 1" "tick 2" "tick 3" \
	"end: 3 lines, vfs_read hits counted"

$S $M lines=3000 burst=150 >"$TMP/o" 2>"$TMP/e"
n=$(grep -c '^line ' "$TMP/o")
seq_ok=$(awk '/^line / { if ($2 != ++i) bad = 1 } END { print bad ? "no" : "yes" }' "$TMP/o")
[ "$n" -eq 3000 ] && [ "$seq_ok" = yes ] && ! grep -q dropped "$TMP/e"
ok "3000 lines complete and in order while the reader keeps up ($n)"

# Many writers: every vfs_read on any CPU prints, while the timer prints too.
(for i in $(seq 200); do cat /proc/version >/dev/null; done) &
$S $M readlines=1 lines=40 >"$TMP/o" 2>"$TMP/e"
wait
n=$(sed -n 's/^end: reads //p' "$TMP/o")
got=$(grep -c '^read [0-9]*$' "$TMP/o")
uniq=$(grep '^read ' "$TMP/o" | sort -u | wc -l)
bad=$(grep -cvE '^(begin|line [0-9]+|read [0-9]+|end: .*)$' "$TMP/o")
[ -n "$n" ] && [ "$got" -eq "$n" ] && [ "$uniq" -eq "$n" ] && [ "$bad" -eq 0 ] &&
	! grep -q dropped "$TMP/e"
ok "concurrent writers: all $got of ${n:-?} reads arrive whole, $bad malformed lines"
seq_ok=$(awk '/^line / { if ($2 != ++i) bad = 1 } END { print bad ? "no" : "yes" }' "$TMP/o")
check "concurrent writers: the timer's lines stay in order" [ "$seq_ok" = yes ]

$S -o "$TMP/file" $M lines=2 >"$TMP/o" 2>&1
expect "-o FILE receives the output" "$TMP/file" begin "line 1" "line 2" \
	"end: 2 lines, vfs_read hits counted"
check "-o FILE: nothing on stdout" [ ! -s "$TMP/o" ]

# --- -c CMD ---
$S -c 'grep -x "state running" /proc/stp_test/control; echo "child $$"; sleep 0.3; exit 7' \
	$M lines=0 >"$TMP/o" 2>"$TMP/e"
rc=$?
check "-c CMD: its exit status (7) comes back ($rc)" [ $rc -eq 7 ]
cpid=$(sed -n 's/^child //p' "$TMP/o")
check "-c CMD: its pid reaches the module as the target" \
	grep -qx "target ${cpid:-none}" "$TMP/o"
check "-c CMD: end probes run when it exits" grep -q '^end: ' "$TMP/o"
check "-c CMD: starts once the probes are live (it saw state running)" \
	grep -qx "state running" "$TMP/o"
$S -c 'kill -TERM $$' $M lines=0 >/dev/null 2>&1
rc=$?
check "-c CMD killed by SIGTERM gives 143 ($rc)" [ $rc -eq 143 ]
check "module unloaded after -c" not_loaded

# --- -x PID ---
sleep 30 &
spid=$!
$S -x $spid $M lines=1 >"$TMP/o" 2>&1
check "-x PID reaches the module as the target" grep -qx "target $spid" "$TMP/o"
kill $spid

# --- output that cannot be written ---
timeout 60 sh -c "$S $M lines=0 | head -n 3" >"$TMP/o" 2>&1
rc=$?
[ $rc -ne 124 ] && [ "$(grep -c '^line\|^begin' "$TMP/o")" -eq 3 ]
ok "a closed output pipe ends the run ($rc)"
check "closed pipe: module unloaded" not_loaded

# --- a print longer than one record arrives whole ---
$S $M bigline=20000 lines=1 >"$TMP/o" 2>&1
check "a 20000-byte print arrives whole" grep -qx "$(printf '%19999s' '' | tr ' ' x)" "$TMP/o"

# --- a begin probe fails: the load fails, the error reaches the kernel log ---
$S $M fail=1 >"$TMP/o" 2>"$TMP/e"
rc=$?
[ $rc -ne 0 ] && grep -q "cannot load" "$TMP/e" && not_loaded
ok "a failing begin probe fails the load, nothing loaded"
check "its error message reaches the kernel log" sh -c "dmesg | grep -q 'stp_test: ERROR: begin probe failed on purpose'"

# --- signals ---
for sig in INT TERM HUP; do
	# The background job truncates $TMP/o only once it runs: without the rm,
	# the wait below could see the previous round's "line 2" and signal a
	# staprun that has not installed its handlers yet (143, 129).
	rm -f "$TMP/o" "$TMP/e"
	$S $M lines=0 >"$TMP/o" 2>"$TMP/e" &
	pid=$!
	# Signal only once the run is relaying (handlers in place).
	wait_for 90 grep -q '^line 2' "$TMP/o" || fail "SIG$sig: no output within 90 s" "$(cat "$TMP/e")"
	kill -$sig $pid
	wait $pid
	rc=$?
	[ $rc -eq 0 ] && [ "$(grep -c '^end: ' "$TMP/o")" -eq 1 ]
	ok "SIG$sig ends staprun with the end output once, status 0 ($rc)"
	check "SIG$sig: module unloaded" not_loaded
done

# --- warnings, errors, drops ---
$S $M warn=1 lines=1 >"$TMP/o" 2>"$TMP/e"
rc=$?
grep -qx "WARNING: test warning" "$TMP/e" && grep -qx "ERROR: test error" "$TMP/e" &&
	! grep -q "test" "$TMP/o"
ok "warnings and errors go to stderr"
check "a probe error gives exit status 1 ($rc)" [ $rc -eq 1 ]

$S $M flood=40000 lines=1 >"$TMP/o" 2>"$TMP/e"
n=$(grep -c '^flood ' "$TMP/o")
seq_ok=$(awk '/^flood / { if ($2 != i++) bad = 1 } END { print bad ? "no" : "yes" }' "$TMP/o")
[ "$n" -gt 1000 ] && [ "$n" -lt 40000 ] && grep -q 'bytes .* dropped' "$TMP/e"
ok "overflow: bytes dropped, counted and reported ($n of 40000 kept)"
check "overflow: what is kept is an unbroken prefix" [ "$seq_ok" = yes ]
check "overflow: output after the gap still arrives" grep -q '^end: 1 lines' "$TMP/o"
sed 's/^/#   /' "$TMP/e" | head -3

# --- the transport files ---
$S $M lines=0 >"$TMP/o" 2>&1 &
pid=$!
wait_for 20 test -e /proc/stp_test/data
check "transport files are 0600 root, directory 0500" \
	[ "$(stat -c '%a %u' /proc/stp_test/data /proc/stp_test/control /proc/stp_test)" = "$(printf '600 0\n600 0\n500 0')" ]
! as_user alice cat /proc/stp_test/data
ok "unprivileged user cannot read the output"
! as_user alice cat /proc/stp_test/control
ok "unprivileged user cannot read the control file"
! as_user alice sh -c 'echo exit >/proc/stp_test/control'
ok "unprivileged user cannot request exit"
! cat /proc/stp_test/data
ok "a second reader is refused while staprun reads"
check "control reports the running state" grep -qx 'state running' /proc/stp_test/control
kill -INT $pid
wait $pid
check "still one end output after those attempts" [ "$(grep -c '^end: ' "$TMP/o")" -eq 1 ]

# Owner given at load (what staprun.auth does): the files stay root's, so
# only the loader opens them and relays them to the owner (runtime/transport.c).
insmod $M _stp_uid=1000 _stp_gid=1000 lines=0
check "with _stp_uid=1000 the files stay root's" \
	[ "$(stat -c '%u %g' /proc/stp_test/data)" = "0 0" ]
! as_user alice cat /proc/stp_test/data
ok "alice cannot open the output of a module loaded for her"
! as_user bob sh -c 'echo exit >/proc/stp_test/control'
ok "bob cannot request exit of alice's module"
echo exit >/proc/stp_test/control
check "root can request exit" wait_for 10 grep -qx 'state finished' /proc/stp_test/control
cat /proc/stp_test/data >"$TMP/raw" 2>/dev/null
check "root reads the output; end ran exactly once" [ "$(grep -ac 'end: ' "$TMP/raw")" -eq 1 ]
rmmod stp_test
check "rmmod after exit" not_loaded

# --- the reader goes away: the module stops its probes itself ---
insmod $Q lines=0
check "never opened: probes stop by themselves" wait_for 15 grep -qx 'reader_gone 1' /proc/stp_quick/control
wait_for 10 grep -qx 'state finished' /proc/stp_quick/control
ok "never opened: end ran, state finished" "$(tr '\n' ' ' </proc/stp_quick/control)"
rmmod stp_quick
insmod $Q lines=0
timeout 1 cat /proc/stp_quick/data >/dev/null 2>&1
check "reader closed and gone: probes stop by themselves" wait_for 15 grep -qx 'reader_gone 1' /proc/stp_quick/control
check "reader closed and gone: end ran, state finished" wait_for 10 grep -qx 'state finished' /proc/stp_quick/control
rmmod stp_quick
insmod $Q lines=0
cat /proc/stp_quick/data >"$TMP/raw" &
rpid=$!
sleep 2.5
check "while the reader stays, the module keeps running" grep -qx 'state running' /proc/stp_quick/control
timeout 30 rmmod stp_quick
ok "rmmod while a reader is blocked in read(2) does not hang"
wait_for 10 sh -c "! kill -0 $rpid"
ok "the blocked reader gets the end of the stream"
check "rmmod of a running module runs the end probes" grep -aq 'end: ' "$TMP/raw"
kill $rpid 2>/dev/null
wait $rpid 2>/dev/null
check "rmmod of a running module" not_loaded

# --- bad input: one clear line each, nothing loaded ---
bad() { # NAME PATTERN ARGS...
	name=$1 pat=$2
	shift 2
	$S "$@" >"$TMP/o" 2>"$TMP/e"
	rc=$?
	if [ $rc -ne 0 ] && [ "$(wc -l <"$TMP/e")" -eq 1 ] && grep -Eq "$pat" "$TMP/e" &&
		[ ! -s "$TMP/o" ] && not_loaded; then
		pass "$name"
	else
		fail "$name" "status $rc"
		sed 's/^/#   /' "$TMP/e" | head -5
	fi
}
bad "undeclared parameter is named" "does not declare parameter bogus" $M bogus=1
bad "internal parameter refused" "_stp_uid is internal" $M _stp_uid=0
bad "bad parameter value" 'lines: "x" is not a valid int' $M lines=x
bad "truncated module" "not a usable kernel module" $MOD/stp_trunc.ko
bad "directory" "is a directory" $MOD
ln -sf $M "$TMP/link.ko"
bad "symlink" "is a symbolic link" "$TMP/link.ko"
bad "empty file" "is empty" $MOD/stp_empty.ko
bad "module for another release" "not built for this kernel: built for .*, running $(uname -r) \(vermagic " $MOD/stp_badrel.ko
bad "module with another vermagic (kernel check)" "not built for this kernel \(vermagic .*see dmesg\)" $MOD/stp_badmagic.ko
bad "missing file" "No such file" $MOD/nonexistent.ko
insmod $M lines=0
$S $M >"$TMP/o" 2>"$TMP/e"
check "already loaded: clear line" grep -q "a module named stp_test is already loaded" "$TMP/e"
rmmod stp_test
check "nothing left in /proc/modules" not_loaded
