#!/bin/sh
# Every man page renders without a troff warning (all warning kinds, at a
# fixed width so line-breaking warnings do not depend on the terminal).
. tests/lib.sh
if ! command -v man >/dev/null; then
	fail "all" "no man program (scripts/deps installs man-db)"
	exit 0
fi
for page in man/*.[1-8] man/*.3stap; do
	MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings=w -l "$page" >/dev/null 2>"$TMP/err"
	st=$?
	if [ $st -eq 0 ] && [ ! -s "$TMP/err" ]; then
		pass "${page#man/} lints clean"
	else
		fail "${page#man/} lints clean" "status $st, $(head -1 "$TMP/err")"
		sed 's/^/#   /' "$TMP/err" | head -10
	fi
done
