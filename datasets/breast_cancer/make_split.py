#!/usr/bin/env python3
"""Writes datasets/<name>/train.csv and test.csv (name: breast_cancer, digits) from the copies
Debian's python3-sklearn ships.

Run once by hand (python3 datasets/breast_cancer/make_split.py); plugbench itself never runs Python: it
reads the CSV files this writes. The split is stratified by class: within each class the
sample indices (rows of the source file, in order) are shuffled by random.Random(SEED) and
the first round(TEST_FRACTION * n_class) go to the test set; both files keep source order.
Values are copied as text, unchanged. Standardization is NOT applied here: the loader fits
it on train.csv only and applies it to both.
"""
import csv
import gzip
import os
import random

SEED = 20211206  # the M-FAC paper's NeurIPS 2021 conference start, an arbitrary fixed seed
TEST_FRACTION = 0.2
SRC = "/usr/lib/python3/dist-packages/sklearn/datasets/data"
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # datasets/


def split(name, rows, n_features):
    """rows: lists of strings, features then the integer label."""
    rng = random.Random(SEED)
    test = set()
    labels = sorted({int(r[-1]) for r in rows})
    for c in labels:
        idx = [i for i, r in enumerate(rows) if int(r[-1]) == c]
        rng.shuffle(idx)
        test.update(idx[: round(TEST_FRACTION * len(idx))])
    header = ["x%d" % (j + 1) for j in range(n_features)] + ["label"]
    for part, keep in (("train", lambda i: i not in test), ("test", lambda i: i in test)):
        with open(os.path.join(HERE, name, part + ".csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            for i, r in enumerate(rows):
                if keep(i):
                    w.writerow(r)


def main():
    with open(os.path.join(SRC, "breast_cancer.csv")) as f:
        r = list(csv.reader(f))
    n, d = int(r[0][0]), int(r[0][1])
    rows = r[1:]
    assert len(rows) == n and all(len(x) == d + 1 for x in rows)
    split("breast_cancer", rows, d)
    with gzip.open(os.path.join(SRC, "digits.csv.gz"), "rt") as f:
        rows = [x for x in csv.reader(f) if x]
    assert len(rows) == 1797 and all(len(x) == 65 for x in rows)
    # The pixel values are written as floats ("0.0"?) in some versions: keep integers.
    rows = [[str(int(float(v))) for v in x] for x in rows]
    split("digits", rows, 64)


if __name__ == "__main__":
    main()
