# The TLS brokers the TLS benchmarks compare, configured alike; sourced, not run. Needs
# $work, $emqxctl (the load generator) and $broker_bin (the emqxctl that serves) set, and
# common.sh sourced. Makes an ECDSA and an RSA PKI and a PSK under $work, and gives:
#   start_broker BROKER PORT CASE   emqxctl, floor or mosquitto on $broker_cpus (default
#                                   core 0; emqxctl with $broker_threads event loops, default
#                                   1, and $broker_flags; floor is `emqxctl bench floor` on
#                                   emqxctl's config: the listener's TLS and a fixed CONNACK,
#                                   no broker behind it);
#                                   CASE is ec13 (ECDSA P-256,
#                                   TLS 1.3), ec13n (the same, emqxctl without tickets),
#                                   rsa12 (RSA-2048, TLS 1.2) or psk12 (PSK, TLS 1.2)
#   client_tls CASE                 the matching `emqxctl bench` TLS options

"$emqxctl" cert gen --key-type ec-p256 --out "$work/ec" >/dev/null 2>&1
"$emqxctl" cert gen --key-type rsa-2048 --out "$work/rsa" >/dev/null 2>&1
psk_key=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf 'bench:%s\n' "$psk_key" >"$work/psk.txt"

# start_broker BROKER PORT CASE: CASE is ec13, ec13n, rsa12 or psk12.
start_broker() {
    local pki=$work/ec versions='["tlsv1.3"]' ciphers="" psk="" tickets=""
    case $3 in
    ec13n) tickets=", session_tickets = disabled" ;;
    rsa12) pki=$work/rsa versions='["tlsv1.2"]' ciphers=ECDHE-RSA-AES128-GCM-SHA256 ;;
    psk12) versions='["tlsv1.2"]' ciphers=PSK-AES128-GCM-SHA256 psk=1 ;;
    esac
    if [ "$1" = emqxctl ] || [ "$1" = floor ]; then
        {
            echo 'listeners.tcp.default = marked_for_deletion'
            [ -n "$psk" ] && echo "psk_authentication { enable = true, init_file = \"$work/psk.txt\", secret_encoding = hex }"
            echo "listeners.ssl.default { bind = \"127.0.0.1:$2\", max_connections = 10000, tcp_options.backlog = 4096"
            echo "  ssl_options { certfile = \"$pki/cert.pem\", keyfile = \"$pki/key.pem\", cacertfile = \"$pki/cacert.pem\""
            echo "    versions = $versions${ciphers:+, ciphers = \"$ciphers\"}$tickets } }"
        } >"$work/$1.$2.conf"
        rm -f "$work/$1.$2.psk.db"*
        if [ "$1" = floor ]; then
            taskset -c "${broker_cpus:-0}" "$broker_bin" bench floor --config "$work/$1.$2.conf" --psk-db "$work/$1.$2.psk.db" \
                >"$work/$1.log" 2>&1 &
        else
            taskset -c "${broker_cpus:-0}" "$broker_bin" serve --config "$work/$1.$2.conf" --psk-db "$work/$1.$2.psk.db" \
                --threads "${broker_threads:-1}" ${broker_flags:-} --log-level warning >"$work/$1.log" 2>&1 &
        fi
    else
        {
            echo "listener $2 127.0.0.1"
            echo "allow_anonymous true"
            echo "persistence false"
            echo "set_tcp_nodelay true"
            echo "max_queued_messages 1000"
            echo "max_inflight_messages 32"
            echo "max_connections -1"
            echo "log_dest none"
            # As root mosquitto drops to user "mosquitto", which cannot read the 0600 keys.
            echo "user $(id -un)"
            if [ -n "$psk" ]; then
                echo "psk_hint emqxctl-bench"
                echo "psk_file $work/psk.txt"
            else
                echo "certfile $pki/cert.pem"
                echo "keyfile $pki/key.pem"
                echo "cafile $pki/cacert.pem"
            fi
            echo "tls_version ${versions:2:7}"
            [ -n "$ciphers" ] && echo "ciphers $ciphers"
        } >"$work/mosquitto.conf"
        taskset -c "${broker_cpus:-0}" mosquitto -c "$work/mosquitto.conf" >"$work/$1.log" 2>&1 &
    fi
    broker_pid=$!
    wait_for_port "$2" "$1" || { cat "$work/$1.log" >&2; exit 1; }
}

client_tls() { # the bench TLS options for CASE $1
    case $1 in
    ec13 | ec13n) echo "--cafile $work/ec/cacert.pem --servername localhost --tls-version tlsv1.3" ;;
    rsa12) echo "--cafile $work/rsa/cacert.pem --servername localhost --tls-version tlsv1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256" ;;
    psk12) echo "--psk-identity bench --psk $psk_key --tls-version tlsv1.2 --ciphers PSK-AES128-GCM-SHA256" ;;
    esac
}

