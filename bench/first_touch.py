#!/usr/bin/env python3
"""How fast this machine gives a process memory it has not touched before.

    python3 bench/first_touch.py 8      # GiB; default 4

Maps N GiB of anonymous memory and writes it twice, three times over. On bare metal
both passes run at memory speed. On a VM whose host backs guest memory lazily (and
takes freed pages back), the first pass pays for the host's page faults too: that cost
grows with the memory a run touches (process RSS plus the page cache of what it
writes), which is why a 100,000-account build grows faster than 10x a 10,000-account
one on such a machine. See ARCHITECTURE.md, "Memory is time".
"""
import mmap
import sys
import time

gib = float(sys.argv[1]) if len(sys.argv) > 1 else 4.0
size = int(gib * (1 << 30))
chunk = bytes([1]) * (1 << 20)


def fill(m):
    m.seek(0)
    start = time.perf_counter()
    for _ in range(size // len(chunk)):
        m.write(chunk)
    return time.perf_counter() - start


for run in range(3):
    m = mmap.mmap(-1, size)
    first = fill(m)
    second = fill(m)
    m.close()
    print(
        f"run {run + 1}: first touch {size / first / 1e9:6.2f} GB/s ({first:5.2f} s), "
        f"second touch {size / second / 1e9:6.2f} GB/s ({second:5.2f} s)"
    )
