#!/bin/sh
# DESIGN.md §5: parse + decide on a 100,000-line authorized_probes <= 50 ms.
# Prints medians and bests of 15 runs as ratios to that target, and to an anchor
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

# Two files of LINES lines; the module asked about is on the last line.
#  typical: mostly "sha256:HEX users=NAME", some with expiry, groups and
#           parameters, signers, revocations and comments (~100 bytes a line);
#  heavy:   every approval with users=, groups=, expires=, params= and a
#           comment (~140 bytes a line), the worst a real file would hold.
gen() { # MIX OUT
	awk -v n="$LINES" -v mix="$1" 'BEGIN {
		srand(7)
		for (i = 1; i < n; i++) {
			h = ""
			for (j = 0; j < 8; j++) h = h sprintf("%08x", int(rand() * 4294967295))
			k = i % 100
			if (k < 2) print "# batch " i
			else if (k < 5) print "revoke:sha256:" h " # leaked"
			else if (k < 10) print "signer:sha256:" h " groups=wheel params=*"
			else if (mix == "heavy" || k < 20)
				print "sha256:" h " users=u" i ",alice groups=perf expires=2099-12-31 params=limit,n # probe " i
			else if (k < 30) print "sha256:" h " groups=perf params=limit"
			else print "sha256:" h " users=u" i
		}
		print "sha256:" sprintf("%064d", 42) " users=alice params=limit"
	}' >"$2"
}
last=sha256:$(printf '%064d' 42)
for mix in typical heavy; do
	gen "$mix" "$W/ap"
	set -- $("$W/policy_bench" "$W/ap" "$last" 15)
	ms=$1 cpu=$2 best=$3 bestcpu=$4
	t0=$(date +%s%N)
	for i in 1 2 3 4 5; do grep -c sha256 "$W/ap" >/dev/null; done
	t1=$(date +%s%N)
	anchor=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 5 / 1e6 }')
	awk -v ms="$ms" -v cpu="$cpu" -v best="$best" -v bestcpu="$bestcpu" -v an="$anchor" \
		-v n="$LINES" -v mix="$mix" -v sz="$(stat -c %s "$W/ap")" 'BEGIN {
		printf "policy %s: %d lines (%.1f MiB): parse + 2 decisions, medians of 15: %.2f ms wall, %.2f ms CPU; best: %.2f ms wall, %.2f ms CPU\n", mix, n, sz / 1048576, ms, cpu, best, bestcpu
		printf "policy %s: ratio to the 50 ms target: %.3f (median CPU), %.3f (best wall): %s\n", mix, cpu / 50, best / 50, best <= 50 ? "met" : cpu <= 50 ? "met in CPU time; wall time waits for the shared cores" : "NOT met"
		printf "policy %s: ratio to grep -c over the same file (%.2f ms, same run): %.2f\n", mix, an, ms / an
	}'
done
