#!/usr/bin/env bash
# Builds a tiny bootable Linux guest (kernel + initramfs) for the QEMU tests, from Debian
# packages only (the one registry reachable here), and prints where it is:
#
#   bash scripts/test-guest.sh [OUTDIR]
#   -> KERNEL=/abs/OUTDIR/vmlinuz
#   -> INITRD=/abs/OUTDIR/initrd.img
#
# OUTDIR defaults to $VIRTKIT_TEST_GUEST_DIR, else .build/test-guest under the repo root.
# A second run with the same SCRIPT_VERSION only prints the paths (bump SCRIPT_VERSION
# whenever the guest's contents change). VIRTKIT_TEST_GUEST_KERNEL_PKG=linux-image-...
# pins the kernel package; by default Debian's current cloud-amd64 image is used (below).
#
# How to boot it (TCG is enough; the cloud kernel is small and boots in a few seconds):
#   qemu-system-x86_64 -accel tcg -m 128 -nodefaults -display none -no-reboot \
#     -kernel OUTDIR/vmlinuz -initrd OUTDIR/initrd.img \
#     -append 'console=ttyS0 panic=-1 quiet' -serial ...
# Kernel command line: console=ttyS0 panic=-1 quiet
#   console=ttyS0  the guest's console, marker and shell are all on the first serial port
#   panic=-1       a panic reboots at once, so with -no-reboot QEMU exits instead of hanging
#   quiet          fewer kernel messages: each byte on the emulated UART costs time
#
# What the guest does (busybox init runs /etc/rc, both written below):
#   - loads pvpanic-mmio.ko, so a kernel panic (`echo c > /proc/sysrq-trigger`) reaches
#     QEMU's pvpanic device (`<panic model='isa'/>`) as GUEST_PANICKED before the reboot
#     that panic=-1 asks for;
#   - loads button.ko and evdev.ko (plus their module dependencies) so the ACPI power
#     button is an input device, and runs busybox acpid, which runs `poweroff -f` on it:
#     QMP system_powerdown / `virsh shutdown` make QEMU exit within ~0.1 s (needs ACPI:
#     not with QEMU -no-acpi);
#   - prints the line VIRTKIT-GUEST-READY on the console once all that is up;
#   - runs an interactive busybox shell on the console (prompt "virtkit# "), started
#     again whenever it exits; `reboot -f` / `poweroff -f` act at once, plain `reboot` /
#     `poweroff` go through init and take ~2 s. With -no-reboot, a reboot exits QEMU.
# Memory: the kernel alone needs ~68 MiB (QEMU exits at once with less, nothing on the
# console); 72 MiB is the measured minimum (71 panics out of memory); use 96-128 MiB.
# The shell echoes what is typed (the command line shows up in the output as well as its
# result) and writes ESC[6n after each prompt (busybox line editing asking the terminal
# for the cursor position; nothing needs to answer).
set -euo pipefail

SCRIPT_VERSION=2
readonly SCRIPT_VERSION
PROG=test-guest.sh
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

log() { echo "$PROG: $*" >&2; }
die() { echo "$PROG: error: $*" >&2; exit 1; }

OUTDIR=${1:-${VIRTKIT_TEST_GUEST_DIR:-$REPO_ROOT/.build/test-guest}}
mkdir -p "$OUTDIR" || die "cannot create output directory $OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
KERNEL_OUT=$OUTDIR/vmlinuz
INITRD_OUT=$OUTDIR/initrd.img
STAMP=$OUTDIR/stamp

up_to_date() {
    [[ -s $KERNEL_OUT && -s $INITRD_OUT && -f $STAMP ]] || return 1
    [[ $(head -n1 "$STAMP") == "version=$SCRIPT_VERSION" ]] || return 1
    # A pinned kernel must be the one built (an unpinned run takes whatever is there).
    [[ -z ${VIRTKIT_TEST_GUEST_KERNEL_PKG:-} ]] ||
        grep -qxF "kernel_package=$VIRTKIT_TEST_GUEST_KERNEL_PKG" "$STAMP"
}
print_paths() {
    echo "KERNEL=$KERNEL_OUT"
    echo "INITRD=$INITRD_OUT"
}

# Fast path: nothing to do (no lock, no apt).
if up_to_date; then print_paths; exit 0; fi

# Tests may run in parallel and all ask for the guest: one builds, the others wait.
exec 9>"$OUTDIR/.lock"
if command -v flock >/dev/null; then flock 9; fi
if up_to_date; then print_paths; exit 0; fi

