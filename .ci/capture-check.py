#!/usr/bin/env python3
"""Every capture must decode as CoAP in tshark with no options but the decode-as its result names
(a DUT on a port other than 5683, profile `binds`): every frame is CoAP. An empty capture is
legitimate only outside captures/ (a fault run whose DUT never sent anything).

The in-memory self-test alone writes 516 captures and tshark takes a second to start, so the
captures are concatenated (mergecap -a, in batches) and each batch is read by one tshark; the
frames are attributed back to their files by the record counts of the pcap headers. A file the
fast path cannot count (not classic pcap) is read on its own."""
import glob
import json
import os
import struct
import subprocess
import sys
import tempfile

def port_of(pcap):
    result = os.path.join(os.path.dirname(os.path.dirname(pcap)), "reports", "results",
                          os.path.basename(pcap)[:-len(".pcap")] + ".json")
    try:
        with open(result) as f:
            return json.load(f).get("coap_port")
    except (OSError, ValueError):
        return None

def records(pcap):
    """(record count, link type) of a classic pcap file, or None."""
    with open(pcap, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return None
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None
    link = struct.unpack(e + "I", data[20:24])[0]
    n, off = 0, 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        off += 16 + incl
        n += 1
    return (n, link) if off == len(data) else None

def protocols(pcaps, ports):
    args = ["tshark", "-T", "fields", "-e", "frame.protocols"]
    for p in sorted(ports):
        args += ["-d", f"udp.port=={p},coap"]
    with tempfile.TemporaryDirectory() as d:
        src = pcaps[0]
        if len(pcaps) > 1:
            src = os.path.join(d, "all.pcap")
            subprocess.run(["mergecap", "-a", "-F", "pcap", "-w", src] + pcaps, check=True, timeout=120)
        out = subprocess.run(args + ["-r", src], capture_output=True, text=True, timeout=600).stdout
    return [p for p in out.split("\n") if p]

def judge(pcap, protos):
    coap = sum(1 for p in protos if "coap" in p.split(":"))
    if coap != len(protos) or (not protos and pcap.startswith("captures/")):
        return f"capture {pcap}: {coap} of {len(protos)} frames decode as CoAP"
    return None

files = sorted({f for p in sys.argv[1:] for f in glob.glob(p)})
problems = []
counted, alone, count = {}, [], {}
for f in files:
    r = records(f)
    if r:
        count[f] = r[0]
        counted.setdefault(r[1], []).append(f)
    else:
        alone.append(f)
for link, group in counted.items():
    for i in range(0, len(group), 200):
        batch = group[i:i + 200]
        ports = {p for p in map(port_of, batch) if p}
        protos = protocols(batch, ports)
        at = 0
        for f in batch:
            n = count[f]
            problems.append(judge(f, protos[at:at + n]))
            at += n
        if at != len(protos):
            problems.append(f"batch of {len(batch)} captures: {len(protos)} frames read, {at} expected")
for f in alone:
    port = port_of(f)
    problems.append(judge(f, protocols([f], {port} if port else set())))
problems = [p for p in problems if p]
for p in problems:
    print(p)
print(f"capture check: {len(files)} pcaps, {len(problems)} not all CoAP")
sys.exit(1 if problems or not files else 0)
