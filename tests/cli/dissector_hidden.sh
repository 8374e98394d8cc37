#!/usr/bin/env bash
# dnp3kit Wireshark plugin, real tshark: mode "hidden" of dissector_run.py (see its docstring).
#   bash dissector_hidden.sh BUILD_DIR SOURCE_DIR [SHARED_CAPTURES]
# Exit 77 (ctest SKIP) when the plugin was not built, or tshark/python3 are absent.
set -u
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not installed"; exit 77; }
exec python3 "$(dirname "$0")/dissector_run.py" hidden "${1:?BUILD_DIR}" "${2:?SOURCE_DIR}" "${3:-}"
