#!/usr/bin/env bash
# `cmake --install` puts the library, headers and dnp3kit.pc in place, and a
# program outside the tree builds against them with pkg-config.
set -euo pipefail
BUILD=$1
command -v pkg-config >/dev/null || exit 77
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$BUILD" --prefix "$tmp/prefix" >/dev/null
pc=$(find "$tmp/prefix" -name dnp3kit.pc | head -n 1)
[ -n "$pc" ] || { echo "FAIL: no dnp3kit.pc installed"; exit 1; }
[ -f "$tmp/prefix/include/dnp3kit/dnp3kit.h" ] || { echo "FAIL: headers not installed"; exit 1; }
cat > "$tmp/t.c" <<'C'
#include <dnp3kit/dnp3kit.h>
#include <stdio.h>
int main(void)
{
    uint8_t f[64];
    int n = dnp3kit_build_integrity_poll(f, sizeof f, 3);
    dnp3kit_app_summary s;
    int rc = dnp3kit_app_validate(f, (size_t)n, &s, NULL);
    printf("%04x %d %d %u\n", dnp3kit_crc16((const uint8_t *)"123456789", 9), n, rc, s.object_headers);
    return 0;
}
C
export PKG_CONFIG_PATH="$(dirname "$pc")"
# an instrumented build installs an instrumented library: link it the same way
san=""
grep -q '^DNP3KIT_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" && san="-fsanitize=address,undefined"
cc -std=c17 -Wall -Werror $san $(pkg-config --cflags dnp3kit) "$tmp/t.c" -o "$tmp/t" $(pkg-config --static --libs dnp3kit)
out=$("$tmp/t")
[ "$out" = "ea82 14 0 4" ] || { echo "FAIL: installed library gave '$out'"; exit 1; }
echo "install: library, headers and pkg-config work ($out)"
