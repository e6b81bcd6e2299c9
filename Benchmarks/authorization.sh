#!/usr/bin/env bash
# Benchmark: broker CPU per message with authorization, over TLS 1.3 (ECDSA), measured as
# Benchmarks/broker-tls.sh measures messages (../shared/notes/benchmarking.md): broker on
# core 0, `emqxctl bench` on core 1, broker CPU from /proc/PID/stat, 64-byte payloads, 1→1.
#
#   Benchmarks/authorization.sh [seconds-per-case]      (default 5)
#
# Cases, each for QoS 0 and QoS 1:
#   none      authorization with no source and no_match = allow (no rule is walked)
#   cached    a 1,000-rule acl.conf whose matching rule is the last, cache on (EMQX's default)
#   uncached  the same rules, cache.enable = false: every PUBLISH walks all 1,000
# The 999 rules before the match are `{allow, all, publish, ["other/N/#"]}`: each is about the
# client, so each costs a topic comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh

seconds=${1:-5}
swift build -c release --product emqxctl >/dev/null
emqxctl="$(swift build -c release --show-bin-path)/emqxctl"
work=$(mktemp -d)
broker_pid=""
trap 'stop_broker; rm -rf "$work"' EXIT

"$emqxctl" cert gen --key-type ec-p256 --out "$work/ec" >/dev/null 2>&1
{
    for i in $(seq 1 999); do echo "{allow, all, publish, [\"other/$i/#\"]}."; done
    echo '{allow, all, all, ["bench/#"]}.'
} >"$work/acl.conf"

start_broker() { # PORT CASE
    local authorization
    case $2 in
    none) authorization='authorization { sources = [], no_match = allow }' ;;
    cached) authorization="authorization { sources = [{ type = file, path = \"$work/acl.conf\" }], no_match = deny }" ;;
    uncached) authorization="authorization { sources = [{ type = file, path = \"$work/acl.conf\" }], no_match = deny, cache.enable = false }" ;;
    esac
    {
        echo 'listeners.tcp.default = marked_for_deletion'
        echo "listeners.ssl.default { bind = \"127.0.0.1:$1\""
        echo "  ssl_options { certfile = \"$work/ec/cert.pem\", keyfile = \"$work/ec/key.pem\", cacertfile = \"$work/ec/cacert.pem\", versions = [\"tlsv1.3\"] } }"
        echo "$authorization"
    } >"$work/emqx.conf"
    taskset -c 0 "$emqxctl" serve --config "$work/emqx.conf" --log-level warning >"$work/broker.log" 2>&1 &
    broker_pid=$!
    wait_for_port "$1" emqxctl || { cat "$work/broker.log" >&2; exit 1; }
}

tls="--cafile $work/ec/cacert.pem --servername localhost --tls-version tlsv1.3"

messages() { # CASE PORT QOS
    local before after
    # shellcheck disable=SC2086
    taskset -c 1 "$emqxctl" bench sub --port "$2" --qos "$3" --topic 'bench/%i' --duration "$((seconds + 2))" $tls >"$work/sub.out" &
    local sub_pid=$!
    sleep 0.7
    before=$(cpu_ticks "$broker_pid")
    # shellcheck disable=SC2086
    taskset -c 1 "$emqxctl" bench pub --port "$2" --qos "$3" --size 64 --topic 'bench/%i' --duration "$seconds" $tls >"$work/pub.out"
    after=$(cpu_ticks "$broker_pid")
    wait "$sub_pid"
    local published received
    published=$(sed -E 's/.*: ([0-9]+) sent.*/\1/' "$work/pub.out")
    received=$(sed -E 's/.*: ([0-9]+) received.*/\1/' "$work/sub.out")
    awk -v c="$1" -v q="$3" -v p="$published" -v r="$received" -v t="$((after - before))" -v hz="$ticks" -v s="$seconds" 'BEGIN {
        printf "%-9s TLS 1.3 QoS %d 1->1: %7.0f msg/s delivered (%d of %d), broker %5.1f us CPU per message\n",
            c, q, r / s, r, p, (r > 0 ? (t / hz) * 1e6 / r : 0) }'
}

for case in none cached uncached; do
    port=$((20000 + RANDOM % 12000))
    start_broker "$port" "$case"
    messages "$case" "$port" 0
    messages "$case" "$port" 1
    stop_broker
done
