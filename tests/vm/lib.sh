# Helpers for VM bench cases (/stap/lib.sh inside the VM; busybox sh, root).
# The host's tests/lib.sh comes first: pass, fail, skip, run, $TMP.
# shellcheck source=/dev/null
. /stap/testlib.sh
BIN=/stap/bin
MOD=/stap/mod

# as_user NAME CMD [ARG...]: run CMD as NAME (from /etc/passwd), with the
# user's supplementary groups from /etc/group and a clean HOME/USER.
as_user() {
	u=$1
	shift
	line=$(grep "^$u:" /etc/passwd) || { echo "as_user: no user $u" >&2; return 127; }
	uid=$(echo "$line" | cut -d: -f3)
	gid=$(echo "$line" | cut -d: -f4)
	home=$(echo "$line" | cut -d: -f6)
	groups=$(awk -F: -v u="$u" '{ n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] == u) g = g (g ? "," : "") $3 } END { print g ? g : "-" }' /etc/group)
	/stap/runas "$uid" "$gid" "$groups" env HOME="$home" USER="$u" LOGNAME="$u" "$@"
}

# mod_loaded NAME: the module is in /proc/modules.
mod_loaded() { grep -q "^$1 " /proc/modules; }

# wait_for SECONDS CMD...: poll every 0.1 s until CMD succeeds.
wait_for() {
	n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# ok NAME [DETAIL]: PASS if the previous command succeeded, else FAIL.
#   [ "$n" -eq 3 ] && ! grep -q x f; ok "three, no x"
ok() {
	if [ $? -eq 0 ]; then pass "$1"; else fail "$1" "${2:-}"; fi
}

# check NAME CMD...: PASS if CMD succeeds, else FAIL.
check() {
	name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}
