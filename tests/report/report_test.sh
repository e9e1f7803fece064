#!/usr/bin/env bash
# End-to-end tests of `plugbench report` on a fixed results file (fixture.json; see
# make_fixture.py for how each of its runs was built and what it must give).
#
#   usage: report_test.sh PLUGBENCH_EXE FIXTURE.json [BUILD_ROOT [TEST_REPORT_LOCALE]]
#
# Renders reports and checks the files: every plot in SVG and PNG with its data and script,
# titles, axis labels and legends; the leaderboards (ranks and numbers worked out by hand);
# index.html's links; the C locale of the data; determinism; usage errors and a missing
# gnuplot; several inputs and journals; with BUILD_ROOT (for the random-search plugin),
# that `plugbench run` ends by writing the report; with TEST_REPORT_LOCALE, that a caller
# in a decimal-comma locale (de_DE built with localedef; skipped without Debian's `locales`
# sources) gets the same files. Prints "ok - ..." or "not ok - ..." per check;
# exits 1 when one failed. Needs bash, jq and gnuplot.
set -u

. "$(dirname "$0")/../support/tap.sh"
tap_usage 2 4 "PLUGBENCH_EXE FIXTURE.json [BUILD_ROOT [TEST_REPORT_LOCALE]]" "$@"
PB=$(tap_abs "$1")
FIXTURE=$(tap_abs "$2")
BUILD=${3:-}
LOCALE_TEST=${4:-}
tap_require jq gnuplot
tap_scratch report

# The row of algorithm $2 in the leaderboard of Markdown file $1 (the first table).
md_row() { grep -m1 -E "^\| [0-9]+ \| $2 \|" "$1"; }

PLOTS=(blackbox-rastrigin-d5-i1-cost blackbox-rastrigin-d5-i1-seconds blackbox-sphere-d2-i1-cost
    blackbox-sphere-d2-i1-seconds blackbox-ecdf-d2 blackbox-ecdf-d5 blackbox-ecdf-all
    blackbox-performance-profile blackbox-data-profile)

echo "# 1. help and a report of the fixture"
pb help report --help
check "report --help: exit 0, usage on stdout" \
    test "$RC" -eq 0 -a -n "$(grep '^usage: plugbench report' "$T/help.out")" -a ! -s "$T/help.err"
pb help2 --help
check "plugbench --help lists report" grep -q '^  report ' "$T/help2.out"

R=$T/rep
pb rep report "$FIXTURE" -o "$R"
if [ "$RC" -eq 0 ] && [ "$(cat "$T/rep.out")" = "report: $R/index.html" ] && [ ! -s "$T/rep.err" ]; then
    ok "report: exit 0, prints where the index is, nothing on stderr"
else
    not_ok "report: exit 0, prints where the index is" "exit $RC" "$(cat "$T/rep.out" "$T/rep.err")"
fi
for f in index.html leaderboard-blackbox.md leaderboard-blackbox.html; do
    check "$f written" test -s "$R/$f"
done

echo "# 2. the plots"
missing=""
for p in "${PLOTS[@]}"; do
    for ext in dat gp svg png; do [ -s "$R/plots/$p.$ext" ] || missing="$missing $p.$ext"; done
