#!/usr/bin/env bash
# End-to-end tests of `plugbench compare`.
#
#   usage: compare_test.sh PLUGBENCH_EXE DATA_DIR
#
# DATA_DIR/base.json holds 20 real runs (random-search and cbo on sphere-d5-i1 and
# rastrigin-d5-i1, seeds 1-5, --max-evals 2000) without their traces. Every other input is
# made from it with jq, so that each case states the one change it makes: identical files,
# clear slowdowns and quality or target regressions, noise within the threshold, status
# changes, mismatched and malformed files, bad usage. Each check prints "ok - ..." or
# "not ok - ..."; the exit status is 1 when any check failed. Needs bash and jq.
set -u

. "$(dirname "$0")/../support/tap.sh"
tap_usage 2 2 "PLUGBENCH_EXE DATA_DIR" "$@"
PB=$(tap_abs "$1")
BASE=$(cd "$2" && pwd)/base.json
tap_require jq
tap_scratch compare

# cmp_run NAME ARGS...: runs plugbench compare; stdout to NAME.out, stderr to NAME.err, the
# status in RC (tap.sh's pb).
cmp_run() {
    local name=$1
    shift
    pb "$name" compare "$@"
}

# variant NAME FILTER: NAME.json is base.json with the jq filter applied to its runs array.
variant() {
    jq "$2" "$BASE" >"$T/$1.json" || echo "Bail out! jq filter of $1 failed"
}

# expect_rc DESCRIPTION WANT NAME: the last cmp_run exited WANT.
expect_rc() {
    if [ "$RC" -eq "$2" ]; then
        ok "$1: exit $2"
    else
        not_ok "$1: exit $RC, want $2" "stdout: $(head -c 1500 "$T/$3.out")" \
            "stderr: $(head -c 500 "$T/$3.err")"
    fi
}

# expect_out DESCRIPTION NAME REGEX: NAME.out has a line matching the extended regex.
expect_out() {
    if grep -Eq -- "$3" "$T/$2.out"; then
        ok "$1"
    else
        not_ok "$1" "no line matches: $3" "stdout: $(head -c 1500 "$T/$2.out")"
    fi
}

# bad_input DESCRIPTION REGEX ARGS...: `plugbench compare ARGS` exits 2, nothing on stdout,
# one line on stderr that starts with "plugbench: " and matches the extended regular
# expression (tap.sh's usage_error).
bad_input() {
    local what=$1 regex=$2
    shift 2
    usage_error "$what" "$regex" compare "$@"
}

# A jq function selecting the runs of one algorithm on one problem.
SEL='def sel(a; p): .plugin.name == a and .problem.id == p;'

# --- help --------------------------------------------------------------------------------
cmp_run help --help
expect_rc "--help" 0 help
expect_out "--help says how many seeds a verdict needs" help "at least 4 common seeds"
expect_out "--help gives the exit status" help "^Exit status: 0 when nothing regressed"
"$PB" --help | grep -Eq '^  compare BASE NEW' && ok "plugbench --help lists compare" ||
    not_ok "plugbench --help lists compare"

# --- identical inputs --------------------------------------------------------------------
cmp_run same "$BASE" "$BASE" --json "$T/same.v.json"
expect_rc "identical files" 0 same
expect_out "identical files: nothing to list" same "^no improvement and no regression$"
expect_out "identical files: tally" same \
    "^4 compared: 0 regressed, 0 improved, 0 similar, 4 identical; 0 only in BASE, 0 only in NEW$"
expect_out "identical files: verdict line" same "^verdict: no regression$"
json_check "identical files: JSON verdict" "$T/same.v.json" \
    '.schema == "plugbench/compare/1" and .verdict == "ok" and .counts.identical == 4 and
     .counts.regressed == 0 and (.comparisons | length) == 4 and .alpha == 0.05 and
     .threshold == 0.05 and .metrics == ["quality", "target", "time"]'
json_check "identical files: every metric identical, no p-value needed" "$T/same.v.json" \
    '[.comparisons[].metrics[] | .verdict == "identical" and .p == null] | all'