# ---------------------------------------------------------------------------------------
# Host tools. Only Debian's own tooling: dpkg-deb and apt are always there; cpio is
# installed when missing. busybox-static is NOT installed on the host (it conflicts with
# Debian's `busybox` package, which initramfs-tools uses): when it is not already there,
# its .deb is downloaded and unpacked into the temp dir like the kernel.
as_root() { # apt-get update/install need root: sudo when we are not (only then)
    if [[ $(id -u) -eq 0 ]]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root to run: $* (not root, and no sudo)"
    fi
}
APT_UPDATED=0
apt_update() {
    [[ $APT_UPDATED == 1 ]] && return 0
    log "apt-get update"
    as_root apt-get update -q >&2 || die "apt-get update failed"
    APT_UPDATED=1
}
is_installed() {
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}
ensure_packages() {
    local missing=() p
    for p in "$@"; do is_installed "$p" || missing+=("$p"); done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    apt_update
    log "installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
        die "apt-get install ${missing[*]} failed"
}
# As root, apt downloads as user _apt, which cannot write into our private temp dir;
# tell it not to switch user (avoids a loud but harmless warning).
APT_DL_OPTS=()
[[ $(id -u) -eq 0 ]] && APT_DL_OPTS=(-o APT::Sandbox::User=root)
apt_download() { # PKG DIR: the .deb of PKG into DIR (apt-get update once if it fails)
    if ! (cd "$2" && apt-get download -q "${APT_DL_OPTS[@]}" "$1" >&2); then
        apt_update
        (cd "$2" && apt-get download -q "${APT_DL_OPTS[@]}" "$1" >&2) ||
            die "apt-get download $1 failed"
    fi
    compgen -G "$2/${1}_*.deb" >/dev/null || die "apt-get download $1 left no .deb"
}

ensure_packages cpio gzip

TMP=$(mktemp -d "${TMPDIR:-/tmp}/virtkit-test-guest.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# ---------------------------------------------------------------------------------------
# Kernel: Debian's cloud flavour is small, boots fast and has what a QEMU guest needs
# (virtio, 8250 serial, ACPI, devtmpfs, gzip initrd) built in.
# Which one: the image that Debian's meta package linux-image-cloud-amd64 points to, i.e.
# the newest build of the release's own kernel series (6.1.0-N on bookworm). bookworm also
# carries a newer series (6.12.x+deb12), but measured under TCG it boots ~1.5 s slower
# (about 4.5 s vs 3 s to the marker) and needs 74 MiB instead of 72, so it is only the
# fallback, taken when the meta package is unknown: then the newest concrete image wins.
pick_kernel_package() {
    local pkg
    pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[^ <>]*-cloud-amd64\)$/\1/p' | sort -V | tail -n1)
    if [[ -z $pkg ]]; then
        # Concrete image packages only (linux-image-6.1.0-57-cloud-amd64,
        # linux-image-6.12.118+deb12-cloud-amd64), not the meta packages
        # (linux-image-6.12-cloud-amd64), nor -dbg or -unsigned ones.
        pkg=$(apt-cache pkgnames linux-image- 2>/dev/null |
            grep -E '^linux-image-[0-9]+\.[0-9]+\.[0-9]+[^[:space:]]*-cloud-amd64$' |
            sort -V | tail -n1)
    fi
    echo "$pkg"
}
KPKG=${VIRTKIT_TEST_GUEST_KERNEL_PKG:-}
if [[ -z $KPKG ]]; then
    KPKG=$(pick_kernel_package)
    if [[ -z $KPKG ]]; then apt_update; KPKG=$(pick_kernel_package); fi
    [[ -n $KPKG ]] || die "apt-cache knows no linux-image-*-cloud-amd64 package (are Debian's amd64 sources configured?)"
fi
log "kernel package: $KPKG"
mkdir -p "$TMP/deb" "$TMP/kernel"
apt_download "$KPKG" "$TMP/deb"
dpkg-deb -x "$TMP/deb/${KPKG}"_*.deb "$TMP/kernel"
KDEB_VERSION=$(dpkg-deb -f "$TMP/deb/${KPKG}"_*.deb Version)

