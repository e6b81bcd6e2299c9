#!/usr/bin/env bash
# Benchmark: `emqxctl config check` wall time on the seed guide's full SSL listener example,
# process start and preflight included (goal: at most 50 ms), and the HOCON parser's
# throughput on a large generated config.
#
#   Benchmarks/config-check.sh [runs]        (default 50)
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-50}
swift build -c release --product emqxctl >/dev/null
emqxctl="$(swift build -c release --show-bin-path)/emqxctl"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$emqxctl" cert gen --out etc/certs 2>/dev/null

# The guide's "TLS Authentication" block, verbatim.
cat >etc/emqx.conf <<'CONF'
listeners.ssl.default {
  bind = "0.0.0.0:8883"

  access_rules = [
    "allow all"
  ]

  proxy_protocol = false
  proxy_protocol_timeout = 3s

  ssl_options.keyfile = "etc/certs/key.pem"
  ssl_options.certfile = "etc/certs/cert.pem"
  ssl_options.cacertfile = "etc/certs/cacert.pem"

  # to verify client certs
  ssl_options.verify = verify_peer

  ssl_options.versions = ["tlsv1.3", "tlsv1.2", "tlsv1.1", "tlsv1"]
  tcp_options.backlog = 1024
  tcp_options.buffer = 4KB
}
CONF

"$emqxctl" config check etc/emqx.conf >/dev/null 2>&1 # warm the page cache
times=()
for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    "$emqxctl" config check etc/emqx.conf >/dev/null 2>&1
    times+=($((($(date +%s%N) - start) / 1000)))
done
printf '%s\n' "${times[@]}" | sort -n | awk -v runs="$runs" '
    { t[NR] = $1 }
    END { printf "config check, seed SSL example, %d runs: median %.1f ms (min %.1f, max %.1f); goal <= 50 ms\n",
          runs, t[int((NR + 1) / 2)] / 1000, t[1] / 1000, t[NR] / 1000 }'

# A large config: 20,000 rule-like objects under a root emqxctl parses but does not model,
# so the time is the lexer, parser and resolver.
python3 - >big.conf <<'PY'
import random
random.seed(7)
print("node.name = \"emqx@127.0.0.1\"")
print("rule_engine.rules {")
for i in range(20000):
    print(f'  rule_{i} {{ sql = "SELECT * FROM \\"t/{i}/#\\"", enable = true, actions = ["republish", "console"],')
    print(f'    metadata {{ created_at = {1700000000 + i}, note = "rule number {i} with some text" }} }}')
print("}")
PY
size=$(stat -c %s big.conf)
best=""
for ((i = 0; i < 5; i++)); do
    start=$(date +%s%N)
    "$emqxctl" config show --no-env big.conf >/dev/null 2>&1 || true
    elapsed=$(($(date +%s%N) - start))
    if [ -z "$best" ] || [ "$elapsed" -lt "$best" ]; then best=$elapsed; fi
done
awk -v size="$size" -v ns="$best" 'BEGIN {
    printf "parse + resolve + print of a %.1f MB config: %.0f ms (best of 5), %.1f MB/s\n", size / 1e6, ns / 1e6, size / 1e6 / (ns / 1e9) }'
