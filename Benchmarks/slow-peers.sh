#!/usr/bin/env bash
# Benchmark: `emqxctl serve` and mosquitto (Debian package) under slow and hostile peers,
# configured alike and measured the same way in one run. Broker on core 0, peers on core 1.
#
#   Benchmarks/slow-peers.sh [seconds-per-phase]      (default 30; BROKERS="emqxctl" for one)
#
# Cases, per broker:
#   soak      1 kB QoS 0, then QoS 1, flooded for a phase each to a subscriber to # that never
#             reads; broker RSS sampled every second: peak and end, beside the same flood with
#             no subscriber (goal: flat, within 1.5x of no subscriber, at or below mosquitto).
#   rate      the publisher's rate with the stalled subscriber matching, against with none
#             (goal: >= 0.8x).
#   latency   a 1 kHz QoS 1 stream's p99 (bench pub/sub --rate 1000) quiet, and while 300
#             slowloris sockets and 1,000 idle clients are open (goal: within 2x).
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh

seconds=${1:-30}
swift build -c release --product emqxctl >/dev/null
emqxctl="$(swift build -c release --show-bin-path)/emqxctl"
peers="python3 Benchmarks/slow_peers.py"
work=$(mktemp -d)
broker_pid=""
trap 'stop_broker; rm -rf "$work"' EXIT
ulimit -n 4096

start_broker() { # BROKER PORT
    if [ "$1" = emqxctl ]; then
        printf 'listeners.tcp.default { bind = "127.0.0.1:%s", max_connections = 10000 }\nlisteners.ssl.default = marked_for_deletion\nlisteners.ws.default = marked_for_deletion\nlisteners.wss.default = marked_for_deletion\n' "$2" >"$work/emqx.conf"
        taskset -c 0 "$emqxctl" serve --config "$work/emqx.conf" --log-level error >"$work/broker.log" 2>&1 &
    else
        printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\nmax_queued_messages 1000\nmax_inflight_messages 32\nmax_connections -1\nlog_dest none\n' "$2" >"$work/mosquitto.conf"
        taskset -c 0 mosquitto -c "$work/mosquitto.conf" >"$work/broker.log" 2>&1 &
    fi
    broker_pid=$!
    wait_for_port "$2" "$1" || { cat "$work/broker.log" >&2; exit 1; }
}

# Floods for a phase while sampling RSS each second; prints "rate peak_MB end_MB".
flood_sampled() { # PORT QOS
    taskset -c 1 $peers flood "$1" "$seconds" "$2" >"$work/rate" &
    local flood_pid=$! peak=0 sample
    while kill -0 "$flood_pid" 2>/dev/null; do
        sample=$(rss_kb "$broker_pid")
        [ "$sample" -gt "$peak" ] && peak=$sample
        sleep 1
    done
    wait "$flood_pid"
    echo "$(cat "$work/rate") $((peak / 1024)) $(($(rss_kb "$broker_pid") / 1024))"
}

for broker in ${BROKERS:-emqxctl mosquitto}; do
    port=$((20000 + RANDOM % 20000))
    start_broker "$broker" "$port"
    start_rss=$(($(rss_kb "$broker_pid") / 1024))
    for qos in 0 1; do
        read -r alone alone_peak _ < <(flood_sampled "$port" "$qos")
        taskset -c 1 $peers stalled "$port" $((seconds + 5)) >/dev/null &
        stalled_pid=$!
        sleep 1
        read -r stalled_rate stalled_peak stalled_end < <(flood_sampled "$port" "$qos")
        wait "$stalled_pid"
        sleep 3
        after=$(($(rss_kb "$broker_pid") / 1024))
        awk -v b="$broker" -v q="$qos" -v a="$alone" -v s="$stalled_rate" -v ap="$alone_peak" -v sp="$stalled_peak" \
            -v se="$stalled_end" -v st="$start_rss" -v af="$after" 'BEGIN {
            printf "%-9s QoS %d flood 1 kB: %6.0f msg/s alone, %6.0f msg/s with a stalled subscriber (%.2fx); RSS start %d MB, peak %d MB alone, peak %d MB stalled (%.2fx), %d MB at its end, %d MB 3 s after it left\n",
                b, q, a, s, (a > 0 ? s / a : 0), st, ap, sp, (ap > 0 ? sp / ap : 0), se, af }'
    done
    # Latency of a paced QoS 1 stream, quiet and under hostile peers.
    for phase in quiet hostile; do
        if [ "$phase" = hostile ]; then
            taskset -c 1 $peers hostile "$port" $((seconds + 8)) 300 1000 >"$work/hostile.out" &
            hostile_pid=$!
            sleep 5
        fi
        taskset -c 1 "$emqxctl" bench sub --port "$port" --qos 1 --topic 'lat/%i' --duration $((seconds + 2)) >"$work/sub.out" &
        sub_pid=$!
        sleep 0.7
        taskset -c 1 "$emqxctl" bench pub --port "$port" --qos 1 --topic 'lat/%i' --rate 1000 --duration "$seconds" >/dev/null
        wait "$sub_pid"
        [ "$phase" = hostile ] && { wait "$hostile_pid" || true; }
        printf '%-9s QoS 1 at 1 kHz, %s: %s %s\n' "$broker" "$phase" "$(grep -oE 'p50 [0-9.]+ ms, p99 [0-9.]+ ms' "$work/sub.out" || echo '-')" \
            "$( [ "$phase" = hostile ] && cat "$work/hostile.out" || true)"
    done
    stop_broker
done
