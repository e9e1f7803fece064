#!/usr/bin/env bash
# Instruction counts end to end (tests/instr/meson.build).
#
#   usage: instr_test.sh PLUGBENCH_EXE FAST.so SLOW.so SANITIZE
#
# FAST.so and SLOW.so are spin_plugin.c built with a spin of 1000 and 2000 two-instruction
# loops per step, under one name. Checks:
#   (a) bench --instructions gives the same count twice;
#   (b) the slow build counts more per iteration, and compare --metrics instructions says
#       regressed (exit 1); the same build twice says identical (exit 0);
#   (c) run --count-instructions records instructions per run, equal over two invocations,
#       and, with $PLUGBENCH_VALGRIND naming no valgrind, null with one message;
#   (d) the counts against a figure known from the code: the slow build costs exactly
#       2000 x steps instructions more (x86-64 only, where the loop is assembly).
# Skipped (exit 77) without valgrind, and when SANITIZE (meson's b_sanitize) is not "none":
# valgrind cannot run a program built with AddressSanitizer. Needs jq.
set -u
. "$(dirname "$0")/../support/tap.sh"
tap_usage 4 4 "PLUGBENCH_EXE FAST.so SLOW.so SANITIZE" "$@"
PB=$(tap_abs "$1")
FAST=$(tap_abs "$2")
SLOW=$(tap_abs "$3")
tap_require jq
tap_require_valgrind "$4"
unset PLUGBENCH_PLUGIN_PATH
tap_scratch instr
X86=0
[ "$(uname -m)" = x86_64 ] && X86=1
ITER=20
PER_STEP=2000 # (2000 - 1000) spins of two instructions

# status DESCRIPTION NAME EXPECTED: the last pb NAME exited with EXPECTED.
status() {
    if [ "$RC" -eq "$3" ]; then ok "$1: exit $3"; else
        not_ok "$1: exit $RC, want $3" "stderr: $(show "$T/$2.err" 8)"; fi
}

# (a) bench, twice on the fast build, once on the slow one.
pb bf1 bench --instructions --iterations $ITER -o b_fast1.json "$FAST"
status "bench --instructions, fast build" bf1 0
pb bf2 bench --instructions --iterations $ITER -o b_fast2.json "$FAST"
status "bench --instructions again" bf2 0
pb bs bench --instructions --iterations $ITER -o b_slow.json "$SLOW"
status "bench --instructions, slow build" bs 0
json_check "the JSON: schema, one kernel, ok, $ITER iterations, a count" b_fast1.json \
    ".schema == \"plugbench/instructions/1\" and (.kernels | length) == 1 and
     (.kernels[0] | .plugin == \"instr-spin\" and .kernel == \"step\" and .status == \"ok\" and
      .iterations == $ITER and .instructions > 0 and .evaluations == 1 and
      .instructions_per_iteration == .instructions / $ITER)"
A=$(jq '.kernels[0].instructions' b_fast1.json)
B=$(jq '.kernels[0].instructions' b_fast2.json)
S=$(jq '.kernels[0].instructions' b_slow.json)
if [ "$A" = "$B" ]; then ok "(a) the same count twice: $A"; else
    not_ok "(a) the same count twice" "$A vs $B"; fi

# (b) and (d) on the kernels.
if [ "$X86" = 1 ]; then
    if [ $((S - A)) -eq $((PER_STEP * ITER)) ]; then
        ok "(d) slow - fast = $PER_STEP x $ITER iterations exactly ($S - $A)"
    else
        not_ok "(d) slow - fast = $PER_STEP x $ITER" "got $S - $A = $((S - A))"
    fi
    # The fast step spins 1000 times: at least 2000 instructions, and not much more.
    json_check "(d) a fast step counts 2000 spin instructions and a little more" b_fast1.json \
        '.kernels[0].instructions_per_iteration | . > 2000 and . < 3000'
else
    skip "(d) the loop is assembly on x86-64 only"
fi
pb cmp_same compare --metrics instructions --json same.json b_fast1.json b_fast2.json
status "(b) compare the same build twice" cmp_same 0
json_check "(b) identical" same.json \
    '.verdict == "ok" and .comparisons[0].metrics[0].verdict == "identical" and
     .instructions_threshold == 0.01'
pb cmp_slow compare --json slow.json b_fast1.json b_slow.json
status "(b) compare the slow build (instructions by default for bench files)" cmp_slow 1
json_check "(b) regressed, with the change" slow.json \
    '.verdict == "regressed" and .comparisons[0].metrics[0].verdict == "regressed" and
     .comparisons[0].metrics[0].change > 0.5'
