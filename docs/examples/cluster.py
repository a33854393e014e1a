#!/usr/bin/env python3
"""Writes an esen-problem/1 ensemble across nodes: NODES nodes of GPUS H100-SXM GPUs (80 GB) each,
MEMBERS members, some with replicas, each with input and output bytes that cross a 100 Gb/s link when
the member is not on the request's node. Latency tables follow Amdahl's law over the SM share,
t(p) = base * (serial + (1 - serial) * 100 / p), at 10 % steps. Seeded: the same arguments give the
same file.

usage: cluster.py [NODES GPUS MEMBERS] > problem.json   (default 16 8 64: docs/examples/cluster-16x8x64.json)
"""
import json
import random
import sys


def problem(nodes, gpus, members, seed=20261205):
    rng = random.Random(seed)
    devices = [{"name": f"n{n:02d}-gpu{g}", "memory_mb": 81920, "node": f"n{n:02d}", "gpu": "H100-SXM"}
               for n in range(nodes) for g in range(gpus)]
    entries = []
    for m in range(members):
        base = rng.uniform(2.0, 40.0)           # ms on the whole GPU
        serial = rng.uniform(0.05, 0.4)         # the part more SMs do not speed up
        table = {str(p): round(base * (serial + (1 - serial) * 100 / p), 4) for p in range(10, 101, 10)}
        entry = {"name": f"m{m:02d}", "memory_mb": round(rng.uniform(1000, 30000)), "latency_ms": table,
                 "input_bytes": rng.choice([602112, 2408448, 9633792, 38535168]),   # 1, 4, 16, 64 images of 3x224x224 fp32
                 "output_bytes": 4000}
        if rng.random() < 0.25:
            entry["replicas"] = 2
        entries.append(entry)
    return {"format": "esen-problem/1", "kind": "ensemble", "objective": "makespan",
            "description": f"{nodes} nodes x {gpus} H100-SXM, {members} members (docs/examples/cluster.py, seed {seed})",
            "link_gbps": 12.5, "devices": devices, "members": entries}


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:4]] or [16, 8, 64]
    json.dump(problem(*sizes), sys.stdout, indent=1)
    sys.stdout.write("\n")
