#!/usr/bin/env bash
# Start a single-node SLURM on this machine for the `slurm`-marked tests (CI runs it from .ci/run).
# Debian packages (munge, slurmctld, slurmd, slurm-client); run as root; no systemd needed; idempotent.
# The node has every core, half the RAM, and one fake GPU in GRES (jobs asking --gpus=1 schedule and get
# CUDA_VISIBLE_DEVICES=0; there is no device behind it). No accounting database: job state comes from squeue.
# Partitions: `debug` (default) and `gpu`. Stop it with .ci/slurm-down.sh.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" != 0 ]; then
    echo "slurm-up: must run as root (it installs packages and starts daemons)" >&2
    exit 1
fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null \
    || ! command -v sbatch >/dev/null; then
    echo "slurm-up: installing munge and SLURM from the Debian packages"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends munge slurmctld slurmd slurm-client >/dev/null
fi

host=$(hostname -s)
cpus=$(nproc)
# Advertise at most the real memory (in MB), or slurmd drains the node with "Low RealMemory".
mem_mb=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 2048 ))
conf_dir=/etc/slurm
state_dir=/var/lib/slurm
log_dir=/var/log/slurm

mkdir -p "$conf_dir" "$state_dir/slurmctld" "$state_dir/slurmd" "$log_dir" /run/munge
cat > "$conf_dir/slurm.conf" <<CONF
# Written by oneshot-rlvr .ci/slurm-up.sh: a single-node cluster for tests.
ClusterName=oneshot-ci
SlurmctldHost=${host}
SlurmUser=slurm
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
GresTypes=gpu
StateSaveLocation=${state_dir}/slurmctld
SlurmdSpoolDir=${state_dir}/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=${log_dir}/slurmctld.log
SlurmdLogFile=${log_dir}/slurmd.log
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# Finished jobs stay visible to squeue for 5 minutes (Snakemake's status checks rely on it: no sacct here).
MinJobAge=300
# Wall-time kills happen promptly (the retry test depends on a TIMEOUT), and killed jobs go quickly.
KillWait=10
OverTimeLimit=0
NodeName=${host} CPUs=${cpus} RealMemory=${mem_mb} Gres=gpu:fake:1 State=UNKNOWN
PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=${host} MaxTime=INFINITE State=UP
CONF
echo "NodeName=${host} Name=gpu Type=fake Count=1 File=/dev/null" > "$conf_dir/gres.conf"
chown -R slurm:slurm "$state_dir" "$log_dir"
chown munge:munge /run/munge

pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged
pgrep -x slurmctld >/dev/null || /usr/sbin/slurmctld
pgrep -x slurmd >/dev/null || /usr/sbin/slurmd

for _ in $(seq 60); do
    if sinfo -h -o %t 2>/dev/null | grep -Eq '^(idle|mix|alloc)'; then
        sinfo
        exit 0
    fi
    sleep 1
done
echo "slurm-up: the node did not become idle within 60 s" >&2
sinfo -N -l >&2 || true
tail -n 20 "$log_dir/slurmctld.log" "$log_dir/slurmd.log" >&2 || true
exit 1
