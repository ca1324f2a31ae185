#!/usr/bin/python3
"""One client harness for both daemons (virtkit's and libvirtd), through python-libvirt.

  harness.py define URI COUNT           define COUNT small guests bench-0000…
  harness.py undefine URI               undefine every guest named bench-*
  harness.py info URI CLIENTS CALLS     CLIENTS processes, each one connection making CALLS
                                        dom.info() calls; prints calls/s and latency
                                        percentiles (ms) as JSON
"""
import json, multiprocessing, sys, time
import libvirt

XML = """<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
</domain>"""


def define(uri, count):
    c = libvirt.open(uri)
    for i in range(count):
        c.defineXML(XML.format(name="bench-%04d" % i))
    c.close()


def undefine(uri):
    c = libvirt.open(uri)
    for d in c.listAllDomains():
        if d.name().startswith("bench-"):
            if d.isActive():
                d.destroy()
            d.undefine()
    c.close()


def worker(args):
    uri, calls, start_at = args
    c = libvirt.open(uri)
    d = c.lookupByName("bench-0000")
    while time.time() < start_at:
        time.sleep(0.001)
    lat = []
    t0 = time.perf_counter()
    for _ in range(calls):
        s = time.perf_counter()
        d.info()
        lat.append(time.perf_counter() - s)
    elapsed = time.perf_counter() - t0
    c.close()
    return lat, t0, t0 + elapsed


def info(uri, clients, calls):
    start_at = time.time() + 1.0 + clients * 0.02
    with multiprocessing.Pool(clients) as pool:
        results = pool.map(worker, [(uri, calls, start_at)] * clients)
    lat = sorted(x for r in results for x in r[0])
    begin = min(r[1] for r in results)
    end = max(r[2] for r in results)
    def pct(p):
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
    print(json.dumps({
        "clients": clients, "calls": len(lat), "seconds": end - begin,
        "calls_per_s": len(lat) / (end - begin), "p50_ms": pct(0.50), "p99_ms": pct(0.99),
    }))


if __name__ == "__main__":
    cmd, uri = sys.argv[1], sys.argv[2]
    if cmd == "define":
        define(uri, int(sys.argv[3]))
    elif cmd == "undefine":
        undefine(uri)
    elif cmd == "info":
        info(uri, int(sys.argv[3]), int(sys.argv[4]))
