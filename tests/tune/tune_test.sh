#!/usr/bin/env bash
# plugbench tune end to end, with toy-tune (toy_tune.c: its error grows with
# |ln p - ln 0.01|, so the best value is known).
#
#   usage: tune_test.sh PLUGBENCH_EXE DIR_OF_TOY_TUNE_SO
#
# Checks that tuning finds p near 0.01 within its trial budget, that the training and the
# evaluation runs never share a (problem, seed) -- and that a config where they would is
# refused --, that the same seed gives the same tuned configuration, and that search
# spaces come from the declared ranges, a tune file next to the plugin and the config.
set -u

. "$(dirname "$0")/../support/tap.sh"
tap_usage 2 2 "PLUGBENCH_EXE DIR_OF_TOY_TUNE_SO" "$@"
PB=$(tap_abs "$1")
TOYDIR=$(cd "$2" && pwd)
tap_require jq
unset PLUGBENCH_PLUGIN_PATH
tap_scratch tune

# config FILE TRIALS SEED TRAIN_SEEDS EVAL_PROBLEM [EXTRA_JSON]
config() {
    cat >"$1" <<JSON
{"algorithms": ["toy-tune"], "trials": $2, "seed": $3,
 "train": {"problems": ["sphere-d1-i1", "sphere-d1-i2"], "seeds": "$4"},
 "eval": {"problems": ["$5"], "seeds": "3-4"}${6:+, $6}}
JSON
}

# 17 trials: the defaults and 16 Halton points, which put one point in each half decade
# of the declared range [1e-4, 1e4] on the log scale of toy-tune.tune.json (beside the
# .so): the nearest is within half a decade of 0.01.
config c1.json 17 3 1-2 sphere-d1-i3
pb t1 tune -c c1.json -o out1 --plugin-dir "$TOYDIR" -q -j 2
if [ "$RC" -eq 0 ]; then ok "tune runs (exit 0)"; else not_ok "tune runs" "exit $RC" "$(show "$T/t1.err")"; fi
LOG=out1/tuning.json
json_check "the best p is within half a decade of 0.01" "$LOG" \
    '.algorithms["toy-tune"].best.params.p | (log10 + 2) | fabs <= 0.5'
json_check "the best trial is the trial nearest to 0.01" "$LOG" \
    '.algorithms["toy-tune"] | .best_trial ==
     (.trials | min_by(.params.p | log | . - (0.01 | log) | fabs) | .trial)'
json_check "trial 0 is the defaults, and the tuned score is no worse than theirs" "$LOG" \
    '.algorithms["toy-tune"] | .trials[0].params.p == 1 and .best_score <= .default_score
     and (.trials | length) == 17'
json_check "tuned.json is a run config of the evaluation set with named configurations" \
    out1/tuned.json \
    '.problems == ["sphere-d1-i3"] and .seeds == "3-4" and
     [.algorithms[].name] == ["toy-tune-default", "toy-tune-tuned"] and
     .algorithms[1].plugin == "toy-tune" and (.algorithms[1].params | keys) == ["p"]'

