#!/usr/bin/env bash
# Benchmark: `emqxctl serve` against mosquitto (Debian package), configured alike, measured the
# same way in the same run, as the team's benchmarking notes describe: the broker pinned to
# core 0, the load generator (emqxctl bench) to core 1, broker CPU per message from
# /proc/PID/stat, throughput, QoS 1 latency, and connections/s.
#
#   Benchmarks/broker.sh [seconds-per-case]      (default 8)
#   PACED_ONLY=1 Benchmarks/broker.sh            (only the paced latency case, three times)
#
# Cases: QoS 0 and QoS 1, 64-byte payloads, 1->1 and 4->4 (publisher i to subscriber i).
# Needs taskset (util-linux), GNU time, and mosquitto.
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh

seconds=${1:-8}
swift build -c release --product emqxctl >/dev/null
emqxctl="$(swift build -c release --show-bin-path)/emqxctl"
work=$(mktemp -d)
broker_pid=""
cleanup() {
    [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
start_broker() { # $1 = emqxctl | mosquitto, $2 = port
    if [ "$1" = emqxctl ]; then
        printf 'listeners.tcp.default.bind = "127.0.0.1:%s"\nlisteners.ssl.default = marked_for_deletion\nlisteners.ws.default = marked_for_deletion\nlisteners.wss.default = marked_for_deletion\n' "$2" >"$work/emqx.conf"
        taskset -c 0 "$emqxctl" serve --config "$work/emqx.conf" --threads 1 --log-level warning >"$work/broker.log" 2>&1 &
    else
        printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\nmax_queued_messages 1000\nmax_inflight_messages 32\nlog_dest none\n' "$2" >"$work/mosquitto.conf"
        taskset -c 0 mosquitto -c "$work/mosquitto.conf" >"$work/broker.log" 2>&1 &
    fi
    broker_pid=$!
    wait_for_port "$2" "$1" || { cat "$work/broker.log" >&2; exit 1; }
}

run_case() { # $1 = broker, $2 = port, $3 = qos, $4 = clients, $5 = publish rate per client (0 = unpaced)
    local sub_seconds
    sub_seconds=$(awk -v s="$seconds" 'BEGIN { print s + 2 }')
    taskset -c 1 /usr/bin/time -f "%U %S" -o "$work/sub.time" "$emqxctl" bench sub --port "$2" --clients "$4" --qos "$3" \
        --topic 'bench/%i' --duration "$sub_seconds" >"$work/sub.out" &
    local sub_pid=$!
    sleep 0.7
    local before after
    before=$(cpu_ticks "$broker_pid")
    taskset -c 1 /usr/bin/time -f "%U %S" -o "$work/pub.time" "$emqxctl" bench pub --port "$2" --clients "$4" --qos "$3" \
        --size 64 --topic 'bench/%i' --duration "$seconds" --rate "${5:-0}" >"$work/pub.out"
    after=$(cpu_ticks "$broker_pid")
    wait "$sub_pid"
    local published received latency generator
    published=$(sed -E 's/.*: ([0-9]+) sent.*/\1/' "$work/pub.out")
    received=$(sed -E 's/.*: ([0-9]+) received.*/\1/' "$work/sub.out")
    latency=$(grep -oE 'p50 [0-9.]+ ms, p99 [0-9.]+ ms' "$work/sub.out" || echo "-")
    generator=$(cat "$work/pub.time" "$work/sub.time" | awk '{ s += $1 + $2 } END { print s }')
    awk -v b="$1" -v q="$3" -v c="$4" -v p="$published" -v r="$received" -v t="$((after - before))" -v hz="$ticks" \
        -v s="$seconds" -v l="$latency" -v g="$generator" -v pace="${5:-0}" 'BEGIN {
        cpu = t / hz
        printf "%-9s QoS %d %d->%d%s: %9.0f msg/s delivered (%d of %d, %.1f%% lost), broker %5.1f us/msg (%.0f%% of a core), generator %.0f%% of a core, latency %s\n",
            b, q, c, c, (pace > 0 ? " paced " pace "/s" : ""), r / s, r, p, (p > 0 ? 100 * (p - r) / p : 0), (r > 0 ? cpu * 1e6 / r : 0), 100 * cpu / s, 100 * g / s, l }'
}

for broker in emqxctl mosquitto; do
    port=$((20000 + RANDOM % 20000))
    start_broker "$broker" "$port"
    if [ -n "${PACED_ONLY:-}" ]; then
        for _ in 1 2 3; do run_case "$broker" "$port" 1 1 5000; done
        stop_broker
        continue
    fi
    for qos in 0 1; do
        for clients in 1 4; do run_case "$broker" "$port" "$qos" "$clients"; done
    done
    # Latency without queueing: QoS 1 at 5,000 messages/s, as in the notes' anchor.
    run_case "$broker" "$port" 1 1 5000
    before=$(cpu_ticks "$broker_pid")
    conn=$(taskset -c 1 "$emqxctl" bench conn --port "$port" --duration 5)
    after=$(cpu_ticks "$broker_pid")
    echo "$conn" | awk -v b="$broker" -v t="$((after - before))" -v hz="$ticks" '{
        n = $2; printf "%-9s %s (broker %.0f us/connection)\n", b, $0, (t / hz) * 1e6 / n }'
    stop_broker
done