# Debian moves /lib to /usr/lib in later releases; accept either.
MODROOT=
for d in "$TMP/kernel/lib/modules"/* "$TMP/kernel/usr/lib/modules"/*; do
    [[ -d $d ]] && { MODROOT=$d; break; }
done
[[ -n $MODROOT ]] || die "$KPKG has no /lib/modules/<version>"
KVER=$(basename "$MODROOT")
VMLINUZ=
for f in "$TMP/kernel/boot/vmlinuz-$KVER" "$TMP/kernel/usr/lib/linux/vmlinuz-$KVER"; do
    [[ -f $f ]] && { VMLINUZ=$f; break; }
done
[[ -n $VMLINUZ ]] || die "$KPKG has no vmlinuz-$KVER"

# ---------------------------------------------------------------------------------------
# busybox-static: the host's when installed (same Debian binary), else from its .deb.
if is_installed busybox-static && [[ -x /bin/busybox ]]; then
    BUSYBOX=/bin/busybox
    BB_VERSION=$(dpkg-query -W -f='${Version}' busybox-static)
else
    log "busybox-static is not installed: downloading its .deb"
    mkdir -p "$TMP/bb"
    apt_download busybox-static "$TMP/deb"
    dpkg-deb -x "$TMP/deb/busybox-static"_*.deb "$TMP/bb"
    BUSYBOX=$TMP/bb/bin/busybox
    BB_VERSION=$(dpkg-deb -f "$TMP/deb/busybox-static"_*.deb Version)
fi
[[ -x $BUSYBOX ]] || die "no busybox binary at $BUSYBOX"
for applet in init sh acpid insmod cttyhack poweroff reboot mount usleep grep; do
    "$BUSYBOX" --list | grep -x "$applet" >/dev/null || die "busybox lacks the $applet applet"
done

# ---------------------------------------------------------------------------------------
# Root filesystem of the initramfs.
ROOT=$TMP/root
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,run,etc/acpi,lib/modules,var/log}
ln -s ../run "$ROOT/var/run" # acpid writes /var/run/acpid.pid
chmod 1777 "$ROOT/tmp"
cp "$BUSYBOX" "$ROOT/bin/busybox"
# Applet links made here rather than by `busybox --install` at boot: no boot-time work.
while read -r path; do
    [[ $path == bin/busybox ]] && continue
    ln -s /bin/busybox "$ROOT/$path"
done < <("$BUSYBOX" --list-full)

# Kernel modules. The .deb has no modules.dep (depmod runs in its postinst), so the
# dependencies are read from each module's own .modinfo "depends=" field. Debian
# compresses modules (.ko.xz since 6.12) and busybox insmod wants plain ELF, so they are
# decompressed here. Modules that this kernel has built in are skipped.
MODLIST=()          # load order, dependencies first
declare -A MODSEEN=()
module_file() { # NAME -> path of NAME.ko[.xz|.zst|.gz] ('-' and '_' are the same)
    local names=() n s
    for n in "${1//-/_}" "${1//_/-}"; do
        for s in ko ko.xz ko.zst ko.gz; do names+=(-o -name "$n.$s"); done
    done
    find "$MODROOT/kernel" -type f \( "${names[@]:1}" \) -print -quit
}
decompress_to() { # SRC DST
    case $1 in
        *.ko)     cp "$1" "$2" ;;
        *.ko.xz)  if command -v xz >/dev/null; then xz -dc "$1" >"$2"
                  else "$BUSYBOX" unxz -c "$1" >"$2"; fi ;;
        *.ko.gz)  gzip -dc "$1" >"$2" ;;
        *.ko.zst) ensure_packages zstd; zstd -q -dc "$1" >"$2" ;;
        *) die "unknown module format: $1" ;;
    esac
}
add_module() { # NAME
    local name=${1//-/_} src dep deps
    [[ -n ${MODSEEN[$name]:-} ]] && return 0
    MODSEEN[$name]=1
    if grep -qE "/(${name}|${name//_/-})\.ko$" "$MODROOT/modules.builtin"; then
        log "module $name: built into $KVER"
        return 0
    fi
    src=$(module_file "$name")
    [[ -n $src ]] || die "module $name is neither built into $KVER nor shipped in $KPKG"
    decompress_to "$src" "$ROOT/lib/modules/$name.ko"
    deps=$(tr '\0' '\n' <"$ROOT/lib/modules/$name.ko" | sed -n 's/^depends=//p')
    deps=${deps%%$'\n'*}
    for dep in ${deps//,/ }; do add_module "$dep"; done
    MODLIST+=("$name")
}
add_module evdev  # /dev/input/event* for the power button, which busybox acpid reads
add_module button # the ACPI driver that turns the power-button event into an input key
add_module pvpanic_mmio # tells QEMU's pvpanic device (ACPI QEMU0001) when the kernel panics
printf '%s\n' "${MODLIST[@]}" >"$ROOT/lib/modules/load-order"
log "modules: ${MODLIST[*]:-none (all built in)}"

# busybox acpid: a KEY_POWER press on any /dev/input/event* maps to the event
# "button/power PWRF 00000080"; /etc/acpid.conf maps its key PWRF to an action, a path
# relative to /etc/acpi that acpid executes directly (run-parts if it is a directory).
cat >"$ROOT/etc/acpid.conf" <<'EOF'
PWRF power-off
EOF
cat >"$ROOT/etc/acpi/power-off" <<'EOF'
#!/bin/sh
echo "virtkit-guest: ACPI power button: powering off" >/dev/console
exec poweroff -f
EOF
chmod 755 "$ROOT/etc/acpi/power-off"

# PID 1 is busybox init (/init -> /bin/busybox), not a shell script: it reaps orphans,
# honours plain `poweroff` / `reboot` / `halt` (they signal PID 1), and starts the
# console shell with default signal dispositions. (A shell script as PID 1 that starts
# the shell in the background leaves SIGINT ignored in it, so Ctrl-C did nothing.)
ln -s /bin/busybox "$ROOT/init"
cat >"$ROOT/etc/inittab" <<'EOF'
# sysinit runs to completion first (and prints VIRTKIT-GUEST-READY at its end); then the
# console shell, started again whenever it exits.
::sysinit:/etc/rc
::respawn:/bin/cttyhack /bin/sh -l
::ctrlaltdel:/sbin/reboot -f
EOF
# cttyhack opens the tty behind /dev/console (ttyS0 with console=ttyS0) and makes it the
# shell's controlling terminal (init has already made the shell a session leader), so
# Ctrl-C and job control work; -l reads /etc/profile.
cat >"$ROOT/etc/profile" <<'EOF'
export PS1='virtkit# '
EOF

cat >"$ROOT/etc/rc" <<'EOF'
#!/bin/sh
# System start of the virtkit test guest (built by scripts/test-guest.sh), run by init.
# Expected kernel command line: console=ttyS0 panic=-1 quiet
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

while read -r m; do
    [ -n "$m" ] && { insmod "/lib/modules/$m.ko" || echo "virtkit-guest: insmod $m failed"; }
done </lib/modules/load-order

# acpid opens /dev/input/event0..N once at start: wait until the power button's node
# is there (it normally is as soon as insmod returns). Without ACPI (QEMU -no-acpi)
# there is no button to wait for, and a power-down request cannot reach the guest.
if [ -d /sys/firmware/acpi/tables ]; then
    i=0
    until grep -qs 'Power Button' /sys/class/input/event*/device/name; do
        i=$((i + 1))
        [ $i -gt 50 ] && { echo "virtkit-guest: no ACPI power button input device"; break; }
        usleep 100000
    done
