#!/usr/bin/env python3
"""Writes the seed corpora of the parser fuzz targets (fuzz/corpus/{idx,csv,npy,checkpoint}).

Small, valid files of each format plus a few broken ones that stop at each check, in the input
layout each target expects (see the comment at the top of fuzz/*_fuzzer.cc). Run it again after
changing a format; the output is the same on every run.
   python3 fuzz/make_seeds.py
"""
import gzip
import json
import pathlib
import struct
import zlib

ROOT = pathlib.Path(__file__).resolve().parent / "corpus"


def put(kind, name, data):
    d = ROOT / kind
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def gz(data):
    # mtime 0: the same bytes on every run.
    return gzip.compress(data, compresslevel=6, mtime=0)


def idx(dims, values):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(values)


def idx_input(flags, images, labels):
    return bytes([flags]) + struct.pack("<H", len(images)) + images + labels


def idx_seeds():
    images = idx([3, 2, 2], range(12))
    labels = idx([3], [0, 2, 1])
    put("idx", "plain", idx_input(0, images, labels))
    put("idx", "zipped_by_fuzzer", idx_input(3, images, labels))
    put("idx", "gzip_files", idx_input(0, gz(images), gz(labels)))
    put("idx", "one_dim", idx_input(0, idx([2], [7, 9]), idx([2], [1, 0])))
    put("idx", "four_dims", idx_input(1, idx([1, 1, 2, 2], [1, 2, 3, 4]), idx([1], [5])))
    put("idx", "truncated", idx_input(0, images[:-3], labels))
    put("idx", "wrong_magic", idx_input(0, b"\x1f\x00" + images[2:], labels))
    put("idx", "huge_dims", idx_input(0, bytes([0, 0, 8, 3]) + b"\xff\xff\xff\xff" * 3, labels))
    put("idx", "count_mismatch", idx_input(0, images, idx([2], [0, 1])))
    # 1 MiB of zeros after the declared data, in about 1 KiB of gzip: read up to the header's size.
    put("idx", "gzip_bomb", idx_input(0, gz(images + bytes(1 << 20)), labels))


def csv_seeds():
    # flags (task, drop bad rows, no label, gzip), label column choice, then the text.
    put("csv", "header", b"\x00\x00x0,x1,label\n0.5,1,0\n-2,3e2,1\n7,8,2\n")
    put("csv", "no_header", b"\x00\x08" + b"1,2,3\n4,5,6\n")
    put("csv", "regression", b"\x02\x02" + b"a,b,target\n1.5,2,0.25\n3,4,-1e3\n")
    put("csv", "bad_rows_dropped", b"\x04\x00" + b"x,y,label\n1,nan,0\n2,,1\n3,4,1\ninf,1,0\n")
    put("csv", "crlf_gzip", b"\x10\x08" + b"x,y,z\r\n1,2,3\r\n\r\n4,5,6\r\n")
    put("csv", "no_label", b"\x08\x00" + b"1,2\n3,4\n")
    put("csv", "quoted", b"\x01\x01" + b'"x","label"\n1,"0"\n2,1\n')
    put("csv", "ragged", b"\x00\x00" + b"1,2,3\n4,5\n")
    put("csv", "not_a_number", b"\x00\x00" + b"x,label\nabc,1\n")
    put("csv", "big_values", b"\x02\x00" + b"x,y\n1e39,1\n2,-1e300\n")


