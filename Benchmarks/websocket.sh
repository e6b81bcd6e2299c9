#!/usr/bin/env bash
# Benchmark: the broker's CPU per message over wss against ssl, in the same run and the same
# broker (../shared/notes/benchmarking.md: broker on core 0, clients on core 1). For QoS 0 and
# QoS 1: one subscriber and one publisher at a fixed rate, over ssl, then over wss
# (`emqxctl bench --ws`), each for SECONDS; CPU per message is the broker's user+system time
# over the messages delivered. ROUNDS rounds, ssl and wss alternating, and the median of each:
# one run on this 2-core machine moves by 20% either way. Goal: wss within 15% of ssl.
#
#   Benchmarks/websocket.sh [seconds] [rate] [rounds]     (defaults 8, 10000 messages/s, 5)
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh

seconds=${1:-8}
rate=${2:-10000}
rounds=${3:-5}
swift build -c release --product emqxctl >/dev/null
emqxctl="$(swift build -c release --show-bin-path)/emqxctl"
work=$(mktemp -d)
broker_pid=""
trap 'stop_broker; rm -rf "$work"' EXIT

"$emqxctl" cert gen --key-type ec-p256 --out "$work/certs" >/dev/null 2>&1
ssl=$((20000 + RANDOM % 6000))
wss=$((ssl + 1))
cat >"$work/emqx.conf" <<CONF
listeners.tcp.default = marked_for_deletion
listeners.ssl.default {
  bind = "127.0.0.1:$ssl"
  ssl_options { certfile = "$work/certs/cert.pem", keyfile = "$work/certs/key.pem", cacertfile = "$work/certs/cacert.pem" }
}
listeners.wss.default {
  bind = "127.0.0.1:$wss"
  ssl_options { certfile = "$work/certs/cert.pem", keyfile = "$work/certs/key.pem", cacertfile = "$work/certs/cacert.pem" }
}
authorization { no_match = allow, sources = [] }
CONF
taskset -c 0 "$emqxctl" serve --config "$work/emqx.conf" --threads 1 --no-watch --log-level warning >"$work/broker.log" 2>&1 &
broker_pid=$!
wait_for_port "$ssl" emqxctl || { cat "$work/broker.log" >&2; exit 1; }
tls="--cafile $work/certs/cacert.pem --servername localhost"

run() { # LABEL PORT QOS [--ws]: prints CPU per message
    local label=$1 port=$2 qos=$3
    shift 3
    # shellcheck disable=SC2086
    taskset -c 1 "$emqxctl" bench sub --port "$port" --qos "$qos" --topic "w/%i" --duration "$((seconds + 3))" $tls "$@" >"$work/sub.out" &
    local sub_pid=$!
    sleep 2
    local before after
    before=$(cpu_ticks "$broker_pid")
    # shellcheck disable=SC2086
    taskset -c 1 "$emqxctl" bench pub --port "$port" --qos "$qos" --topic "w/%i" --rate "$rate" --duration "$seconds" $tls "$@" >/dev/null
    after=$(cpu_ticks "$broker_pid")
    wait "$sub_pid"
    local received
    received=$(grep -oE '^sub: 1 clients: [0-9]+' "$work/sub.out" | grep -oE '[0-9]+$')
    awk -v t="$((after - before))" -v hz="$ticks" -v n="$received" -v label="$label" -v qos="$qos" \
        'BEGIN { printf "QoS %s %-4s %8d messages, broker CPU %.2f us a message\n", qos, label, n, 1e6 * t / hz / n }' |
        tee -a "$work/runs"
}

for _ in $(seq "$rounds"); do
    for qos in 0 1; do
        run ssl "$ssl" "$qos"
        run wss "$wss" "$qos" --ws
    done
done
echo "median of $rounds rounds:"
for qos in 0 1; do
    median() { grep "^QoS $qos $1 " "$work/runs" | awk '{ print $(NF-3) }' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
    ssl_us=$(median ssl)
    wss_us=$(median wss)
    awk -v q="$qos" -v s="$ssl_us" -v w="$wss_us" 'BEGIN { printf "QoS %s: ssl %.2f us, wss %.2f us a message: wss/ssl %.2f\n", q, s, w, w / s }'
done
