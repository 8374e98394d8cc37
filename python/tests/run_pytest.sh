#!/usr/bin/env bash
# ctest driver of one pytest file: run_pytest.sh PYTHON BUILD_DIR TEST_FILE
# Exit 77 (skip) when pytest is not installed for PYTHON; pytest's exit 5
# (no test collected) is a failure, not a pass.
set -u
PY=$1 BUILD=$2 FILE=$3
"$PY" -c 'import pytest' 2>/dev/null || { echo "SKIP: pytest not installed for $PY (apt-get install python3-pytest)"; exit 77; }
export PYTHONDONTWRITEBYTECODE=1
if grep -q '^DNP3KIT_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt"; then
    # instrumented shared libraries in an uninstrumented interpreter: the runtime must come first
    cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
    LD_PRELOAD="$("$cc" -print-file-name=libasan.so) $("$cc" -print-file-name=libubsan.so)"
    export LD_PRELOAD ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" DNP3KIT_SANITIZED=1
fi
"$PY" -m pytest -q -p no:cacheprovider --rootdir "$(dirname "$FILE")" "$FILE"
rc=$?
[ "$rc" = 5 ] && { echo "FAIL: pytest collected no test in $FILE"; exit 1; }
exit "$rc"
