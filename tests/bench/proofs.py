#!/usr/bin/python3
"""Times adledger's proofs on a large ledger, each command as a whole process.

    proofs.py ADLEDGER LEDGER CHECKPOINT VERIFIER_KEY [ADVERTISER]

LEDGER is a ledger from generate.py (imported), CHECKPOINT its signed
checkpoint (adledger head --sign) and VERIFIER_KEY the key's .pub file.
Prints the median and maximum wall time of inclusion proofs (the first,
middle and last record), consistency proofs, head, and a report of
ADVERTISER (default adv-0000) without and with --proofs. No assertion on
time: the figures are for docs/proofs.md.
"""
import json
import statistics
import subprocess
import sys
import time


def timed(adledger, ledger, args, runs):
    times = []
    out = b""
    for _ in range(runs):
        start = time.perf_counter()
        r = subprocess.run([adledger, "--db", ledger, *args], capture_output=True)
        times.append(time.perf_counter() - start)
        if r.returncode != 0:
            sys.exit(f"{' '.join(args)}: exit {r.returncode}: {r.stderr.decode()}")
        out = r.stdout
    return statistics.median(times) * 1e3, max(times) * 1e3, out


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    adledger, ledger, checkpoint, key = sys.argv[1:5]
    advertiser = sys.argv[5] if len(sys.argv) == 6 else "adv-0000"
    size = json.loads(subprocess.run([adledger, "--db", ledger, "--format", "json", "head"],
                                     capture_output=True, check=True).stdout)["records"]
    for seq in (1, size // 2, size):
        median, worst, out = timed(adledger, ledger, ["prove", str(seq)], 15)
        print(f"prove {seq}: median {median:.1f} ms, max {worst:.1f} ms, {len(json.loads(out)['path'])} hashes")
    for first in (1, size // 8, size - 1):
        median, worst, out = timed(adledger, ledger, ["prove", "--from", str(first)], 15)
        print(f"prove --from {first}: median {median:.1f} ms, max {worst:.1f} ms, "
              f"{len(json.loads(out)['path'])} hashes")
    median, worst, _ = timed(adledger, ledger, ["head"], 15)
    print(f"head: median {median:.1f} ms")
    report = ["--format", "json", "report", "advertiser", advertiser, "--by", "month"]
    median, worst, _ = timed(adledger, ledger, report, 7)
    print(f"report advertiser {advertiser}: median {median:.1f} ms")
    median, worst, out = timed(adledger, ledger, report + ["--proofs", checkpoint, "--key", key], 7)
    proven = len(json.loads(out)["proofs"]["records"])
    print(f"report advertiser {advertiser} --proofs: median {median:.1f} ms, max {worst:.1f} ms, "
          f"{proven} records proven, {len(out)} bytes")


if __name__ == "__main__":
    main()
