#!/usr/bin/env bash
# The long soak: the e2e soak test (tests/e2e/soak_e2e_test.cc) for 10 minutes instead of
# the 2 it runs in ./scripts/test. Three agents on this host's dockerd, random static
# demand on four apps, kill -9 of a random agent or of the controller every 30-60 s; then
# every app must run exactly its allocation, with no unknown, leftover or duplicate
# container. The summary lines start with "soak:".
#
# Usage: bench/soak/soak.sh [SECONDS]        (default 600)
#   BUILD_DIR  a build with soak_e2e_test and the three binaries (default build/test)
#   MICROSCALE_SOAK_SEED  the schedule's seed (default 20261130)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/test}
TEST=$BUILD_DIR/tests/e2e/soak_e2e_test
[[ -x $TEST ]] || { echo "soak: $TEST not built (cmake --build $BUILD_DIR --target soak_e2e_test microscale-controller microscale-agent microscalectl)" >&2; exit 1; }
"$ROOT/tests/support/ensure-dockerd"
export MICROSCALE_SOAK_SECONDS=${1:-600}
export DOCKER_API_VERSION=1.41
exec "$TEST" --gtest_brief=0