done
check "every plot has its .dat, .gp, .svg and .png${missing:+ (missing:$missing)}" test -z "$missing"
extra=$(cd "$R/plots" && ls ./*.png | wc -l)
check "exactly ${#PLOTS[@]} PNGs ($extra)" test "$extra" -eq "${#PLOTS[@]}"
bad=""
for p in "${PLOTS[@]}"; do
    # PNG signature, then IHDR with width 960 and height 600 (big-endian at bytes 16-23).
    sig=$(head -c 8 "$R/plots/$p.png" | od -An -tx1 | tr -d ' \n')
    wh=$(head -c 24 "$R/plots/$p.png" | tail -c 8 | od -An -tx1 | tr -d ' \n')
    [ "$sig" = 89504e470d0a1a0a ] && [ "$wh" = 000003c000000258 ] || bad="$bad $p.png"
    head -c 400 "$R/plots/$p.svg" | grep -q '<svg' || bad="$bad $p.svg"
    [ "$(stat -c %s "$R/plots/$p.png")" -gt 8000 ] || bad="$bad $p.png(small)"
done
check "PNGs are 960x600 PNG images, SVGs are SVG${bad:+ (not:$bad)}" test -z "$bad"
# svg_has PLOT TEXT...: each text appears in the plot's SVG (titles, labels, legend entries).
svg_has() {
    local p=$1 t missing=""
    shift
    for t in "$@"; do grep -qF -- "$t" "$R/plots/$p.svg" || missing="$missing [$t]"; done
    if [ -z "$missing" ]; then ok "$p.svg shows: $*"; else not_ok "$p.svg lacks:$missing"; fi
}
svg_has blackbox-sphere-d2-i1-cost "sphere-d2-i1: best_error against evaluations" \
    ">evaluations<" ">best_error<" "alpha (3 runs)" "gamma (3 runs, 2 failed)"
svg_has blackbox-sphere-d2-i1-seconds "against seconds" ">algorithm seconds<" "beta (3 runs)"
svg_has blackbox-ecdf-d2 "Runtime ECDF, blackbox, d=2" "evaluations / dimension" \
    "fraction of (problem, target) pairs reached" ">alpha<" ">gamma<"
svg_has blackbox-ecdf-all "all dimensions: 2 problems"
svg_has blackbox-performance-profile "Performance profile (Dolan and Moré 2002)" \
    "convergence test: best_error ≤ m_L + τ (m_0 − m_L), τ = 0.001" "performance ratio" ">beta<"
svg_has blackbox-data-profile "Data profile (Moré and Wild 2009)" "τ = 0.001" \
    "evaluations / (dimension + 1)" "median over seeds"
check "the convergence plots have log axes (10^k ticks)" grep -q 'logscale x' "$R/plots/blackbox-sphere-d2-i1-cost.gp"
check "scripts name their files relatively (rerunnable in plots/)" \
    test -z "$(grep -l "$R" "$R"/plots/*.gp)"

echo "# 3. the data files: C locale, shortest exact numbers"
bad=$(grep -hv '^#' "$R"/plots/*.dat | grep -Ev '^$|^(-?[0-9][0-9.e+-]*|nan)( (-?[0-9][0-9.e+-]*|nan))*$' | head -3)
check "every data line is numbers with '.' (or nan)${bad:+: $bad}" test -z "$bad"
# The ECDF of gamma on d=2: 1 ok run with 51 hits of 3 runs x 51 pairs; tops out at 1/3.
last=$(awk '/^# gamma/{g=1} g && /^[0-9]/{y=$2} /^$/{if (g && y != "") {print y; exit}}' "$R/plots/blackbox-ecdf-d2.dat")
check "ECDF d=2: gamma reaches 51 of 153 pairs (ends at 1/3: $last)" \
    awk -v y="$last" 'BEGIN { exit !(y > 0.3333 && y < 0.3334) }'

if [ -n "$LOCALE_TEST" ] && command -v localedef >/dev/null 2>&1 &&
    [ -f /usr/share/i18n/locales/de_DE ] && mkdir -p "$T/loc" &&
    localedef -i de_DE -f ISO-8859-1 "$T/loc/de_DE" >/dev/null 2>&1; then
    # ISO-8859-1 compiles in a fraction of the time of UTF-8; the decimal comma is the same.
    LOCPATH=$T/loc LC_ALL=de_DE "$LOCALE_TEST" "$FIXTURE" "$T/de" >"$T/de.out" 2>&1
    LRC=$?
    diffs=$(cd "$R" && for f in index.html leaderboard-blackbox.md plots/*.dat plots/*.gp; do
        cmp -s "$f" "$T/de/$f" || echo "$f"; done)
    if [ "$LRC" -eq 0 ] && [ -z "$diffs" ]; then
        ok "a caller in de_DE (decimal comma) gets the same files, and its locale back"
    else
        not_ok "a caller in de_DE gets the same files" "exit $LRC; differ: $diffs" \
            "$(grep -v '^\[pass\]' "$T/de.out" | head -5)"
    fi
else
    echo "ok - # SKIP decimal-comma locale: localedef or the de_DE sources (Debian: locales) missing"
fi

echo "# 4. the leaderboard, worked out by hand"
MD=$R/leaderboard-blackbox.md
row=$(md_row "$MD" alpha)
check "alpha: rank 1, 6 runs, 0 failed, 83%, median time 345, final 1e-12 ($row)" \
    grep -Eq '^\| 1 \| alpha \| 6 \| 0 \| 83% \[[0-9]+%, 100%\] \| 345 \[[0-9.e+]+, ∞\] \| 1e-12 \[' <<<"$row"
row=$(md_row "$MD" beta)
check "beta: rank 2, 50%, median time ∞ ($row)" grep -Eq '^\| 2 \| beta \| 6 \| 0 \| 50% \[.*\] \| ∞ \[' <<<"$row"
row=$(md_row "$MD" gamma)
check "gamma: rank 3, its 4 failed runs counted, 17%, final ∞ ($row)" \
    grep -Eq '^\| 3 \| gamma \| 6 \| 4 \| 17% \[.*\] \| ∞ \[.*\] \| ∞ \[' <<<"$row"
check "the success definition is stated (best_error reaches 1e-08, default)" \
    grep -q 'best_error reaches 1e-08 (default' "$MD"
check "failed runs listed with status and message" \
    test "$(grep -cE '^\| gamma \| .* \| (crashed|timeout|error|nonfinite) \|' "$MD")" -eq 4 -a \
    -n "$(grep 'killed by signal 11' "$MD")"
check "per-problem table: alpha on sphere 3/3, median 170" \
    grep -Eq '^\| sphere-d2-i1 \| alpha \| 3 \| 0 \| 3/3 \| 170 \|' "$MD"
check "HTML leaderboard table" grep -q '<table class="leaderboard">' "$R/leaderboard-blackbox.html"
pb t3 report "$FIXTURE" -o "$T/t3" --target 1e-3
check "--target 1e-3: alpha succeeds in every run" grep -Eq '^\| 1 \| alpha \| 6 \| 0 \| 100% ' "$T/t3/leaderboard-blackbox.md"

echo "# 4b. ranking by mean per-problem rank when no run reaches the target"
# Seed 1 of each pair with a constant trace and no target hits, so that nothing reaches
# 1e-8, and final values on two scales. Sphere: alpha 1e-6, beta 2e-6, gamma 3e-6 (places
# 1, 2, 3); rastrigin: alpha 3000, beta = gamma = 1000 (places 3, 1.5, 1.5). Mean ranks:
# beta 1.75, alpha 2, gamma 2.25. The median pooled over the problems would put beta and
# gamma (500 each) before alpha (1500).
jq '.runs |= [.[] | select(.seed == 1)
    | ({"alpha sphere-d2-i1": 1e-6, "beta sphere-d2-i1": 2e-6, "gamma sphere-d2-i1": 3e-6,
        "alpha rastrigin-d5-i1": 3000, "beta rastrigin-d5-i1": 1000,
        "gamma rastrigin-d5-i1": 1000}[.plugin.name + " " + .problem.id]) as $final
    | .status = "ok" | .metrics.best_error = $final | .trace.best_error |= map($final)
    | del(.target_hits)]' "$FIXTURE" >"$T/scales.json"
pb scales report "$T/scales.json" -o "$T/scales"
SCALES=$T/scales/leaderboard-blackbox.md
check "beta first: mean rank 1.75" grep -Eq '^\| 1 \| beta \| 2 \| 0 \| 0% .*\| 1\.75 \|$' "$SCALES"
check "alpha second: mean rank 2.00" grep -Eq '^\| 2 \| alpha \| 2 \| .*\| 2\.00 \|$' "$SCALES"
check "gamma third: mean rank 2.25" grep -Eq '^\| 3 \| gamma \| 2 \| .*\| 2\.25 \|$' "$SCALES"

echo "# 4c. runtime ECDFs follow the fixed targets the runs record, not the kind's name"
jq '.runs |= map(.problem.kind = "renamed")' "$FIXTURE" >"$T/renamed.json"
pb renamed report "$T/renamed.json" -o "$T/renamed"
check "another kind whose runs record target_hits: runtime ECDFs per dimension and over all" \
    test "$RC" -eq 0 -a -s "$T/renamed/plots/renamed-ecdf-d2.svg" \
    -a -s "$T/renamed/plots/renamed-ecdf-all.svg"
check "the same ECDF data as under the name blackbox" \
    cmp -s <(tail -n +2 "$R/plots/blackbox-ecdf-d5.dat") <(tail -n +2 "$T/renamed/plots/renamed-ecdf-d5.dat")
check "runs without target_hits: no runtime ECDF" \
    test -z "$(cd "$T/scales/plots" && ls | grep -e -ecdf-)"

echo "# 5. index.html"
I=$R/index.html
links=$(grep -oE '(src|href)="[^"]*"' "$I" | sed -E 's/^(src|href)="(.*)"$/\2/' | sort -u)
broken=""
for l in $links; do
    case $l in
    \#*) grep -q "id=\"${l#\#}\"" "$I" || broken="$broken $l" ;;
    *://* | /* | //*) broken="$broken $l(absolute)" ;;
    *) [ -e "$R/$l" ] || broken="$broken $l" ;;
    esac
done
check "every link and image is relative and exists${broken:+ (not:$broken)}" test -z "$broken"
check "one <img> per PNG (${#PLOTS[@]})" test "$(grep -o '<img ' "$I" | wc -l)" -eq "${#PLOTS[@]}"
check "each SVG linked" test "$(grep -o 'href="plots/[^"]*\.svg"' "$I" | sort -u | wc -l)" -eq "${#PLOTS[@]}"
check "no script, no external resource" test -z "$(grep -iE '<script|<link|@import|url\(' "$I")"
check "leaderboard and failed-run tables inline" \
    test -n "$(grep '<table class="leaderboard">' "$I")" -a -n "$(grep '<table class="failed">' "$I")"
check "the inputs' context is shown" grep -q 'fixture-host' "$I"

echo "# 6. determinism, several inputs, journals"
pb again report "$FIXTURE" -o "$T/again"
diffs=$(cd "$R" && for f in index.html leaderboard-blackbox.md plots/*.dat plots/*.gp plots/*.svg; do
    cmp -s "$f" "$T/again/$f" || echo "$f"; done)
check "the same results give the same report, byte for byte${diffs:+ (differ: $diffs)}" test -z "$diffs"
jq '.runs |= map(select(.plugin.name != "gamma"))' "$FIXTURE" >"$T/ab.json"
jq '.runs |= map(select(.plugin.name == "gamma"))' "$FIXTURE" >"$T/g.json"
pb two report "$T/ab.json" "$T/g.json" -o "$T/two"
check "two files: the same leaderboard as one file holding both" \
    cmp -s "$T/two/leaderboard-blackbox.md" "$MD"
jq -c '.runs[]' "$FIXTURE" >"$T/fixture.journal"
pb journal report "$T/fixture.journal" -o "$T/journal"
check "a journal of an interrupted suite: the same leaderboard" \
    cmp -s "$T/journal/leaderboard-blackbox.md" "$MD"
jq '.runs |= map(if .plugin.name == "beta" then .plugin.name = "alpha" else . end)' "$FIXTURE" >"$T/versions.json"
pb versions report "$T/versions.json" -o "$T/versions"
check "one name, two binaries: two algorithms told apart by sha256" \
    test -n "$(grep -F '| alpha (sha256 aaaaaaaa) |' "$T/versions/leaderboard-blackbox.md")" -a \
    -n "$(grep -F '| alpha (sha256 bbbbbbbb) |' "$T/versions/leaderboard-blackbox.md")"
mkdir -p "$T/d"
cp "$FIXTURE" "$T/d/results.json"
pb default report "$T/d/results.json"
check "default output: the results file's directory + /report" \
    test "$RC" -eq 0 -a -s "$T/d/report/index.html" -a "$(cat "$T/default.out")" = "report: $T/d/report/index.html"

echo "# 6b. plot file names: one file per plot, also when ids map or cut alike"
# Six problems from the fixture's two, by seed: ids that the file-name mapping makes alike
# (f/1, f:1, f_1) and ids alike in their first 80 characters (cut there).
L=$(printf 'p%.0s' $(seq 1 90))
jq --arg l "$L" '.runs |= map(.problem.id = (if .problem.id == "sphere-d2-i1"
    then ["f/1", "f:1", "f_1"] else [$l + "x", $l + "y", $l + "z"] end)[.seed - 1])' \
    "$FIXTURE" >"$T/names.json"
pb names report "$T/names.json" -o "$T/names"
check "report: exit 0" test "$RC" -eq 0
n=$(cd "$T/names/plots" && ls ./*-cost.png | wc -l)
check "six problems, six convergence plots against the cost ($n)" test "$n" -eq 6
check "an id that is already a file name keeps it: blackbox-f_1-cost" \
    test -s "$T/names/plots/blackbox-f_1-cost.svg"
bad=""
for id in "f/1" "f:1" "f_1" "${L}x" "${L}y" "${L}z"; do
    # The caption names the problem: exactly one data file per problem and axis.
    c=$(grep -lF "# plugbench report: $id: best_error against evaluations" "$T"/names/plots/*-cost.dat | wc -l)
    [ "$c" -eq 1 ] || bad="$bad $id($c)"
done
check "each problem has its own plot file${bad:+ (not:$bad)}" test -z "$bad"
n=$(grep -o 'href="plots/[^"]*-cost.svg"' "$T/names/index.html" | sort -u | wc -l)
check "index.html links six distinct convergence plots ($n)" test "$n" -eq 6
# An id made equal to another's hashed file name: refused rather than one plot replacing
# the other.
hashed=$(cd "$T/names/plots" && grep -lF "# plugbench report: f/1: best_error" ./*-cost.dat |
    sed 's|^./blackbox-||; s|-cost.dat$||')
jq --arg h "$hashed" '.runs |= map(if .problem.id == "f:1" then .problem.id = $h else . end)' \
    "$T/names.json" >"$T/crafted.json"
usage_error "an id equal to another's file name" "two plots would be written to plots/blackbox-$hashed-cost.svg" \
    report "$T/crafted.json" -o "$T/crafted"

echo "# 7. errors"
echo '{"schema": "plugbench/results/1",' >"$T/cut.json"
echo '{"schema": "other/1", "runs": []}' >"$T/other.json"
jq '.runs[4] |= del(.trace)' "$FIXTURE" >"$T/notrace.json"
jq '.runs[2].trace |= del(.seconds)' "$FIXTURE" >"$T/noseconds.json"
printf 'hello' >"$T/hello.txt"
usage_error "missing file" "$T/nope.json: No such file" report "$T/nope.json" -o "$T/e"
usage_error "not JSON" "cut.json.*not a plugbench results file" report "$T/cut.json" -o "$T/e"
usage_error "another schema" "schema 'other/1'" report "$T/other.json" -o "$T/e"
usage_error "no runs at all" "hello.txt: no runs" report "$T/hello.txt" -o "$T/e"
usage_error "a run without a trace" "notrace.json: run 5 has no trace" report "$T/notrace.json" -o "$T/e"
usage_error "a trace without seconds" "noseconds.json: run 3 has no trace columns" report "$T/noseconds.json" -o "$T/e"
usage_error "the second file is bad" "nope.json" report "$FIXTURE" "$T/nope.json" -o "$T/e"
usage_error "no file" "which results file" report
usage_error "unknown option" "'--bogus'" report "$FIXTURE" --bogus
usage_error "--tau out of range" "tau must lie in" report "$FIXTURE" --tau 1.5
usage_error "--target not a number" "--target expects a number, not 'x'" report "$FIXTURE" --target x
check "no output directory after the errors" test ! -e "$T/e"
PATH=/nonexistent "$PB" report "$FIXTURE" -o "$T/nognuplot" >"$T/ng.out" 2>"$T/ng.err" </dev/null
NRC=$?
if [ "$NRC" -eq 1 ] && [ "$(wc -l <"$T/ng.err")" -eq 1 ] && grep -q 'gnuplot not found' "$T/ng.err"; then
    ok "gnuplot missing: exit 1, one line: $(cat "$T/ng.err")"
else
    not_ok "gnuplot missing: exit 1 with a clear message" "exit $NRC" "$(cat "$T/ng.err")"
fi

echo "# 8. plugbench run ends with the report"
RS=${BUILD:+$BUILD/plugins/random-search.so}
if [ -n "$RS" ] && [ -f "$RS" ]; then
    pb run run -a "$RS" -p sphere-d2-i1 -p rastrigin-d2-i1 -s 1-2 --max-evals 300 -q -o "$T/run/results.json"
    if [ "$RC" -eq 0 ] && grep -qx "report:  $T/run/report/index.html" "$T/run.out" &&
        [ -s "$T/run/report/plots/blackbox-ecdf-d2.png" ] && [ -s "$T/run/report/leaderboard-blackbox.md" ]; then
        ok "run: writes the report next to the results and prints where the index is"
    else
        not_ok "run: writes the report and prints where the index is" "exit $RC" "$(cat "$T/run.out" "$T/run.err")"
    fi
    pb runnp run -a "$RS" -p sphere-d2-i1 -s 1 --max-evals 50 -q --no-plots -o "$T/runnp/results.json"
    check "run --no-plots: no report" test "$RC" -eq 0 -a ! -e "$T/runnp/report"
else
    echo "ok - # SKIP plugbench run: random-search.so not found (no BUILD_ROOT)"
fi

tap_done