else
    echo "virtkit-guest: no ACPI: power-button shutdown will not work"
fi

# acpid daemonizes, and only then opens the input devices: an event sent before that is
# lost. It writes its pid file after opening them, so wait for that before saying READY.
acpid -c /etc/acpi -a /etc/acpid.conf -l /var/log/acpid.log -p /run/acpid.pid ||
    echo "virtkit-guest: acpid failed to start"
i=0
until [ -s /run/acpid.pid ]; do
    i=$((i + 1))
    [ $i -gt 100 ] && { echo "virtkit-guest: acpid wrote no pid file"; break; }
    usleep 50000
done

echo VIRTKIT-GUEST-READY
EOF
chmod 755 "$ROOT/etc/rc"

# newc cpio (the format the kernel unpacks), files owned by root, gzip (every Debian
# kernel has CONFIG_RD_GZIP). /dev/console comes from the kernel's built-in initramfs.
# Fixed mtimes and order: the same inputs give the same initrd, byte for byte.
find "$ROOT" -exec touch -h -d @0 {} +
(cd "$ROOT" && find . -mindepth 1 | LC_ALL=C sort |
    cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9 -n >"$TMP/initrd.img"

# Install: atomic renames, stamp last.
cp "$VMLINUZ" "$OUTDIR/.vmlinuz.new"
cp "$TMP/initrd.img" "$OUTDIR/.initrd.img.new"
mv -f "$OUTDIR/.vmlinuz.new" "$KERNEL_OUT"
mv -f "$OUTDIR/.initrd.img.new" "$INITRD_OUT"
cat >"$OUTDIR/.stamp.new" <<EOF
version=$SCRIPT_VERSION
kernel_package=$KPKG
kernel_package_version=$KDEB_VERSION
kernel_release=$KVER
busybox_static_version=$BB_VERSION
modules=${MODLIST[*]}
cmdline=console=ttyS0 panic=-1 quiet
EOF
mv -f "$OUTDIR/.stamp.new" "$STAMP"
log "built guest: $KPKG ($KDEB_VERSION), initrd $(stat -c %s "$INITRD_OUT") bytes"
print_paths
