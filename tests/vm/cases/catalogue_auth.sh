# The real-world scripts of the stap catalogue (tests/stp, header
# "# real-world:"), built by tests/vm/prep/stap.sh, run as alice through
# staprun.auth (installed setuid root): each is first refused while the
# policy does not approve it, then approved by its digest for alice with the
# parameters its run sets (params=), run with the same -c arguments and
# checked against NAME.expect-user if there is one, else NAME.expect; nothing
# may stay loaded.  A script marked "# root-only: REASON" prints SKIP.
. /stap/lib.sh
D=/stap/stp
if [ ! -x "$BIN/staprun.auth" ] || ! ls "$D"/*.rw >/dev/null 2>&1; then
	skip all "staprun.auth or the real-world catalogue modules are missing (prep failed?)"
	exit 0
fi
auth_install "$D/pam-staprun-auth" || exit 1
lo_up
chmod 755 "$D" /stap

# left_loaded NAME: a module of that script (renamed per run) or a live-load
# record is still there.
left_loaded() { grep -q "^stp_${1}_" /proc/modules || [ -n "$(ls /run/stapauth 2>/dev/null)" ]; }
none_left() { ! left_loaded "$1"; }

# param_names "N=V ...": the names, comma-separated (for params=).
param_names() { echo "$1" | tr ' ' '\n' | sed -n 's/=.*//p' | tr '\n' , | sed 's/,$//'; }

count=0
for rw in "$D"/*.rw; do
	n=${rw##*/}
	n=${n%.rw}
	ko=$D/stp_$n.ko
	count=$((count + 1))
	if [ -f "$D/$n.root-only" ]; then
		skip "$n" "root-only: $(cat "$D/$n.root-only")"
		continue
	fi
	run=$(cat "$D/$n.run" 2>/dev/null)
	params=$(cat "$D/$n.params" 2>/dev/null)
	exp=$D/$n.expect
	[ -f "$D/$n.expect-user" ] && exp=$D/$n.expect-user
	eval "set -- $run"
	pol "# $n is not approved yet"
	# shellcheck disable=SC2086
	as_user alice "$SA" "$@" "$ko" $params >"$TMP/$n.out" 2>&1
	st=$?
	[ $st -eq 1 ] && [ "$(grep -c . "$TMP/$n.out")" -eq 1 ] &&
		grep -q "^staprun.auth: refused: .*is not approved" "$TMP/$n.out" && ! left_loaded "$n"
	ok "$n: refused before approval, one line, nothing loaded" "status $st: $(head -3 "$TMP/$n.out")"
	line="sha256:$(sha256sum "$ko" | cut -d' ' -f1) users=alice"
	[ -n "$params" ] && line="$line params=$(param_names "$params")"
	pol "$line"
	# shellcheck disable=SC2086
	to_pipe "$TMP/$n.out" timeout 120 /stap/runas 1000 1000 1002 \
		env HOME=/home/alice USER=alice LOGNAME=alice "$SA" "$@" "$ko" $params 2>"$TMP/$n.err"
	st=$?
	expect_result "$n: as alice (${exp##*/})" "$exp" "$TMP/$n.out" "$TMP/$n.err" "$st"
	wait_for 10 none_left "$n"
	ok "$n: nothing left loaded as alice" "$(grep "^stp_" /proc/modules; ls /run/stapauth 2>&1)"
done
echo "# catalogue_auth: $count real-world scripts"
pol "# nothing approved"
check "no oops in the kernel log" no_oops