json_check "identical files: target levels no run reached are left out" "$T/same.v.json" \
    '[.comparisons[].metrics[] | select(.name == "target_hits") |
      .base_infinite < 5 and .level > 0.1] | all and length > 10 and length < 51'
cmp_run same_all --all "$BASE" "$BASE"
expect_out "--all lists identical rows" same_all \
    "^identical +random-search +sphere-d5-i1 +5 +best_error +1\.91817 +1\.91817 +\+0\.0% +-$"

# The plugin's version, sha256 and path are not part of what makes runs comparable.
variant rebuilt '.runs |= map(.plugin.sha256 = "0000" | .plugin.version = "9.9.9" | .plugin.path = "/elsewhere.so")'
cmp_run rebuilt "$BASE" "$T/rebuilt.json"
expect_rc "another sha256, version and path: same experiments" 0 rebuilt
expect_out "another sha256: compared, identical" rebuilt "^4 compared: .* 4 identical"

# A journal (one run per line) reads like a results file.
jq -c '.runs[]' "$BASE" >"$T/base.journal"
cmp_run journal "$T/base.journal" "$BASE"
expect_rc "a journal as BASE" 0 journal
expect_out "a journal as BASE: identical" journal "^4 compared: .* 4 identical"

# --- clear slowdown ----------------------------------------------------------------------
variant slow "$SEL"' .runs |= map(if sel("cbo"; "sphere-d5-i1") then .time.algorithm_seconds *= 2 else . end)'
cmp_run slow "$BASE" "$T/slow.json" --json "$T/slow.v.json"
expect_rc "cbo twice as slow" 1 slow
expect_out "slowdown: the table row" slow \
    "^regressed +cbo +sphere-d5-i1 +5 +algorithm_seconds .* \+100\.0% +0\.0079$"
expect_out "slowdown: verdict line" slow "^verdict: REGRESSED$"
json_check "slowdown: JSON says which metric, by how much, how sure" "$T/slow.v.json" \
    '.verdict == "regressed" and .counts.regressed == 1 and .counts.identical == 3 and
     ([.comparisons[] | select(.verdict == "regressed")] | length == 1 and
      .[0].plugin == "cbo" and .[0].problem == "sphere-d5-i1" and
      (.[0].metrics[] | select(.metric == "time") | .verdict == "regressed" and .change == 1 and
       .exact == true and (.p - 2/252 | fabs) < 1e-12))'
cmp_run slow_gate --metrics quality,target "$BASE" "$T/slow.json"
expect_rc "slowdown with --metrics quality,target (the CI gate): time not compared" 0 slow_gate
cmp_run slow_alpha --alpha 0.001 "$BASE" "$T/slow.json"
expect_rc "slowdown at alpha 0.001: 5 seeds cannot show it" 0 slow_alpha
expect_out "alpha 0.001: the note on too few seeds" slow_alpha \
    "^note: 4 comparison\(s\) have fewer than 7 common seeds: at alpha 0.001 no difference"

variant faster "$SEL"' .runs |= map(if sel("cbo"; "sphere-d5-i1") then .time.algorithm_seconds /= 2 else . end)'
cmp_run faster "$BASE" "$T/faster.json"
expect_rc "cbo twice as fast: an improvement is no failure" 0 faster
expect_out "speedup: the table row" faster "^improved +cbo +sphere-d5-i1 +5 +algorithm_seconds .* -50\.0% +0\.0079$"
expect_out "speedup: tally" faster "^4 compared: 0 regressed, 1 improved"

# Final quality 50% worse on every seed.
variant worse "$SEL"' .runs |= map(if sel("random-search"; "rastrigin-d5-i1") then .metrics.best_error *= 1.5 else . end)'
cmp_run worse --metrics quality "$BASE" "$T/worse.json"
expect_rc "final quality 50% worse" 1 worse
expect_out "quality: the table row" worse \
    "^regressed +random-search +rastrigin-d5-i1 +5 +best_error +24\.7758 +37\.1637 +\+50\.0% +0\.0079$"

