# init_module(2) time of each module of /stap/bench/list (bench/pass4.sh),
# as a ratio to the first (the empty kbuild module): each loaded from memory
# and unloaded /stap/bench/runs times, median and minimum.
. /stap/lib.sh
B=/stap/bench
if [ ! -x "$B/loadtime" ] || [ ! -s "$B/list" ]; then
	skip all "the prep (bench/vm/loadtime-prep.sh) left no modules"
	exit 0
fi
runs=$(cat "$B/runs")
anchor=
while read -r label file modname; do
	if ! t=$("$B/loadtime" "$B/$file" "$modname" "$runs" 2>"$TMP/err"); then
		fail "init_module $label" "$(cat "$TMP/err")"
		continue
	fi
	min=${t% *}
	med=${t#* }
	[ -n "$anchor" ] || anchor=$med
	echo "# bench pass4: init_module $label: median $med us, min $min us ($runs runs), $(awk -v a="$med" -v b="$anchor" 'BEGIN { printf "%.2f", a / b }')x the empty module"
	! mod_loaded "$modname"
	ok "$label loads and unloads $runs times"
done <"$B/list"
