#!/usr/bin/env bash
# Benchmark: `emqxctl psk import` against the sqlite3 CLI's `.import` of the same file, in the
# same run, and peak RSS at two file sizes.
#
#   Benchmarks/psk-import.sh [lines] [big-lines]     (default 1000000 and 10000000)
#
# The file: `identity:64-hex` lines with sorted identities (the anchor in the team's
# benchmarking notes). sqlite3 loads it into psk(identity TEXT PRIMARY KEY, secret TEXT) in
# one transaction, with the same WAL/synchronous=NORMAL settings; emqxctl imports it with full
# validation into its own schema (identity, secret, times, source, import serial), also in one
# transaction. Goal: emqxctl at least 1.0x sqlite3's rows/s; peak RSS at most 50 MB and flat.
# Needs GNU time (/usr/bin/time) and sqlite3.
set -euo pipefail
cd "$(dirname "$0")/.."

lines=${1:-1000000}
big=${2:-10000000}
swift build -c release --product emqxctl >/dev/null
emqxctl="$(swift build -c release --show-bin-path)/emqxctl"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

generate() { # $1 = lines, $2 = file
    python3 - "$1" "$2" <<'PY'
import os, sys
count, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as out:
    for i in range(count):
        out.write(f"device-{i:09d}:{os.urandom(32).hex()}\n")
PY
}

measure() { # runs "$@" under GNU time; prints "seconds peak-kB"
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
    cat "$work/time"
}

generate "$lines" "$work/init.psk"
echo "file: $lines lines, $(($(stat -c %s "$work/init.psk") / 1000000)) MB"
for run in 1 2 3; do
    rm -f "$work"/*.db*
    read -r sqlite_s sqlite_kb < <(measure sqlite3 "$work/anchor.db" \
        "PRAGMA journal_mode=WAL;" "PRAGMA synchronous=NORMAL;" \
        "CREATE TABLE psk(identity TEXT PRIMARY KEY, secret TEXT);" \
        ".separator :" ".import $work/init.psk psk")
    read -r ours_s ours_kb < <(measure "$emqxctl" psk import "$work/init.psk" --db "$work/ours.db")
    awk -v run="$run" -v n="$lines" -v a="$ours_s" -v b="$sqlite_s" -v ra="$ours_kb" -v rb="$sqlite_kb" 'BEGIN {
        printf "run %d: emqxctl %.2f s (%.0f rows/s, peak %.1f MB) | sqlite3 .import %.2f s (%.0f rows/s, peak %.1f MB) | ratio %.2fx\n",
            run, a, n / a, ra / 1024, b, n / b, rb / 1024, b / a }'
done

generate "$big" "$work/big.psk"
rm -f "$work"/*.db*
read -r big_s big_kb < <(measure "$emqxctl" psk import "$work/big.psk" --db "$work/big.db")
awk -v n="$big" -v s="$big_s" -v kb="$big_kb" 'BEGIN {
    printf "emqxctl, %d lines: %.1f s (%.0f rows/s), peak RSS %.1f MB\n", n, s, n / s, kb / 1024 }'
