#!/usr/bin/env bash
# The shared libraries export exactly the public headers' declarations
# (visibility: -fvisibility=hidden + DNP3KIT_API_BEGIN/END), and carry their
# SONAME.
set -euo pipefail
BUILD=$1
SRC=$2
cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
check() { python3 "$SRC/tests/tools/check_exports.py" "$cc" "$@"; }
check "$BUILD/libdnp3kit.so" "$SRC"/core/include/dnp3kit/*.h -- -I"$SRC/core/include"
check "$BUILD/master/libdnp3kit-master.so" "$SRC/master/include/dnp3kit/master.h" -- \
    -I"$SRC/core/include" -I"$SRC/master/include"
for lib in libdnp3kit.so master/libdnp3kit-master.so; do
    want="$(basename "$lib").0"
    got=$(readelf -d "$BUILD/$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
    [ "$got" = "$want" ] || { echo "FAIL: $lib: SONAME '$got', want '$want'"; exit 1; }
done
# the master library needs the core one by its SONAME (not a copy of the core inside it)
readelf -d "$BUILD/master/libdnp3kit-master.so" | grep > /dev/null 'NEEDED.*\[libdnp3kit.so.0\]' ||
    { echo "FAIL: libdnp3kit-master.so does not need libdnp3kit.so.0"; exit 1; }
echo "exports: both shared libraries export their public API only, SONAMEs right"