# Each of the fixed targets reached 2000 evaluations later: later than any seed in BASE.
variant later "$SEL"' .runs |= map(if sel("random-search"; "sphere-d5-i1") then .target_hits.evaluations |= map(if . == null then null else . + 2000 end) else . end)'
cmp_run later --metrics target "$BASE" "$T/later.json" --json "$T/later.v.json"
expect_rc "targets reached 2000 evaluations later" 1 later
expect_out "targets: a table row per level" later \
    "^regressed +random-search +sphere-d5-i1 +5 +target_hits 10 +41 +2041 +\+4878\.0% +0\.0079$"
json_check "targets: level 100 (evaluation 1 on every seed, tied: asymptotic p) regressed" \
    "$T/later.v.json" '[.comparisons[] | select(.plugin == "random-search" and .problem == "sphere-d5-i1") |
     .metrics[] | select(.level == 100) | .verdict == "regressed"] == [true]'
# Targets no longer reached: +inf ranks below every evaluation count.
variant never "$SEL"' .runs |= map(if sel("random-search"; "sphere-d5-i1") then .target_hits.evaluations |= (.[:5] + (.[5:] | map(null))) else . end)'
cmp_run never --metrics target "$BASE" "$T/never.json" --json "$T/never.v.json"
expect_rc "targets below 15.8 never reached any more" 1 never
expect_out "never: the table row" never \
    "^regressed +random-search +sphere-d5-i1 +5 +target_hits 10 +41 +never +\+inf +0\.0075$"
json_check "never: JSON change +inf, medians null" "$T/never.v.json" \
    '[.comparisons[].metrics[] | select(.level == 10 and .verdict == "regressed")] |
     length == 1 and .[0].change == "+inf" and .[0].new_median == null and .[0].new_infinite == 5'
# The run's own --target (target_hit).
variant own '.runs |= map(.target = 3.5 | .target_hit = (if .problem.id == "sphere-d5-i1" then .seed * 100 else null end))'
variant own_later '.runs |= map(.target = 3.5 | .target_hit = (if .problem.id == "sphere-d5-i1" then .seed * 300 else null end))'
cmp_run own --metrics target "$T/own.json" "$T/own_later.json" --json "$T/own.v.json"
expect_rc "own target reached three times later" 1 own
json_check "own target: target_hit regressed on sphere, tied-never on rastrigin" "$T/own.v.json" \
    '[.comparisons[].metrics[] | select(.name == "target_hit") | .verdict] ==
     ["regressed", "identical", "regressed", "identical"]'

# --- noise within the threshold ----------------------------------------------------------
variant noise '.runs |= map(.time.algorithm_seconds *= ([1.03, 0.98, 1.02, 0.97, 1.01][.seed - 1]))'
cmp_run noise "$BASE" "$T/noise.json" --json "$T/noise.v.json"
expect_rc "times within +-3% per seed" 0 noise
json_check "noise: every time similar" "$T/noise.v.json" \
    '[.comparisons[].metrics[] | select(.metric == "time") | .verdict] == ["similar", "similar", "similar", "similar"]'
# 3% worse with little spread between seeds: as significant as 5 seeds allow (every NEW
# value above every BASE value), but below the threshold.
variant tight '.runs |= map(.metrics.best_error = 100 + .seed / 10)'
variant worse3 '.runs |= map(.metrics.best_error = 103 + .seed / 10)'
cmp_run worse3 --metrics quality "$T/tight.json" "$T/worse3.json" --json "$T/worse3.v.json"
expect_rc "quality 3% worse on every seed, threshold 5%" 0 worse3
json_check "3% worse: significant yet similar" "$T/worse3.v.json" \
    '[.comparisons[].metrics[] | .p < 0.05 and .verdict == "similar"] | all'
cmp_run worse3_t --metrics quality --threshold 2% "$T/tight.json" "$T/worse3.json"
expect_rc "the same at --threshold 2%" 1 worse3_t
cmp_run worse3_t2 --metrics quality --threshold 0.02 "$T/tight.json" "$T/worse3.json"
expect_rc "the same at --threshold 0.02" 1 worse3_t2
# A 50% change on every seed that stays inside the spread between seeds: not significant.
variant spread "$SEL"' .runs |= map(if sel("random-search"; "sphere-d5-i1") then .metrics.best_error *= 1.5 else . end)'
cmp_run spread --metrics quality "$BASE" "$T/spread.json" --json "$T/spread.v.json"
expect_rc "50% worse but within the spread of 5 seeds" 0 spread
json_check "spread: similar, p above alpha" "$T/spread.v.json" \
    '[.comparisons[0].metrics[0] | .verdict == "similar" and .p > 0.05 and .change > 0.3] == [true]'
