#!/usr/bin/env bash
# The main job on a fresh machine: install what is needed, build, then convert and validate
# real documents, and start a real guest on the default connection (embedded: no daemon).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/packages.sh
swift build -c release --static-swift-stdlib --product virtkit
vk=.build/release/virtkit
work=$(mktemp -d)
guest=""
cleanup() {
  [ -n "$guest" ] && $vk destroy "$guest" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

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

echo "== a real guest on the default connection ($($vk uri | head -n1)), no daemon"
# KVM when /dev/kvm opens here, TCG otherwise; no disk, 64 MiB, user networking.
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then type=kvm; else type=qemu; fi
guest="virtkit-demo-$$"
cat > "$work/guest.xml" <<XML
<domain type='$type'>
  <name>$guest</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <interface type='user'><model type='virtio'/></interface>
    <serial type='pty'/>
    <graphics type='vnc' autoport='yes'/>
  </devices>
</domain>
XML
$vk create "$work/guest.xml"
$vk list
$vk dominfo "$guest"
$vk dumpxml "$guest" | grep -E "<domain|graphics|source path|alias name='net0'"
$vk destroy "$guest"
guest=""

if [ -f ../shared/conformance/score.py ]; then
  echo "== conformance against libvirt's own fixture pairs"
  python3 ../shared/conformance/score.py --cli "$vk"
fi
