#!/usr/bin/env bash
# plugbench export --format coco|ioh end to end, without COCO or ioh installed.
#
#   usage: export_test.sh PLUGBENCH_EXE BUILD_ROOT SOURCE_DIR
#
# The sweep test plugin (one evaluation per step) runs on bbob problems with --checkpoints
# all. What the files must hold is computed here independently, with jq and awk, from the
# results file: COCO's evaluation triggers (10^(k/20) rounded down and {1,2,5} x dim x 10^k),
# its target triggers (20 per decade and multiples of 1e5 on the best f - f_opt, as in
# coco-experiment's logger_bbob.c), the printed values; the ioh
# files are checked against an example in the layout of ioh 0.3's analyzer
# (SOURCE_DIR/ioh_example.json, .dat: see tests/export/meson.build). The comparison with
# COCO's own logger is coco_logger_test.sh.
set -u

. "$(dirname "$0")/../support/tap.sh"
tap_plugbench export jq awk -- "$@"
SWEEP=$BUILD/tests/export/sweep.so
RS_SO=$BUILD/plugins/random-search.so

EVALS=500
PROBLEMS=(-p bbob-f01-d5-i1 -p bbob-f01-d5-i2 -p bbob-f08-d2-i1 -p bbob-f01-d2-i1)
pb run run -q --no-plots -a "$SWEEP" "${PROBLEMS[@]}" -s 1 --max-evals $EVALS --checkpoints all \
    -p sphere-d3-i1 -o "$T/all.json"
check "the sweep runs finish" test "$RC" -eq 0

# --- refusals -----------------------------------------------------------------------------
pb default run -q --no-plots -a "$SWEEP" -p bbob-f01-d2-i1 -s 1 --max-evals 50 -o "$T/default.json"
usage_error "a run at the default checkpoints is refused, naming it and the option" \
    'run 1 \(sweep on bbob-f01-d2-i1, seed 1\) cannot be exported.*--checkpoints all' \
    export --format coco "$T/out-default" "$T/default.json"
pb capped run -q --no-plots -a "$SWEEP" -p bbob-f01-d2-i1 -s 1 --max-evals 50 \
    --checkpoints all --max-trace-points 10 -o "$T/capped.json"
usage_error "a capped trace is refused" 'max-trace-points' \
    export --format ioh "$T/out-capped" "$T/capped.json"
pb population run -q --no-plots -a "$RS_SO" -p bbob-f01-d2-i1 -s 1 --max-evals 50 \
    --checkpoints all -o "$T/population.json"
usage_error "several evaluations per step are refused without --by-step" 'by-step' \
    export --format coco "$T/out-pop" "$T/population.json"
pb bystep export --format coco --by-step "$T/out-pop" "$T/population.json"
check "with --by-step they are exported, improvements at each step's end" \
    grep -q '^10 0 ' "$T/out-pop/random-search/data_f1/bbobexp_f1_DIM2.dat"
usage_error "an unknown format is refused" 'coco or --format ioh' export --format csv "$T/o" "$T/all.json"

# --- COCO ---------------------------------------------------------------------------------
pb coco export --format coco "$T/coco" "$T/all.json"
check "export --format coco succeeds and notes the skipped sphere run (exit $RC)" \
    grep -q 'skipped 1 run not on a bbob problem' "$T/coco.err"
C=$T/coco/sweep
files=$(cd "$C" && find . -type f | sort | tr '\n' ' ')
want="./bbobexp_f1.info ./bbobexp_f8.info ./data_f1/bbobexp_f1_DIM2.dat ./data_f1/bbobexp_f1_DIM2.mdat \
./data_f1/bbobexp_f1_DIM2.rdat ./data_f1/bbobexp_f1_DIM2.tdat ./data_f1/bbobexp_f1_DIM5.dat \
./data_f1/bbobexp_f1_DIM5.mdat ./data_f1/bbobexp_f1_DIM5.rdat ./data_f1/bbobexp_f1_DIM5.tdat \
./data_f8/bbobexp_f8_DIM2.dat ./data_f8/bbobexp_f8_DIM2.mdat ./data_f8/bbobexp_f8_DIM2.rdat \
./data_f8/bbobexp_f8_DIM2.tdat "
check "COCO's file tree" test "$files" = "$want"

