#!/usr/bin/env bash
# Benchmark: durable sessions and retained messages on disc, `emqxctl serve` against mosquitto
# with `persistence true`, in one run (../shared/notes/benchmarking.md: broker on core 0, the
# generator on core 1).
#
#   Benchmarks/persistence.sh [seconds-per-case] [kills]      (defaults 5 and 100)
#   ONLY=commit_floor | messages | restart | crashes   one part (after the commit floor)
#
# 1. QoS 1, 4->4, 64 B, into durable subscribers (clean start off, expiry 3600): emqxctl with
#    session_persistence off (sessions in memory), on (every message acknowledged only once
#    it is on disk, fsynced), and mosquitto with persistence true (saved every
#    autosave_interval). msgs/s and the subscriber's p50/p99 latency.
# 2. Restart time with 100,000 retained messages and 10,000 durable sessions: SIGTERM, then
#    from exec until the listener accepts.
# 0. The floor: what one fsynced commit costs on this disk.
# 3. kill -9 at random moments, KILLS times, under a QoS 1 load (Tests/EmqxCtlTests/Clients/
#    durability_load.py): acknowledged messages lost. mosquitto runs with autosave_interval 1,
#    its most frequent save.
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh

seconds=${1:-5}
kills=${2:-100}
swift build -c release --product emqxctl >/dev/null
emqxctl="$(swift build -c release --show-bin-path)/emqxctl"
work=$(mktemp -d)
broker_pid=""
trap 'stop_broker; rm -rf "$work"' EXIT

config() { # BROKER PORT [durable]: writes the broker's config, prints its command
    if [ "$1" = mosquitto ]; then
        printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location %s/\nautosave_interval 1\nmax_queued_messages 1000\nmax_inflight_messages 32\nset_tcp_nodelay true\nlog_dest none\nuser %s\n' \
            "$2" "$work" "$(id -un)" >"$work/mosquitto.conf"
        echo "mosquitto -c $work/mosquitto.conf"
    else
        printf 'listeners.tcp.default.bind = "127.0.0.1:%s"\nlisteners.ssl.default = marked_for_deletion\nsession_persistence.enable = %s\nretainer.backend.storage_type = %s\n' \
            "$2" "${3:-false}" "$([ "${3:-false}" = true ] && echo disc || echo ram)" >"$work/emqx.conf"
        echo "$emqxctl serve --config $work/emqx.conf --broker-db $work/broker.db --threads 1 --log-level warning"
    fi
}

start() { # COMMAND PORT NAME
    # shellcheck disable=SC2086
    taskset -c 0 $1 >>"$work/broker.log" 2>&1 &
    broker_pid=$!
    wait_for_port "$2" "$3" || { cat "$work/broker.log" >&2; exit 1; }
}

messages() { # LABEL COMMAND PORT
    start "$2" "$3" "$1"
    taskset -c 1 "$emqxctl" bench sub --port "$3" --clients 4 --qos 1 --topic 'p/%i' --session-expiry 3600 \
        --duration "$((seconds + 2))" >"$work/sub.out" &
    local sub_pid=$!
    sleep 0.7
    local before after
    before=$(cpu_ticks "$broker_pid")
    taskset -c 1 "$emqxctl" bench pub --port "$3" --clients 4 --qos 1 --size 64 --topic 'p/%i' --duration "$seconds" >"$work/pub.out"
    after=$(cpu_ticks "$broker_pid")
    wait "$sub_pid"
    stop_broker
    local acked received latency
    acked=$(sed -E 's/.*, ([0-9]+) acknowledged.*/\1/' "$work/pub.out")
    received=$(sed -E 's/.*: ([0-9]+) received.*/\1/' "$work/sub.out")
    latency=$(grep -oE 'p50 [0-9.]+ ms, p99 [0-9.]+ ms' "$work/sub.out" || echo "-")
    awk -v b="$1" -v a="$acked" -v r="$received" -v t="$((after - before))" -v hz="$ticks" -v s="$seconds" -v l="$latency" 'BEGIN {
        printf "%-26s QoS 1 4->4 durable subscribers: %7.0f msg/s acknowledged, %7.0f delivered, broker %.1f us/msg, latency %s\n",
            b, a / s, r / s, (a > 0 ? (t / hz) * 1e6 / a : 0), l }'
}