pb cmp_thr compare --instructions-threshold 200% b_fast1.json b_slow.json
status "(b) a threshold above the change: no regression" cmp_thr 0

# (c) run --count-instructions: two seeds, 5 evaluations (= steps) each.
RUN=(run -a "$FAST" -p sphere-d2-i1 -s 1-2 --max-evals 5 -q --no-plots --count-instructions)
pb rf1 "${RUN[@]}" -o r.json
status "run --count-instructions" rf1 0
cp r.json r_fast1.json
pb rf2 "${RUN[@]}" -o r.json
status "run --count-instructions again" rf2 0
cp r.json r_fast2.json
json_check "(c) instructions per run, and the context says what was counted" r_fast1.json \
    '(.runs | length) == 2 and ([.runs[] | .instructions > 2000 * 5] | all) and
     .context.instructions.counter == "callgrind"'
if [ "$(jq -c '[.runs[].instructions]' r_fast1.json)" = "$(jq -c '[.runs[].instructions]' r_fast2.json)" ]; then
    ok "(c) the same counts in two invocations: $(jq -c '[.runs[].instructions]' r_fast1.json)"
else
    not_ok "(c) the same counts in two invocations" \
        "$(jq -c '[.runs[].instructions]' r_fast1.json) vs $(jq -c '[.runs[].instructions]' r_fast2.json)"
fi
pb rs "${RUN[@]/$FAST/$SLOW}" -o r.json
status "run --count-instructions, slow build" rs 0
cp r.json r_slow.json
if [ "$X86" = 1 ]; then
    D=$(jq -n --slurpfile f r_fast1.json --slurpfile s r_slow.json \
        '[range(0; 2) | $s[0].runs[.].instructions - $f[0].runs[.].instructions ==
          '$PER_STEP' * $s[0].runs[.].counts.iterations] | all')
    if [ "$D" = true ]; then ok "(d) per run, slow - fast = $PER_STEP x steps exactly"; else
        not_ok "(d) per run, slow - fast = $PER_STEP x steps" \
            "fast $(jq -c '[.runs[] | [.instructions, .counts.iterations]]' r_fast1.json)" \
            "slow $(jq -c '[.runs[] | [.instructions, .counts.iterations]]' r_slow.json)"; fi
fi
pb rcmp_same compare --metrics instructions r_fast1.json r_fast2.json
status "(b) compare --metrics instructions, the same runs twice" rcmp_same 0
pb rcmp compare --metrics instructions --json rslow.json r_fast1.json r_slow.json
status "(b) compare --metrics instructions, the slow build" rcmp 1
json_check "(b) regressed, without a test" rslow.json \
    '.verdict == "regressed" and .comparisons[0].metrics[0].p == null and
     .comparisons[0].too_few_seeds == false'

# (c) without valgrind: null and one message; bench refuses.
PLUGBENCH_VALGRIND=/nonexistent/valgrind pb none "${RUN[@]}" -o r.json
status "run --count-instructions without valgrind" none 0
cp r.json r_none.json
json_check "(c) null per run, the reason in the context" r_none.json \
    '([.runs[] | has("instructions") and .instructions == null] | all) and
     .context.instructions.counter == null and
     (.context.instructions.reason | test("valgrind not found"))'
if [ "$(grep -c . "$T/none.err")" = 1 ] && grep -q "instructions are not counted" "$T/none.err"; then
    ok "(c) one message: $(cat "$T/none.err")"
else
    not_ok "(c) one message" "$(show "$T/none.err" 5)"
fi
pb plain run -a "$FAST" -p sphere-d2-i1 -s 1 --max-evals 5 -q --no-plots -o plain.json
json_check "(c) without --count-instructions: no instructions member, no context block" \
    plain.json '(.runs[0] | has("instructions") | not) and (.context | has("instructions") | not)'
pb cmp_none compare --metrics instructions r_none.json r_none.json
status "compare --metrics instructions on files without counts refuses" cmp_none 2
PLUGBENCH_VALGRIND=/nonexistent/valgrind usage_error "bench --instructions without valgrind" \
    "valgrind not found" bench --instructions "$FAST"
usage_error "bench --instructions with a --benchmark_ flag" "no --benchmark_" \
    bench --instructions --benchmark_min_time=1 "$FAST"
tap_done
