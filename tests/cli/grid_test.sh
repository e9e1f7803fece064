#!/usr/bin/env bash
# Parameter grids and named configurations (`-a 'cbo[sigma=1,5]'`, config objects), end to
# end: how a grid expands and is labelled, that every bad grid is one line and exit 2
# before any run, and that two configurations of one plugin stay two rows in the
# leaderboard and in compare.
#
#   usage: grid_test.sh PLUGBENCH_EXE BUILD_ROOT
set -u

. "$(dirname "$0")/../support/tap.sh"
tap_usage 2 2 "PLUGBENCH_EXE BUILD_ROOT" "$@"
PB=$(tap_abs "$1")
BUILD=$(cd "$2" && pwd)
CBO_SO=$BUILD/plugins/cbo.so

tap_require jq
unset PLUGBENCH_PLUGIN_PATH
tap_scratch grid

SMALL=(-p sphere-d3-i1 --max-evals 60 -q --no-plots)

# The example of the README: 3 x 1 configurations, in the order given, each on every seed.
pb grid run -a 'cbo[sigma=1,5,10.1][noise=anisotropic]' -s 1-2 "${SMALL[@]}" -o "$T/grid.json"
check "a grid runs (exit $RC)" test "$RC" -eq 0
json_check "it expands to 3 configurations x 2 seeds, labelled by what differs from the defaults" \
    "$T/grid.json" '[.runs[] | [.config, .parameters.sigma, .parameters.noise, .seed]] ==
    [["cbo[sigma=1][noise=anisotropic]", 1, "anisotropic", 1],
     ["cbo[sigma=1][noise=anisotropic]", 1, "anisotropic", 2],
     ["cbo[sigma=5][noise=anisotropic]", 5, "anisotropic", 1],
     ["cbo[sigma=5][noise=anisotropic]", 5, "anisotropic", 2],
     ["cbo[sigma=10.1][noise=anisotropic]", 10.1, "anisotropic", 1],
     ["cbo[sigma=10.1][noise=anisotropic]", 10.1, "anisotropic", 2]]'

# -P applies to every configuration of its plugin; FILE.so takes a grid too.
pb gridp run -a "$CBO_SO[sigma=1,5]" -a random-search -P cbo.alpha=2 -s 1 "${SMALL[@]}" \
    -o "$T/gridp.json"
json_check "FILE.so[...] expands, -P applies to each configuration, a plain plugin is its name" \
    "$T/gridp.json" '[.runs[] | [.config, .parameters.alpha]] ==
    [["cbo[sigma=1][alpha=2]", 2], ["cbo[sigma=5][alpha=2]", 2], ["random-search", null]]'

# A directory may hold '[' and a value '/': the grid is the first '[' of the file name.
mkdir -p "$T/d[1]" && cp "$CBO_SO" "$T/d[1]/"
pb gridd run -a "$T/d[1]/cbo.so[sigma=2]" -a "$T/d[1]/cbo.so" -s 1 "${SMALL[@]}" -o "$T/gridd.json"
json_check "a '[' in a plugin's directory is not a grid" "$T/gridd.json" \
    '[.runs[] | .config] == ["cbo[sigma=2]", "cbo"]'

# The config file: strings and objects, a named configuration with a grid of its own.
cat >"$T/grid-config.json" <<'EOF'
{"algorithms": ["random-search",
                {"name": "cbo-paper", "plugin": "cbo", "params": {"sigma": 5, "noise": "anisotropic"}},
                {"name": "cbo-g", "plugin": "cbo", "params": {"sigma": [1, 2.5], "alpha_schedule": false}}],
 "seeds": "1"}
EOF
pb gridc run -c "$T/grid-config.json" "${SMALL[@]}" -o "$T/gridc.json"
json_check "config objects: a name labels its configuration, a grid in it adds what varies" \
    "$T/gridc.json" '[.runs[] | [.config, .parameters.sigma, .parameters.alpha_schedule]] ==
    [["random-search", null, null], ["cbo-paper", 5, true], ["cbo-g[sigma=1]", 1, false],
     ["cbo-g[sigma=2.5]", 2.5, false]]'

