#!/usr/bin/env bash
# Benchmark: `emqxctl serve` against mosquitto (Debian package) over TLS, configured alike and
# measured the same way in the same run (../shared/notes/benchmarking.md): broker on core 0,
# `emqxctl bench` on core 1, broker CPU from /proc/PID/stat, RSS from /proc/PID/status.
#
#   Benchmarks/broker-tls.sh [seconds-per-case]      (default 5)
#
# Environment, to compare two builds of emqxctl in one run:
#   BROKERS="emqxctl mosquitto"   the brokers to measure, in order
#   CASES="handshakes messages idle"   what to measure
#   EMQXCTL_BROKER=path           another emqxctl binary to run as the broker (the load
#                                 generator is always this checkout's release build)
#
# Cases:
#   full handshakes/s (bench conn: one connection at a time, no resumption; each is a TLS
#   handshake plus CONNECT/CONNACK) with ECDSA P-256 on TLS 1.3, RSA-2048 on TLS 1.2
#   (ECDHE-RSA-AES128-GCM-SHA256) and PSK-AES128-GCM-SHA256 on TLS 1.2; also, for emqxctl
#   only, ECDSA on TLS 1.3 with session_tickets = disabled (ec13n: no ticket; by default
#   emqxctl sends one per handshake and mosquitto two);
#   QoS 0 and QoS 1 messages/s over TLS 1.3 (ECDSA), 64-byte payloads, 1->1;
#   broker RSS per idle MQTT/TLS 1.3 connection at 1,000 and 5,000 connections;
#   and `openssl speed` for the same key types, the crypto ceiling.
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh

seconds=${1:-5}
swift build -c release --product emqxctl >/dev/null
emqxctl="$(swift build -c release --show-bin-path)/emqxctl"
broker_bin="${EMQXCTL_BROKER:-$emqxctl}"
brokers="${BROKERS:-emqxctl mosquitto}"
measure="${CASES:-handshakes messages idle}"
wants() { [[ " $measure " == *" $1 "* ]]; }
work=$(mktemp -d)
broker_pid=""
trap 'stop_broker; rm -rf "$work"' EXIT

source Benchmarks/tls-brokers.sh

handshakes() { # BROKER PORT CASE
    local before after line
    # A second of warm-up first: the first handshakes load OpenSSL's providers and tables.
    # shellcheck disable=SC2046
    taskset -c 1 "$emqxctl" bench conn --port "$2" --duration 1 $(client_tls "$3") >/dev/null
    before=$(cpu_ticks "$broker_pid")
    # shellcheck disable=SC2046
    line=$(taskset -c 1 "$emqxctl" bench conn --port "$2" --duration "$seconds" $(client_tls "$3"))
    after=$(cpu_ticks "$broker_pid")
    # "conn: 1078 connected, 0 failed in 2.0 s = 539 connections/s"
    echo "$line" | awk -v b="$1" -v c="$3" -v t="$((after - before))" -v hz="$ticks" '{
        printf "%-9s full handshake %-5s %6.0f/s (%d connected, %d failed), broker %4.0f us CPU per handshake\n",
            b, c, $10, $2, $4, ($2 > 0 ? (t / hz) * 1e6 / $2 : 0) }'
}

messages() { # BROKER PORT QOS
    local before after
    # shellcheck disable=SC2046
    taskset -c 1 "$emqxctl" bench sub --port "$2" --qos "$3" --topic 'bench/%i' --duration "$((seconds + 2))" $(client_tls ec13) >"$work/sub.out" &
    local sub_pid=$!
    sleep 0.7
    before=$(cpu_ticks "$broker_pid")
    # shellcheck disable=SC2046
    taskset -c 1 "$emqxctl" bench pub --port "$2" --qos "$3" --size 64 --topic 'bench/%i' --duration "$seconds" $(client_tls ec13) >"$work/pub.out"
    after=$(cpu_ticks "$broker_pid")
    wait "$sub_pid"
    local published received
    published=$(sed -E 's/.*: ([0-9]+) sent.*/\1/' "$work/pub.out")
    received=$(sed -E 's/.*: ([0-9]+) received.*/\1/' "$work/sub.out")
    awk -v b="$1" -v q="$3" -v p="$published" -v r="$received" -v t="$((after - before))" -v hz="$ticks" -v s="$seconds" 'BEGIN {
        printf "%-9s TLS 1.3 QoS %d 1->1: %7.0f msg/s delivered (%d of %d), broker %5.1f us CPU per message\n",
            b, q, r / s, r, p, (r > 0 ? (t / hz) * 1e6 / r : 0) }'
}

idle_rss() { # BROKER PORT CONNECTIONS
    local before during hold=$(($3 / 400 + 6))
    before=$(rss_kb "$broker_pid")
    # shellcheck disable=SC2046
    taskset -c 1 "$emqxctl" bench sub --port "$2" --clients "$3" --topic 'idle/%i' --duration "$hold" $(client_tls ec13) >"$work/idle.out" &
    local sub_pid=$!
    sleep "$((hold - 2))"
    during=$(rss_kb "$broker_pid")
    wait "$sub_pid" || true  # idle subscribers receive nothing, which bench sub reports as a failure
    local connected
    connected=$(sed -E 's/^sub: ([0-9]+) clients.*/\1/' "$work/idle.out")
    awk -v b="$1" -v n="$connected" -v a="$before" -v d="$during" 'BEGIN {
        printf "%-9s idle TLS 1.3 connections: %d, RSS %.1f -> %.1f MB, %.1f kB per connection\n",
            b, n, a / 1024, d / 1024, (n > 0 ? (d - a) / n : 0) }'
}

for broker in $brokers; do
    cases="ec13 rsa12 psk12"
    [ "$broker" = emqxctl ] && cases="ec13 ec13n rsa12 psk12"
    wants handshakes || cases=ec13
    for case in $cases; do
        port=$((20000 + RANDOM % 20000))
        start_broker "$broker" "$port" "$case"
        if wants handshakes; then handshakes "$broker" "$port" "$case"; fi
        if [ "$case" = ec13 ] && wants messages; then
            messages "$broker" "$port" 0
            messages "$broker" "$port" 1
        fi
        if [ "$case" = ec13 ] && wants idle; then
            for n in 1000 5000; do
                stop_broker
                start_broker "$broker" "$port" ec13
                idle_rss "$broker" "$port" "$n"
            done
        fi
        stop_broker
    done
done

wants handshakes || exit 0
echo "openssl speed (one core, the ceiling):"
taskset -c 0 openssl speed -seconds 2 ecdsap256 rsa2048 ecdhp256 2>/dev/null | grep -E '(rsa 2048 bits|ecdsa \(nistp256\)|ecdh \(nistp256\))' | sed 's/^/  /'
