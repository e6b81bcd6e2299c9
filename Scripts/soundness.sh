#!/usr/bin/env bash
# Soundness checks that the compiler does not make: formatting, and the C import fence.
# Run from anywhere; exits non-zero on the first kind of problem found.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0

# 1. Formatting, as .swift-format says (swift-format ships with the toolchain).
if ! swift format lint --strict --recursive Sources Tests FuzzTesting/Sources FuzzTesting/Package.swift Package.swift; then
    echo "soundness: formatting differs; run: swift format format -i -r Sources Tests FuzzTesting/Sources FuzzTesting/Package.swift Package.swift" >&2
    status=1
fi

# 2. C is imported in exactly three places (docs/conventions.md, 2), and never publicly. Only
# the CertTools, Stores and BrokerTLS targets depend on the C modules, so the compiler
# (--explicit-target-dependency-import-check) refuses an import anywhere else; this check
# adds the folder inside Stores, and the rule that C never shows in an interface.
fenced='^Sources/(CertTools/|Stores/SQLite/|BrokerTLS/)'
while IFS= read -r file; do
    if ! [[ "$file" =~ $fenced ]]; then
        echo "soundness: $file imports a C module outside CertTools, Stores/SQLite and BrokerTLS" >&2
        status=1
    fi
done < <(grep -rlE '^\s*(internal |public |package |@_implementationOnly )?import C(OpenSSL|SQLite|Crypt)' Sources --include='*.swift' || true)
if grep -rnE '^\s*(public|package) import C(OpenSSL|SQLite|Crypt)' Sources --include='*.swift'; then
    echo "soundness: C modules must be imported internally" >&2
    status=1
fi

exit $status
