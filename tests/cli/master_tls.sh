#!/usr/bin/env bash
# TLS between dnp3-master and dnp3-outstation, certificates made here with the
# openssl command (a CA, a server certificate for 127.0.0.1/localhost, a client
# certificate, an expired and a not-yet-valid one, one from another CA, an
# encrypted key): polls over TLS 1.2 and 1.3 with points, the recording is the
# plaintext DNP3 and checks clean, mutual authentication, and every failure
# refused with its named cause and exit status 3: unknown CA, name mismatch,
# expired, not yet valid, no client certificate, no version in common, a plain
# TCP port, a wrong key password; the socket loop's sessions over TLS; dial-in over TLS (outstation --connect to
# master --listen), with and without the client certificate the master requires.
# Usage: master_tls.sh BUILD_DIR SOURCE_DIR   (exit 77: skipped)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cli_setup "$1" cmd:openssl

# ---- certificates ----
cd "$tmp" || exit 1
EC=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
ca() { openssl req -x509 "${EC[@]}" -nodes -keyout "$1.key" -out "$1.pem" -days 3 -subj "/CN=$2" 2>/dev/null; }
# sign NAME CA SUBJECT SAN|"" START END: a leaf certificate with these validity dates
sign() {
    openssl req "${EC[@]}" -nodes -keyout "$1.key" -out "$1.csr" -subj "$3" 2>/dev/null || return 1
    printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s\nnew_certs_dir=%s\nserial=%s\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n[x]\nbasicConstraints=CA:FALSE\n%s\n' \
        "$tmp/$1.idx" "$tmp" "$tmp/$1.srl" "${4:+subjectAltName=$4}" > "$1.cnf"
    : > "$1.idx"; echo 01 > "$1.srl"
    openssl ca -batch -notext -config "$1.cnf" -cert "$2.pem" -keyfile "$2.key" -in "$1.csr" -out "$1.pem" \
        -extensions x -startdate "$5" -enddate "$6" 2>/dev/null
}
past=$(date -u -d '-1 day' +%Y%m%d%H%M%SZ); later=$(date -u -d '+2 days' +%Y%m%d%H%M%SZ)
SAN="DNS:localhost,IP:127.0.0.1"
{ ca ca "dnp3kit test CA" && ca ca2 "another CA" &&
  sign server ca /CN=localhost "$SAN" "$past" "$later" &&
  sign client ca "/CN=dnp3kit master" "" "$past" "$later" &&
  sign expired ca /CN=localhost "$SAN" 20200101000000Z 20200102000000Z &&
  sign future ca /CN=localhost "$SAN" 20990101000000Z 20990102000000Z &&
  sign other ca2 /CN=localhost "$SAN" "$past" "$later" &&
  openssl pkey -in client.key -aes256 -passout pass:right -out client-enc.key 2>/dev/null &&
  echo wrong > wrong.pw && echo right > right.pw; } || { echo "FAIL: making the certificates"; exit 1; }

# serve ARGS...: a TLS outstation on a free port ($port), stderr in os.log
serve() {
    [ -n "$server_pid" ] && { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; }
    start_server os.log "$OS" --port 0 --binary-inputs 3 --analog-inputs 2 --set ai.1=42 "$@" ||
        FAILM "outstation $* did not start: $(cat os.log)"
}
# m ARGS...: the master against it; exit status in $rc, output in out/err
m() { timeout 60 "$M" --tcp "127.0.0.1:$port" --retries 0 --timeout 3000 --connect-timeout 3000 "$@" \
        > out 2> err < /dev/null; rc=$?; }
# refused WHAT REGEX: the last m failed with exit 3 and REGEX on stderr
refused() {
    [ "$rc" = 3 ] || FAILM "$1: exit $rc, want 3 ($(head -2 err))"
    grep -Eq -- "$2" err || FAILM "$1: stderr lacks /$2/: $(cat err)"
}
has_points() { grep -Eq "^ai +1 +42 " out && grep -q "points in" out || FAILM "$1: no ai 1 = 42 in: $(head -5 out)"; }

# ---- TLS 1.3 and 1.2, the recording ----
serve --tls --tls-cert server.pem --tls-key server.key
m --tls-ca ca.pem --tls-min-version 1.3 --pcap tls13.pcap poll
[ "$rc" = 0 ] || FAILM "poll over TLS 1.3: exit $rc: $(cat err)"
has_points "TLS 1.3"
grep -q 'tls: TLSv1.3 ' err || FAILM "TLS 1.3 not reported: $(cat err)"
wait_for_line os.log 'tls: TLSv1\.3 .* with 127\.0\.0\.1:' 5 || FAILM "outstation did not report TLS 1.3: $(cat os.log)"
if [ -x "$PCAP" ]; then
    # the recording holds the plaintext DNP3 as if on TCP, on the TLS port
    "$PCAP" check -p "$port" tls13.pcap > check.out 2>&1 || FAILM "recording of a TLS poll does not check clean: $(cat check.out)"
    "$PCAP" decode -p "$port" tls13.pcap > decode.out 2>&1 || FAILM "recording does not decode: $(head -3 decode.out)"
    grep -q 'RESPONSE' decode.out || FAILM "no RESPONSE decoded from the TLS recording: $(head -5 decode.out)"
