#!/usr/bin/env bash
# System packages virtkit builds and tests with (Debian/Ubuntu). Installs only what is missing.
set -euo pipefail
packages=(
  pkg-config libxml2-dev libxslt1-dev   # libxml2: parsing, RelaxNG (build)
  libxml2-utils                          # xmllint, to check schemas by hand and in tests
  qemu-system-x86 qemu-utils             # the emulator the runtime launches and the converter probes
  libvirt-clients                        # virsh and virt-xml-validate: outside oracles in the tests
  iproute2                               # ip: the bridge the tap tests enslave guests to
  cpio                                   # packs the test guest's initramfs (scripts/test-guest.sh)
  python3-libvirt                        # python-libvirt: a stock client of the daemon in the tests
  openssh-server openssh-client          # sshd and ssh: the ssh transport's tests (a private sshd)
  netcat-openbsd                         # nc -U: the far end of the ssh transport
  openssl                                # the TLS tests' throw-away PKI (scripts/test-pki.sh)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
