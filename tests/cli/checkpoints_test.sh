#!/usr/bin/env bash
# --checkpoints and --max-trace-points end to end, and the policy kind's iteration score.
#
#   usage: checkpoints_test.sh PLUGBENCH_EXE BUILD_ROOT
#
# The expected checkpoints are computed here independently (awk for n per decade), and the
# policy's return_last10 is checked against the mean of the last 10 returns of an
# every-step trace, averaged here with jq.
set -u

. "$(dirname "$0")/../support/tap.sh"
tap_plugbench checkpoints jq awk -- "$@"
RS_SO=$BUILD/plugins/random-search.so
VPG_SO=$BUILD/plugins/vpg.so

# One evaluation per step: the trace's cost is then the step count.
RS=(run -q --no-plots -a "$RS_SO" -P random-search.batch=1 -p sphere-d3-i1 -s 1)

pb default "${RS[@]}" --max-evals 1000 -o "$T/default.json"
json_check "the default series writes no checkpoints key (records as before)" "$T/default.json" \
    '.runs[0] | has("checkpoints") == false and has("trace_capped") == false
     and .trace.evaluations == [1,2,5,10,20,50,100,200,500,1000]'

# decade:4: the distinct round(10^(j/4)) up to the budget, computed with awk.
want=$(awk 'BEGIN { last = 0; s = "";
    for (j = 0; ; j++) { v = int(10 ^ (j / 4) + 0.5); if (v > 1000) break;
        if (v > last) { s = s (s == "" ? "" : ",") v; last = v } }
    print "[" s "]" }')
pb decade "${RS[@]}" --max-evals 1000 --checkpoints decade:4 -o "$T/decade.json"
json_check "decade:4 records the points round(10^(j/4)): $want" "$T/decade.json" \
    ".runs[0].trace.evaluations == $want
     and .runs[0].checkpoints == {\"series\": \"decade:4\", \"max_points\": 100000}"

pb every "${RS[@]}" --max-evals 100 --checkpoints every:7 -o "$T/every.json"
json_check "every:7 records every 7th step and the final one" "$T/every.json" \
    '.runs[0].trace.iterations == ([range(7; 100; 7)] + [100])'

pb all "${RS[@]}" --max-evals 300 --checkpoints all -o "$T/all.json"
json_check "all records every step" "$T/all.json" \
    '.runs[0].trace.evaluations == [range(1; 301)] and (.runs[0] | has("trace_capped") | not)'

# The cap: 10 points, the last being the final one, and the record says it was reached.
pb cap "${RS[@]}" --max-evals 300 --checkpoints all --max-trace-points 10 -o "$T/cap.json"
json_check "at the cap, checkpoints stop, the final point is kept, trace_capped is true" \
    "$T/cap.json" \
    '.runs[0] | .trace.evaluations == [1,2,3,4,5,6,7,8,9,300] and .trace_capped == true
     and .checkpoints.max_points == 10'

# The same keys in a config file.
printf '{"checkpoints": "every:50", "max_evals": 200}\n' >"$T/cfg.json"
pb config "${RS[@]}" -c "$T/cfg.json" -o "$T/config.json"
json_check "the config file's checkpoints key" "$T/config.json" \
    '.runs[0].trace.iterations == [50,100,150,200]'

# --resume does not take a run recorded with other checkpoints for this one.
cp "$T/all.json" "$T/resumed.json"
pb resume "${RS[@]}" --max-evals 300 --resume -o "$T/resumed.json"
json_check "--resume reruns a run recorded with other checkpoints" "$T/resumed.json" \
    '.runs | length == 1 and (.[0] | has("checkpoints") | not)'

usage_error "decade:0 is refused" 'checkpoints must be' run --checkpoints decade:0
usage_error "every:x is refused" 'checkpoints must be' run --checkpoints every:x
usage_error "every:-1 is refused" 'checkpoints must be' run --checkpoints every:-1
usage_error "an unknown series is refused" "not 'log'" run --checkpoints log
usage_error "a cap of 1 is refused" 'max_trace_points' run --max-trace-points 1

# The policy kind's score: the mean return after the last 10 iterations (papers' number).
if [ -f "$VPG_SO" ]; then
    pb policy run -q --no-plots -a "$VPG_SO" -P vpg.batch=500 -p cartpole -s 1 \
        --max-evals 20000 --checkpoints all -o "$T/policy.json"
    json_check "return_last10 is the mean of the every-step trace's last 10 returns" \
        "$T/policy.json" \
        '.runs[0] | (.trace.return | .[-10:]) as $r | .trace.iterations[-1] >= 10
         and ((.metrics.return_last10 - ($r | add / length)) | fabs) <= 1e-12 * ($r | add | fabs)
         and (.trace.return_last10 | all(. == null))'
    pb policy_default run -q --no-plots -a "$VPG_SO" -P vpg.batch=500 -p cartpole -s 1 \
        --max-evals 20000 -o "$T/policy_default.json"
    a=$(jq '.runs[0].metrics.return_last10' "$T/policy.json")
    b=$(jq '.runs[0].metrics.return_last10' "$T/policy_default.json")
    check "return_last10 is the same with the default checkpoints ($a, $b)" test "$a" = "$b"
    json_check "the results declare policy's return_last10 for the leaderboard, in the context" \
        "$T/policy_default.json" '.context.leaderboard_metrics == {"policy": ["return_last10"]}
        and (.runs[0].problem | has("leaderboard_metrics") | not)'
else
    skip "vpg.so is not built"
fi

tap_done