# Bad grids: one line, exit 2, and no run started (no results file, no journal).
bad_grid() {
    local what=$1 regex=$2
    shift 2
    rm -f "$T/bad.json" "$T/bad.json.journal"
    usage_error "$what" "$regex" run "$@" "${SMALL[@]}" -o "$T/bad.json"
    check "$what: no run started" test ! -e "$T/bad.json" -a ! -e "$T/bad.json.journal"
}
bad_grid "an unknown parameter" "cbo: unknown parameter 'sigmo'" -a 'cbo[sigmo=1]'
bad_grid "a value out of range" "parameter 'sigma' = '-1' is not a real in \[0, " -a 'cbo[sigma=1,-1]'
bad_grid "a value of the wrong type" "parameter 'n_particles' = '2.5' is not an int" \
    -a 'cbo[n_particles=2.5]'
bad_grid "a bad choice" "'noise' = 'pink' is not one of isotropic\|anisotropic" -a 'cbo[noise=pink]'
bad_grid "a value with a '/'" "'noise' = 'a/b' is not one of" -a 'cbo[noise=a/b]'
bad_grid "an empty list" "'cbo\[sigma=\]': an empty list of values" -a 'cbo[sigma=]'
bad_grid "an empty value" "an empty value in a list" -a 'cbo[sigma=1,,2]'
bad_grid "an unclosed bracket" "'cbo\[sigma=1': unbalanced brackets" -a 'cbo[sigma=1'
bad_grid "a closing bracket alone" "unbalanced brackets" -a 'cbo]'
bad_grid "a nested bracket" "unbalanced brackets" -a 'cbo[sigma=[1,2]]'
bad_grid "text after a bracket" "expected '\[' after '\]'" -a 'cbo[sigma=1]x'
bad_grid "a bracket without =" "must be \[parameter=value,value,...\]" -a 'cbo[sigma]'
bad_grid "a parameter twice in one grid" "a parameter is given twice" -a 'cbo[sigma=1][sigma=2]'
bad_grid "no plugin before the grid" "no algorithm before '\['" -a '[sigma=1]'
bad_grid "a value twice (the same runs twice)" "'cbo\[sigma=1\]' is listed twice" -a 'cbo[sigma=1,1]'
bad_grid "two grids meeting (the same runs twice)" \
    "configurations 'cbo\[sigma=5\]' and 'cbo\[sigma=5\]'|'cbo\[sigma=5\]' is listed twice" \
    -a 'cbo[sigma=1,5]' -a 'cbo[sigma=5,7]'
bad_grid "a grid and -P setting one parameter" "'sigma' is set by both -P and a grid" \
    -a 'cbo[sigma=1,5]' -P cbo.sigma=3
bad_grid "a grid past 1000 configurations" "expand to more than 1000 configurations" \
    -a 'cbo[sigma=1,2,3,4,5,6,7,8,9,10][alpha=1,2,3,4,5,6,7,8,9,10][dt=0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1,1.1]'
bad_grid "1000 configurations over several algorithms" "more than 1000" \
    -a 'cbo[sigma=1,2,3,4,5,6,7,8,9,10][alpha=1,2,3,4,5,6,7,8,9,10][dt=0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1]' \
    -a random-search

config_error() {
    local what=$1 regex=$2
    printf '%s\n' "$3" >"$T/bad-config.json"
    bad_grid "config: $what" "$regex" -c "$T/bad-config.json"
}
config_error "a name used twice" "configuration name 'x' is used twice" \
    '{"algorithms": [{"name": "x", "plugin": "cbo"}, {"name": "x", "plugin": "cma-es"}]}'
config_error "a name that is another algorithm's label" "two configurations are labelled 'cma-es'" \
    '{"algorithms": [{"name": "cma-es", "plugin": "cbo"}, "cma-es"]}'
config_error "two names for the same parameters" "configurations 'a' and 'b' have the same parameters" \
    '{"algorithms": [{"name": "a", "plugin": "cbo"}, {"name": "b", "plugin": "cbo"}]}'
config_error "a name that is not a plain word" '"name" must be 1 to 64 characters' \
    '{"algorithms": [{"name": "<b>x</b>", "plugin": "cbo"}]}'
config_error "an empty list" "params.sigma must be a number, bool or string, or a non-empty list" \
    '{"algorithms": [{"plugin": "cbo", "params": {"sigma": []}}]}'
