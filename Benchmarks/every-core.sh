#!/usr/bin/env bash
# Benchmark: `emqxctl serve` on every core (issue 20). In one run, side by side:
#
#   1. RSA-2048 TLS 1.2 full handshakes/s (bench conn --concurrency 32, no resumption) for
#      emqxctl --threads 1, emqxctl --threads 2 and mosquitto, each broker free to use both
#      cores, the generator beside it. RSA is the case whose client side is cheap (one
#      signature check), so one generator can keep two broker loops busy. Reports the rate
#      and both processes' CPU.
#   2. A 1 kHz QoS 1 stream's p50/p99 latency (ECDSA TLS 1.3) while a handshake storm
#      (bench conn --concurrency 64, RSA) runs, with 1 loop and with 2.
#   3. The design against its alternative, routing alone on its loop (serve's hidden
#      --routing-loop-alone: connections only on the other loops): QoS 1 messages/s, 4
#      publishers to 4 subscribers over TLS, with the broker's CPU a message, and RSA
#      handshakes/s; for 1 loop, 2 loops sharing the routing loop, and 2 with it alone.
#
#   Benchmarks/every-core.sh [seconds]      (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh

seconds=${1:-5}
swift build -c release --product emqxctl >/dev/null
emqxctl="$(swift build -c release --show-bin-path)/emqxctl"
broker_bin=$emqxctl
work=$(mktemp -d)
broker_pid=""
trap 'stop_broker; rm -rf "$work"' EXIT
source Benchmarks/tls-brokers.sh
broker_cpus=0-1

# CPU ticks of each of a process's event-loop threads (NIO names them NIO-ELT-*), space-separated.
loop_ticks() { for task in /proc/"$1"/task/*; do grep -q '^NIO-ELT' "$task/comm" && awk '{ printf "%d ", $14 + $15 }' "$task/stat"; done; true; }

rate() { # NAME PORT: full RSA handshakes/s with 32 in flight, and both sides' CPU
    local before after gen_time line loops_before loops_after
    # shellcheck disable=SC2046
    "$emqxctl" bench conn --port "$2" --duration 1 --concurrency 32 $(client_tls rsa12) >/dev/null  # warm-up
    before=$(cpu_ticks "$broker_pid")
    loops_before=$(loop_ticks "$broker_pid")
    # shellcheck disable=SC2046
    line=$(/usr/bin/time -f "%U %S" -o "$work/gen.time" "$emqxctl" bench conn --port "$2" --duration "$seconds" --concurrency 32 $(client_tls rsa12))
    after=$(cpu_ticks "$broker_pid")
    loops_after=$(loop_ticks "$broker_pid")
    gen_time=$(awk '{ print $1 + $2 }' "$work/gen.time")
    # "conn: 1078 connected, 0 failed in 2.0 s = 539 connections/s"
    echo "$line" | awk -v b="$1" -v t="$((after - before))" -v hz="$ticks" -v g="$gen_time" -v s="$seconds" '{
        printf "%-20s RSA-2048 TLS 1.2: %6.0f handshakes/s (%d failed); broker %3.0f%% CPU, generator %3.0f%% CPU, broker %4.0f us CPU a handshake\n",
            b, $10, $4, 100 * t / hz / s, 100 * g / s, ($2 > 0 ? (t / hz) * 1e6 / $2 : 0) }'
    if [ "$1" != mosquitto ]; then
        awk -v a="$loops_after" -v b="$loops_before" -v hz="$ticks" -v s="$seconds" 'BEGIN {
            n = split(a, x, " "); split(b, y, " "); line = ""
            for (i = 1; i <= n; i++) line = line sprintf(" %.0f%%", 100 * (x[i] - y[i]) / hz / s)
            printf "%-20s   CPU of each event loop thread:%s\n", "", line }'
    fi
}

storm() { # NAME PORT: the stream's latency quiet, then during a storm of RSA handshakes
    local port=$2 tls
    tls="--cafile $work/rsa/cacert.pem --servername localhost"
    stream() {
        # shellcheck disable=SC2086
        "$emqxctl" bench sub --port "$port" --qos 1 --topic 'lat/%i' --duration "$((seconds + 3))" $tls >"$work/sub.out" &
        local sub_pid=$!
        sleep 2
        # shellcheck disable=SC2086
        "$emqxctl" bench pub --port "$port" --qos 1 --topic 'lat/%i' --rate 1000 --duration "$seconds" $tls >/dev/null
        wait "$sub_pid"
        grep -oE '[0-9]+ received|p50 [0-9.]+ ms, p99 [0-9.]+ ms' "$work/sub.out" | paste -sd' ' -
    }
    local quiet during
    quiet=$(stream)
    # shellcheck disable=SC2046
    "$emqxctl" bench conn --port "$port" --concurrency 64 --duration "$((seconds + 4))" $(client_tls rsa12) >"$work/storm.out" 2>&1 &
    local storm_pid=$!
    sleep 1
    during=$(stream)
    wait "$storm_pid" || true
    printf '%-20s QoS 1 at 1 kHz: quiet %s; during the storm %s; storm %s\n' "$1" "$quiet" "$during" \
        "$(grep -oE '[0-9]+ connections/s' "$work/storm.out" | head -1)"
}

echo "== RSA-2048 full handshakes, brokers on both cores =="
for broker in "emqxctl 1" "emqxctl 2" mosquitto; do
    port=$((20000 + RANDOM % 12000))
    set -- $broker
    broker_threads=${2:-1}
    start_broker "$1" "$port" rsa12
    rate "$1${2:+ --threads $2}" "$port"
    stop_broker
done

echo "== 1 kHz QoS 1 latency during an RSA handshake storm =="
for threads in 1 2; do
    port=$((20000 + RANDOM % 12000))
    broker_threads=$threads
    start_broker emqxctl "$port" rsa12
    storm "emqxctl --threads $threads" "$port"
    stop_broker
done

messages() { # NAME PORT: QoS 1, 4 publishers -> 4 subscribers over TLS 1.2 (RSA), 64 B
    local before after tls="--cafile $work/rsa/cacert.pem --servername localhost"
    # shellcheck disable=SC2086
    "$emqxctl" bench sub --port "$2" --clients 4 --qos 1 --topic 'm/%i' --duration "$((seconds + 3))" $tls >"$work/sub.out" &
    local sub_pid=$!
    sleep 1.5
    before=$(cpu_ticks "$broker_pid")
    # shellcheck disable=SC2086
    "$emqxctl" bench pub --port "$2" --clients 4 --qos 1 --size 64 --topic 'm/%i' --duration "$seconds" $tls >"$work/pub.out"
    after=$(cpu_ticks "$broker_pid")
    wait "$sub_pid"
    local received
    received=$(sed -E 's/.*: ([0-9]+) received.*/\1/' "$work/sub.out")
    awk -v b="$1" -v r="$received" -v t="$((after - before))" -v hz="$ticks" -v s="$seconds" 'BEGIN {
        printf "%-34s QoS 1 4->4: %7.0f msg/s, broker %4.1f us CPU a message\n", b, r / s, (r > 0 ? (t / hz) * 1e6 / r : 0) }'
}

echo "== the routing loop shared with connections, or alone =="
for variant in "1" "2" "2 --routing-loop-alone"; do
    port=$((20000 + RANDOM % 12000))
    set -- $variant
    broker_threads=$1
    broker_flags=${2:-}
    start_broker emqxctl "$port" rsa12
    messages "emqxctl --threads $variant" "$port"
    rate "emqxctl --threads $variant" "$port"
    stop_broker
done
broker_flags=""
