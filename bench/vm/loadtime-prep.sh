#!/bin/sh
# Host side of bench/vm/loadtime.sh (run by bench/pass4.sh through
# tests/vm/run): the static loader-timer and the modules of
# $BENCH_LOADTIME_LIST, lines "LABEL PATH MODNAME", the first the anchor.
set -eu
B=$VMROOT/stap/bench
mkdir -p "$B"
gcc -static -O2 -Wall -Wextra -Werror -o "$B/loadtime" "$REPO/bench/vm/loadtime.c"
: >"$B/list"
i=0
while read -r label path modname; do
	i=$((i + 1))
	cp "$path" "$B/$i.ko"
	echo "$label $i.ko $modname" >>"$B/list"
done <"$BENCH_LOADTIME_LIST"
echo "${BENCH_VM_RUNS:-7}" >"$B/runs"
echo "# bench loadtime: $i modules for $KREL"
