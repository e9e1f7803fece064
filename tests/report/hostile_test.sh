#!/usr/bin/env bash
# Results files written by someone else, made to attack whoever reports or compares them:
# names and free text holding line breaks followed by gnuplot commands (`system`, `!`),
# quotes, backslashes, backquotes, pipes, HTML and Markdown markup, very long names and
# bytes that are not UTF-8.
#
#   usage: hostile_test.sh PLUGBENCH_EXE FIXTURE.json
#
# A name (plugin, problem id, kind, cost unit, metric, parameter, status) that is not a
# plain word makes report, compare and merge exit 2 with one line naming the file, the run
# and the field, and write nothing. Free text (messages, parameter values, the context, the
# input's own file name) is reported, escaped: no command runs (the marker file the
# commands would create never exists), the HTML and Markdown hold no tag of it, the
# scripts and data files no line of it. Prints "ok - ..." or "not ok - ..." per check;
# exits 1 when one failed. Needs bash, jq and gnuplot.
set -u

. "$(dirname "$0")/../support/tap.sh"
tap_usage 2 2 "PLUGBENCH_EXE FIXTURE.json" "$@"
PB=$(tap_abs "$1")
FIXTURE=$(tap_abs "$2")
tap_require jq gnuplot
tap_scratch hostile

X=$T/X # the marker file every injected command would create
LONG=$(printf 'a%.0s' $(seq 1 3000))
# The corpus, one string per line of a jq array. NONUTF8 is replaced by the bytes ff fe.
CORPUS=$(jq -n --arg x "$X" --arg long "$LONG" '[
    "a\nsystem \"touch \($x)\"",
    "a\n!touch \($x)",
    "a\r\nsystem '"'"'touch \($x)'"'"'",
    "a'"'"'\nsystem(\"touch \($x)\")\n'"'"'",
    "a\"b",
    "a\\",
    "a\\\nsystem \"touch \($x)\"",
    "<script>alert(1)</script>",
    "a|touch \($x)",
    "`touch \($x)`",
    "$(touch \($x))",
    "a b",
    "",
    $long,
    "aNONUTF8b"
]')
N=$(jq length <<<"$CORPUS")

echo "# 1. names that are not plain words: exit 2, naming the run and the field"
# Each string of the corpus in each named field of run 3 (a field [rename, OBJ, KEY] is the
# name of OBJ's member KEY): file h-F-I.json for field F and string I.
FIELDS='[["plugin", "name"], ["problem", "id"], ["problem", "kind"], ["problem", "cost_unit"],
    ["status"], ["rename", "metrics", "best_error"], ["rename", "trace", "best_error"],
    ["rename", "parameters", "step"]]'
SHOWN=(plugin.name problem.id problem.kind problem.cost_unit status "a name in metrics"
    "a name in trace" "a name in parameters")
jq -c --argjson c "$CORPUS" --argjson fields "$FIELDS" '. as $doc | $fields[] as $f
    | range($c | length) as $i | $doc | .runs[2] |= (if $f[0] == "rename"
        then .[$f[1]] |= with_entries(if .key == $f[2] then .key = $c[$i] else . end)
        else setpath($f; $c[$i]) end)' "$FIXTURE" | sed 's/NONUTF8/\xff\xfe/g' >"$T/all.jsonl"
k=0
while IFS= read -r line; do
    printf '%s\n' "$line" >"$T/h-$((k / N))-$((k % N)).json"
    k=$((k + 1))
