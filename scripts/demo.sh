#!/usr/bin/env bash
# The main job on a fresh machine: install what is needed, build, then convert and validate
# real documents with the built `virtkit`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/packages.sh
swift build -c release --static-swift-stdlib --product virtkit
vk=.build/release/virtkit
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== validate the seed documents and our fixtures (one call, schemas compiled once)"
$vk validate Tests/fixtures/seeds/domain/*.xml Tests/fixtures/seeds/capabilities/*.xml Tests/fixtures/valid/*/*.xml

echo "== libvirt's seed example: domain XML -> QEMU 0.10 command line"
HOME=/home/test USER=test LOGNAME=test \
  $vk domxml-to-native qemu-argv Tests/fixtures/seeds/qemu-argv/demo.xml --emulator-version 0.10.0

echo "== the same guest for this host's QEMU (capabilities probed from the binary)"
sed 's|/usr/bin/qemu<|/usr/bin/qemu-system-x86_64<|' Tests/fixtures/seeds/qemu-argv/demo.xml > "$work/demo.xml"
$vk domxml-to-native qemu-argv "$work/demo.xml"

echo "== QEMU command line -> domain XML, then validated"
$vk domxml-from-native qemu-argv Tests/fixtures/seeds/qemu-argv/demo.args | tee "$work/from-args.xml"
$vk validate "$work/from-args.xml"

echo "== Xen: xm config -> XML (validated) -> xl config and xend S-expression"
$vk domxml-from-native xen-xm Tests/fixtures/xen-xm/pairs/hvm.cfg > "$work/xen.xml"
$vk validate "$work/xen.xml"
$vk domxml-to-native xen-xl "$work/xen.xml"
$vk domxml-to-native xen-sxpr "$work/xen.xml"

if [ -f ../shared/conformance/score.py ]; then
  echo "== conformance against libvirt's own fixture pairs"
  python3 ../shared/conformance/score.py --cli "$vk"
fi
