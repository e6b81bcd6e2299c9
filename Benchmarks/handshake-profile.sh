#!/usr/bin/env bash
# Benchmark: where a full TLS handshake's broker CPU goes, `emqxctl serve` against mosquitto,
# sampled by `perf record` (cpu-clock: this VM exposes no hardware counters, and valgrind
# 3.19 crashes on the Swift 6.3 binary even with --tool=none). For each case, each broker runs
# on core 0 while `emqxctl bench conn` makes full handshakes from core 1 for SECONDS; the
# broker's CPU a handshake is split by where the samples fell: OpenSSL (libcrypto, libssl),
# the kernel, libc, the Swift runtime, and the broker's own code. OpenSSL's share costs both
# brokers alike; the rest is each one's per-connection machinery. `floor` is `emqxctl bench
# floor` on serve's config: the same TLS handler, a fixed CONNACK and no broker, so its cost
# is SwiftNIO's, the TLS's and the kernel's (BROKERS="emqxctl floor mosquitto" by default).
#
#   Benchmarks/handshake-profile.sh [seconds] [cases]   (defaults 8, "ec13 rsa12 psk12")
#   KEEP=1 keeps the perf.BROKER.CASE.data files (their folder is printed) for perf report.
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh

seconds=${1:-8}
cases=${2:-ec13 rsa12 psk12}
command -v perf >/dev/null || { echo "needs perf (apt-get install linux-perf)" >&2; exit 1; }
swift build -c release --product emqxctl >/dev/null
emqxctl="$(swift build -c release --show-bin-path)/emqxctl"
work=$(mktemp -d)
broker_pid=""
trap 'stop_broker; [ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT

broker_bin=$emqxctl
source Benchmarks/tls-brokers.sh

for case in $cases; do
    for broker in ${BROKERS:-emqxctl floor mosquitto}; do
        port=$((20000 + RANDOM % 6000))
        start_broker "$broker" "$port" "$case"
        # shellcheck disable=SC2046
        taskset -c 1 "$emqxctl" bench conn --port "$port" --duration 1 $(client_tls "$case") >/dev/null  # warm-up
        before=$(cpu_ticks "$broker_pid")
        perf record -e cpu-clock -F 2000 -g -p "$broker_pid" -o "$work/perf.$broker.$case.data" -- sleep "$((seconds + 1))" >/dev/null 2>&1 &
        perf_pid=$!
        # shellcheck disable=SC2046
        connected=$(taskset -c 1 "$emqxctl" bench conn --port "$port" --duration "$seconds" $(client_tls "$case") |
            grep -oE '^conn: [0-9]+' | grep -oE '[0-9]+')
        after=$(cpu_ticks "$broker_pid")
        wait "$perf_pid" || true
        stop_broker
        us=$(awk -v t="$((after - before))" -v hz="$ticks" -v n="$connected" 'BEGIN { printf "%.0f", (t / hz) * 1e6 / n }')
        printf '%-9s %-5s %5d handshakes, %4d us broker CPU a handshake:' "$broker" "$case" "$connected" "$us"
        # Shares by object: OpenSSL, kernel, libc, the Swift runtime and Foundation, the rest.
        perf report -i "$work/perf.$broker.$case.data" --no-children --sort dso --stdio 2>/dev/null | awk -v us="$us" '
            /^ +[0-9.]+%/ {
                share = $1; sub("%", "", share); dso = $2
                if (dso ~ /libcrypto|libssl/) group = "openssl"
                else if (dso ~ /kernel/) group = "kernel"
                else if (dso ~ /libc\.so|libm\.so|ld-linux/) group = "libc"
                else if (dso ~ /libswift|libFoundation|libdispatch|libBlocksRuntime/) group = "swift-runtime"
                else group = "own"
                sum[group] += share
            }
            END {
                for (g in sum) printf " %s %.0f us (%.0f%%)", g, us * sum[g] / 100, sum[g]
                printf "\n"
            }'
    done
done
