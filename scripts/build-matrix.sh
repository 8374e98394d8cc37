#!/usr/bin/env bash
# Builds dnp3kit with every compiler and build type given (default: gcc and
# clang x Debug, Release, RelWithDebInfo, MinSizeRel) under -Werror, each into
# build-<type>-<cc>/ (log beside it). Exits 1 naming every combination that failed.
# Usage: scripts/build-matrix.sh [-c "gcc clang"] [-t "Release ..."]
set -uo pipefail
cd "$(dirname "$0")/.."
ccs="gcc clang" types="Debug Release RelWithDebInfo MinSizeRel"
while getopts "c:t:" o; do
    case $o in
    c) ccs=$OPTARG ;;
    t) types=$OPTARG ;;
    *) echo "usage: $0 [-c COMPILERS] [-t BUILD_TYPES]" >&2; exit 2 ;;
    esac
done
failed=""
for cc in $ccs; do
    for t in $types; do
        d="build-$t-$cc"
        if CC=$cc cmake -S . -B "$d" -DCMAKE_BUILD_TYPE="$t" -DDNP3KIT_WERROR=ON > "$d.log" 2>&1 &&
            cmake --build "$d" -j"$(nproc)" >> "$d.log" 2>&1; then
            echo "$cc $t: built warning-free"
        else
            echo "$cc $t: FAILED (log: $d.log)"
            grep -E "error|warning" "$d.log" | head -n 10
            failed="$failed $cc/$t"
        fi
    done
done
[ -z "$failed" ] || { echo "build matrix failed:$failed"; exit 1; }