# One seed of five far worse: not significant.
variant outlier "$SEL"' .runs |= map(if sel("cbo"; "rastrigin-d5-i1") and .seed == 2 then .metrics.best_error *= 3 else . end)'
cmp_run outlier --metrics quality "$BASE" "$T/outlier.json" --json "$T/outlier.v.json"
expect_rc "one seed of five three times worse" 0 outlier
json_check "outlier: similar, not significant" "$T/outlier.v.json" \
    '[.comparisons[] | select(.plugin == "cbo" and .problem == "rastrigin-d5-i1") | .metrics[0] |
      .verdict == "similar" and .p > 0.05] == [true]'

# --- status changes ----------------------------------------------------------------------
variant crash "$SEL"' .runs |= map(if sel("cbo"; "rastrigin-d5-i1") and .seed == 3 then
    .status = "crashed" | .signal = 11 | .metrics = null | .message = "killed by signal 11" else . end)'
cmp_run crash --metrics quality "$BASE" "$T/crash.json" --json "$T/crash.v.json"
expect_rc "a run ok in BASE crashes in NEW" 1 crash
expect_out "crash: the status row" crash "^regressed +cbo +rastrigin-d5-i1 +5 +status \(seed 3\) +ok +crashed"
json_check "crash: JSON status entry; the metric itself is only similar" "$T/crash.v.json" \
    '[.comparisons[] | select(.verdict == "regressed")] | length == 1 and
     .[0].status == [{"seed": 3, "base": "ok", "new": "crashed", "verdict": "regressed"}] and
     .[0].metrics[0].verdict == "similar" and .[0].metrics[0].new_infinite == 1'
cmp_run fixed "$T/crash.json" "$BASE"
expect_rc "a crash in BASE that NEW fixed" 0 fixed
expect_out "fixed: the status row" fixed "^improved +cbo +rastrigin-d5-i1 +5 +status \(seed 3\) +crashed +ok"

# --- mismatched files --------------------------------------------------------------------
variant fewer "$SEL"' .runs |= map(select(sel("cbo"; "sphere-d5-i1") | not))
    | .runs += [.runs[] | select(sel("random-search"; "sphere-d5-i1")) | .problem.id = "sphere-d5-i2"]'
cmp_run fewer "$BASE" "$T/fewer.json" --json "$T/fewer.v.json"
expect_rc "an experiment dropped, another added: not a regression" 0 fewer
expect_out "only in BASE listed" fewer "^only in BASE: cbo on sphere-d5-i1 \(5 runs\)$"
expect_out "only in NEW listed" fewer "^only in NEW: random-search on sphere-d5-i2 \(5 runs\)$"
expect_out "mismatch: tally" fewer "^3 compared: .*; 1 only in BASE, 1 only in NEW$"
json_check "mismatch: JSON lists" "$T/fewer.v.json" \
    '.verdict == "ok" and .only_base[0].plugin == "cbo" and .only_base[0].runs == 5 and
     .only_new[0].problem == "sphere-d5-i2" and .counts.only_base == 1 and .counts.only_new == 1'
# Other parameters make another experiment; the labels then show them.
variant batch '.runs |= map(if .plugin.name == "random-search" then .parameters.batch = 20 else . end)'
cmp_run batch "$BASE" "$T/batch.json"
expect_rc "random-search with another batch size" 0 batch
expect_out "parameters in the label" batch '^only in BASE: random-search \{"parameters":\{"batch":10\},.*\} on sphere-d5-i1'
expect_out "parameters in the label, NEW" batch '^only in NEW: random-search \{"parameters":\{"batch":20\}'
# Seeds that exist on one side only are not compared.
variant seeds3 '.runs |= map(select(.seed <= 3))'
cmp_run seeds3 "$BASE" "$T/seeds3.json" --json "$T/seeds3.v.json"
expect_rc "NEW has seeds 1-3 only" 0 seeds3
expect_out "seeds: the note" seeds3 "^note: cbo on sphere-d5-i1: 2 seed\(s\) only in BASE, not compared$"
expect_out "seeds: 3 seeds cannot reach alpha 0.05" seeds3 "^note: 4 comparison\(s\) have fewer than 4 common seeds"
json_check "seeds: JSON" "$T/seeds3.v.json" \
    '[.comparisons[] | .seeds == [1, 2, 3] and .seeds_only_base == [4, 5] and .too_few_seeds] | all'
