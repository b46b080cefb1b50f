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

# to_pipe OUT CMD [ARG...]: CMD's standard output through a pipe into OUT;
# returns CMD's status.  For a loader whose -c command writes to the same
# output: a regular file shared by the two loses lines, because sendfile(2)
# (busybox cat uses it) reads and sets the shared file offset without the
# lock write(2) takes, so a probe line the loader writes meanwhile is
# overwritten (staprun(8), OUTPUT).  A pipe has no offset.
to_pipe() {
	_tp=$1
	shift
	{
		"$@"
		echo $? >"$_tp.status"
	} | cat >"$_tp"
	_tps=$(cat "$_tp.status" 2>/dev/null || echo 127)
	rm -f "$_tp.status"
	return "$_tps"
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

# expect_check EXPECT OUT ERR STATUS: print the first unmet expectation of
# EXPECT (format: tests/stp/README) in the files OUT, ERR and the exit STATUS.
expect_check() {
	awk -v out="$2" -v err="$3" -v status="$4" '
	function load(f, arr,   n, l) { n = 0; while ((getline l < f) > 0) arr[++n] = l; close(f); return n }
	BEGIN {
		no = load(out, o); ne = load(err, e); io = 1; ie = 1
		while ((getline x < ARGV[1]) > 0) {
			if (x ~ /^status:/) { if (substr(x, 8) != status) { print "exit status " status ", wanted " substr(x, 8); exit 1 } continue }
			if (x ~ /^no:/) { re = "^" substr(x, 4) "$"; for (i = 1; i <= no; i++) if (o[i] ~ re) { print "unexpected stdout line: " o[i]; exit 1 } continue }
			if (x ~ /^no-err:/) { re = "^" substr(x, 8) "$"; for (i = 1; i <= ne; i++) if (e[i] ~ re) { print "unexpected stderr line: " e[i]; exit 1 } continue }
			if (x ~ /^err-re:/) { re = "^" substr(x, 8) "$"; while (ie <= ne && e[ie] !~ re) ie++; if (ie > ne) { print "stderr lacks /" re "/"; exit 1 } ie++; continue }
			if (x ~ /^err:/) { t = substr(x, 5); while (ie <= ne && e[ie] != t) ie++; if (ie > ne) { print "stderr lacks: " t; exit 1 } ie++; continue }
			if (x ~ /^re:/) { re = "^" substr(x, 4) "$"; while (io <= no && o[io] !~ re) io++; if (io > no) { print "stdout lacks /" re "/"; exit 1 } io++; continue }
			while (io <= no && o[io] != x) io++
			if (io > no) { print "stdout lacks: " x; exit 1 }
			io++
		}
		exit 0
	}' "$1"
}

# expect_result NAME EXPECT OUT ERR STATUS: PASS NAME if the run met EXPECT,
# else FAIL with the first unmet expectation and the run's output.
expect_result() {
	if why=$(expect_check "$2" "$3" "$4" "$5"); then
		pass "$1"
	else
		fail "$1" "$why (status $5)"
		sed 's/^/#   out: /' "$3" | head -30
		sed 's/^/#   err: /' "$4" | head -10
	fi
}

# lo_up: the loopback interface up (127.0.0.1), for scripts that connect.
lo_up() { ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null; }

# auth_install PAMFILE: staprun.auth installed setuid root in /usr/sbin with
# its PAM service file, /etc/systemtap (for the policy) root's and not
# group-writable.  Prints a FAIL line and fails when it cannot.
SA=/usr/sbin/staprun.auth
POL=/etc/systemtap/authorized_probes
auth_install() {
	mkdir -p /usr/sbin /etc/systemtap/keys /run
	cp "$BIN/staprun.auth" "$SA" && chown 0:0 "$SA" && chmod 4755 "$SA"
	if [ "$(stat -c '%u %a' "$SA" 2>&1)" != "0 4755" ]; then
		fail install "$SA is not installed setuid root"
		return 1
	fi
	"$SA" -d x_ >/dev/null 2>&1
	if [ $? -ge 126 ]; then
		fail install "$SA does not start"
		return 1
	fi
	chmod 755 /etc /etc/systemtap /etc/systemtap/keys
	if [ -d /etc/pam.d ]; then
		cp "$1" /etc/pam.d/staprun-auth
	else
		skip pam "no PAM stack in the image"
	fi
}

# pol LINE...: the policy file holds exactly these lines (mode 644).
pol() { printf '%s\n' "$@" >"$POL" && chmod 644 "$POL"; }

# no_oops: the kernel log has no oops, BUG or general protection fault.
no_oops() { ! dmesg | grep -q -E 'Oops|BUG:|general protection fault|kernel BUG'; }
