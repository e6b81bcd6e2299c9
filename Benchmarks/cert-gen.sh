#!/usr/bin/env bash
# Benchmark: `emqxctl cert gen` against the openssl commands that write the same files
# (a CA, a server pair and a client pair, with the same extensions), per key type.
#
#   Benchmarks/cert-gen.sh [iterations]       (default 20; RSA-3072/4096 use a quarter)
#
# Both sides run the same number of times in the same run, alternating, so machine noise
# hits both. Prints the total wall time of each side and the ratio emqxctl / openssl.
# Goal (issue #2): ratio <= 1.1.
set -euo pipefail
cd "$(dirname "$0")/.."

iterations=${1:-20}
swift build -c release --product emqxctl >/dev/null
emqxctl="$(swift build -c release --show-bin-path)/emqxctl"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/server.ext" <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
EXT
sed -e 's/serverAuth/clientAuth/' -e '/subjectAltName/d' "$work/server.ext" >"$work/client.ext"

# The openssl side: one `req -x509` for the CA, then `req` + `x509 -req` per leaf.
openssl_pki() { # $1 = folder, $2.. = key options for genpkey/req -newkey
    local out=$1; shift
    mkdir -p "$out"
    openssl req -x509 -newkey "$@" -nodes -keyout "$out/cakey.pem" -out "$out/cacert.pem" \
        -subj "/CN=emqxctl Root CA" -days 3650 -sha256 \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    for leaf in server client; do
        local cert=cert.pem key=key.pem
        [ "$leaf" = client ] && cert=client-cert.pem key=client-key.pem
        openssl req -new -newkey "$@" -nodes -keyout "$out/$key" -out "$out/$leaf.csr" -subj "/CN=$leaf" 2>/dev/null
        openssl x509 -req -in "$out/$leaf.csr" -CA "$out/cacert.pem" -CAkey "$out/cakey.pem" -CAcreateserial \
            -days 825 -sha256 -extfile "$work/$leaf.ext" -out "$out/$cert" 2>/dev/null
    done
}

now() { date +%s%N; }

printf '%-10s %6s %14s %14s %8s\n' "key type" "runs" "emqxctl (ms)" "openssl (ms)" "ratio"
for type in ec-p256 ec-p384 ed25519 rsa-2048 rsa-3072 rsa-4096; do
    case $type in
        ec-p256) key=(ec -pkeyopt ec_paramgen_curve:P-256) ;;
        ec-p384) key=(ec -pkeyopt ec_paramgen_curve:P-384) ;;
        ed25519) key=(ed25519) ;;
        rsa-2048) key=(rsa:2048) ;;
        rsa-3072) key=(rsa:3072) ;;
        rsa-4096) key=(rsa:4096) ;;
    esac
    runs=$iterations
    case $type in rsa-3072 | rsa-4096) runs=$(((iterations + 3) / 4)) ;; esac
    ours=0 theirs=0
    for ((i = 0; i < runs; i++)); do
        start=$(now)
        "$emqxctl" cert gen --out "$work/ours" --key-type "$type" --san localhost --san 127.0.0.1 --san ::1 --force 2>/dev/null
        ours=$((ours + $(now) - start))
        start=$(now)
        openssl_pki "$work/theirs" "${key[@]}"
        theirs=$((theirs + $(now) - start))
        rm -rf "$work/ours" "$work/theirs"
    done
    awk -v t="$type" -v r="$runs" -v a="$ours" -v b="$theirs" \
        'BEGIN { printf "%-10s %6d %14.1f %14.1f %8.2f\n", t, r, a / 1e6, b / 1e6, a / b }'
done
