#!/usr/bin/env bash
# Prepares Debian's libvirt 9.0 as the benchmarks' peer (root only): its QEMU driver wants
# the `libvirt-qemu` user to exist even when told to run QEMU as root, and this host has no
# virtlogd. Installs nothing that the tests need; idempotent.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then echo "libvirt-peer.sh: run as root" >&2; exit 1; fi
missing=()
for p in libvirt-clients libvirt-daemon libvirt-daemon-driver-qemu python3-libvirt; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
getent passwd libvirt-qemu >/dev/null || useradd --system --no-create-home --gid libvirt-qemu --shell /usr/sbin/nologin libvirt-qemu
conf=/etc/libvirt/qemu.conf
touch "$conf"
grep -q '^stdio_handler' "$conf" || echo 'stdio_handler = "file"' >> "$conf"
