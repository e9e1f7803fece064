#!/usr/bin/env bash
# End-to-end tests of `plugbench bench`.
#
#   usage: bench_test.sh available PLUGBENCH_EXE BUILD_ROOT
#          bench_test.sh unavailable PLUGBENCH_EXE
#
# available: the executable has Google Benchmark. Times the build tree's plugins and the
# test plugins BUILD_ROOT/tests/shim/mk-test.so and mk-bad.so (mk_plugin.c) with short
# --benchmark_min_time, and checks exit statuses, messages and Google Benchmark's JSON:
# names, items and bytes per iteration, the host-counted evaluations, labels, errors.
# unavailable: the executable was built without it; checks the one-line explanation.
# Prints "ok - ..." or "not ok - ..." per check; exit status 1 when one failed. Needs jq.
set -u

MODE=${1:-}
if ! { [ "$MODE" = available ] && [ $# -eq 3 ]; } && ! { [ "$MODE" = unavailable ] && [ $# -eq 2 ]; }; then
    echo "usage: $0 available PLUGBENCH_EXE BUILD_ROOT | unavailable PLUGBENCH_EXE" >&2
    exit 2
fi
PB=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
. "$(dirname "$0")/../support/tap.sh"
tap_require jq
unset PLUGBENCH_PLUGIN_PATH
tap_scratch bench

# status DESCRIPTION NAME EXPECTED: the last pb NAME exited with EXPECTED.
status() {
    if [ "$RC" -eq "$3" ]; then ok "$1: exit $3"; else
        not_ok "$1: exit $RC, want $3" "stderr: $(head -c 600 "$T/$2.err")"; fi
}
# grep_check DESCRIPTION FILE REGEX: FILE has a line matching the extended REGEX.
grep_check() {
    if grep -Eq -- "$3" "$2"; then ok "$1"; else
        not_ok "$1" "no line matches: $3" "$(basename "$2"): $(head -c 600 "$2")"; fi
}

UNAVAILABLE='plugbench bench is unavailable: this build has no Google Benchmark (install libbenchmark-dev and reconfigure); --instructions works without it'

if [ "$MODE" = unavailable ]; then
    pb un bench --benchmark_filter=cbo cbo
    status "without Google Benchmark" un 2
    if [ "$(cat "$T/un.err")" = "$UNAVAILABLE" ] && [ ! -s "$T/un.out" ]; then
        ok "one line says why: $UNAVAILABLE"
    else
        not_ok "one line says why" "stderr: $(head -c 300 "$T/un.err")" "stdout: $(head -c 300 "$T/un.out")"
    fi
    pb unhelp bench --help
    status "bench --help without Google Benchmark" unhelp 0
    grep_check "--help describes the command and says it is unavailable" "$T/unhelp.out" \
        "^plugbench bench is unavailable"
    tap_done
    exit
fi

BUILD=$(cd "$3" && pwd)
SHIM=$BUILD/tests/shim
# items_per_second x cpu_time (ns) is the items per iteration; jq: near(a; b).
NEAR='def near(a; b): ((a - b) | fabs) <= 1e-6 * (b | fabs) + 1e-12;'
ITEMS='(.items_per_second * .cpu_time * 1e-9)'
BYTES='(.bytes_per_second * .cpu_time * 1e-9)'
BYNAME='def b(n): [.benchmarks[] | select(.name == n)][0];'

pb help --help
grep_check "plugbench --help lists bench" "$T/help.out" "^  bench "
pb bhelp bench --help
status "bench --help" bhelp 0
grep_check "bench --help prints the usage" "$T/bhelp.out" "^usage: plugbench bench"

# The issue's example: the CBO step alone, as JSON.
pb cbo bench --benchmark_filter=cbo --benchmark_min_time=0.01 --benchmark_out="$T/cbo.json" \
    --benchmark_out_format=json
status "bench --benchmark_filter=cbo" cbo 0
json_check "cbo.json: only cbo/step ran" "$T/cbo.json" '[.benchmarks[].name] == ["cbo/step"]'
json_check "cbo.json: cbo/step has items_per_second > 0 and 20 evaluations per iteration" \
    "$T/cbo.json" "$NEAR"'.benchmarks[0] | .items_per_second > 0 and .evaluations == 20 and near('"$ITEMS"'; 20)'
json_check "cbo.json: the members compare.py reads" "$T/cbo.json" \
    '(.context | type == "object") and (.benchmarks[0] | (.run_type == "iteration") and (.time_unit == "ns") and (.real_time > 0) and (.cpu_time > 0) and (.iterations >= 1))'
json_check "cbo.json: labelled with a problem id" "$T/cbo.json" '.benchmarks[0].label | test("^[a-z0-9-]+$")'

# Every plugin of the build tree: declared items per iteration = counted evaluations.
pb all bench --benchmark_min_time=0.01 --benchmark_out="$T/all.json"
status "bench (every plugin)" all 0
json_check "all.json: random-search/step and cbo/step ran" "$T/all.json" \
    '[.benchmarks[].name] | index("random-search/step") != null and index("cbo/step") != null'
json_check "all.json: for each kernel, items per iteration = evaluations the host counted" \
    "$T/all.json" "$NEAR"'all(.benchmarks[] | select(.items_per_second); near('"$ITEMS"'; .evaluations))'

pb list bench random-search --benchmark_list_tests=true
status "bench random-search --benchmark_list_tests" list 0
if [ "$(cat "$T/list.out")" = "random-search/step" ]; then ok "lists random-search/step alone"; else
    not_ok "lists random-search/step alone" "stdout: $(head -c 300 "$T/list.out")"; fi

pb rep bench cbo --benchmark_repetitions=2 --benchmark_min_time=0.01 --benchmark_out="$T/rep.json"
status "bench cbo --benchmark_repetitions=2" rep 0
json_check "rep.json: two iterations and the mean, median, stddev aggregates" "$T/rep.json" \
    '([.benchmarks[] | select(.run_type == "iteration")] | length == 2) and ([.benchmarks[] | select(.run_type == "aggregate") | .aggregate_name] | contains(["mean", "median", "stddev"]))'

# The host's paths, with the test plugin's kernels.
DEFAULT=$("$PB" list | sed -n 's/^  default problems: \([^ ]*\).*/\1/p' | head -n 1)
pb mk bench "$SHIM/mk-test.so" --benchmark_min_time=0.01 --benchmark_out="$T/mk.json"
status "bench mk-test.so (three kernels fail)" mk 1
json_check "mk.json: count: 3 evaluations, 3 items and 48 bytes per iteration, on sphere-d2-i1" \
    "$T/mk.json" "$NEAR$BYNAME"'b("mk-test/count") | .evaluations == 3 and near('"$ITEMS"'; 3) and near('"$BYTES"'; 48) and .label == "sphere-d2-i1" and (.error_occurred | not)'
json_check "mk.json: default-problem: 1 evaluation, no items, on the kind's first default problem ($DEFAULT)" \
    "$T/mk.json" "$BYNAME"'b("mk-test/default-problem") | .evaluations == 1 and .items_per_second == null and .label == "'"$DEFAULT"'"'
json_check "mk.json: setup-fails: error_occurred with setup()'s message" "$T/mk.json" \
    "$BYNAME"'b("mk-test/setup-fails") | .error_occurred and .error_message == "setup: setup refused on purpose"'
json_check "mk.json: run-fails: error_occurred with run()'s message" "$T/mk.json" \
    "$BYNAME"'b("mk-test/run-fails") | .error_occurred and .error_message == "run: run refused on purpose"'
json_check "mk.json: unknown-problem: error_occurred, the problem named" "$T/mk.json" \
    "$BYNAME"'b("mk-test/unknown-problem") | .error_occurred and (.error_message | startswith("problem: unknown problem '"'no-such-problem'"'"))'
if [ "$(grep -c 'mk-test/setup-fails failed: setup: setup refused on purpose$' "$T/mk.err")" -eq 1 ]; then
    ok "stderr names the failed kernel once"
else
    not_ok "stderr names the failed kernel once" "stderr: $(head -c 600 "$T/mk.err")"
fi
pb mkcount bench "$SHIM/mk-test.so" '--benchmark_filter=mk-test/count$' --benchmark_min_time=0.01
status "bench mk-test.so, the good kernel alone" mkcount 0

pb bad bench "$SHIM/mk-bad.so"
status "bench mk-bad.so (invalid table)" bad 1
grep_check "the invalid table is named with the reason" "$T/bad.err" \
    "^plugbench: warning: skipping the microkernels of .*/mk-bad\.so: microkernel 0 has no run$"
pb scan bench --plugin-dir "$SHIM" '--benchmark_filter=mk-test/count$' --benchmark_min_time=0.01
status "bench --plugin-dir with an invalid table among valid ones" scan 1
grep_check "the valid kernels still ran" "$T/scan.out" "^mk-test/count "
if [ -f "$BUILD/tests/isolation/good-params.so" ]; then
    pb none bench "$BUILD/tests/isolation/good-params.so"
    status "bench on a plugin without microkernels" none 1
    grep_check "it is named as having none" "$T/none.err" \
        "^plugbench: warning: good-params exposes no microkernels \(plugbench\.microkernels/1\)$"
else
    skip "good-params.so is not built"
fi

# Usage errors: exit 2, one line.
for args in "--bogus" "no-such-plugin" "--benchmark_no_such_flag=1"; do
    usage_error "bench $args" "" bench "$args"
done
pb nomatch bench --benchmark_filter=no-such-kernel
status "a filter that matches nothing" nomatch 1

tap_done
