#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds (Release with debug
# info, -Werror) into build/, and runs every test with ctest.
# Extra arguments go to ctest (e.g. -R link).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
BUILD=${BUILD_DIR:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${CMAKE_ARGS:-} >/dev/null
echo "building into $BUILD/ (log: $BUILD/build.log)"
cmake --build "$BUILD" -j"$(nproc)" > "$BUILD/build.log" 2>&1 || { tail -n 40 "$BUILD/build.log"; exit 1; }
ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)" "$@"
