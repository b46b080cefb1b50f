#!/bin/sh
# Bash completion (completion/): each check sources bash-completion and the
# file, sets COMP_WORDS/COMP_CWORD/COMP_LINE/COMP_POINT as bash does, calls
# the completion function and compares COMPREPLY.  Where readline would split
# a word at ':' (COMP_WORDBREAKS), the words are given split the same way.
# Last: make install-completion puts the files where bash-completion's loader
# finds them on its own.  About 3 s.
. tests/lib.sh
BC=/usr/share/bash-completion/bash_completion
command -v bash >/dev/null || { skip all "no bash"; exit 0; }
[ -r "$BC" ] || { skip all "no $BC (scripts/deps installs bash-completion)"; exit 0; }
REPO=$PWD

cat >"$TMP/drive.bash" <<'EOF'
# drive.bash FILE FUNC WORD...: complete the last WORD; print COMPREPLY, one
# per line, then "<nospace>" when the function asked for no trailing space.
. /usr/share/bash-completion/bash_completion
nospace=
compopt() { [[ $* == *'-o nospace'* ]] && nospace=1; return 0; }
. "$1"
f=$2
shift 2
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE=${LINE:-"${COMP_WORDS[*]}"} # LINE: the line as typed, when words split at ":"
COMP_POINT=${#COMP_LINE}
COMPREPLY=()
"$f" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}" | sort
[[ $nospace ]] && echo '<nospace>'
exit 0
EOF

# drive FILE FUNC WORD... -- REST: complete with FILE's FUNC (in $CWD, default
# the repository) into $TMP/got; sets $rest to what follows "--".
drive() {
	file=$1 fn=$2 args=
	shift 2
	while [ "$1" != "--" ]; do
		args="$args '$(printf '%s' "$1" | sed "s/'/'\\\\''/g")'"
		shift
	done
	(cd "${CWD:-$REPO}" && eval bash "$TMP/drive.bash" "$REPO/completion/$file" "$fn" "$args") \
		>"$TMP/got" 2>"$TMP/err"
}