fi
m --tls-ca ca.pem --tls-max-version 1.2 --tls-name localhost poll
[ "$rc" = 0 ] || FAILM "poll over TLS 1.2 (name localhost): exit $rc: $(cat err)"
has_points "TLS 1.2"
grep -q 'tls: TLSv1.2 ' err || FAILM "TLS 1.2 not reported: $(cat err)"
m --tls-ca ca.pem --tls-max-version 1.2 --tls-ciphers ECDHE-ECDSA-AES128-GCM-SHA256 poll
grep -q 'TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256' err || FAILM "TLS 1.2 cipher pinning: $(cat err)"
m --tls-ca ca.pem --tls-ciphersuites TLS_CHACHA20_POLY1305_SHA256 poll
grep -q 'TLSv1.3 TLS_CHACHA20_POLY1305_SHA256' err || FAILM "TLS 1.3 suite pinning: $(cat err)"

# the socket loop over TLS (the library's many-session path): 3 sessions, each connected and polling
BENCH="$BUILD/tests/master/dnp3-master-bench"
if [ -x "$BENCH" ]; then
    serve --tls --tls-cert server.pem --tls-key server.key --count 3
    DNP3KIT_BENCH_TLS_CA=ca.pem timeout 30 "$BENCH" scale "$port" 3 0.5 > bench.out 2>&1
    grep -Eq '^3 sessions in one thread \(3 connected\): [1-9][0-9]* integrity polls/s .*, 0 errors' bench.out ||
        FAILM "socket loop over TLS: $(cat bench.out)"
    wait_for_line os.log 'tls: TLSv1\.3 .*' 5 || FAILM "socket loop: no TLS handshake at the outstation"
fi

# ---- the server's certificate refused ----
m --tls-ca ca2.pem poll
refused "another CA" "cannot connect to 127\.0\.0\.1:$port: TLS: the server certificate is not from a trusted CA \(unknown CA"
m --tls-ca ca.pem --tls-name scada.example poll
refused "name mismatch" "TLS: the server certificate does not name 'scada\.example' \(name mismatch"
serve --tls --tls-cert expired.pem --tls-key expired.key
m --tls-ca ca.pem poll
refused "expired" "TLS: the server certificate has expired \(not valid after 2020-01-02 00:00:00 UTC\)"
serve --tls --tls-cert future.pem --tls-key future.key
m --tls-ca ca.pem poll
refused "not yet valid" "TLS: the server certificate is not yet valid \(not before 2099-01-01 00:00:00 UTC\)"
serve --tls --tls-cert other.pem --tls-key other.key
m --tls-ca ca.pem poll
refused "a certificate from another CA" "not from a trusted CA \(unknown CA"

# ---- versions ----
serve --tls --tls-cert server.pem --tls-key server.key --tls-min-version 1.3
m --tls-ca ca.pem --tls-max-version 1.2 poll
refused "1.2 client, 1.3-only server" "TLS: no protocol version in common with the server \(ours: 1\.2 to 1\.2"
wait_for_line os.log 'TLS handshake with 127\.0\.0\.1:[0-9]+ failed: TLS: no protocol version in common with the client' 5 ||
    FAILM "outstation did not name the version mismatch: $(cat os.log)"

# ---- mutual authentication ----
serve --tls --tls-cert server.pem --tls-key server.key --tls-ca ca.pem
m --tls-ca ca.pem --tls-cert client.pem --tls-key client.key poll
[ "$rc" = 0 ] || FAILM "mutual authentication: exit $rc: $(cat err)"
has_points "mutual authentication"
m --tls-ca ca.pem --tls-cert client.pem --tls-key client-enc.key --tls-key-password-file right.pw poll
[ "$rc" = 0 ] || FAILM "encrypted client key with its password: exit $rc: $(cat err)"
m --tls-ca ca.pem --tls-cert client.pem --tls-key client-enc.key --tls-key-password-file wrong.pw poll
refused "wrong key password" "TLS: cannot decrypt private key '.*client-enc\.key': wrong password"
for v in 1.3 1.2; do
    m --tls-ca ca.pem --tls-max-version "$v" poll
    refused "no client certificate (TLS $v)" "TLS: the server requires a client certificate, and none was given"
done
wait_for_line os.log 'TLS handshake with 127\.0\.0\.1:[0-9]+ failed: TLS: the client sent no certificate, and one is required' 5 ||
    FAILM "outstation did not name the missing client certificate: $(cat os.log)"
