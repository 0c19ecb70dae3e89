#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine, for the Slurm backend's end-to-end test (and for trying
# `metaexplore reproduce PLAN --backend slurm` without a cluster).
#
#   bash scripts/slurm/local-cluster.sh start   # installs Debian's slurm-wlm and munge if missing, writes a
#                                               # slurm.conf for localhost, starts munged, slurmctld and slurmd;
#                                               # prints the SLURM_CONF to export
#   bash scripts/slurm/local-cluster.sh stop    # cancels every job and stops the three daemons
#
# State, logs and the configuration live in $METAEXPLORE_SLURM_DIR (default /tmp/metaexplore-slurm). Needs root (or
# sudo) for the install and for munged's socket folder. Exits non-zero, saying why, when Slurm cannot be set up.
set -euo pipefail
DIR=${METAEXPLORE_SLURM_DIR:-/tmp/metaexplore-slurm}
CONF="$DIR/slurm.conf"
# munged runs as the munge user: its pid file goes in its own socket folder.
MUNGE_PID=/run/munge/metaexplore-munged.pid
say() { printf '[slurm] %s\n' "$*" >&2; }
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

stop() {
  if [ -f "$CONF" ] && command -v scancel >/dev/null 2>&1; then SLURM_CONF="$CONF" scancel --full --quiet -u "$(id -un)" 2>/dev/null || true; fi
  for name in slurmd slurmctld; do
    if [ -f "$DIR/$name.pid" ]; then $SUDO kill "$(cat "$DIR/$name.pid")" 2>/dev/null || true; fi
  done
  sleep 1
  if [ -f "$MUNGE_PID" ]; then $SUDO kill "$(cat "$MUNGE_PID")" 2>/dev/null || true; $SUDO rm -f "$MUNGE_PID"; fi
  rm -f "$DIR"/*.pid
  say "stopped"
}

start() {
  if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
    say "installing Debian packages slurm-wlm and munge"
    $SUDO apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq slurm-wlm munge >/dev/null 2>&1 \
      || { say "cannot install slurm-wlm and munge"; exit 1; }
  fi
  mkdir -p "$DIR/state" "$DIR/spool"
  # munge: a key, its socket folder, and the daemon as the munge user.
  if [ ! -s /etc/munge/munge.key ]; then $SUDO mungekey --create --force >/dev/null 2>&1 || $SUDO create-munge-key -f >/dev/null 2>&1; fi
  $SUDO mkdir -p /run/munge /var/log/munge /var/lib/munge
  $SUDO chown -R munge:munge /run/munge /var/log/munge /var/lib/munge /etc/munge
  $SUDO chmod 0755 /run/munge
  if ! munge -n >/dev/null 2>&1; then
    $SUDO runuser -u munge -- munged --force --pid-file="$MUNGE_PID" \
      || { say "cannot start munged"; exit 1; }
    for _ in $(seq 1 50); do munge -n >/dev/null 2>&1 && break; sleep 0.1; done
    munge -n >/dev/null 2>&1 || { say "munged does not answer"; exit 1; }
  fi
  local host cpus mem
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(( $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) - 1024 ))
  cat > "$CONF" <<CONFEOF
ClusterName=metaexplore
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SlurmctldPort=${METAEXPLORE_SLURMCTLD_PORT:-6817}
SlurmdPort=${METAEXPLORE_SLURMD_PORT:-6818}
KillWait=30
MinJobAge=300
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONFEOF
  SLURM_CONF="$CONF" $SUDO slurmctld || { say "cannot start slurmctld (log: $DIR/slurmctld.log)"; exit 1; }
  SLURM_CONF="$CONF" $SUDO slurmd || { say "cannot start slurmd (log: $DIR/slurmd.log)"; exit 1; }
  for _ in $(seq 1 100); do
    if SLURM_CONF="$CONF" sinfo -h -o "%T" 2>/dev/null | grep -qE "idle|mixed|allocated"; then
      say "up: export SLURM_CONF=$CONF"
      echo "$CONF"
      return 0
    fi
    sleep 0.2
  done
  say "the node did not come up (logs in $DIR)"
  exit 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
