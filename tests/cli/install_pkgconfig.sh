#!/usr/bin/env bash
# `cmake --install` puts the libraries (static and shared), headers, the .pc
# files and the CMake package in place, and programs outside the tree build
# against each of the four: static/shared x pkg-config/find_package.
set -euo pipefail
BUILD=$1
command -v pkg-config >/dev/null || exit 77
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
P="$tmp/prefix"
cmake --install "$BUILD" --prefix "$P" >/dev/null
pc=$(find "$P" -name dnp3kit.pc | head -n 1)
[ -n "$pc" ] || { echo "FAIL: no dnp3kit.pc installed"; exit 1; }
[ -f "$(dirname "$pc")/dnp3kit-master.pc" ] || { echo "FAIL: no dnp3kit-master.pc installed"; exit 1; }
[ -f "$P/include/dnp3kit/dnp3kit.h" ] || { echo "FAIL: headers not installed"; exit 1; }
libdir=$(dirname "$(dirname "$pc")")
for f in libdnp3kit.a libdnp3kit.so libdnp3kit.so.0 libdnp3kit-master.a libdnp3kit-master.so libdnp3kit-master.so.0 \
         cmake/dnp3kit/dnp3kitConfig.cmake cmake/dnp3kit/dnp3kitConfigVersion.cmake; do
    [ -e "$libdir/$f" ] || { echo "FAIL: $libdir/$f not installed"; exit 1; }
done
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
# the documented master example's first steps, with the core beside it
cat > "$tmp/m.c" <<'C'
#include <dnp3kit/dnp3kit.h>
#include <dnp3kit/master.h>
#include <stdio.h>
int main(void)
{
    dnp3kit_master_config cfg;
    dnp3kit_master_config_default(&cfg);
    cfg.port = 1; /* nothing listens there: connecting fails with a detail */
    cfg.retries = 0;
    cfg.connect_timeout_ms = 2000;
    dnp3kit_error_detail err;
    dnp3kit_master *m = dnp3kit_master_new(&cfg, &err);
    if (!m)
        return 1;
    int rc = dnp3kit_master_connect(m, &err);
    dnp3kit_master_free(m);
    printf("%s %s %u\n", dnp3kit_err_name(rc), dnp3kit_master_point_type_name(DNP3KIT_POINT_AI), err.port);
    return 0;
}
C
export PKG_CONFIG_PATH="$(dirname "$pc")"
# an instrumented build installs instrumented libraries: link them the same way
san=""
grep -q '^DNP3KIT_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" && san="-fsanitize=address,undefined"
cc=(cc -std=c17 -Wall -Werror $san)
expect() { # program want
    local out
    out=$(LD_LIBRARY_PATH="$libdir" "$1")
    [ "$out" = "$2" ] || { echo "FAIL: $(basename "$1") gave '$out', want '$2'"; exit 1; }
}
linked() { # program shared|static: which libdnp3kit it runs with
    if readelf -d "$1" | grep > /dev/null 'NEEDED.*libdnp3kit'; then echo shared; else echo static; fi
}

# pkg-config, shared (the default -l finds the .so)
"${cc[@]}" $(pkg-config --cflags dnp3kit) "$tmp/t.c" -o "$tmp/t_pc_shared" $(pkg-config --libs dnp3kit)
"${cc[@]}" $(pkg-config --cflags dnp3kit-master) "$tmp/m.c" -o "$tmp/m_pc_shared" $(pkg-config --libs dnp3kit-master)
# pkg-config, static: the archives by name, the system libraries dynamically
static_libs() { pkg-config --static --libs "$1" | sed -E 's/-l(dnp3kit(-master)?)( |$)/-l:lib\1.a\3/g'; }
"${cc[@]}" $(pkg-config --cflags dnp3kit) "$tmp/t.c" -o "$tmp/t_pc_static" $(static_libs dnp3kit)
"${cc[@]}" $(pkg-config --cflags dnp3kit-master) "$tmp/m.c" -o "$tmp/m_pc_static" $(static_libs dnp3kit-master)

# find_package(dnp3kit): the default targets are shared, the _static ones static
mkdir -p "$tmp/cm"
cp "$tmp/t.c" "$tmp/m.c" "$tmp/cm/"
cat > "$tmp/cm/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.25)
project(consumer C)
find_package(dnp3kit 0.1 REQUIRED)
add_executable(t_cm_shared t.c)
target_link_libraries(t_cm_shared PRIVATE dnp3kit::core)
add_executable(m_cm_shared m.c)
target_link_libraries(m_cm_shared PRIVATE dnp3kit::master)
add_executable(t_cm_static t.c)
target_link_libraries(t_cm_static PRIVATE dnp3kit::core_static)
add_executable(m_cm_static m.c)
target_link_libraries(m_cm_static PRIVATE dnp3kit::master_static)
CM
cmake -S "$tmp/cm" -B "$tmp/cm/b" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_C_FLAGS="$san" \
    -DCMAKE_EXE_LINKER_FLAGS="$san" >/dev/null
cmake --build "$tmp/cm/b" >/dev/null

core_out="ea82 14 0 4"
master_out="ERR_CONNECT ai 1"
for how in pc cm; do
    for kind in shared static; do
        t="$tmp/t_${how}_$kind"; m="$tmp/m_${how}_$kind"
        [ "$how" = cm ] && { t="$tmp/cm/b/t_cm_$kind"; m="$tmp/cm/b/m_cm_$kind"; }
        expect "$t" "$core_out"
        expect "$m" "$master_out"
        for p in "$t" "$m"; do
            [ "$(linked "$p")" = "$kind" ] || { echo "FAIL: $(basename "$p") is not linked $kind"; exit 1; }
        done
    done
done
echo "install: headers, static + shared libraries, dnp3kit.pc, dnp3kit-master.pc and find_package(dnp3kit) work ($core_out / $master_out)"
