#!/usr/bin/env bash
# dnp3kit Wireshark plugin, real tshark: the shipped colouring rules compile and colour
# each frame as dnp3-pcap's view of it says (see dissector_colors.py).
#   bash dissector_colors.sh BUILD_DIR SOURCE_DIR [SHARED_CAPTURES]
# Exit 77 (ctest SKIP) when the plugin was not built, or tshark/python3 are absent.
set -u
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not installed"; exit 77; }
exec python3 "$(dirname "$0")/dissector_colors.py" "${1:?BUILD_DIR}" "${2:?SOURCE_DIR}" "${3:-}"
