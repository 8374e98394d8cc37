#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds (Release with debug
# info, -Werror) into build/, and runs every test with ctest.
# Extra arguments go to ctest (e.g. -R link).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
BUILD=${BUILD_DIR:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)" "$@"