m --tls-ca ca.pem --tls-cert other.pem --tls-key other.key poll
[ "$rc" = 3 ] || FAILM "client certificate from another CA: exit $rc, want 3"
wait_for_line os.log 'failed: TLS: the client certificate is not from a trusted CA' 5 ||
    FAILM "outstation did not name the untrusted client certificate: $(cat os.log)"

# ---- TLS to a plain TCP port ----
serve
m --tls-ca ca.pem --connect-timeout 1500 poll
refused "plain TCP outstation" "TLS handshake not finished within 1\.500 s"
# ... and a plain TCP master on a TLS port: the outstation names it
serve --tls --tls-cert server.pem --tls-key server.key
timeout 30 "$M" --tcp "127.0.0.1:$port" --retries 0 --timeout 2000 poll > out 2> err < /dev/null; rc=$?
[ "$rc" = 3 ] || FAILM "plain TCP master on a TLS port: exit $rc, want 3"
wait_for_line os.log 'TLS handshake with 127\.0\.0\.1:[0-9]+ failed: TLS: the client does not speak TLS .*a plain TCP port\?' 5 ||
    FAILM "outstation did not name the plain TCP client: $(cat os.log)"

# ---- dial-in over TLS: outstation --connect --tls, master --listen --tls ----
kill "$server_pid"; wait "$server_pid" 2>/dev/null; server_pid=
lport=$(free_port)
"$OS" --connect "127.0.0.1:$lport" --analog-inputs 2 --set ai.1=42 --tls --tls-ca ca.pem --tls-cert client.pem \
    --tls-key client.key 2> dial.log &
dpid=$!
timeout 60 "$M" --listen "127.0.0.1:$lport" --tls --tls-cert server.pem --tls-key server.key --tls-ca ca.pem \
    --retries 0 --timeout 3000 --connect-timeout 15000 poll > out 2> err < /dev/null; rc=$?
[ "$rc" = 0 ] || FAILM "dial-in over TLS: exit $rc: $(cat err)"
has_points "dial-in over TLS"
grep -q 'listen: tls: TLSv1.3 .* with 127.0.0.1:' err || FAILM "dial-in: TLS not reported: $(cat err)"
kill "$dpid"; wait "$dpid" 2>/dev/null
# a dialler without a certificate is refused by the master (which requires one) with the reason
"$OS" --connect "127.0.0.1:$lport" --tls --tls-ca ca.pem 2> dial.log &
dpid=$!
timeout 60 "$M" --listen "127.0.0.1:$lport" --tls --tls-cert server.pem --tls-key server.key --tls-ca ca.pem \
    --retries 0 --timeout 2000 --connect-timeout 2500 poll > out 2> err < /dev/null; rc=$?
[ "$rc" = 3 ] || FAILM "dial-in without a client certificate: exit $rc, want 3"
grep -q 'listen: refused the connection from 127.0.0.1:[0-9]*: TLS: the client sent no certificate, and one is required' err ||
    FAILM "dial-in without a client certificate: reason not logged: $(head -3 err)"
kill "$dpid"; wait "$dpid" 2>/dev/null
# a plain TCP dialler on the master's TLS port: refused with the reason
"$OS" --connect "127.0.0.1:$lport" 2> dial.log &
dpid=$!
timeout 60 "$M" --listen "127.0.0.1:$lport" --tls --tls-cert server.pem --tls-key server.key \
    --retries 0 --timeout 2000 --connect-timeout 2500 poll > out 2> err < /dev/null; rc=$?
[ "$rc" = 3 ] || FAILM "plain TCP dialler on a TLS listener: exit $rc, want 3"
grep -q 'listen: refused the connection from 127.0.0.1:[0-9]*: TLS: the client does not speak TLS' err ||
    FAILM "plain TCP dialler on a TLS listener: reason not logged: $(head -3 err)"
kill "$dpid"; wait "$dpid" 2>/dev/null

# ---- bad settings named ----
m --tls-ca "$tmp/nope.pem" poll
refused "missing CA file" "TLS: cannot use CA file '.*nope\.pem'"
timeout 10 "$M" --listen "127.0.0.1:$lport" --tls poll > out 2> err < /dev/null; rc=$?
[ "$rc" = 2 ] && grep -q 'listening with TLS needs the master.s certificate' err || FAILM "--listen --tls without a certificate: exit $rc: $(cat err)"
timeout 10 "$M" --tls-min-version 1.1 poll > out 2> err < /dev/null; rc=$?
[ "$rc" = 2 ] && grep -q -- '--tls-min-version: 1.2 or 1.3' err || FAILM "--tls-min-version 1.1: exit $rc: $(cat err)"

[ "$fail" = 0 ] && echo "master_tls: all passed"
exit "$fail"