done <"$T/all.jsonl"
for f in "${!SHOWN[@]}"; do
    bad=""
    for ((i = 0; i < N; i++)); do
        h=$T/h-$f-$i.json
        for cmd in report compare; do
            case $cmd in
            report) pb h report "$h" -o "$T/out" ;;
            compare) pb h compare "$FIXTURE" "$h" ;;
            esac
            # A cost unit renamed in the problem only leaves the trace without its column:
            # report says so instead (also exit 2, also naming the run).
            if [ "$RC" -ne 2 ] || [ "$(wc -l <"$T/h.err")" -ne 1 ] || [ -s "$T/h.out" ] ||
                ! grep -qF "h-$f-$i.json: run 3" "$T/h.err" ||
                { ! grep -qF "${SHOWN[$f]}" "$T/h.err" && ! grep -q "has no trace columns" "$T/h.err"; } ||
                [ -e "$T/out" ] || [ -e "$X" ]; then
                bad="$bad [$cmd, string $i: exit $RC: $(head -c 200 "$T/h.err" | tr '\n' '~')]"
            fi
        done
    done
    if [ -z "$bad" ]; then
        ok "${SHOWN[$f]}: each of the $N strings is refused by report and compare"
    else
        not_ok "${SHOWN[$f]}: every hostile string refused (exit 2, one line naming run 3 and the field)" "$bad"
    fi
done
pb h report "$T/h-1-0.json" -o "$T/out"
check "the message shows the name escaped, on one line: $(cat "$T/h.err")" \
    grep -qF 'problem.id "a\x0asystem \"touch' "$T/h.err"

echo "# 2. free text: reported, escaped, no command run"
# Every string of the corpus at once, in the places free text goes: a failed run's message,
# parameter values (in the algorithms' labels: legends, data files, tables), the context.
jq --argjson c "$CORPUS" '
    .context = {host: $c[0], cpu_model: $c[7], compiler: $c[9], date: $c[6], git_revision: $c[10]}
    | .runs |= (to_entries | map(
        .value.parameters.step = $c[.key % ($c | length)]
        | if .value.status != "ok" then .value.message = ($c | join(" / ")) else . end)
        | map(.value))' "$FIXTURE" >"$T/free.tmp"
sed 's/NONUTF8/\xff\xfe/g' "$T/free.tmp" >"$T/free.json"
# The input's own name holds markup too.
cp "$T/free.json" "$T/<b>in.json"
pb free report "$T/<b>in.json" -o "$T/free"
check "report: exit 0 ($(head -c 300 "$T/free.err"))" test "$RC" -eq 0
check "no command ran (no $X)" test ! -e "$X"
check "the labels reached the tables (escaped)" grep -qF '&lt;script&gt;' "$T/free/leaderboard-blackbox.md"
for page in index.html leaderboard-blackbox.html leaderboard-blackbox.md; do
    check "$page: no tag from the results (<script>, <b>)" \
        test -s "$T/free/$page" -a -z "$(grep -E '<script|<b>' "$T/free/$page")"
done
check "leaderboard-blackbox.md: no code span or link from the results" \
    test -s "$T/free/leaderboard-blackbox.md" -a -z "$(grep -E '(^|[^\\])`|\]\(' "$T/free/leaderboard-blackbox.md")"
# Each table row of the Markdown pages is one line: a line break in a label would end it.
check "leaderboard-blackbox.md: every line after the title is a table row, a heading, a paragraph or blank" \
    test -s "$T/free/leaderboard-blackbox.md" -a -z "$(grep -vE '^(\||#|$|A run|None)' "$T/free/leaderboard-blackbox.md")"
check "the scripts and data files were written" test -s "$T/free/plots/blackbox-ecdf-all.gp" \
    -a -s "$T/free/plots/blackbox-ecdf-all.dat"
gplines=$(cat "$T"/free/plots/*.gp | grep -E '^[[:space:]]*(system|!|a$)')
check "no script line holds an injected command${gplines:+: $gplines}" test -z "$gplines"
datlines=$(cat "$T"/free/plots/*.dat | LC_ALL=C grep -avE '^(#.*|[-0-9.e+ naif]*)$')
check "every data line is a comment or numbers${datlines:+: $(head -c 300 <<<"$datlines")}" test -z "$datlines"
pb fc compare --all "$T/free.json" "$T/free.json"
check "compare of the file with itself: exit 0, no command ran" test "$RC" -eq 0 -a ! -e "$X"
check "compare: no control character on the terminal" \
    test -z "$(LC_ALL=C grep -aP '[\x00-\x08\x0b-\x1f\x7f]' "$T/fc.out")"

tap_done
