#!/usr/bin/env bash
# Installs what dnp3kit needs to build and test on Debian 12, when missing.
# Sourced by scripts/main.sh and scripts/test.sh; safe to run again.
set -euo pipefail
DNP3KIT_PACKAGES="cmake make gcc clang libclang-rt-14-dev pkg-config libpcap-dev libcmocka-dev tshark python3 libwireshark-dev wireshark-dev python3-pytest python3-distributed tmux chromium python3-jsonschema help2man perl zlib1g-dev libzstd-dev zstd libssl-dev openssl"
missing=""
for p in $DNP3KIT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "dnp3kit: installing:$missing" >&2
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
