#!/usr/bin/env bash
# Builds the Debian package (cmake --build BUILD --target package), installs it
# with dpkg -i, runs each tool's --version, imports the Python package, finds
# the libraries with pkg-config and the plugin with tshark, then removes the
# package again (so the rest of a CI run sees the build tree only).
#   bash scripts/deb_check.sh BUILD            as root: the real system
#   bash scripts/deb_check.sh BUILD --root DIR into an empty dpkg root DIR (no root needed for the rest of the system)
set -euo pipefail
BUILD=${1:?BUILD_DIR}
ROOT=""
[ "${2:-}" = "--root" ] && ROOT=${3:?DIR}
cmake --build "$BUILD" --target package >"$BUILD/package.log" 2>&1 || { tail -n 30 "$BUILD/package.log"; exit 1; }
deb=$(ls -t "$BUILD"/dnp3kit_*.deb | head -n 1)
echo "package: $deb ($(dpkg-deb -f "$deb" Version), depends: $(dpkg-deb -f "$deb" Depends))"
# man pages and bash completion ship with the tools (cmake/manpages.cmake)
contents=$(dpkg-deb -c "$deb") # listed once: grep -q on the pipe would kill dpkg-deb (pipefail)
for tool in dnp3-master dnp3-pcap dnp3-outstation; do
    for f in "usr/share/man/man1/$tool.1" "usr/share/bash-completion/completions/$tool"; do
        grep -q " \./$f\(\.gz\)\?$" <<< "$contents" || { echo "FAIL: $deb lacks /$f"; exit 1; }
    done
done
for lib in libdnp3kit libdnp3kit-master; do # the libraries' pages (pod2man)
    grep -q " \./usr/share/man/man3/$lib\.3\(\.gz\)\?$" <<< "$contents" || { echo "FAIL: $deb lacks /usr/share/man/man3/$lib.3"; exit 1; }
done
echo "  man pages (1 and 3) and bash completion: in the package"
grep -q " \./usr/share/dnp3kit/dnp3kit\.colorfilters$" <<< "$contents" || { echo "FAIL: $deb lacks the plugin's colouring rules"; exit 1; }
echo "  colouring rules: /usr/share/dnp3kit/dnp3kit.colorfilters"
# libraries (shared by SONAME and static), headers, CMake package, pkg-config, docs, the Python package's modules
for f in usr/lib/libdnp3kit.so.0 usr/lib/libdnp3kit-master.so.0 usr/lib/libdnp3kit.a usr/lib/libdnp3kit-master.a \
         usr/include/dnp3kit/dnp3kit.h usr/include/dnp3kit/master.h usr/lib/cmake/dnp3kit/dnp3kitConfig.cmake \
         usr/lib/pkgconfig/dnp3kit.pc usr/lib/pkgconfig/dnp3kit-master.pc usr/share/doc/dnp3kit/python.md \
         usr/share/doc/dnp3kit/checkout.md usr/lib/python3/dist-packages/dnp3kit/master.py \
         usr/lib/python3/dist-packages/dnp3kit/compat/core/config.py \
         usr/lib/python3/dist-packages/dnp3kit/compat/utils/logging.py; do
    grep -q " \./$f\( -> .*\)\?$" <<< "$contents" || { echo "FAIL: $deb lacks /$f"; exit 1; }
done
echo "  libraries, headers, CMake package, pkg-config files, docs, Python modules: in the package"
if [ -n "$ROOT" ]; then
    mkdir -p "$ROOT/var/lib/dpkg/updates" "$ROOT/var/lib/dpkg/info"
    touch "$ROOT/var/lib/dpkg/status" "$ROOT/var/lib/dpkg/available"
    dpkg --root="$ROOT" --force-depends --force-script-chrootless --force-not-root -i "$deb" >/dev/null
    export LD_LIBRARY_PATH="$ROOT/usr/lib" PYTHONPATH="$ROOT/usr/lib/python3/dist-packages"
    export PKG_CONFIG_PATH="$ROOT/usr/lib/pkgconfig"
    remove() { rm -rf "$ROOT"; }
else
    [ "$(id -u)" = 0 ] || { echo "deb_check: dpkg -i needs root (or use --root DIR)"; exit 2; }
    dpkg -i "$deb" >/dev/null
    remove() { dpkg -P dnp3kit >/dev/null; }
fi
trap remove EXIT
bin="$ROOT/usr/bin"
for tool in dnp3-master dnp3-pcap dnp3-outstation; do
    v=$("$bin/$tool" --version)
    case "$v" in *0.*) echo "  $tool --version: $v" ;; *) echo "FAIL: $tool --version printed '$v'"; exit 1 ;; esac
done
# the Python package with Debian's interpreter, the libraries found by SONAME
/usr/bin/python3 -c 'import dnp3kit, sys; from dnp3kit.compat.utils.crc import CRC16DNP3; f = dnp3kit.decode_fragment(bytes.fromhex("c0013c0106")); sys.exit(f.func_name != "READ" or CRC16DNP3.calculate(b"123456789") != 0xEA82)'
echo "  python3: import dnp3kit, decode_fragment, dnp3kit.compat.utils.crc: ok"
[ "$(pkg-config --modversion dnp3kit-master)" = "$(dpkg-deb -f "$deb" Version)" ] || { echo "FAIL: pkg-config dnp3kit-master"; exit 1; }
echo "  pkg-config dnp3kit-master: $(pkg-config --libs dnp3kit-master)"
plugin=$(find "$ROOT/usr/lib" -path '*wireshark/plugins/*/epan/dnp3kit.so' | head -n 1)
[ -n "$plugin" ] || { echo "FAIL: no plugin in Wireshark's plugin folder"; exit 1; }
if [ -n "$ROOT" ]; then
    echo "  plugin in Wireshark's folder: ${plugin#"$ROOT"} (tshark loads it only from the real root)"
elif command -v tshark >/dev/null; then
    tshark -G plugins 2>/dev/null | grep -q 'dnp3kit' || { echo "FAIL: tshark does not load $plugin"; exit 1; }
    echo "  tshark loads $plugin"
fi
echo "deb: installed, every tool runs, removed again"
