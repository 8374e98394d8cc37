#!/usr/bin/env bash
# dnp3kit Wireshark plugin, real tshark and sharkd: the TCP framing in one pass,
# with -2 and in random access, on every capture and on re-split copies (see
# the docstring of dissector_framing.py).
#   bash dissector_twopass.sh BUILD_DIR SOURCE_DIR [SHARED_CAPTURES]
# Exit 77 (ctest SKIP) when the plugin was not built, or tshark/sharkd/python3 are absent.
set -u
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not installed"; exit 77; }
exec python3 "$(dirname "$0")/dissector_framing.py" "${1:?BUILD_DIR}" "${2:?SOURCE_DIR}" "${3:-}"
