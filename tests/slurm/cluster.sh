#!/usr/bin/env bash
# A single-node Slurm cluster on the loopback interface, owned by this script, running the job
# array and merge of docs/distributed.md exactly as written there (only the replication count
# is made small), then checking the merged files against a one-machine run.
#
#   tests/slurm/cluster.sh MUSTER_BINARY WORK_DIR RUNS
#
# Installs Debian's slurm-wlm and munge when missing (as the browser tests install Chromium).
# munged, slurmctld and slurmd run in the foreground as this script's children, with their
# configuration, keys, sockets, state and logs in WORK_DIR, on free loopback ports; they are
# stopped on exit, however the script ends. Exit 0 only if the merged bytes are the same.
set -euo pipefail

MUSTER=$(realpath "$1")
WORK=$(realpath -m "$2")
RUNS=$3
DOC=$(realpath "$(dirname "$0")/../../docs/distributed.md")

log() { printf 'slurm-test: %s\n' "$*" >&2; }

# The daemons live in /usr/sbin, which a non-login PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"


need=()
command -v slurmctld >/dev/null || need+=(slurmctld)
command -v slurmd >/dev/null || need+=(slurmd slurm-client)
command -v munged >/dev/null || need+=(munge)
if ((${#need[@]})); then
    log "installing ${need[*]} from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    # As root, or through sudo -n; another test may hold dpkg's lock for a while (Chromium).
    apt=(apt-get -o DPkg::Lock::Timeout=600)
    [ "$(id -u)" -eq 0 ] || apt=(sudo -n "${apt[@]}")
    install() { "${apt[@]}" install -y -qq --no-install-recommends "${need[@]}" >&2; }
    # The package lists are refreshed only when a first try fails, and a refresh that collides
    # with another test's is tried again.
    for attempt in 1 2 3; do
        install && break
        "${apt[@]}" update -qq >&2 && install && break
        [ "$attempt" -lt 3 ] || { log "could not install ${need[*]} with apt-get"; exit 1; }
        sleep 10
    done
fi

rm -rf "$WORK"
mkdir -p "$WORK"/{etc,state,spool,log,run,job}
chmod 700 "$WORK" "$WORK"/run

pids=()
stop() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap stop EXIT

# Free loopback ports, asked of the kernel.
ports=$(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))')
read -r CTLD_PORT SLURMD_PORT <<<"$ports"

# munge: its own key and socket, so nothing of the machine's is used or disturbed.
dd if=/dev/urandom of="$WORK/etc/munge.key" bs=1024 count=1 status=none
chmod 600 "$WORK/etc/munge.key"
SOCK="$WORK/run/munge.socket"
munged --foreground --force --socket="$SOCK" --key-file="$WORK/etc/munge.key" \
    --pid-file="$WORK/run/munged.pid" --log-file="$WORK/log/munged.log" \
    --seed-file="$WORK/state/munge.seed" 2>>"$WORK/log/munged.err" &
pids+=($!)

MEM_MB=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024))
CPUS=$(nproc)
cat >"$WORK/etc/slurm.conf" <<CONF
ClusterName=muster-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/run/slurmctld.pid
SlurmdPidFile=$WORK/run/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
MaxArraySize=1001
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$WORK/etc/slurm.conf"

slurmctld -D -i -f "$SLURM_CONF" 2>>"$WORK/log/slurmctld.err" &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" 2>>"$WORK/log/slurmd.err" &
pids+=($!)

dump_logs() {
    for f in "$WORK"/log/*; do log "--- $f"; tail -n 30 "$f" >&2 || true; done
    for f in "$WORK"/job/logs/*; do [ -e "$f" ] && { log "--- $f"; cat "$f" >&2; }; done
}

for _ in $(seq 60); do
    state=$(sinfo -h -N -o '%t' 2>/dev/null | head -n1 || true)
    [[ "$state" == idle* ]] && break
    sleep 1
done
if [[ "${state:-}" != idle* ]]; then
    log "the node never came up (state '${state:-none}')"
    dump_logs
    exit 1
fi
log "node up on 127.0.0.1:$CTLD_PORT/$SLURMD_PORT"

# The three scripts, as docs/distributed.md writes them: the block after each file's name.
extract() {
    awk -v name="\`$1\`" '
        index($0, name) == 1 { found = 1; next }
        found && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }
    ' "$DOC"
}
cd "$WORK/job"
for f in submit.sh shard.sh merge.sh; do
    extract "$f" >"$f"
    if [ ! -s "$f" ]; then log "docs/distributed.md has no block for $f"; exit 1; fi
    chmod +x "$f"
done
DOC_RUNS=$(grep -o -- '--runs [0-9]*' shard.sh | head -n1 | awk '{print $2}')
sed -i "s/--runs $DOC_RUNS/--runs $RUNS/" shard.sh
N=$(sed -n 's/^N=\([0-9]*\).*/\1/p' submit.sh)
SCENARIO=$(awk '/muster ensemble/ {print $3; exit}' shard.sh)
OUT=$(grep -o -- '--out [^ ]*' merge.sh | awk '{print $2}')
log "submitting $N shards of $SCENARIO, $RUNS replications (the doc says $DOC_RUNS)"

# sbatch passes this environment on: the tasks find muster as a user's would, on PATH.
export PATH="$(dirname "$MUSTER"):$PATH"
./submit.sh >"$WORK/log/submit.out"
cat "$WORK/log/submit.out" >&2

# Wait for the queue to empty (the array, then the merge it releases).
drain() {
    for _ in $(seq 600); do
        [ -z "$(squeue -h -o %i)" ] && return 0
        sleep 1
    done
    log "jobs still queued after 10 minutes"
    squeue >&2
    dump_logs
    exit 1
}
drain
if [ ! -s "$OUT" ]; then
    log "the merge wrote no $OUT"
    dump_logs
    exit 1
fi

"$MUSTER" ensemble "$SCENARIO" --runs "$RUNS" --out "$WORK/one/one.jsonl" >/dev/null 2>&1
cmp "$OUT" "$WORK/one/one.jsonl"
cmp "${OUT%.jsonl}.aggregate.json" "$WORK/one/one.aggregate.json"
log "merged $N shards: byte-identical to one machine ($(wc -l <"$OUT") lines)"

# The doc's rerun of one failed task, as it writes it, reproduces that slice.
RERUN=$(grep -o 'sbatch --array=[0-9]* shard.sh [0-9]*' "$DOC" | head -n1)
TASK=$(sed 's/.*--array=\([0-9]*\).*/\1/' <<<"$RERUN")
if [ -z "$RERUN" ]; then log "docs/distributed.md shows no rerun of one task"; exit 1; fi
mv "parts/part-$TASK.jsonl" "$WORK/before.jsonl"
$RERUN >/dev/null
drain
cmp "parts/part-$TASK.jsonl" "$WORK/before.jsonl"
log "'$RERUN' reproduced part $TASK byte for byte"