config_error "a list of lists" "params.sigma must be" \
    '{"algorithms": [{"plugin": "cbo", "params": {"sigma": [[1]]}}]}'
config_error "an unknown key" "unknown key 'param' in a configuration" \
    '{"algorithms": [{"plugin": "cbo", "param": {}}]}'
config_error "no plugin" 'a configuration needs "plugin"' '{"algorithms": [{"name": "a"}]}'
config_error "a value out of range" "parameter 'sigma' = '-2' is not a real" \
    '{"algorithms": [{"plugin": "cbo", "params": {"sigma": [1, -2]}}]}'
config_error "neither string nor object" "algorithms must hold strings and objects" \
    '{"algorithms": [3]}'

# Two configurations of one plugin: two leaderboard rows, two experiments in compare.
pb two run -a 'cbo[sigma=1,5]' -p sphere-d3-i1 -s 1-3 --max-evals 60 -q -o "$T/two/results.json"
LB=$T/two/report/leaderboard-blackbox.md
if [ "$RC" -eq 0 ] && [ "$(grep -c '^| [0-9]* | cbo\[sigma=[15]\] |' "$LB")" -eq 2 ]; then
    ok "two configurations are two leaderboard rows"
else
    not_ok "two configurations are two leaderboard rows" "exit $RC" "$(grep cbo "$LB" | head -4)"
fi
pb twoc compare --all --metrics quality --json "$T/two.verdict.json" "$T/two/results.json" \
    "$T/two/results.json"
json_check "compare keeps the two configurations apart" "$T/two.verdict.json" \
    '[.comparisons[] | [.config, .parameters.sigma, .verdict]] ==
     [["cbo[sigma=1]", 1, "identical"], ["cbo[sigma=5]", 5, "identical"]]'
if grep -q '^identical  *cbo\[sigma=1\] ' "$T/twoc.out" && grep -q '^identical  *cbo\[sigma=5\] ' "$T/twoc.out"; then
    ok "compare's table names each configuration"
else
    not_ok "compare's table names each configuration" "$(show "$T/twoc.out" 8)"
fi

# merge keeps a configuration's runs together (sorted by label, problem, seed).
pb sh1 run -a 'cbo[sigma=5,1]' -s 1-2 --shard 1/2 "${SMALL[@]}" -o "$T/sh1.json"
pb sh2 run -a 'cbo[sigma=5,1]' -s 1-2 --shard 2/2 "${SMALL[@]}" -o "$T/sh2.json"
pb merge merge -o "$T/merged.json" "$T/sh2.json" "$T/sh1.json"
json_check "merge sorts the runs by configuration label, then seed" "$T/merged.json" \
    '[.runs[] | [.config, .seed]] ==
     [["cbo[sigma=1]", 1], ["cbo[sigma=1]", 2], ["cbo[sigma=5]", 1], ["cbo[sigma=5]", 2]]'

# --resume keeps the runs of a configuration renamed since, under its new label (its
# parameters, not its label, say which runs it has): one configuration, one row.
pb rs1 run -a 'cbo[sigma=1]' -s 1 "${SMALL[@]}" -o "$T/rs.json"
echo '{"algorithms": [{"name": "cbo-x", "plugin": "cbo", "params": {"sigma": 1}}]}' >"$T/rs-config.json"
WALL=$(jq '.runs[0].time.wall_seconds' "$T/rs.json")
pb rs2 run -c "$T/rs-config.json" --resume -s 1-2 "${SMALL[@]}" -o "$T/rs.json"
json_check "--resume keeps the run of a renamed configuration, relabelled" "$T/rs.json" \
    "[.runs[] | [.config, .seed]] == [[\"cbo-x\", 1], [\"cbo-x\", 2]] and
     .runs[0].time.wall_seconds == $WALL"

# A label from a stranger's results file is checked like every other name.
jq '.runs[0].config = "cbo\"><script>"' "$T/two/results.json" >"$T/hostile.json"
pb hostile report "$T/hostile.json" -o "$T/hostile-report"
if [ "$RC" -eq 2 ] && grep -q 'run 1: config .* is not a name of 1 to 256 characters' "$T/hostile.err"; then
    ok "report refuses a config label that is not a name"
else
    not_ok "report refuses a config label that is not a name" "exit $RC" "$(show "$T/hostile.err")"
fi

tap_done
