#!/usr/bin/env python3
"""Picks a small committed corpus for one target from everything the fuzzing found.

    python3 fuzz/pick_corpus.py TARGET FUZZER DIR...

Runs FUZZER (a libFuzzer binary of TARGET) with -set_cover_merge=1 over fuzz/corpus/TARGET and
the DIRs, reads each input's features from the merge control file, keeps every seed-* and
regress-* input, then adds inputs greedily by new features (ties: the smaller) until MAX_FILES
files or MAX_BYTES bytes, or until nothing adds a feature. The added inputs are copied to
fuzz/corpus/TARGET/cov-<sha1 prefix>; earlier cov-* files there are replaced.
"""
import hashlib
import os
import subprocess
import sys
import tempfile

# Targets whose inputs reach many features (every processor, the API) may keep more files:
# PICK_MAX_FILES=150 in the environment.
MAX_FILES = int(os.environ.get("PICK_MAX_FILES", "50"))
MAX_BYTES = 200 * 1024


def read_control(path):
    """File names by index and the feature set of each index that ran."""
    with open(path) as f:
        lines = f.read().splitlines()
    n = int(lines[0])
    names = lines[2:2 + n]
    features = {}
    for line in lines[2 + n:]:
        parts = line.split()
        if parts and parts[0] == "FT":
            features[int(parts[1])] = set(int(x) for x in parts[2:])
    return names, features


def main():
    target, fuzzer, dirs = sys.argv[1], sys.argv[2], sys.argv[3:]
    committed = os.path.join("fuzz", "corpus", target)
    with tempfile.TemporaryDirectory() as tmp:
        control = os.path.join(tmp, "control")
        out = os.path.join(tmp, "out")
        os.mkdir(out)
        subprocess.run([fuzzer, "-set_cover_merge=1", "-merge_control_file=" + control, out,
                        committed] + dirs, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        names, features = read_control(control)

    def kept_by_hand(name):
        base = os.path.basename(name)
        return os.path.dirname(name) == committed and base.startswith(("seed-", "regress-"))

    chosen = [i for i, name in enumerate(names) if kept_by_hand(name)]
    covered = set().union(*(features.get(i, set()) for i in chosen))
    size = sum(os.path.getsize(names[i]) for i in chosen)
    added = []
    candidates = {i for i in features if not kept_by_hand(names[i])}
    while len(chosen) + len(added) < MAX_FILES and candidates:
        best = max(candidates, key=lambda i: (len(features[i] - covered),
                                              -os.path.getsize(names[i])))
        gain = len(features[best] - covered)
        candidates.discard(best)
        if gain == 0:
            break
        if size + os.path.getsize(names[best]) > MAX_BYTES:
            continue
        added.append(best)
        covered |= features[best]
        size += os.path.getsize(names[best])

    picked = []  # read first: a picked input may be one of the cov-* files replaced below
    for i in added:
        with open(names[i], "rb") as f:
            picked.append(f.read())
    for old in os.listdir(committed):
        if old.startswith("cov-"):
            os.remove(os.path.join(committed, old))
    for data in picked:
        name = "cov-" + hashlib.sha1(data).hexdigest()[:12]
        with open(os.path.join(committed, name), "wb") as f:
            f.write(data)
    total = set().union(*features.values()) if features else set()
    print("%s: %d hand-made + %d picked files, %d bytes, %d of %d features" %
          (target, len(chosen), len(added), size, len(covered), len(total)))


if __name__ == "__main__":
    main()
