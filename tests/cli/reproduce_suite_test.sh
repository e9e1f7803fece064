#!/usr/bin/env bash
# A shipped suite run in full by plugbench reproduce, its verdicts checked claim by claim:
# exactly the claims listed fail (the paper's claims that do not reproduce here, each
# written up in its plugin's README) and every other holds, so that reproduce exits 0 when
# none is listed and 1 otherwise. A claim that starts or stops holding fails the test.
#
#   usage: reproduce_suite_test.sh PLUGBENCH_EXE BUILD_ROOT SOURCE_DIR NAME [CLAIM...]
#   CLAIM: the number reproduce prints before a claim, 1 for the first
set -u

. "$(dirname "$0")/../support/tap.sh"
if [ $# -lt 4 ]; then
    echo "usage: $0 PLUGBENCH_EXE BUILD_ROOT SOURCE_DIR NAME [CLAIM...]" >&2
    exit 2
fi
args=("$1" "$2" "$3")
name=$4
shift 4
expected=
[ $# -gt 0 ] && expected=$(printf '%s\n' "$@" | sort -n | tr '\n' ' ')
tap_plugbench "reproduce-$name" -- "${args[@]}"

mkdir -p "$BUILD/reproduce"
pb suite reproduce "$name" -j 2 -q --no-plots -o "$BUILD/reproduce/$name.json"
want=0
[ $# -gt 0 ] && want=1
check "reproduce $name: exit $want ($RC; $(show "$T/suite.err" 2))" test "$RC" -eq "$want"
# The numbers of the claims whose verdict is FAILS: "N. claim" ... "   verdict: FAILS".
fails=$(awk '/^[0-9]+\. /{n = $1 + 0} /^   verdict: FAILS$/{print n}' "$T/suite.out" |
        sort -n | tr '\n' ' ')
check "the claims that fail: [${fails}], expected [${expected}]" test "$fails" = "$expected"
check "... every other holds" \
    test "$(grep -c '^   verdict: ' "$T/suite.out")" -eq \
         "$(( $(grep -c '^   verdict: holds$' "$T/suite.out") + $# ))"

tap_done