# expect exact|has NAME FILE FUNC WORD... -- WANT...: the completions are
# exactly WANT ("<nospace>" when the function must ask for no trailing
# space), or include every WANT.
expect() {
	mode=$1 name=$2
	shift 2
	drive "$@"
	while [ "$1" != "--" ]; do shift; done
	shift
	if [ "$mode" = exact ]; then
		{
			[ $# -gt 0 ] && printf '%s\n' "$@" | grep -vx '<nospace>' | sort
			for w in "$@"; do [ "$w" = "<nospace>" ] && echo '<nospace>'; done
		} >"$TMP/want"
		cmp -s "$TMP/want" "$TMP/got"
	else
		miss=
		for w in "$@"; do grep -qxF -- "$w" "$TMP/got" || miss="$miss $w"; done
		[ -z "$miss" ]
	fi && { pass "$name"; return; }
	fail "$name" "${miss:+missing:$miss; }got: $(head -c 300 "$TMP/got" | tr '\n' ' ')$(head -c 200 "$TMP/err")"
}
comp() { expect exact "$@"; }
contains() { expect has "$@"; }

S=$BIN/stap
A=$BIN/stap-authorize
export SYSTEMTAP_DIR="$TMP/sd"
mkdir -p "$SYSTEMTAP_DIR"
cat >"$SYSTEMTAP_DIR/known_hosts" <<'EOF'
web1,prod execute=ssh:alice@web1:auth kernel=6.1.0-1-amd64 arch=x86_64
# web3 execute=local kernel=x arch=y
web2 execute=local kernel=6.1.0-1-amd64 arch=x86_64
EOF

# --- stap ---
contains "stap: options" stap _stap "$S" - -- -T -l -L -p --disable-cache --clean-cache
comp "stap: long options" stap _stap "$S" --d -- --disable-cache
comp "stap -T: target names from known_hosts (comma-separated names, no comments)" \
	stap _stap "$S" -T w -- web1 web2
comp "stap -T: a machine's second name" stap _stap "$S" -T p -- prod
if [ -e /etc/systemtap/known_hosts ]; then
	skip "stap -T: every name" "/etc/systemtap/known_hosts adds this machine's names"
else
	comp "stap -T: every name, nothing from comments" stap _stap "$S" -T '' -- prod web1 web2
fi
comp "stap -p: the passes" stap _stap "$S" -p '' -- 1 2 3 4 5
contains "stap -l: probe points from stap -l" stap _stap "$S" -l syscall.ope -- syscall.open syscall.openat
SYSTEMTAP_TAPSET=$REPO/tapset comp "stap -l: first components (tapset aliases), no space" \
	stap _stap "$S" -l vf -- vfs. '<nospace>'
comp "stap -L: an open string is closed for the query, the candidate single-quoted" \
	stap _stap "$S" -L 'kernel.function("vfs_readl' -- "'kernel.function(\"vfs_readlink\")'"
mkdir -p "$TMP/w/sub" && : >"$TMP/w/a.stp" && : >"$TMP/w/b.txt" && : >"$TMP/w/m.ko" && : >"$TMP/w/c.pem"
CWD=$TMP/w comp "stap: script files (*.stp) and folders" stap _stap "$S" '' -- a.stp sub
CWD=$TMP/w comp "stap: after the script, its arguments are any file" stap _stap "$S" a.stp '' -- a.stp b.txt c.pem m.ko sub
rel=$(kbuild_release)
if [ -n "$rel" ]; then
	contains "stap -r: installed kernel releases" stap _stap "$S" -r '' -- "$rel"
fi
comp "stap-target: subcommands" stap _stap_target stap-target '' -- add print
comp "stap-target print: names" stap _stap_target stap-target print w -- web1 web2
comp "stap-target add NAME HOST: the mode" stap _stap_target stap-target add web9 h '' -- auth root sudo

# --- staprun.auth ---
comp "staprun.auth: options" staprun.auth _staprun_auth staprun.auth --t -- --tied
CWD=$TMP/w comp "staprun.auth: module files (*.ko) and folders" staprun.auth _staprun_auth staprun.auth '' -- m.ko sub
CWD=$TMP/w comp "staprun.auth -o: any file" staprun.auth _staprun_auth staprun.auth -o '' -- a.stp b.txt c.pem m.ko sub
loop=$(find /lib/modules -name loop.ko 2>/dev/null | head -1)
if [ -n "$loop" ] && command -v modinfo >/dev/null; then
	comp "staprun.auth MOD.ko: the module's parameters (.modinfo), no space" staprun.auth _staprun_auth \
		staprun.auth "$loop" max_ -- max_loop= max_part= '<nospace>'
else
	skip "staprun.auth MOD.ko parameters" "no loop.ko or modinfo here"
fi

# --- stap-authorize ---
P=$TMP/pol
H1=$(printf '%064d' 1)
H2=$(printf '%064d' 2)
H3=$(printf '%064d' 3)
printf '# c\nsha256:%s users=alice\nsigner:sha256:%s\nrevoke:sha256:%s\n' "$H1" "$H2" "$H3" >"$P"
contains "stap-authorize: subcommands from its usage" stap-authorize _stap_authorize "$A" '' -- \
	bless unbless revoke list check verify keygen trust sign status digest explain
comp "stap-authorize: global options" stap-authorize _stap_authorize "$A" --p -- --policy
comp "stap-authorize bless: its options from the usage" stap-authorize _stap_authorize "$A" bless --u -- --users
comp "stap-authorize sign --hash" stap-authorize _stap_authorize "$A" sign --hash '' -- sha256 sha384 sha512
comp "stap-authorize unbless: digests and signers of the policy (no revoke: line)" \
	stap-authorize _stap_authorize "$A" --policy "$P" unbless s -- "sha256:$H1" "signer:sha256:$H2"
LINE="$A --policy $P revoke sha256:0" comp "stap-authorize revoke sha256:<TAB> (split at ':' as readline does)" \
	stap-authorize _stap_authorize "$A" --policy "$P" revoke sha256 : 0 -- "$H1"
comp "stap-authorize --users: the last name of a list" stap-authorize _stap_authorize "$A" \
	bless x.ko --users alice,ro -- alice,root '<nospace>'
comp "stap-authorize check --user" stap-authorize _stap_authorize "$A" check x.ko --user roo -- root
CWD=$TMP/w comp "stap-authorize trust: certificates" stap-authorize _stap_authorize "$A" trust '' -- c.pem sub
# the node set options (stap-authorize -w): groups from ClusterShell, then
# the subcommand after the node set
if command -v nodeset >/dev/null; then
	mkdir -p "$TMP/cs"
	printf '[Main]\ndefault: t\n[t]\nmap: sed -n "s/^$GROUP: *//p" %s\nlist: sed -n "s/:.*//p" %s\n' \
		"$TMP/cs/groups" "$TMP/cs/groups" >"$TMP/cs/groups.conf"
	printf 'web: web[01-40]\ndb: db[1-2]\n' >"$TMP/cs/groups"
	export CLUSTERSHELL_CFGDIR="$TMP/cs"
	comp "stap-authorize -w: ClusterShell's groups" stap-authorize _stap_authorize "$A" -w @w -- @web
	unset CLUSTERSHELL_CFGDIR
else
	skip "stap-authorize -w: groups" "no nodeset (clustershell)"
fi
comp "stap-authorize -w NODES: the subcommand after the node set" stap-authorize _stap_authorize "$A" \
	-w 'web[01-40]' --fanout 8 bl -- bless
comp "stap-authorize: the node set options" stap-authorize _stap_authorize "$A" --f -- --fanout

# --- installed: bash-completion finds the files by itself ---
make -s O="${STAPAUTH_O:-build}" DESTDIR="$TMP/inst" PREFIX=/usr install-completion >"$TMP/inst.log" 2>&1
cat >"$TMP/load.bash" <<'EOF'
. /usr/share/bash-completion/bash_completion
for c in stap stap-target staprun.auth stap-authorize; do
	__load_completion "$c" && complete -p "$c"
done
EOF
XDG_DATA_HOME=$TMP/inst/usr/share bash "$TMP/load.bash" >"$TMP/got" 2>&1
printf '%s\n' "complete -F _stap stap" "complete -F _stap_target stap-target" \
	"complete -F _staprun_auth staprun.auth" "complete -F _stap_authorize stap-authorize" >"$TMP/want"
if cmp -s "$TMP/want" "$TMP/got"; then
	pass "make install-completion: bash-completion loads each command's completion on demand"
else
	fail "make install-completion: bash-completion loads each command's completion on demand" \
		"$(tr '\n' ';' <"$TMP/got")"
fi
exit 0
