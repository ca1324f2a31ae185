#!/usr/bin/env bash
# The test suite on a fresh machine: install what is needed, build the small Linux guest the
# runtime tests boot (a Debian cloud kernel and a busybox initramfs, from Debian's archive),
# build, run every test. Suites whose prerequisite is missing say so and are skipped, except
# under CI=true, where a missing prerequisite fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/packages.sh
bash scripts/test-guest.sh >/dev/null
swift build --build-tests
swift test
