#!/usr/bin/env bash
# The test suite on a fresh machine: install what is needed, build, run every test.
# Tests that need ../shared/conformance, QEMU or virt-xml-validate say so and are skipped
# where those are absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/packages.sh
swift build --build-tests
swift test
