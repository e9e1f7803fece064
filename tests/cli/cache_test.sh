#!/usr/bin/env bash
# The run cache (run --cache DIR), end to end.
#
#   usage: cache_test.sh PLUGBENCH_EXE BUILD_ROOT
#
# A suite run twice with one cache runs once: the second time every record is the stored
# one (identical in every field, timings included, but "cached" and "cache_entry").
# Rebuilding one plugin (its .so changes, so its sha256 does) invalidates exactly its runs.
# A truncated entry and an entry of another run are ignored with a warning and replaced.
# Two suites writing one cache at once leave whole entries only. Crashed runs are not
# stored. Runs in a temporary directory, removed on exit.
set -u

. "$(dirname "$0")/../support/tap.sh"
tap_plugbench cache jq -- "$@"

# Copies of two plugins: one of them is "rebuilt" below.
mkdir plugins
cp "$BUILD/plugins/random-search.so" "$BUILD/plugins/nelder-mead.so" plugins/
SUITE=(run -a "$T/plugins/random-search.so" -a "$T/plugins/nelder-mead.so"
    -p sphere-d2-i1 -p rastrigin-d2-i1 -s 1-5 --max-evals 100 --no-plots -j 2 --cache "$T/c")
# The records of a results file, sorted, without what reuse adds.
records() {
    jq -S '[.runs[] | del(.cached, .cache_entry)] | sort_by(.plugin.name, .problem.id, .seed)' "$1"
}
entries() { find "$T/c" -name '*.json' | wc -l; }

pb first "${SUITE[@]}" -o first.json
check "a suite with an empty cache runs (exit $RC)" test "$RC" -eq 0
check "it says nothing was reused" grep -q "cache $T/c: 0 runs reused, 20 to run" first.err
check "its summary line says so" grep -q '^20 runs: 20 ok; 0 reused from the cache$' first.out
check "each of its 20 ok runs is stored (entries: $(entries))" test "$(entries)" -eq 20
json_check "no fresh record is marked cached" first.json '[.runs[] | has("cached")] | any | not'

pb second "${SUITE[@]}" -o second.json
check "the same suite again (exit $RC)" test "$RC" -eq 0
check "reuses every run" grep -q "cache $T/c: 20 runs reused, 0 to run" second.err
check "and its summary line says so" grep -q '^20 runs: 20 ok; 20 reused from the cache$' second.out
json_check "every reused record says it is cached, and where from" second.json \
    "[.runs[] | .cached == true and (.cache_entry | startswith(\"$T/c/\"))] | all"
if cmp -s <(records first.json) <(records second.json); then
    ok "the reused records are identical to the runs that made them, timings included"
else
    not_ok "the reused records are identical to the runs that made them" \
        "$(diff <(records first.json) <(records second.json) | head -n 8)"
fi
# Not a copy of the first results file: a suite of other settings is not served from it.
pb budget "${SUITE[@]}" --max-evals 101 -o budget.json
check "another budget is another key: nothing reused" \
    grep -q "cache $T/c: 0 runs reused, 20 to run" budget.err

# Rebuilding one plugin: bytes appended to an ELF file change its sha256, not its code.
printf 'rebuilt' >>plugins/nelder-mead.so
pb rebuilt "${SUITE[@]}" -o rebuilt.json
check "after one plugin is rebuilt, exactly its 10 runs run again" \
    grep -q "cache $T/c: 10 runs reused, 10 to run" rebuilt.err
json_check "the reused ones are random-search's, the fresh ones nelder-mead's" rebuilt.json \
    '[.runs[] | (.cached == true) == (.plugin.name == "random-search")] | all'

# A truncated entry, another run's entry under this run's name, and a forged one.
mapfile -t some < <(jq -r '.runs[] | select(.cached) | .cache_entry' rebuilt.json | head -n 4)
head -c 100 "${some[0]}" >cut && mv cut "${some[0]}"
cp "${some[2]}" "${some[1]}"
# Its own key, another run's record: what --resume and merge would take for another run.
jq --slurpfile other "${some[2]}" '.record = $other[0].record' "${some[3]}" >forged &&
    mv forged "${some[3]}"