# The trace of one run as "evaluations best_error" lines.
# (From $T/all.json, or the results file given second.)
trace_of() { jq -r --arg id "$1" '.runs[] | select(.problem.id == $id) | .trace
    | [.evaluations, .best_error] | transpose[] | "\(.[0]) \(.[1])"' "${2:-$T/all.json}"; }
fopt_of() { jq -r --arg id "$1" '.runs[] | select(.problem.id == $id) | .problem.f_opt' \
    "${2:-$T/all.json}"; }

# The .dat lines COCO writes for a trace: the first evaluation, then each improvement that
# reaches a new target 10^(j/20) (best f - f_opt below 1e-8 counts as 1e-8, 0 as 1e-9) or a
# new multiple of 1e5 rounded up to, and the last evaluation if not written yet.
expect_dat() {
    awk -v fopt="$2" 'function lg(v) { return log(v) / log(10) }
        function ceil(v) { return v == int(v) ? v : (v > 0 ? int(v) + 1 : int(v)) }
        function floor(v) { return v == int(v) ? v : (v > 0 ? int(v) : int(v) - 1) }
        function line(e, b) { printf "%d 0 %+.9e %+.9e %+.9e\n", e, b, fopt + b, fopt + b; at = e }
        { e = $1; b = $2 + 0; improved = NR == 1 || b < best; best = b
          if (NR == 1) { line(e, b); next }
          if (!improved) next
          w = b == 0 ? 1e-9 : b < 1e-8 ? 1e-8 : b; x = ceil(lg(w) * 20)
          down = floor(b / 1e5) * 1e5; y = b - down < 1e-12 ? down : ceil(b / 1e5) * 1e5
          hit = 0
          if (!started || x < last) { last = x; hit = 1 }
          if (!started || y < linear) { linear = y; hit = 1 }
          started = 1
          if (hit) line(e, b) }
        END { if (at != e) line(e, best) }' <<<"$1"
}
# The .tdat evaluations: floor(10^(k/20)), {1,2,5} x dim x 10^k, and the last one.
expect_tdat_evals() {
    awk -v dim="$1" -v n="$2" 'BEGIN {
        for (k = 0; ; k++) { v = int(10 ^ (k / 20) + 1e-9); if (v > n) break; hit[v] = 1 }
        for (p = 1; p * dim <= n; p *= 10) { hit[p * dim] = 1; hit[2 * p * dim] = 1; hit[5 * p * dim] = 1 }
        hit[n] = 1
        for (e = 1; e <= n; e++) if (e in hit) print e }'
}
body() { awk -v n="$2" 'BEGIN { k = 0 } /^%/ { k++; next } k == n' "$1"; }

fopt=$(fopt_of bbob-f01-d5-i2)
got=$(body "$C/data_f1/bbobexp_f1_DIM5.dat" 2)
want=$(expect_dat "$(trace_of bbob-f01-d5-i2)" "$fopt")
check "the .dat lines of f1 d5 i2: first evaluation, each new target, the last evaluation ($(wc -l <<<"$got") lines)" \
    test "$got" = "$want"
# f12 in d5: errors falling by small steps from 1e7, where the multiples of 1e5 add lines.
pb f12 run -q --no-plots -a "$SWEEP" -p bbob-f12-d5-i1 -s 1 --max-evals $EVALS --checkpoints all \
    -o "$T/f12.json"
pb f12export export --format coco "$T/coco-f12" "$T/f12.json"
got=$(body "$T/coco-f12/sweep/data_f12/bbobexp_f12_DIM5.dat" 1)
want=$(expect_dat "$(trace_of bbob-f12-d5-i1 "$T/f12.json")" "$(fopt_of bbob-f12-d5-i1 "$T/f12.json")")
check "the .dat lines of f12 d5 i1, with the linear targets ($(wc -l <<<"$got") lines)" \
    test "$got" = "$want"
got=$(body "$C/data_f1/bbobexp_f1_DIM5.tdat" 1 | cut -d' ' -f1 | tr '\n' ' ')
want=$(expect_tdat_evals 5 $EVALS | tr '\n' ' ')
check "the .tdat evaluations of f1 d5 i1: $want" test "$got" = "$want"
got=$(body "$C/data_f1/bbobexp_f1_DIM5.tdat" 1 | awk '{ print $1, $3 }' | tail -1)
want=$(trace_of bbob-f01-d5-i1 | awk '{ printf "%d %+.9e\n", $1, $2 }' | tail -1)
check "the last .tdat line has the final best f - f_opt ($want)" test "$got" = "$want"
check "each data file has one COCO header per run" \
    test "$(grep -c '^% f evaluations | g evaluations | best noise-free fitness - Fopt (' \
        "$C/data_f1/bbobexp_f1_DIM5.rdat")" -eq 2
