#!/usr/bin/env bash
# The journal on a full disk, end to end.
#
#   usage: journal_test.sh PLUGBENCH_EXE BUILD_ROOT
#
# The disk fills under a running suite: here the file-size limit (ulimit -f) with SIGXFSZ
# ignored, which makes write(2) fall short and then fail (EFBIG) as a full disk does
# (ENOSPC), and needs no privilege to set up (a small tmpfs would need root). The journal
# must keep whole records only, the final message must say how many finished runs are kept
# and how many are lost, and --resume must pick up the kept ones and run the rest.
set -u

. "$(dirname "$0")/../support/tap.sh"
tap_usage 2 2 "PLUGBENCH_EXE BUILD_ROOT" "$@"
PB=$(tap_abs "$1")
BUILD=$(cd "$2" && pwd)
RS_SO=$BUILD/plugins/random-search.so

tap_require jq
unset PLUGBENCH_PLUGIN_PATH
tap_scratch journal

RUN=(run -a "$RS_SO" -p sphere-d3-i1 -s 1-20 --max-evals 50 --no-plots -o "$T/full.json")
# A record is about 2.5 kB: 16 KiB take a few of the 20, and not the results file.
(trap '' XFSZ; ulimit -f 16; exec "$PB" "${RUN[@]}") >"$T/full.out" 2>"$T/full.err" </dev/null
RC=$?
check "a suite whose disk fills fails (exit 1, got $RC)" test "$RC" -eq 1
check "no results file was written" test ! -e "$T/full.json"
whole_lines() { jq -e . "$1" >/dev/null; }
check "the journal has whole JSON lines only" whole_lines "$T/full.json.journal"
KEPT=$(wc -l <"$T/full.json.journal")
if [ "$KEPT" -gt 0 ] && [ "$KEPT" -lt 20 ] &&
    grep -q "warning: cannot append to .*full.json.journal: File too large" "$T/full.err" &&
    grep -q "cannot write .*full.json.*; $KEPT finished runs are kept in .*full.json.journal, $((20 - KEPT)) are lost" "$T/full.err"; then
    ok "the messages say the journal failed once, and $KEPT runs are kept, $((20 - KEPT)) lost"
else
    not_ok "the messages say the journal failed, and how many runs are kept and lost" \
        "journal lines: $KEPT" "$(show "$T/full.err" 6)"
fi
check "the journal failure is warned about once" \
    test "$(grep -c 'cannot append' "$T/full.err")" -eq 1

pb resume "${RUN[@]}" --resume
check "--resume completes once there is room (exit $RC)" test "$RC" -eq 0
check "--resume reused the $KEPT kept runs" \
    grep -q "resuming: $KEPT runs already recorded, $((20 - KEPT)) to run" "$T/resume.err"
json_check "the results file holds each of the 20 seeds once, all ok" "$T/full.json" \
    '[.runs[].seed] | sort == [range(1; 21)]'
json_check "every run is ok" "$T/full.json" '[.runs[].status] | all(. == "ok")'

tap_done