# Nothing in common at all: a gate comparing nothing must not pass.
variant renamed '.runs |= map(.plugin.name += "-2")'
bad_input "no experiment in common" "no \(algorithm, problem, parameters, budget, target\) with a seed in common" \
    "$BASE" "$T/renamed.json"

# --- malformed files ---------------------------------------------------------------------
bad_input "missing BASE" "missing\.json: No such file or directory" "$T/missing.json" "$BASE"
bad_input "missing NEW" "missing\.json: No such file or directory" "$BASE" "$T/missing.json"
: >"$T/empty.json"
bad_input "empty file" "empty\.json: no runs \(not a plugbench results file\?\)" "$BASE" "$T/empty.json"
printf 'hello\n' >"$T/text.json"
bad_input "a text file" "text\.json:1: not a plugbench results file or journal" "$BASE" "$T/text.json"
head -c 2000 "$BASE" >"$T/cut.json"
bad_input "a truncated results file" "cut\.json:1: not a plugbench results file" "$BASE" "$T/cut.json"
jq '.schema = "other/2"' "$BASE" >"$T/schema.json"
bad_input "another schema" "schema 'other/2' is not plugbench/results/1" "$T/schema.json" "$BASE"
printf '{"runs": []}\n' >"$T/noschema.json"
bad_input "a JSON object without schema" "noschema\.json:1: not a plugbench results file" "$BASE" "$T/noschema.json"
jq '.runs = []' "$BASE" >"$T/noruns.json"
bad_input "a results file without runs" "noruns\.json: no runs" "$BASE" "$T/noruns.json"
variant noseed '.runs[3] |= del(.seed)'
bad_input "a run without a seed" "noseed\.json: run 4 has no seed" "$BASE" "$T/noseed.json"
variant nostatus '.runs[0].status = 1'
bad_input "a run whose status is no string" "nostatus\.json: run 1 has no status" "$T/nostatus.json" "$BASE"
variant dup '.runs += [.runs[7]]'
bad_input "the same run twice" "NEW has two runs of random-search on rastrigin-d5-i1 with seed 3" "$BASE" "$T/dup.json"

# --- usage -------------------------------------------------------------------------------
bad_input "no files" "expected BASE\.json and NEW\.json"
bad_input "one file" "expected BASE\.json and NEW\.json" "$BASE"
bad_input "three files" "unexpected argument" "$BASE" "$BASE" "$BASE"
bad_input "unknown option" "unknown option '--bogus'" --bogus "$BASE" "$BASE"
bad_input "unknown metric" "--metrics 'quality,speed'" --metrics quality,speed "$BASE" "$BASE"
bad_input "empty metric list" "--metrics ''" --metrics "" "$BASE" "$BASE"
bad_input "alpha 0" "--alpha '0'" --alpha 0 "$BASE" "$BASE"
bad_input "alpha 1" "--alpha '1'" --alpha 1 "$BASE" "$BASE"
bad_input "alpha not a number" "--alpha 'x'" --alpha x "$BASE" "$BASE"
bad_input "negative threshold" "--threshold '-1'" --threshold -1 "$BASE" "$BASE"
bad_input "threshold not a number" "--threshold '5 %'" --threshold "5 %" "$BASE" "$BASE"
bad_input "--json without a file" "--json needs a value" "$BASE" "$BASE" --json
bad_input "--json where no file can be made" "cannot write /proc/v\.json" \
    --json /proc/v.json "$BASE" "$BASE"
cmp_run mkdir "$BASE" "$BASE" --json "$T/nodir/v.json"
check "--json creates missing directories, like run -o" test "$RC" -eq 0 -a -s "$T/nodir/v.json"

tap_done
