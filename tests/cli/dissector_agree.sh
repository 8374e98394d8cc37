#!/usr/bin/env bash
# The same finding names from dnp3-pcap check, dnp3-pcap decode and the Wireshark
# plugin on every crafted capture: mode "agree" of dissector_run.py (see its docstring).
#   bash dissector_agree.sh BUILD_DIR SOURCE_DIR [SHARED_CAPTURES]
# Exit 77 (ctest SKIP) when the plugin was not built, or tshark/python3 are absent.
set -u
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not installed"; exit 77; }
exec python3 "$(dirname "$0")/dissector_run.py" agree "${1:?BUILD_DIR}" "${2:?SOURCE_DIR}" "${3:-}"