# Every run of every trial against every evaluation run: no (problem, seed) in common, and
# each set exactly the one asked for.
jq -c '.runs[] | [.problem.id, .seed]' out1/trials/toy-tune/*.json | sort -u >train.pairs
jq -c '.runs[] | [.problem.id, .seed]' out1/eval/*.json | sort -u >eval.pairs
printf '%s\n' '["sphere-d1-i1",1]' '["sphere-d1-i1",2]' '["sphere-d1-i2",1]' '["sphere-d1-i2",2]' >want.train
printf '%s\n' '["sphere-d1-i3",3]' '["sphere-d1-i3",4]' >want.eval
check "the trials ran on the training set only" cmp -s train.pairs want.train
check "the evaluation ran on the evaluation set only" cmp -s eval.pairs want.eval
check "no (problem, seed) is in both" test -z "$(comm -12 train.pairs eval.pairs)"
check "17 trial results files" test "$(ls out1/trials/toy-tune | wc -l)" -eq 17
if grep -Eq '^\| toy-tune-tuned \| 1\.00 ' out1/leaderboard.md &&
    grep -Eq '^\| toy-tune-default \| 2\.00 ' out1/leaderboard.md; then
    ok "the leaderboard ranks tuned above default on the held-out problem"
else
    not_ok "the leaderboard ranks tuned above default" "$(show out1/leaderboard.md 12)"
fi

# The held-out leaderboard as its own suite (run -c tuned.json), and its report: the pages
# state the protocol (trial budget, search spaces, training and evaluation sets by id and
# seed, the aggregate), from the tuning key tune writes into tuned.json and the
# evaluation set, which run copies into the results' context.
json_check "tuned.json and the evaluation runs carry the protocol" out1/tuned.json \
    '.tuning | .trials == 17 and .seed == 3 and .train.problems == ["sphere-d1-i1", "sphere-d1-i2"]
     and .train.seeds == [1, 2] and .eval.problems == ["sphere-d1-i3"] and .eval.seeds == [3, 4]
     and .spaces["toy-tune"].p == {"min": 0.0001, "max": 10000, "log": true}
     and (.aggregate | test("median over seeds of the final main metric"))'
WANT=$(jq -cS .tuning out1/tuned.json)
check "the evaluation results' context holds the same protocol" \
    test "$(jq -cS .context.tuning out1/eval/toy-tune-tuned.json)" = "$WANT"
pb t1h run -c out1/tuned.json -o out1/held.json --plugin-dir "$TOYDIR" -q --no-plots
check "run -c tuned.json copies the protocol into its results' context" \
    test "$(jq -cS .context.tuning out1/held.json)" = "$WANT"
# Run as shards (a Slurm array) and merged, the held-out suite keeps the protocol.
pb t1s1 run -c out1/tuned.json -o out1/h1.json --plugin-dir "$TOYDIR" -q --no-plots --shard 1/2
pb t1s2 run -c out1/tuned.json -o out1/h2.json --plugin-dir "$TOYDIR" -q --no-plots --shard 2/2
pb t1m merge -o out1/merged.json out1/h1.json out1/h2.json
check "merging the shards of the tuned suite keeps the protocol in the context" \
    test "$(jq -cS .context.tuning out1/merged.json)" = "$WANT"
pb t1m2 merge -o out1/merged2.json out1/h1.json out1/trials/toy-tune/trial-000.json
check "merging with a file of no protocol keeps none at the top" \
    test "$(jq -c .context.tuning out1/merged2.json)" = null
if command -v gnuplot >/dev/null 2>&1; then
    pb t1r report out1/held.json out1/eval/toy-tune-default.json out1/eval/toy-tune-tuned.json -o rep
    MD=rep/leaderboard-blackbox.md
    for row in '| trials | 17 |' '| seed | 3 |' '| train.problems | sphere-d1-i1, sphere-d1-i2 |' \
        '| train.seeds | 1, 2 |' '| eval.problems | sphere-d1-i3 |' '| eval.seeds | 3, 4 |' \
        '| spaces.toy-tune.p | {"min":0.0001,"max":10000,"log":true} |'; do
        check "leaderboard.md states $row" grep -qF -- "$row" "$MD"
    done
    check "leaderboard.md states the aggregate" grep -q '^| aggregate | a trial.s score is its mean over the training problems' "$MD"
    check "the protocol is stated once for three inputs of one campaign" \
        test "$(grep -c '^### Tuning protocol' "$MD")" -eq 1
    for page in rep/index.html rep/leaderboard-blackbox.html; do
        check "$(basename $page) states the protocol" grep -q '<td>train.seeds</td><td>1, 2</td>' "$page"
    done
else
    skip "the report of tuned runs states the protocol: no gnuplot"
fi

# The same seed, the same tuned configuration (in another directory: nothing reused).
pb t2 tune -c c1.json -o out2 --plugin-dir "$TOYDIR" -q -j 2 --no-eval
check "the same seed gives the same tuned configuration" cmp -s out1/tuned.json out2/tuned.json
pb t3 tune -c c1.json -o out3 --plugin-dir "$TOYDIR" -q -j 2 --no-eval --seed 4 -n 3
P1=$(jq '.algorithms["toy-tune"].trials[1].params.p' "$LOG")
json_check "another seed draws other trials" out3/tuning.json \
    ".algorithms[\"toy-tune\"].trials[1].params.p != $P1"

# Trials run through the normal runner with the user's -j and --cache: a second identical
# campaign with the same cache (in another directory: no --resume) takes every trial run
# from it and picks the same configuration.
pb t10 tune -c c1.json -o out10 --plugin-dir "$TOYDIR" -q -j 2 --no-eval -n 5 --cache cache
pb t11 tune -c c1.json -o out11 --plugin-dir "$TOYDIR" -q -j 2 --no-eval -n 5 --cache cache
json_check "every trial run was given -j 2 and --cache" out10/trials/toy-tune/trial-004.json \
    '.context.command | (index(["-j", "2"]) != null) and (index(["--cache", "cache"]) != null)'
check "the first campaign ran its trials (none from the cache)" \
    test "$(jq -s '[.[].runs[] | select(.cached)] | length' out10/trials/toy-tune/*.json)" -eq 0
check "the second took all 20 trial runs from the cache" \
    test "$(jq -s '[.[].runs[] | select(.cached == true)] | length' out11/trials/toy-tune/*.json)" -eq 20
check "and tuned the same configuration" cmp -s out10/tuned.json out11/tuned.json
# On a cluster: each shard runs its slice of every trial into the shared cache and stops;
# the unsharded tune then finds every run there.
pb t12 tune -c c1.json -o out12/1 --plugin-dir "$TOYDIR" -q --no-eval -n 5 --cache scache --shard 1/2
pb t13 tune -c c1.json -o out12/2 --plugin-dir "$TOYDIR" -q --no-eval -n 5 --cache scache --shard 2/2
check "a shard stops before scoring" test ! -e out12/1/tuned.json -a -e out12/2/trials/toy-tune/trial-004.json
pb t14 tune -c c1.json -o out12/all --plugin-dir "$TOYDIR" -q --no-eval -n 5 --cache scache
check "after the shards every trial run comes from the cache" \
    test "$(jq -s '[.[].runs[] | select(.cached == true)] | length' out12/all/trials/toy-tune/*.json)" -eq 20
check "and the tuned configuration is the unsharded one" cmp -s out10/tuned.json out12/all/tuned.json
usage_error "--shard without --cache" "--shard needs --cache" \
    tune -c c1.json -o out12/x --plugin-dir "$TOYDIR" --shard 1/2

# Overlapping sets are refused before anything runs: by seed, and by problem id (an alias
# of it too).
config c2.json 3 1 1-3 sphere-d1-i3
usage_error "a seed in both sets" "seed 3 is in both" tune -c c2.json -o out4 --plugin-dir "$TOYDIR"
config c3.json 3 1 1-2 sphere-d1-i1
usage_error "a problem in both sets" "problem sphere-d1-i1 is in both" tune -c c3.json -o out4 --plugin-dir "$TOYDIR"
sed 's/"sphere-d1-i1", "sphere-d1-i2"/"bbob-f1-d2-i1"/' c2.json | sed 's/1-3/1-2/; s/sphere-d1-i3/bbob-f01-d2-i1/' >c4.json
usage_error "a problem in both sets under an alias" "problem bbob-f01-d2-i1 is in both" \
    tune -c c4.json -o out4 --plugin-dir "$TOYDIR"
check "nothing ran for a refused config" test ! -e out4/trials

# A tune file next to the plugin narrows the space; the config's search_space wins over it.
mkdir plugs && cp "$TOYDIR/toy-tune.so" plugs/
echo '{"parameters": {"p": {"min": 0.001, "max": 0.1, "log": true}}}' >plugs/toy-tune.tune.json
config c5.json 6 1 1-2 sphere-d1-i3
pb t5 tune -c c5.json -o out5 --plugin-dir plugs -q --no-eval
json_check "the tune file's range bounds every trial" out5/tuning.json \
    '.algorithms["toy-tune"] | (.space_file | endswith("plugs/toy-tune.tune.json")) and
     .space.p.log and ([.trials[1:][].params.p] | all(. >= 0.001 and . <= 0.1))'
config c6.json 6 1 1-2 sphere-d1-i3 '"search_space": {"toy-tune": {"p": {"min": 0.5, "max": 2}}}'
pb t6 tune -c c6.json -o out6 --plugin-dir plugs -q --no-eval
json_check "the config's search_space wins over the tune file" out6/tuning.json \
    '.algorithms["toy-tune"] | .space.p.log == false and
     ([.trials[1:][].params.p] | all(. >= 0.5 and . <= 2))'
config c7.json 3 1 1-2 sphere-d1-i3 '"search_space": {"toy-tune": {"p": {"tune": false}}}'
pb t7 tune -c c7.json -o out7 --plugin-dir plugs -q --no-eval
json_check "a parameter marked not tunable keeps its default in every trial" out7/tuning.json \
    '[.algorithms["toy-tune"].trials[].params.p] == [1, 1, 1]'
echo '{"parameters": {"p": {"min": 0.001, "maximum": 0.1}}}' >plugs/toy-tune.tune.json
usage_error "a bad tune file is refused, naming it" "toy-tune.tune.json: p: unknown key 'maximum'" \
    tune -c c5.json -o out8 --plugin-dir plugs
echo '{"parameters": {"p": {"min": 1, "max": 0.1}}}' >plugs/toy-tune.tune.json
usage_error "an empty range is refused" "p: the range \\[1, 0.1\\] is empty" \
    tune -c c5.json -o out8 --plugin-dir plugs

# A key twice in one object is refused, naming the key and the file (cJSON would keep the
# first and drop the second without a word): at the top of the tune config, inside it, and
# in a tune file next to the plugin.
printf '%s\n' '{"algorithms": ["toy-tune"], "trials": 3, "trials": 5,' \
    ' "train": {"problems": ["sphere-d1-i1"], "seeds": "1-2"},' \
    ' "eval": {"problems": ["sphere-d1-i3"], "seeds": "3-4"}}' >dup1.json
usage_error "a top-level key twice in the tune config" "dup1.json: key 'trials' appears twice" \
    tune -c dup1.json -o out9 --plugin-dir "$TOYDIR"
config dup2.json 3 1 1-2 sphere-d1-i3 \
    '"search_space": {"toy-tune": {"p": {"min": 0.5, "max": 2, "max": 3}}}'
usage_error "a key twice inside the tune config" "dup2.json: key 'max' appears twice" \
    tune -c dup2.json -o out9 --plugin-dir "$TOYDIR"
echo '{"parameters": {"p": {"min": 0.001, "max": 0.1}}, "parameters": {}}' >plugs/toy-tune.tune.json
usage_error "a top-level key twice in a tune file" "toy-tune.tune.json: key 'parameters' appears twice" \
    tune -c c5.json -o out9 --plugin-dir plugs
check "nothing ran for a config with a key twice" test ! -e out9/trials

tap_done