info1=$(cat "$C/bbobexp_f1.info")
final=$(trace_of bbob-f01-d2-i1 | tail -1 | awk '{ printf "%d|%.1e", $1, $2 }')
want="suite = 'bbob', funcId = 1, DIM = 2, Precision = 1.000e-08, algId = 'sweep', coco_version = 'plugbench-export:coco-experiment-0.0.1-dev0', logger = 'bbob', data_format = 'bbob-new2', settings = ''
% 
data_f1/bbobexp_f1_DIM2.dat, 1:$final"
check "bbobexp_f1.info starts with the d2 block, as COCO orders dimensions first" \
    test "$(head -3 <<<"$info1")" = "$want"
check "then an empty line and the d5 block with instances 1 and 2" \
    grep -Eq '^data_f1/bbobexp_f1_DIM5.dat, 1:500\|[0-9.e+-]+, 2:500\|[0-9.e+-]+$' "$C/bbobexp_f1.info"
usage_error "an existing algorithm folder is refused" 'random-search exists' \
    export --format coco --by-step "$T/out-pop" "$T/population.json"

# --- IOHprofiler --------------------------------------------------------------------------
pb ioh export --format ioh "$T/ioh" "$T/all.json"
I=$T/ioh/sweep
check "ioh's file tree" test "$(cd "$I" && find . -type f | sort | tr '\n' ' ')" = \
    "./IOHprofiler_f1_Sphere.json ./IOHprofiler_f8_Rosenbrock.json ./data_f1_Sphere/IOHprofiler_f1_DIM2.dat ./data_f1_Sphere/IOHprofiler_f1_DIM5.dat ./data_f8_Rosenbrock/IOHprofiler_f8_DIM2.dat "
# The paths to every key, array indices as "[]": ours against ioh's layout.
shape() { jq -c '[paths | select(.[-1] | type == "string")
    | map(if type == "number" then "[]" else . end)] | unique' "$1"; }
check "the JSON has exactly the keys and nesting of ioh's analyzer" \
    test "$(shape "$I/IOHprofiler_f1_Sphere.json")" = "$(shape "$SRC/ioh_example.json")"
check "the keys come in ioh's order" test "$(jq -c 'keys_unsorted' "$I/IOHprofiler_f1_Sphere.json")" = \
    "$(jq -c 'keys_unsorted' "$SRC/ioh_example.json")"
json_check "scenarios per dimension, runs per instance, evals and best" "$I/IOHprofiler_f1_Sphere.json" \
    '[.scenarios[] | [.dimension, .path, [.runs[] | [.instance, .evals]]]]
     == [[2, "data_f1_Sphere/IOHprofiler_f1_DIM2.dat", [[1, 500]]],
         [5, "data_f1_Sphere/IOHprofiler_f1_DIM5.dat", [[1, 500], [2, 500]]]]
     and .function_id == 1 and .maximization == false and .suite == "BBOB"'
check "each run's .dat starts with ioh's header, as in the example" \
    test "$(grep -c "^$(head -1 "$SRC/ioh_example.dat")\$" "$I/data_f1_Sphere/IOHprofiler_f1_DIM5.dat")" -eq 2
got=$(awk 'BEGIN { k = 0 } /^evaluations/ { k++; next } k == 1' "$I/data_f1_Sphere/IOHprofiler_f1_DIM2.dat")
want=$(trace_of bbob-f01-d2-i1 | awk '{ if (NR == 1 || $2 + 0 < best) { best = $2 + 0; at = $1
        printf "%d %.10f\n", $1, $2 } last = $1 } END { if (at != last) printf "%d %.10f\n", last, best }')
check "the .dat lines: each improvement of raw_y = f - f_opt, ten decimals, and the last evaluation" \
    test "$got" = "$want"
best=$(trace_of bbob-f01-d2-i1 | awk 'NR == 1 || $2 + 0 < best { best = $2 + 0; at = $1; y = $2 }
    END { print at, y }')
json_check "best: the evaluation and value of the best f ($best)" "$I/IOHprofiler_f1_Sphere.json" \
    ".scenarios[0].runs[0].best | .evals == ${best% *} and .y == ${best#* } and .x == []"

tap_done
