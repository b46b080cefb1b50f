#!/bin/sh
# DESIGN.md §5: parse + decide on a 100,000-line authorized_probes <= 50 ms.
# Prints the median (15 runs) as a ratio to that target, and to an anchor
# measured in the same run on the same file: `grep -c` (one plain pass over
# the bytes, process start included, as a floor for any line reader).
set -eu
cd "$(dirname "$0")/.."
O=${O:-build}
LINES=${POLICY_LINES:-100000}
make -s O="$O" SAN=0 "$O/policy/libpolicy.a" "$O/keys/libkeys.a" "$O/lib/libstap.a"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
[ -n "${POLICY_KEEP:-}" ] && trap - EXIT && echo "# kept $W"
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -I. -DSYSCONFDIR='"/etc"' -o "$W/policy_bench" \
	bench/policy_bench.c "$O/policy/libpolicy.a" "$O/keys/libkeys.a" "$O/lib/libstap.a" -lcrypto

# A realistic mix: most lines approve digests with options, some signers,
# revocations and comments; the module asked about is on the last line.
awk -v n="$LINES" 'BEGIN {
	srand(7)
	for (i = 1; i < n; i++) {
		h = ""
		for (j = 0; j < 8; j++) h = h sprintf("%08x", int(rand() * 4294967295))
		k = i % 20
		if (k == 0) print "# batch " i
		else if (k == 1) print "signer:sha256:" h " groups=wheel params=*"
		else if (k == 2) print "revoke:sha256:" h " # leaked"
		else print "sha256:" h " users=u" i ",alice groups=perf expires=2099-12-31 params=limit,n # probe " i
	}
	print "sha256:" sprintf("%064d", 42) " users=alice params=limit"
}' >"$W/ap"
last=sha256:$(printf '%064d' 42)
set -- $("$W/policy_bench" "$W/ap" "$last" 15)
ms=$1 cpu=$2 best=$3 bestcpu=$4
t0=$(date +%s%N)
for i in 1 2 3 4 5; do grep -c sha256 "$W/ap" >/dev/null; done
t1=$(date +%s%N)
anchor=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 5 / 1e6 }')
awk -v ms="$ms" -v cpu="$cpu" -v best="$best" -v bestcpu="$bestcpu" -v an="$anchor" -v n="$LINES" -v sz="$(stat -c %s "$W/ap")" 'BEGIN {
	printf "policy: %d lines (%.1f MiB): parse + 2 decisions: %.2f ms wall, %.2f ms CPU (medians of 15)\n", n, sz / 1048576, ms, cpu
	printf "policy: best of 15: %.2f ms wall, %.2f ms CPU\n", best, bestcpu
	printf "policy: ratio to the 50 ms target: median %.3f wall (%s), %.3f CPU; best %.3f wall (%s)\n", ms / 50, ms <= 50 ? "met" : "NOT met", cpu / 50, best / 50, best <= 50 ? "met" : "NOT met"
	printf "policy: ratio to grep -c over the same file (%.2f ms): %.2f\n", an, ms / an
}'
