#!/usr/bin/env bash
# A real one-node Slurm cluster on this machine, for the tests of the Slurm launcher.
#   .ci/slurm.sh         install Debian's slurm-wlm and munge (if missing), write a one-node slurm.conf for
#                        this host (2 CPUs, no cgroups), start munged, slurmctld and slurmd, and wait until
#                        `sinfo` shows the node idle. Idempotent: daemons already up are left running.
#   .ci/slurm.sh stop    stop the daemons this script started.
#   .ci/slurm.sh status  exit 0 when the node answers.
# Daemon logs and state live in $FINETUNE_SLURM_DIR (default /tmp/finetune-slurm); logs/ is what .ci/run
# keeps as an artifact on failure. Needs root (or sudo) for apt-get and for the daemons.
set -euo pipefail

DIR="${FINETUNE_SLURM_DIR:-/tmp/finetune-slurm}"
LOGS="$DIR/logs"
MUNGE_PID=/run/munge/finetune-munged.pid
CONF=/etc/slurm/slurm.conf
NODE=$(hostname -s)
CPUS="${FINETUNE_SLURM_CPUS:-2}"
sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
log() { echo "[slurm] $*" >&2; }

pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop() {
  for d in slurmd slurmctld; do
    if pid_alive "$DIR/$d.pid"; then
      log "stopping $d"
      $sudo kill -TERM "$(cat "$DIR/$d.pid")" || true
    fi
  done
  if pid_alive "$MUNGE_PID"; then
    log "stopping munged"
    $sudo kill -TERM "$(cat "$MUNGE_PID")" || true
  fi
  for _ in $(seq 1 50); do
    pid_alive "$DIR/slurmd.pid" || pid_alive "$DIR/slurmctld.pid" || pid_alive "$MUNGE_PID" || return 0
    sleep 0.1
  done
}

node_idle() { sinfo -h -n "$NODE" -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; }

case "${1:-start}" in
  stop) stop; exit 0 ;;
  status) node_idle; exit $? ;;
  start) ;;
  *) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac

t0=$(date +%s.%N)
if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  log "apt-get install slurm-wlm munge (log: $LOGS/apt.log)"
  mkdir -p "$LOGS"
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends slurm-wlm munge; } >"$LOGS/apt.log" 2>&1; then
    tail -n 20 "$LOGS/apt.log" >&2
    exit 1
  fi
fi
# The packages enable systemd units; on a machine with systemd they may have started with Debian's
# (absent) config. This script runs its own daemons, so stop those.
if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
  $sudo systemctl stop slurmd slurmctld 2>/dev/null || true
fi

$sudo mkdir -p "$DIR/ctld" "$DIR/d" "$LOGS" /etc/slurm /etc/munge /run/munge /var/lib/munge /var/log/munge
if [[ ! -s /etc/munge/munge.key ]]; then
  log "creating the munge key"
  $sudo dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
owner=$(id -un munge 2>/dev/null || echo root)
$sudo mkdir -p "$LOGS/munge"
$sudo chown "$owner" /etc/munge/munge.key /etc/munge /run/munge /var/lib/munge /var/log/munge "$LOGS/munge"
$sudo chmod 400 /etc/munge/munge.key
$sudo chmod 700 /etc/munge

# Memory the node offers: what the machine has, less 512 MB for everything else.
mem_mb=$(( $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) - 512 ))
conf=$(cat <<EOF
# One-node Slurm for Fine-tune's tests (written by .ci/slurm.sh).
ClusterName=finetune-ci
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/ctld
SlurmdSpoolDir=$DIR/d
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups: track processes by parent pid, bind nothing.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
# Quick turnaround for tests: short scheduling interval, SIGKILL 5 s after SIGTERM at a time limit
# or scancel, finished jobs stay visible to scontrol for 10 minutes.
SchedulerParameters=sched_interval=2
KillWait=5
MinJobAge=600
InactiveLimit=0
OverTimeLimit=0
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
)
if [[ ! -f "$CONF" ]] || [[ "$(cat "$CONF")" != "$conf" ]]; then
  log "writing $CONF (node $NODE, $CPUS CPUs, ${mem_mb} MB)"
  if pid_alive "$DIR/slurmctld.pid" || pid_alive "$DIR/slurmd.pid"; then stop; fi
  echo "$conf" | $sudo tee "$CONF" >/dev/null
fi

if ! pid_alive "$MUNGE_PID"; then
  log "starting munged"
  if [[ $(id -u) -eq 0 ]]; then as_munge=(runuser -u "$owner" --); else as_munge=(sudo -u "$owner"); fi
  "${as_munge[@]}" munged --force --pid-file="$MUNGE_PID" --log-file="$LOGS/munge/munged.log"
fi
if ! pid_alive "$DIR/slurmctld.pid"; then
  log "starting slurmctld"
  $sudo slurmctld -i
fi
if ! pid_alive "$DIR/slurmd.pid"; then
  log "starting slurmd"
  $sudo slurmd
fi

for _ in $(seq 1 120); do
  if node_idle; then break; fi
  # A node left DOWN/DRAIN by an earlier run returns to service here.
  if sinfo -h -n "$NODE" -o '%t' 2>/dev/null | grep -qE '^(down|drain|drng)'; then
    $sudo scontrol update NodeName="$NODE" State=RESUME 2>/dev/null || true
  fi
  sleep 0.5
done
if ! node_idle; then
  log "the node did not become idle; logs in $LOGS"
  sinfo >&2 || true
  tail -n 20 "$LOGS"/*.log >&2 || true
  exit 1
fi
log "ready: $(sinfo -h -o '%P %D %t %C') in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s (logs: $LOGS)"
