#!/usr/bin/env bash
# dnp3-outstation at the fd limit, with --max-connections reached and with
# --idle-timeout (tests/cli/outstation_limits.py).
# Usage: outstation_limits.sh BUILD_DIR SOURCE_DIR   (exit 77: skipped)
set -uo pipefail
BUILD=$1
[ -x "$BUILD/tests/harness/dnp3-outstation" ] && [ -x "$BUILD/master/dnp3-master" ] ||
    { echo "skip: dnp3-outstation or dnp3-master not built"; exit 77; }
exec python3 "$(dirname "$0")/outstation_limits.py" "$BUILD"
