#!/usr/bin/env bash
# The project's crafted captures: (1) they are exactly what our own generator
# writes (reproducible, nothing imported), (2) each one's expected result
# captures/NAME.expected.json is a check baseline (docs/dnp3-pcap.md,
# Baselines): `check --write-baseline` writes it again byte for byte (every
# finding with frame, flow, layer, severity, detail and link addresses, and
# the summary), and `check --baseline` reading it knows every finding (none
# new, none missing, even with --fail-on info --fail-on-missing),
# (3) the exit code follows --fail-on.
set -euo pipefail
BUILD=$1 SRC=$2
PCAP="$BUILD/pcaptools/dnp3-pcap"
MK="$BUILD/tests/tools/dnp3-mkcaptures"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

"$MK" "$tmp"
for f in "$tmp"/*.pcap; do
    name=$(basename "$f")
    if ! cmp -s "$f" "$SRC/captures/$name"; then
        echo "FAIL: captures/$name differs from what dnp3-mkcaptures writes (regenerate: $MK captures)"
        fail=1
    fi
done
# Live recordings (not reproducible byte for byte): how each one is made.
RECORDED="master_session"   # tests/cli/master_cli.sh with MASTER_SESSION_OUT (dnp3-master <-> dnp3-outstation)
for f in "$SRC"/captures/*.pcap; do
    name=$(basename "$f" .pcap)
    case " $RECORDED " in
        *" $name "*) ;;
        *) [ -e "$tmp/$name.pcap" ] || { echo "FAIL: captures/$name.pcap is not written by dnp3-mkcaptures"; fail=1; } ;;
    esac
    exp="$SRC/captures/$name.expected.json"
    if [ ! -e "$exp" ]; then
        echo "FAIL: no expected result $exp"
        fail=1
        continue
    fi
    set +e
    (cd "$SRC/captures" && "$PCAP" check --quiet --write-baseline "$tmp/got.json" "$name.pcap") > /dev/null 2>&1
    rc=$?
    set -e
    if ! diff -u "$exp" "$tmp/got.json" > "$tmp/diff"; then
        echo "FAIL: $name: check --write-baseline differs from its expected result (rc $rc)"
        cat "$tmp/diff"
        fail=1
    fi
    set +e
    (cd "$SRC/captures" && "$PCAP" check --json --fail-on info --fail-on-missing --baseline "$exp" "$name.pcap") > "$tmp/cmp.json"
    brc=$?
    "$PCAP" check --quiet "$SRC/captures/$name.pcap" > /dev/null
    rc=$?
    set -e
    if ! python3 - "$tmp/cmp.json" "$brc" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = d["files"][0]
b = f["baseline"]
n = len(f["findings"])
ok = (sys.argv[2] == "0" and b["section"] and b["known"] == n and b["new"] == 0 and b["missing"] == 0
      and all(x["baseline"] == "known" for x in f["findings"]))
sys.exit(0 if ok else 1)
PY
    then
        echo "FAIL: $name: check --baseline $name.expected.json does not know every finding (exit $brc)"
        cat "$tmp/cmp.json"
        fail=1
    fi
    errors=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["files"][0]["summary"]["errors"])' "$exp")
    want=0; [ "$errors" -gt 0 ] && want=1
    if [ "$rc" != "$want" ]; then
        echo "FAIL: $name: exit $rc, want $want (errors: $errors)"
        fail=1
    fi
done
# Each crafted capture carries the defect it was made for: its expected
# result must name that finding (so a regenerated expectation cannot silently
# lose it), and the clean ones must have none.
while read -r name finding; do
    [ -n "$name" ] || continue
    exp="$SRC/captures/$name.expected.json"
    if [ "$finding" = none ]; then
        n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["files"][0]["summary"]["findings"])' "$exp")
        [ "$n" = 0 ] || { echo "FAIL: $name should be clean, has $n findings"; fail=1; }
    elif ! grep -q "\"name\":\"$finding\"" "$exp"; then
        echo "FAIL: $name: expected result lacks $finding"
        fail=1
    fi
done <<'PLANTED'
clean_session none
tcp_split_frames none
udp_ipv6_session none
read_time none
objects_named none
app_range_address app_unusual_qualifier
tcp_retransmission_reorder tcp_retransmission
tcp_gap tcp_gap
link_bad_header_crc link_bad_header_crc
link_bad_block_crc link_bad_block_crc
link_len_too_small link_len_too_small
transport_sequence_gap transport_sequence_gap
transport_no_fir transport_no_fir
transport_fin_missing transport_incomplete
transport_message_too_large transport_message_too_large
response_without_request session_response_without_request
app_truncated_object app_object_truncated
app_unknown_object app_unknown_object
app_range_start_gt_stop app_range_start_gt_stop
app_count_size_overflow app_size_overflow
app_huge_count_tiny_payload app_object_truncated
app_free_format_zero_size app_zero_size_object
app_size_prefix_mismatch app_object_size_mismatch
app_zero_size_huge_count app_variation_zero_with_data
master_session app_control_status
app_sa_object_too_short app_object_too_short
link_secondary_fcb link_secondary_fcb
link_broadcast_function link_broadcast_function
app_response_to_broadcast app_response_to_broadcast
app_unsolicited_multi_fragment app_unsolicited_multi_fragment
app_unsolicited_without_con app_unsolicited_without_con
link_bad_header_crc_sync link_bad_header_crc
app_unknown_function app_unknown_function
link_reserved_function link_reserved_function
ip_fragments none
ipv6_fragments none
ip_fragment_incomplete ip_fragment_incomplete
ip_fragment_timeout ip_fragment_incomplete
ip_fragment_overlap ip_fragment_overlap
ip_fragment_too_large ip_fragment_limit
PLANTED

# --fail-on info: any finding fails; clean captures stay 0
set +e
"$PCAP" check --quiet --fail-on info "$SRC/captures/tcp_retransmission_reorder.pcap" >/dev/null; rc1=$?
"$PCAP" check --quiet --fail-on info "$SRC/captures/clean_session.pcap" >/dev/null; rc2=$?
"$PCAP" check --quiet "$tmp/does-not-exist.pcap" 2>/dev/null; rc3=$?
"$PCAP" check --bogus 2>/dev/null; rc4=$?
set -e
[ "$rc1" = 1 ] || { echo "FAIL: --fail-on info on a capture with info findings exits $rc1"; fail=1; }
[ "$rc2" = 0 ] || { echo "FAIL: clean capture exits $rc2"; fail=1; }
[ "$rc3" = 2 ] || { echo "FAIL: missing file exits $rc3, want 2"; fail=1; }
[ "$rc4" = 2 ] || { echo "FAIL: bad option exits $rc4, want 2"; fail=1; }
if [ "$fail" = 0 ]; then
    echo "captures: $(ls "$SRC"/captures/*.pcap | wc -l) crafted captures match their expected results"
fi
exit $fail
