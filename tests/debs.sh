#!/bin/sh
# tests/debs.sh DIR: the Debian packages of this tree (scripts/deb, with
# lintian, no -dbgsym) in DIR, built once per tests/run: the first suite that
# asks builds them into $STAPAUTH_RUNSHARE/deb under a lock, a later or
# concurrent one (cli/deb, the VM case deb) waits for it and copies them.
# Outside tests/run it builds into DIR.  Exit status and log as scripts/deb's.
set -eu
dir=$1
cd "$(dirname "$0")/.."
build() { DEB_BUILD_OPTIONS=noddebs DEB_OUT="$1" scripts/deb; }
if [ -z "${STAPAUTH_RUNSHARE:-}" ] || [ ! -d "$STAPAUTH_RUNSHARE" ]; then
	build "$dir"
	exit
fi
share=$STAPAUTH_RUNSHARE/deb
exec 9>"$STAPAUTH_RUNSHARE/deb.lock"
flock 9
if [ ! -f "$share/.done" ] && [ ! -f "$share/.failed" ]; then
	if build "$share" >"$STAPAUTH_RUNSHARE/deb.log" 2>&1; then
		: >"$share/.done"
	else
		mkdir -p "$share" && : >"$share/.failed"
	fi
fi
flock -u 9
cat "$STAPAUTH_RUNSHARE/deb.log"
[ -f "$share/.done" ] || exit 1
rm -rf "$dir"
mkdir -p "$dir"
cp "$share"/*.deb "$dir"/
[ ! -f "$share/lintian.txt" ] || cp "$share/lintian.txt" "$dir"/
