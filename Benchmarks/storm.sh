#!/usr/bin/env bash
# Benchmark: a reconnect storm against an ssl listener with max_conn_rate, while a subscriber
# already connected receives a 1 kHz QoS 1 stream (../shared/notes/benchmarking.md: broker on
# core 0, clients on core 1). Reports the stream's p50/p99 latency quiet and during the storm,
# and how many storm connections the broker shed at accept (before any TLS work).
#
#   Benchmarks/storm.sh [seconds]      (default 10; the storm: bench conn --concurrency 64)
#
#   RATE=100/s   the listener's max_conn_rate ("infinity" for none, to compare)
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh

seconds=${1:-10}
rate=${RATE:-100/s}
swift build -c release --product emqxctl >/dev/null
emqxctl="$(swift build -c release --show-bin-path)/emqxctl"
work=$(mktemp -d)
broker_pid=""
trap 'stop_broker; rm -rf "$work"' EXIT

"$emqxctl" cert gen --key-type ec-p256 --out "$work/ec" >/dev/null 2>&1
port=$((20000 + RANDOM % 12000))
{
    echo 'listeners.tcp.default = marked_for_deletion'
    echo "listeners.ssl.default { bind = \"127.0.0.1:$port\", max_conn_rate = \"$rate\", tcp_options.backlog = 4096"
    echo "  ssl_options { certfile = \"$work/ec/cert.pem\", keyfile = \"$work/ec/key.pem\", cacertfile = \"$work/ec/cacert.pem\", versions = [\"tlsv1.3\"] } }"
} >"$work/emqx.conf"
taskset -c 0 "$emqxctl" serve --config "$work/emqx.conf" --threads 1 --log-level warning >"$work/broker.log" 2>&1 &
broker_pid=$!
wait_for_port "$port" emqxctl || { cat "$work/broker.log" >&2; exit 1; }
tls="--cafile $work/ec/cacert.pem --servername localhost --tls-version tlsv1.3"

stream() { # PHASE: a 1 kHz QoS 1 stream for $seconds, with its latency
    # shellcheck disable=SC2086
    taskset -c 1 "$emqxctl" bench sub --port "$port" --qos 1 --topic 'lat/%i' --duration "$((seconds + 3))" $tls >"$work/sub.out" &
    local sub_pid=$!
    sleep 2
    # shellcheck disable=SC2086
    taskset -c 1 "$emqxctl" bench pub --port "$port" --qos 1 --topic 'lat/%i' --rate 1000 --duration "$seconds" $tls >/dev/null
    wait "$sub_pid"
    printf 'QoS 1 at 1 kHz, %-6s %s\n' "$1:" "$(grep -oE '[0-9]+ received|p50 [0-9.]+ ms, p99 [0-9.]+ ms' "$work/sub.out" | paste -sd' ' -)"
}

stream quiet
before=$(cpu_ticks "$broker_pid")
# shellcheck disable=SC2086
taskset -c 1 "$emqxctl" bench conn --port "$port" --concurrency 64 --duration "$((seconds + 4))" $tls >"$work/storm.out" 2>&1 &
storm_pid=$!
sleep 1
stream storm
wait "$storm_pid" || true
after=$(cpu_ticks "$broker_pid")
echo "storm (max_conn_rate = $rate): $(head -1 "$work/storm.out")"
echo "shed at accept: $(grep -oE '[0-9]+ shed so far' "$work/broker.log" | tail -1 || echo 0)"
echo "broker CPU during the storm: $(awk -v t="$((after - before))" -v hz="$ticks" -v s="$((seconds + 4))" 'BEGIN { printf "%.0f%%", 100 * t / hz / s }')"
