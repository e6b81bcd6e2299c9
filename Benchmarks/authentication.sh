#!/usr/bin/env bash
# Benchmark: CONNECTs per second through `emqxctl serve`'s authentication, against plain
# CONNECT and against mosquitto with a password_file, in the same run
# (../shared/notes/benchmarking.md): broker on core 0, `emqxctl bench conn` (and the HTTP
# backend) on core 1, broker CPU from /proc/PID/stat. Plain TCP, so only authentication and
# MQTT are measured.
#
#   Benchmarks/authentication.sh [seconds-per-case]      (default 5)
#
# Cases (bench conn --concurrency 8: eight CONNECTs in flight, each followed by the next):
#   none       no authentication (the ceiling)
#   sha256     built_in_database, EMQX's default hash (sha256, prefix salt)
#   pbkdf2     built_in_database, pbkdf2 sha256 with 4096 iterations (EMQX's documented example;
#              pbkdf2 has no default)
#   bcrypt     built_in_database, bcrypt with EMQX's default salt_rounds = 10
#   http       the HTTP backend over TLS with a client certificate (verify_peer), against a
#              local asyncio server (auth_backend.py) that answers 204 at once; it reports how
#              many TLS handshakes the pool made for the CONNECTs it served
#   mosquitto  mosquitto 2 with a password_file (mosquitto_passwd: PBKDF2-SHA512, 101 iterations)
# And, for the floors: the hashes themselves, single-threaded, with openssl and Python's bcrypt.
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh

seconds=${1:-5}
swift build -c release --product emqxctl >/dev/null
emqxctl="$(swift build -c release --show-bin-path)/emqxctl"
work=$(mktemp -d)
broker_pid=""
backend_pid=""
trap 'stop_broker; [ -n "$backend_pid" ] && kill "$backend_pid" 2>/dev/null; rm -rf "$work"' EXIT

"$emqxctl" cert gen --out "$work/certs" >/dev/null 2>&1
export BENCH_PASSWORD=bench-password-1

listeners='listeners.ssl.default = marked_for_deletion
listeners.ws.default = marked_for_deletion
listeners.wss.default = marked_for_deletion'

# start_emqxctl PORT CASE
start_emqxctl() {
    local authentication=""
    case $2 in
    sha256) authentication='authentication { mechanism = password_based, backend = built_in_database }' ;;
    pbkdf2) authentication='authentication { mechanism = password_based, backend = built_in_database, password_hash_algorithm { name = pbkdf2, mac_fun = sha256, iterations = 4096 } }' ;;
    bcrypt) authentication='authentication { mechanism = password_based, backend = built_in_database, password_hash_algorithm { name = bcrypt, salt_rounds = 10 } }' ;;
    http)
        authentication="authentication {
          mechanism = password_based, backend = http, method = post, url = \"https://localhost:$3/auth\"
          body { username = \"\${username}\", password = \"\${password}\" }
          ssl { enable = true, verify = verify_peer, cacertfile = \"$work/certs/cacert.pem\"
                certfile = \"$work/certs/client-cert.pem\", keyfile = \"$work/certs/client-key.pem\" }
        }" ;;
    esac
    printf '%s\nlisteners.tcp.default { bind = "127.0.0.1:%s", max_connections = 10000, tcp_options.backlog = 4096 }\n%s\n' \
        "$listeners" "$1" "$authentication" >"$work/emqx.conf"
    rm -f "$work/users.db"*
    if [ "$2" != none ] && [ "$2" != http ]; then
        printf '%s\n' "$BENCH_PASSWORD" | "$emqxctl" user add bench --db "$work/users.db" --config "$work/emqx.conf" 2>/dev/null
    fi
    taskset -c 0 "$emqxctl" serve --config "$work/emqx.conf" --user-db "$work/users.db" --log-level warning >"$work/broker.log" 2>&1 &
    broker_pid=$!
    wait_for_port "$1" emqxctl || { cat "$work/broker.log" >&2; exit 1; }
}

start_mosquitto() { # PORT
    : >"$work/passwd"
    mosquitto_passwd -b "$work/passwd" bench "$BENCH_PASSWORD"
    printf 'listener %s 127.0.0.1\nallow_anonymous false\npassword_file %s\npersistence false\nlog_dest none\nmax_connections -1\nuser %s\n' \
        "$1" "$work/passwd" "$(id -un)" >"$work/mosquitto.conf"
    taskset -c 0 mosquitto -c "$work/mosquitto.conf" >"$work/broker.log" 2>&1 &
    broker_pid=$!
    wait_for_port "$1" mosquitto || { cat "$work/broker.log" >&2; exit 1; }
}

connects() { # LABEL PORT
    local before after line
    taskset -c 1 "$emqxctl" bench conn --port "$2" --duration 1 --concurrency 8 --username bench --password-env BENCH_PASSWORD >/dev/null
    before=$(cpu_ticks "$broker_pid")
    line=$(taskset -c 1 "$emqxctl" bench conn --port "$2" --duration "$seconds" --concurrency 8 --username bench --password-env BENCH_PASSWORD)
    after=$(cpu_ticks "$broker_pid")
    # "conn: 1078 connected, 0 failed in 2.0 s = 539 connections/s"
    echo "$line" | awk -v b="$1" -v t="$((after - before))" -v hz="$ticks" '{
        printf "%-22s %7.0f CONNECT/s (%d connected, %d failed), broker %6.0f us CPU per CONNECT\n",
            b, $10, $2, $4, ($2 > 0 ? (t / hz) * 1e6 / $2 : 0) }'
}

for case in none sha256 pbkdf2 bcrypt http mosquitto; do
    port=$((20000 + RANDOM % 12000)) # below the ephemeral range, which bench's clients use
    if [ "$case" = mosquitto ]; then
        start_mosquitto "$port"
        connects "mosquitto password_file" "$port"
    elif [ "$case" = http ]; then
        backend_port=$((port + 1))
        taskset -c 1 python3 Benchmarks/auth_backend.py "$backend_port" "$work/certs/cert.pem" "$work/certs/key.pem" "$work/certs/cacert.pem" >"$work/backend.out" &
        backend_pid=$!
        for _ in $(seq 100); do grep -q ready "$work/backend.out" 2>/dev/null && break; sleep 0.05; done
        start_emqxctl "$port" http "$backend_port"
        connects "emqxctl http (TLS)" "$port"
        stop_broker
        kill "$backend_pid"
        wait "$backend_pid" 2>/dev/null || true
        backend_pid=""
        echo "  backend: $(tail -1 "$work/backend.out") (pool_size 8; warm-up second included)"
    else
        start_emqxctl "$port" "$case"
        connects "emqxctl $case" "$port"
    fi
    stop_broker
done

echo "floors (one core, one password check each):"
python3 - <<'PY'
import hashlib, time, bcrypt
def rate(f, n):
    start = time.perf_counter()
    for _ in range(n): f()
    return n / (time.perf_counter() - start)
salt = b"e378187547bf2d6f0545a3f441aa4d8a"
print(f"  pbkdf2-sha256 4096 iterations (hashlib/OpenSSL): {rate(lambda: hashlib.pbkdf2_hmac('sha256', b'pw', salt, 4096), 300):8.0f}/s")
print(f"  pbkdf2-sha512 101 iterations (mosquitto's):     {rate(lambda: hashlib.pbkdf2_hmac('sha512', b'pw', salt, 101), 3000):8.0f}/s")
h = bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=10))
print(f"  bcrypt cost 10 (Python bcrypt):                 {rate(lambda: bcrypt.checkpw(b'pw', h), 10):8.0f}/s")
PY
