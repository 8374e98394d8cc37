#!/usr/bin/env bash
# The core's portable path (what ARM and other non-x86-64 builds get, and
# -DDNP3KIT_NO_SIMD=ON anywhere) builds without a warning and passes the link
# layer's unit tests, CRC block checks included: the core and test_link.c are
# compiled again with DNP3KIT_NO_SIMD by the build's own C compiler, and the
# result must not contain the AVX-512 code at all.
set -euo pipefail
BUILD=$1 SRC=$2
CC=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
[ -n "$CC" ] || { echo "no C compiler in $BUILD/CMakeCache.txt"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$CC" -std=c17 -D_DEFAULT_SOURCE -O1 -Wall -Wextra -Wpedantic -Werror -DDNP3KIT_NO_SIMD \
    -I"$SRC/core/include" -I"$SRC/core/src" -I"$SRC/tests" \
    -DDNP3KIT_SHARED_CAPTURES="\"${3:-/nonexistent}\"" \
    "$SRC"/core/src/*.c "$SRC/tests/test_link.c" "$SRC/tests/testutil.c" -lcmocka -lm -o "$tmp/test_link_portable"
if nm "$tmp/test_link_portable" | grep blocks_avx512 > /dev/null; then
    echo "FAIL: DNP3KIT_NO_SIMD build still contains the AVX-512 path"
    exit 1
fi
out=$("$tmp/test_link_portable" 2>&1) || { echo "$out"; echo "FAIL: portable test_link"; exit 1; }
echo "$out" | tail -n 2
