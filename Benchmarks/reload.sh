#!/usr/bin/env bash
# Benchmark: reload cost and what a reload does to traffic (../shared/notes/benchmarking.md:
# broker on core 0, clients on core 1).
#
# 1. Reload time with 0 and with N connected TLS clients (verify_peer, a client certificate
#    each), against a cold `config check` of the same config (the preflight a reload runs,
#    plus its process start): the goal is a reload no slower than the cold check.
#    With --enforce every connected client is judged by the trust in force (a chain
#    verification each): its time is reported beside.
# 2. A 1 kHz QoS 1 stream's p50/p99 latency quiet, and while `emqxctl reload` runs every
#    0.5 s: the goal is a p99 rise under 10 ms.
#
#   Benchmarks/reload.sh [clients] [seconds]     (defaults 10000, 10)
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh

clients=${1:-10000}
seconds=${2:-10}
# The broker and the holder each need a descriptor per client.
if [ "$(ulimit -n)" -lt $((clients + 256)) ]; then ulimit -n "$(ulimit -Hn)"; fi
[ "$(ulimit -n)" -ge $((clients + 256)) ] || { echo "open-file limit $(ulimit -n) is below $clients clients" >&2; exit 1; }
swift build -c release --product emqxctl >/dev/null
emqxctl="$(swift build -c release --show-bin-path)/emqxctl"
work=$(mktemp -d)
broker_pid=""
holder_pid=""
trap 'exec 7>&- 2>/dev/null || true; kill "$holder_pid" 2>/dev/null || true; stop_broker; rm -rf "$work"' EXIT

"$emqxctl" cert gen --key-type ec-p256 --out "$work/certs" >/dev/null 2>&1
port=$((20000 + RANDOM % 6000))
admin=$((port + 6000))
cat >"$work/emqx.conf" <<CONF
listeners.tcp.default = marked_for_deletion
listeners.ssl.default {
  bind = "127.0.0.1:$port"
  tcp_options.backlog = 4096
  ssl_options {
    certfile = "$work/certs/cert.pem", keyfile = "$work/certs/key.pem", cacertfile = "$work/certs/cacert.pem"
    verify = verify_peer, fail_if_no_peer_cert = true
  }
}
authorization { no_match = allow, sources = [] }
dashboard.listeners.http.bind = $admin
CONF
cd "$work"
taskset -c 0 "$emqxctl" serve --config emqx.conf --no-watch --log-level notice >broker.log 2>&1 &
broker_pid=$!
wait_for_port "$port" emqxctl || { cat broker.log >&2; exit 1; }
wait_for_port "$admin" admin

reload() { # prints the reload's own figure (ms), as serve measured it
    taskset -c 1 "$emqxctl" reload --url "http://127.0.0.1:$admin" "$@" | grep -oE 'in [0-9]+ ms' | grep -oE '[0-9]+' || echo "?"
}
best_of() { # N COMMAND…: the lowest of N runs' wall-clock ms
    local n=$1 best=""
    shift
    for _ in $(seq "$n"); do
        local start end
        start=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        end=$(date +%s%N)
        local ms=$(((end - start) / 1000000))
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    echo "$best"
}

cold=$(best_of 5 taskset -c 1 "$emqxctl" config check emqx.conf)
empty=$(for _ in 1 2 3 4 5; do reload; done | sort -n | head -1)

exec 7> >(taskset -c 1 python3 "$OLDPWD/Benchmarks/hold_tls.py" "$port" "$clients" certs/cacert.pem certs/client-cert.pem certs/client-key.pem >holder.out 2>&1)
holder_pid=$!
for _ in $(seq 600); do grep -q '^held' holder.out 2>/dev/null && break; sleep 0.5; done
grep -q '^held' holder.out || { echo "the holder did not connect $clients clients:" >&2; cat holder.out >&2; exit 1; }
loaded=$(for _ in 1 2 3 4 5; do reload; done | sort -n | head -1)
enforced=$(reload --enforce)
echo "reload, best of 5 (serve's own figure): ${empty} ms with no clients, ${loaded} ms with $clients TLS clients connected"
echo "reload --enforce, every client judged again: ${enforced} ms with $clients clients"
echo "cold config check (preflight + process start), best of 5: ${cold} ms"
echo "broker RSS with $clients clients: $(rss_kb "$broker_pid") kB"
exec 7>&-
sleep 1
cat holder.out | tail -1

stream() { # PHASE [reload]: a 1 kHz QoS 1 stream for $seconds, with its latency
    taskset -c 1 "$emqxctl" bench sub --port "$port" --qos 1 --topic 'lat/%i' --duration "$((seconds + 3))" \
        --cafile certs/cacert.pem --servername localhost --cert certs/client-cert.pem --key certs/client-key.pem >sub.out &
    local sub_pid=$!
    sleep 2
    local reloads=0
    if [ "${2:-}" = reload ]; then
        (for _ in $(seq $((seconds * 2))); do reload >/dev/null; sleep 0.5; done) &
        reloads=$!
    fi
    taskset -c 1 "$emqxctl" bench pub --port "$port" --qos 1 --topic 'lat/%i' --rate 1000 --duration "$seconds" \
        --cafile certs/cacert.pem --servername localhost --cert certs/client-cert.pem --key certs/client-key.pem >/dev/null
    [ "$reloads" = 0 ] || wait "$reloads"
    wait "$sub_pid"
    printf 'QoS 1 at 1 kHz, %-10s %s\n' "$1:" "$(grep -oE '[0-9]+ received|p50 [0-9.]+ ms, p99 [0-9.]+ ms' sub.out | paste -sd' ' -)"
}
stream quiet
before=$(grep -c 'reload applied' broker.log)
stream reloading reload
echo "reloads applied during the stream: $(($(grep -c 'reload applied' broker.log) - before))"