pb corrupt "${SUITE[@]}" -o corrupt.json
check "a suite over a damaged cache completes (exit $RC)" test "$RC" -eq 0
check "the truncated entry is ignored with a warning" \
    grep -q "warning: ignoring the cache entry ${some[0]}: not JSON" corrupt.err
check "the entry of another run is ignored with a warning" \
    grep -q "warning: ignoring the cache entry ${some[1]}: the key it holds is not" corrupt.err
check "an entry holding another run's record is ignored with a warning" \
    grep -q "warning: ignoring the cache entry ${some[3]}: its record is of another run" corrupt.err
check "their three runs run again, the rest are reused" \
    grep -q "cache $T/c: 17 runs reused, 3 to run" corrupt.err
json_check "the results hold every run once, all ok" corrupt.json \
    '(.runs | length) == 20 and ([.runs[].status] | all(. == "ok"))'
whole() { jq -e '.record.status == "ok"' "$@" >/dev/null; }
check "the three entries are whole again" whole "${some[0]}" "${some[1]}" "${some[3]}"

# Two suites writing one new cache at once.
mkdir shared
CONC=(run -a "$T/plugins/random-search.so" -p sphere-d2-i1 -p sphere-d3-i1 -s 1-20
    --max-evals 50 --no-plots -q --cache "$T/shared")
"$PB" "${CONC[@]}" -o one.json >/dev/null 2>one.err &
p1=$!
"$PB" "${CONC[@]}" -o two.json >/dev/null 2>two.err &
p2=$!
wait "$p1"; r1=$?
wait "$p2"; r2=$?
check "two suites on one cache both complete (exits $r1 $r2)" test "$r1" -eq 0 -a "$r2" -eq 0
n=$(find shared -name '*.json' | wc -l)
bad=$(find shared -name '*.json' -exec sh -c 'jq -e ".record.status == \"ok\"" "$1" >/dev/null || echo "$1"' _ {} \;)
check "they leave 40 whole entries (found $n)" test "$n" -eq 40 -a -z "$bad"
check "and no temporary file" test -z "$(find shared -name '*.tmp.*')"
pb third "${CONC[@]}" -o three.json
check "a third suite reuses all 40" grep -q "^40 runs: 40 ok; 40 reused from the cache$" third.out

# Crashes are not stored: a resubmission runs them again.
ABORT=$BUILD/tests/isolation/bad-abort.so
if [ -f "$ABORT" ]; then
    CRASH=(run -a "$ABORT" -p sphere-d2-i1 -s 1-2 --max-evals 50 --no-plots --cache "$T/crash")
    pb crash1 "${CRASH[@]}" -o crash1.json
    pb crash2 "${CRASH[@]}" -o crash2.json
    check "crashed runs are not cached: they run again" \
        grep -q "cache $T/crash: 0 runs reused, 2 to run" crash2.err
    json_check "(they crashed)" crash2.json '[.runs[].status] | all(. == "crashed")'
else
    skip "bad-abort.so is not built"
fi

usage_error "an empty --cache" "cache must be a directory name" run --cache ''
printf '{"cache": "%s/c", "algorithms": ["%s/plugins/random-search.so"], "problems": ["sphere-d2-i1"], "seeds": "1-5", "max_evals": 100, "plots": false}' "$T" "$T" >cfg.json
pb config run -c cfg.json -o config.json
check "the config key cache works as the flag" \
    grep -q '^5 runs: 5 ok; 5 reused from the cache$' config.out

# The label is not part of the key: a configuration renamed since reuses its runs, under the
# new name (one configuration, one row), as --resume keeps them.
for name in rs-old rs-new; do
    printf '{"cache": "%s/label", "algorithms": [{"name": "%s", "plugin": "%s/plugins/random-search.so", "params": {"batch": 5}}], "problems": ["sphere-d2-i1"], "seeds": "1-3", "max_evals": 100, "plots": false}' "$T" "$name" "$BUILD" >label.json
    pb "label-$name" run -c label.json -o "label-$name.json"
done
json_check "a renamed configuration's reused runs carry its new label" label-rs-new.json \
    '[.runs[] | .cached == true and .config == "rs-new"] | all and length == 3'

tap_done
