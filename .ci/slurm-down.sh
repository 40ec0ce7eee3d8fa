#!/usr/bin/env bash
# Stop the daemons .ci/slurm-up.sh started (slurmd, slurmctld, munged), by their pid files. Never fails.
set -uo pipefail

stop() {  # stop <name> <pidfile>
    local pid
    pid=$(cat "$2" 2>/dev/null) || return 0
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null
        for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        echo "slurm-down: stopped $1 ($pid)"
    fi
}

command -v scancel >/dev/null && scancel --user="$(id -un)" 2>/dev/null
stop slurmd /run/slurmd.pid
stop slurmctld /run/slurmctld.pid
stop munged /run/munge/munged.pid
exit 0
