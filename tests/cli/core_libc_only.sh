#!/usr/bin/env bash
# The core depends on the C library only, and on no allocator, file, socket, clock or
# thread function (DESIGN.md principle 1): every symbol libdnp3kit.a needs from
# outside must be on this list of pure libc functions.
set -euo pipefail
BUILD=$1
lib="$BUILD/libdnp3kit.a"
[ -f "$lib" ] || { echo "no $lib"; exit 1; }
# string.h, stdio.h's formatting, and math.h (the ISO C library's libm part;
# an optimised build inlines most of them, a -O0 build calls them)
allowed=" memchr memcmp memcpy memmove memset snprintf vsnprintf strcmp strncmp strlen strchr strnlen
 trunc truncf fabs fabsf floor ceil round lrint nearbyint isnan isinf "
bad=""
for sym in $(nm -u "$lib" | awk '{print $2}' | sort -u); do
    case "$sym" in
        dnp3kit_*) continue ;;                       # the core's own
        __*|_GLOBAL_OFFSET_TABLE_) continue ;;        # compiler/sanitizer runtime (instrumented builds)
    esac
    case "$allowed" in *" $sym "*) ;; *) bad="$bad $sym" ;; esac
done
if [ -n "$bad" ]; then
    echo "FAIL: libdnp3kit.a needs symbols outside its libc allowlist:$bad"
    exit 1
fi
echo "core: needs only $(nm -u "$lib" | awk '{print $2}' | grep -v '^dnp3kit_' | grep -v '^__' | sort -u | tr '\n' ' ')"