restart() { # LABEL COMMAND PORT
    rm -rf "$work"/broker.db* "$work"/mosquitto.db
    start "$2" "$3" "$1"
    taskset -c 1 "$emqxctl" bench sub --port "$3" --clients 10000 --qos 1 --topic 's/%i' --session-expiry 86400 --duration 4 \
        >/dev/null 2>&1 || true
    taskset -c 1 python3 Benchmarks/retained_fill.py "$3" 100000
    sleep 1.5  # mosquitto's autosave; emqxctl has it all on disk already
    stop_broker
    local size begin end
    size=$({ du -sk "$work"/broker.db* "$work"/mosquitto.db 2>/dev/null || true; } | awk '{ s += $1 } END { print s + 0 }')
    begin=$(date +%s%N)
    start "$2" "$3" "$1"
    end=$(date +%s%N)
    local rss
    rss=$(rss_kb "$broker_pid")
    stop_broker
    awk -v b="$1" -v ms="$(((end - begin) / 1000000))" -v kb="$size" -v rss="$rss" 'BEGIN {
        printf "%-26s restart with 100,000 retained and 10,000 sessions: %5d ms to accept, store %.1f MB, RSS %.0f MB\n", b, ms, kb / 1024, rss / 1024 }'
}

crashes() { # LABEL COMMAND PORT
    rm -rf "$work"/broker.db* "$work"/mosquitto.db
    # shellcheck disable=SC2086
    python3 Tests/EmqxCtlTests/Clients/durability_load.py --port "$3" --kills "$kills" --cwd "$work" --allow-loss --seed 1 -- $2 |
        grep -E '^RESULT' | sed "s/^RESULT/$(printf '%-26s' "$1") kill -9 x$kills:/"
}

# The floor under an acknowledgement that waits for its commit: one fsynced SQLite commit in
# WAL mode, where the store lives (and, for comparison, the same without the fsync).
commit_floor() {
    python3 - "$work/floor.db" <<'PY'
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, b BLOB)")
for mode in ["FULL", "NORMAL"]:
    connection.execute(f"PRAGMA synchronous={mode}")
    count, start = 300, time.perf_counter()
    for index in range(count):
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT OR REPLACE INTO t VALUES (?, ?)", (index, b"x" * 64))
        connection.execute("COMMIT")
    each = (time.perf_counter() - start) / count
    print(f"one-row SQLite commit, WAL, synchronous={mode}: {each * 1e6:.0f} us"
          + (f"; 4 publishers x 32 in flight waiting for it: at most {128 / each / 1000:.0f}k msg/s" if mode == "FULL" else ""))
PY
}

port=$((20000 + RANDOM % 10000))
commit_floor
[ "${ONLY:-}" = commit_floor ] && exit 0
[ -n "${ONLY:-}" ] && { "$ONLY" "emqxctl, durable" "$(config emqxctl "$port" true)" "$port"; "$ONLY" "mosquitto, persistence true" "$(config mosquitto "$port")" "$port"; exit; }
messages "emqxctl, sessions in memory" "$(config emqxctl "$port" false)" "$port"
messages "emqxctl, durable sessions" "$(config emqxctl "$port" true)" "$port"
messages "mosquitto, persistence true" "$(config mosquitto "$port")" "$port"
restart "emqxctl, durable" "$(config emqxctl "$port" true)" "$port"
restart "mosquitto, persistence true" "$(config mosquitto "$port")" "$port"
crashes "emqxctl, durable" "$(config emqxctl "$port" true)" "$port"
crashes "mosquitto, persistence true" "$(config mosquitto "$port")" "$port"
