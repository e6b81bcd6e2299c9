# Helpers shared by the broker benchmarks; sourced, not run.

ticks=$(getconf CLK_TCK)

# User + system CPU ticks of a process so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# Resident set size of a process, in kB.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# Waits up to 5 s for a TCP port on 127.0.0.1 to accept; $2 names the broker for the error.
wait_for_port() {
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "broker $2 did not start" >&2
    return 1
}

# Stops the broker this script started, by PID.
stop_broker() {
    [ -n "$broker_pid" ] || return 0
    kill "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
    broker_pid=""
}
