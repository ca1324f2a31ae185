#!/usr/bin/env bash
# virtkit daemon beside Debian's libvirtd 9.0, one client harness for both (root only):
#   - `virsh list --all` with 1,000 defined guests (median wall time of 15 runs)
#   - dom.info() round trips over the unix socket: 1 client, and 100 concurrent clients
# libvirtd runs in a private mount namespace whose /etc/libvirt, /var/lib/libvirt,
# /run/libvirt, /var/cache/libvirt and /var/log/libvirt are scratch copies, so the host's
# libvirt state is never touched; its sockets are in the work folder.
# Usage: Benchmarks/daemon/compare.sh [VIRTKIT_BINARY]   (default: a release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
bash Benchmarks/libvirt-peer.sh >/dev/null
vk=${1:-}
if [ -z "$vk" ]; then
  swift build -c release --product virtkit >/dev/null
  vk=.build/release/virtkit
fi
work=$(mktemp -d /tmp/vk-bench-XXXXXX)
vkpid="" ; lvpid=""
cleanup() {
  [ -n "$vkpid" ] && kill "$vkpid" 2>/dev/null || true
  [ -n "$lvpid" ] && kill "$lvpid" 2>/dev/null || true
  sleep 1
  pkill -9 -f "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
guests=${GUESTS:-1000}
py=/usr/bin/python3
harness=Benchmarks/daemon/harness.py

"$vk" daemon --root "$work/vk" 2>"$work/vk.err" &
vkpid=$!
mkdir -p "$work/lv"
cat > "$work/libvirtd.conf" <<CONF
unix_sock_dir = "$work/lv"
auth_unix_rw = "none"
auth_unix_ro = "none"
max_clients = 5000
max_workers = 20
CONF
unshare -m --propagation private bash -c '
  set -e
  for d in /etc/libvirt /var/lib/libvirt /run/libvirt /var/cache/libvirt /var/log/libvirt; do
    mkdir -p "$d" "'"$work"'/ns$d"
    cp -a "$d/." "'"$work"'/ns$d/" 2>/dev/null || true
    mount --bind "'"$work"'/ns$d" "$d"
  done
  # QEMU run (and probed) as libvirt-qemu cannot open the root-only /dev/kvm here: the
  # capabilities probe then never returned and every define waited on it.
  printf "user = \"root\"\ngroup = \"root\"\n" >> /etc/libvirt/qemu.conf
  exec /usr/sbin/libvirtd --config "'"$work"'/libvirtd.conf"
' 2>"$work/lv.err" &
lvpid=$!
for _ in $(seq 100); do
  [ -S "$work/vk/run/libvirt-sock" ] && [ -S "$work/lv/libvirt-sock" ] && break
  sleep 0.1
done
vkuri="qemu+unix:///system?socket=$work/vk/run/libvirt-sock"
lvuri="qemu+unix:///system?socket=$work/lv/libvirt-sock"

echo "defining $guests guests in each ..." >&2
$py $harness define "$vkuri" "$guests"
$py $harness define "$lvuri" "$guests"

median_list() { # uri -> "wall_us virsh_cpu_us" (medians of 15 runs)
  local walls=() cpus=()
  for _ in $(seq 15); do
    local out s e
    s=$(date +%s%N)
    out=$( { /usr/bin/time -f "%U %S" virsh -c "$1" list --all >/dev/null; } 2>&1 | tail -1)
    e=$(date +%s%N)
    walls+=($(( (e - s) / 1000 )))
    cpus+=($(awk '{printf "%d", ($1 + $2) * 1000000}' <<<"$out"))
  done
  echo "$(printf '%s\n' "${walls[@]}" | sort -n | sed -n 8p) $(printf '%s\n' "${cpus[@]}" | sort -n | sed -n 8p)"
}
vk_list=$(median_list "$vkuri")
lv_list=$(median_list "$lvuri")
vk1=$($py $harness info "$vkuri" 1 5000)
lv1=$($py $harness info "$lvuri" 1 5000)
vk100=$($py $harness info "$vkuri" 100 200)
lv100=$($py $harness info "$lvuri" 100 200)

$py - "$guests" "$vk_list" "$lv_list" "$vk1" "$lv1" "$vk100" "$lv100" <<'PY'
import json, sys
guests = int(sys.argv[1])
(vkl, vkc), (lvl, lvc) = ([int(x) / 1000 for x in a.split()] for a in sys.argv[2:4])
vk1, lv1, vk100, lv100 = (json.loads(a) for a in sys.argv[4:8])
print(f"virsh list --all, {guests} guests: virtkit {vkl:.1f} ms, libvirtd {lvl:.1f} ms, "
      f"{lvl / vkl:.1f}x (goal <= 50 ms and >= 4x)")
print(f"  virsh's own CPU time in those runs (user+sys, a floor no server removes): "
      f"{vkc:.0f} ms against virtkit, {lvc:.0f} ms against libvirtd")
for n, a, b in ((1, vk1, lv1), (100, vk100, lv100)):
    print(f"dom.info(), {n} client(s): virtkit {a['calls_per_s']:.0f}/s p50 {a['p50_ms']:.3f} ms p99 {a['p99_ms']:.3f} ms; "
          f"libvirtd {b['calls_per_s']:.0f}/s p50 {b['p50_ms']:.3f} ms p99 {b['p99_ms']:.3f} ms; "
          f"throughput {a['calls_per_s'] / b['calls_per_s']:.2f}x, p99 {a['p99_ms'] / b['p99_ms']:.2f} of libvirtd's")
print("(goal at 100 clients: >= 2x libvirtd's calls/s, p99 <= 0.5 of libvirtd's)")
PY
