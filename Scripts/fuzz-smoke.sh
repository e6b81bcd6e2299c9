#!/usr/bin/env bash
# Builds the fuzz package (FuzzTesting/) with libFuzzer and AddressSanitizer, replays every
# saved failure input once, and fuzzes each target briefly from them. CI runs it so that the
# fuzz targets keep building against the library products they drive.
#
#   Scripts/fuzz-smoke.sh            # build, replay FailCases, 10 s of fuzzing per target
#   FUZZ_SECONDS=300 Scripts/fuzz-smoke.sh
set -euo pipefail
cd "$(dirname "$0")/../FuzzTesting"
seconds="${FUZZ_SECONDS:-10}"

# A debug build: it checks what a release build checks, in a fraction of the time.
swift build -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
bin="$(swift build --show-bin-path -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)"

corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
for target in FuzzHOCONParser:HOCON FuzzMQTTDecoder:MQTT FuzzUserImportFile:Users FuzzACLFile:ACL FuzzProxyHeader:Proxy; do
    name="${target%%:*}"
    cases="FailCases/${target##*:}"
    echo "fuzz: $name replays $cases"
    "$bin/$name" "$cases"/*
    mkdir -p "$corpus/$name"
    echo "fuzz: $name for ${seconds} s"
    "$bin/$name" -max_total_time="$seconds" -max_len=4096 -print_final_stats=0 "$corpus/$name" "$cases" 2>&1 | tail -n 3
done
