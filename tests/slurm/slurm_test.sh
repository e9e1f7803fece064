#!/usr/bin/env bash
# plugbench slurm on a real Slurm: a single-node cluster of Debian's slurm-wlm, started here.
#
#   usage: slurm_test.sh PLUGBENCH_EXE BUILD_ROOT
#
# Starts munged with a key of its own, slurmctld and slurmd as root, all under a temporary
# directory (a generated slurm.conf: proctrack/linuxproc, task/none, select/cons_tres, two
# unused ports, state, spool and pid files there), and through `plugbench slurm --submit`
# runs a suite of 360 cheap blackbox runs as a job array of 6 tasks. Shard 3 fails the
# first time (its results file's name is taken by a directory): the merge job must name it
# and merge nothing; submitted again, only shard 3 runs and the merged results must equal a
# local run of the same suite, run for run, in everything but timings. The daemons are
# stopped by their pids on any exit. Skipped (exit 77) without root or without slurmctld,
# slurmd, sbatch, squeue, munged (Debian: slurm-wlm, munge; tools/deps slurm-wlm munge).
set -u

. "$(dirname "$0")/../support/tap.sh"
tap_usage 2 2 "PLUGBENCH_EXE BUILD_ROOT" "$@"
PB=$(tap_abs "$1")

skip_all() {
    echo "1..0 # SKIP $1"
    exit 77
}
[ "$(id -u)" -eq 0 ] || skip_all "slurmctld and slurmd must be started as root"
for tool in slurmctld slurmd sbatch squeue scontrol sinfo munged jq python3; do
    command -v "$tool" >/dev/null 2>&1 ||
        skip_all "$tool not found (Debian: apt-get install slurm-wlm munge jq python3)"
done
unset PLUGBENCH_PLUGIN_PATH

DAEMONS=()
tap_cleanup_hook() {
    local pid i
    for pid in "${DAEMONS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${DAEMONS[@]}"; do
        for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
}
tap_scratch slurm
chmod 755 "$T"

# Polls COMMAND every half second until it succeeds or SECONDS pass.
wait_for() {
    local seconds=$1 i
    shift
    for ((i = 0; i < seconds * 2; i++)); do "$@" && return 0; sleep 0.5; done
    return 1
}

# munge: a key, a socket, pid, log and seed files of its own.
dd if=/dev/urandom of=munge.key bs=1024 count=1 2>/dev/null && chmod 400 munge.key
munged -F -f --socket="$T/munge.sock" --key-file="$T/munge.key" --log-file="$T/munged.log" \
    --pid-file="$T/munged.pid" --seed-file="$T/munged.seed" >munged.out 2>&1 &
DAEMONS+=($!)
check "munged starts" wait_for 10 test -S "$T/munge.sock"

read -r CTLD_PORT SLURMD_PORT < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
mkdir state spool
cat >slurm.conf <<EOF
ClusterName=plugbench
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$T/munge.sock
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
ReturnToService=2
NodeName=pbnode NodeHostname=$(hostname) NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=pbtest Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$T/slurm.conf
slurmctld -D -c -f "$SLURM_CONF" >slurmctld.log 2>&1 &
DAEMONS+=($!)
slurmd -D -N pbnode -f "$SLURM_CONF" >slurmd.log 2>&1 &
DAEMONS+=($!)
idle() { [ "$(sinfo -h -n pbnode -o %t 2>/dev/null)" = idle ]; }
if ! wait_for 30 idle; then
    not_ok "slurmctld and slurmd start, the node idle" "$(tail -n 5 slurmctld.log slurmd.log)"
    tap_done
    exit 1
fi
ok "slurmctld and slurmd start, the node idle"

# 3 algorithms x 3 problems x 40 seeds: 360 runs in 6 shards.
SUITE=(-a random-search -a nelder-mead -a cma-es -p sphere-d2-i1 -p rastrigin-d2-i1
    -p ellipsoid-d3-i1 -s 1-40 --max-evals 200 --no-plots)
SLURM=(slurm --shards 6 --time 10:00 "${SUITE[@]}" --cache "$T/cache" -o "$T/cluster/results.json"
    --submit)
mkdir -p cluster/slurm/shard-3-of-6.json # a directory: shard 3's run refuses it and fails

# Waits until the jobs of `plugbench slurm --submit`'s output (file) have left the queue;
# then sets MERGE_STATE to the merge job's final state.
wait_jobs() {
    local ids
    ids=$(grep -oE '^(array|merge) job [0-9]+' "$1" | awk '{print $3}' | paste -sd,)
    gone() { [ -z "$(squeue -h -j "$ids" 2>/dev/null)" ]; }
    wait_for 120 gone || return 1
    MERGE_STATE=$(scontrol show job "$(grep -oE '^merge job [0-9]+' "$1" | awk '{print $3}')" -o |
        grep -oE 'JobState=[A-Z_]+')
}
pb first "${SLURM[@]}"
check "plugbench slurm --submit submits (exit $RC)" test "$RC" -eq 0
check "an array of the 6 shards, and the merge job" \
    grep -qzE 'array job [0-9]+: shards 1-6 of 6.*merge job [0-9]+: after it' first.out
check "the jobs run and end within two minutes" wait_jobs first.out
check "the merge job fails when a shard failed ($MERGE_STATE)" test "$MERGE_STATE" = JobState=FAILED
check "and its log names the shard" grep -q "FAILED: 1 of 6 shards did not finish (shards 3)" \
    cluster/slurm/logs/merge-*.log
check "nothing is merged" test ! -e cluster/results.json

rmdir cluster/slurm/shard-3-of-6.json
pb again "${SLURM[@]}"
check "submitted again (exit $RC), only shard 3 runs" grep -q 'array job [0-9]*: shards 3 of 6' again.out
check "the jobs run and end" wait_jobs again.out
check "the merge job completes ($MERGE_STATE)" test "$MERGE_STATE" = JobState=COMPLETED
json_check "the merged results hold the 360 runs, all ok" cluster/results.json \
    '(.runs | length) == 360 and ([.runs[].status] | all(. == "ok"))'
json_check "from the 6 shards" cluster/results.json '(.context.merged | length) == 6'

"$PB" run "${SUITE[@]}" -j 2 -q -o "$T/local.json" >local.out 2>&1
strip='[.runs[] | del(.time, .trace.seconds, .cached, .cache_entry)] | sort_by(.plugin.name, .problem.id, .seed)'
if cmp -s <(jq -S "$strip" cluster/results.json) <(jq -S "$strip" local.json); then
    ok "the merged results equal a local run of the suite, run for run (but timings)"
else
    not_ok "the merged results equal a local run of the suite, run for run (but timings)" \
        "$(diff <(jq -S "$strip" cluster/results.json) <(jq -S "$strip" local.json) | head)"
fi

tap_done