def npy(descr, shape, payload, version=1, fortran=False):
    shape_text = "(" + "".join(f"{d}, " for d in shape).rstrip(" ") + ")"
    if len(shape) > 1:
        shape_text = "(" + ", ".join(str(d) for d in shape) + ")"
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr, "True" if fortran else "False", shape_text)
    prefix = 10 if version == 1 else 12
    total = (prefix + len(header) + 1 + 63) // 64 * 64
    header = header + " " * (total - prefix - len(header) - 1) + "\n"
    length = struct.pack("<H" if version == 1 else "<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + length + header.encode() + payload


def npy_seeds():
    put("npy", "f4_1d", npy("<f4", [3], struct.pack("<3f", 1, -2.5, float("nan"))))
    put("npy", "f8_2d", npy("<f8", [2, 2], struct.pack("<4d", 1, 2, 3, 4)))
    put("npy", "f8_0d", npy("<f8", [], struct.pack("<d", 0.5)))
    put("npy", "empty", npy("<f4", [0, 3], b""))
    put("npy", "v2", npy("<f4", [1], struct.pack("<f", 7), version=2))
    put("npy", "v3_f8", npy("<f8", [1, 1], struct.pack("<d", -0.0), version=3))
    put("npy", "fortran_1d", npy("<f8", [2], struct.pack("<2d", 5, 6), fortran=True))
    put("npy", "big_endian", npy(">f4", [1], b"\0\0\0\1"))
    put("npy", "truncated", npy("<f8", [4], struct.pack("<2d", 1, 2)))


def checkpoint(hidden, inputs=2, outputs=2, head="softmax_cross_entropy", state=True,
               scaler="standardize", classes=2):
    arrays = []
    units_in = inputs
    running = []
    # A layer entry is (units, activation, batch norm) or, for a gated unit, whose layer
    # projects to twice its width, (units, activation, batch norm, True).
    for units, act, bn, *gated in hidden:
        proj = units * (2 if gated and gated[0] else 1)
        arrays.append([0.01 * (i % 7 - 3) for i in range(proj * units_in)])
        if bn:
            arrays += [[1.0] * proj, [0.0] * proj]
            running += [[0.0] * proj, [1.0] * proj]
        else:
            arrays.append([0.0] * proj)
        units_in = units
    arrays.append([0.02 * (i % 5 - 2) for i in range(outputs * units_in)])
    arrays.append([0.0] * outputs)
    arrays += running
    header = {
        "format": "activ-lab-checkpoint",
        "network": {"inputs": inputs, "outputs": outputs, "head": head,
                    "hidden": [{"units": u, "activation": a, "batchnorm": bn, "dropout": 0.0}
                               for u, a, bn, *_ in hidden]},
        "scaler": {"kind": scaler, "features": inputs},
        "meta": {"activation": hidden[0][1] if hidden else "none", "seed": 1, "run": 0,
                 "dataset": "spirals", "classes": classes, "epoch": 1, "init": "pytorch"},
        "arrays": {"network": [len(a) for a in arrays], "best": [],
                   "optimizer": [len(a) for a in arrays[:len(arrays) - len(running)]]
                   if state else []},
        "state": {"epoch": 1, "optimizer_steps": 10, "optimizer": "sgd", "best_metric": 0.5,
                  "best_epoch": 1, "since_best": 0, "best_train_loss": None,
                  "no_improvement": 0, "elapsed_seconds": 0.25} if state else None,
    }
    text = json.dumps(header, separators=(",", ":")).encode()
    out = b"ACTIVLAB" + struct.pack("<IQ", 1, len(text)) + text
    floats = arrays + [[0.0] * inputs, [1.0] * inputs]
    if state:
        floats += [[0.0] * len(a) for a in arrays[:len(arrays) - len(running)]]
    for a in floats:
        out += struct.pack(f"<{len(a)}f", *a)
    return out  # without the CRC-32: the fuzzer appends it


def checkpoint_seeds():
    put("checkpoint", "relu", checkpoint([(3, "relu", False)]))
    put("checkpoint", "no_state", checkpoint([(2, "tanh", False)], state=False))
    put("checkpoint", "batchnorm_gated", checkpoint([(2, "swiglu", True, True),
                                                          (2, "elu:alpha=0.5", False)]))
    put("checkpoint", "regression", checkpoint([(2, "gelu", False)], inputs=1, outputs=1,
                                               head="squared_error", classes=0, scaler="minmax"))
    put("checkpoint", "sigmoid", checkpoint([], outputs=1, head="sigmoid_bce", scaler="none"))


if __name__ == "__main__":
    idx_seeds()
    csv_seeds()
    npy_seeds()
    checkpoint_seeds()
    # Raw CRC-checked checkpoints are also what the lab writes; keep the format honest.
    assert zlib.crc32(b"") == 0
