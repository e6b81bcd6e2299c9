#!/usr/bin/env bash
# Benchmark: `emqxctl serve` against mosquitto (Debian package) over TLS, configured alike and
# measured the same way in the same run (../shared/notes/benchmarking.md): broker on core 0,
# `emqxctl bench` on core 1, broker CPU from /proc/PID/stat, RSS from /proc/PID/status.
#
#   Benchmarks/broker-tls.sh [seconds]      (default 5: per case, and per broker in each round
#                                           of handshakes)
#
# Environment, to compare two builds of emqxctl in one run:
#   BROKERS="emqxctl floor mosquitto"   the brokers to measure, in order (floor: `emqxctl
#                                 bench floor`, the listener's TLS and a fixed CONNACK with
#                                 no broker behind it, handshakes only: the floor under serve)
#   CASES="handshakes messages idle"   what to measure
#   ROUNDS=5                      rounds of handshakes, each broker measured in turn in each
#   HANDSHAKES="ec13 rsa12 psk12" the handshake cases
#   EMQXCTL_BROKER=path           another emqxctl binary to run as the broker (the load
#                                 generator is always this checkout's release build)
#
# Cases:
#   full handshakes (bench conn: one connection at a time, no resumption; each is a TLS
#   handshake plus CONNECT/CONNACK), broker CPU per handshake, in interleaved rounds, with ECDSA P-256 on TLS 1.3, RSA-2048 on TLS 1.2
#   (ECDHE-RSA-AES128-GCM-SHA256) and PSK-AES128-GCM-SHA256 on TLS 1.2; also, for emqxctl
#   only, ECDSA on TLS 1.3 with session_tickets = disabled (emqxctl-nt: no ticket; by
#   default emqxctl sends one per handshake and mosquitto two);
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
brokers="${BROKERS:-emqxctl floor mosquitto}"
measure="${CASES:-handshakes messages idle}"
wants() { [[ " $measure " == *" $1 "* ]]; }
work=$(mktemp -d)
broker_pid=""
started_pids=""
rounds=${ROUNDS:-5}
# shellcheck disable=SC2086
trap 'stop_broker; for pid in $started_pids; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"' EXIT

source Benchmarks/tls-brokers.sh

# Full handshakes, one case at a time: every broker is started at once on core 0 (an idle
# broker costs nothing) and measured in turn, $rounds times. A round's brokers run within
# seconds of each other, so the machine's drift (as much as 30% over minutes on this VM)
# cancels in the ratios taken within each round. Prints each round, then each broker's median
# CPU per handshake and the median of its per-round ratios to mosquitto's.
handshake_case() { # CASE (ec13 also measures emqxctl without tickets, as emqxctl-nt)
    local labels=() ports=() pids=() i r line before after
    for entry in $brokers; do
        local variants=$1
        [ "$1" = ec13 ] && [ "$entry" = emqxctl ] && variants="ec13 ec13n"
        for variant in $variants; do
            local port=$((20000 + RANDOM % 20000))
            start_broker "$entry" "$port" "$variant"
            started_pids+=" $broker_pid"
            local label=$entry
            [ "$variant" = ec13n ] && label=$entry-nt
            labels+=("$label") ports+=("$port") pids+=("$broker_pid")
            # Warm-up: the first handshakes load OpenSSL's providers and tables.
            # shellcheck disable=SC2046
            taskset -c 1 "$emqxctl" bench conn --port "$port" --duration 1 $(client_tls "$1") >/dev/null
        done
    done
    : >"$work/rounds"
    for r in $(seq "$rounds"); do
        for i in "${!labels[@]}"; do
            before=$(cpu_ticks "${pids[$i]}")
            # shellcheck disable=SC2046
            line=$(taskset -c 1 "$emqxctl" bench conn --port "${ports[$i]}" --duration "$seconds" $(client_tls "$1"))
            after=$(cpu_ticks "${pids[$i]}")
            # "conn: 1078 connected, 0 failed in 2.0 s = 539 connections/s"
            echo "$line" | awk -v r="$r" -v b="${labels[$i]}" -v t="$((after - before))" -v hz="$ticks" '{
                printf "%d %s %d %d %.1f\n", r, b, $2, $4, ($2 > 0 ? (t / hz) * 1e6 / $2 : 0) }' >>"$work/rounds"
        done
    done
    for pid in "${pids[@]}"; do
        broker_pid=$pid
        stop_broker
    done
    awk -v c="$1" '
        function median(list,   n, a, i, j, t) {
            n = split(list, a, " ")
            for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        { us[$2] = us[$2] " " $5; cost[$1, $2] = $5; failed[$2] += $4; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
          printf "  round %d %-12s %-5s %5d connected, %4.0f us broker CPU per handshake\n", $1, $2, c, $3, $5; rounds = $1 }
        END {
            for (k = 1; k <= n; k++) {
                b = order[k]; ratios = ""
                for (r = 1; r <= rounds; r++) if (cost[r, "mosquitto"] > 0) ratios = ratios " " cost[r, b] / cost[r, "mosquitto"]
                printf "%-12s full handshake %-5s median %4.0f us broker CPU%s, %d failed\n", b, c, median(us[b]),
                    (ratios != "" ? sprintf(", %.2f x mosquitto (median of rounds)", median(ratios)) : ""), failed[b]
            }
        }' "$work/rounds"
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

if wants handshakes; then
    for case in ${HANDSHAKES:-ec13 rsa12 psk12}; do handshake_case "$case"; done
fi
for broker in $brokers; do
    [ "$broker" = floor ] && continue
    if wants messages; then
        port=$((20000 + RANDOM % 20000))
        start_broker "$broker" "$port" ec13
        messages "$broker" "$port" 0
        messages "$broker" "$port" 1
        stop_broker
    fi
    if wants idle; then
        for n in 1000 5000; do
            port=$((20000 + RANDOM % 20000))
            start_broker "$broker" "$port" ec13
            idle_rss "$broker" "$port" "$n"
            stop_broker
        done
    fi
done

wants handshakes || exit 0
echo "openssl speed (one core, the ceiling):"
taskset -c 0 openssl speed -seconds 2 ecdsap256 rsa2048 ecdhp256 2>/dev/null | grep -E '(rsa 2048 bits|ecdsa \(nistp256\)|ecdh \(nistp256\))' | sed 's/^/  /'
