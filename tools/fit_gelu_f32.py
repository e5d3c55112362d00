#!/usr/bin/python3
"""Prints the table of gelu's float-lane kernel (src/kernels/gelu-inl.h, gelu::kTableF32) and
its measured error.

g(a) = e^(a^2/2) erfc(a/sqrt 2), the normal tail Phi(-a) = e^(-a^2/2) g(a)/2 with its fast
decay taken out, is smooth and within [0.06, 1] on [0, 13]. It is cut into 32 pieces, each a
polynomial of degree 8 in d = a - c (c the piece's centre, a float with few bits so that a - c
is exact):
  pieces 0..18:  c = j/4,                 a in [c - 1/8, c + 1/8]   (a < 4.5; piece 0 from 0)
  pieces 19..31: c = 4.875 + 0.75 (j-19), a in [c - 3/8, c + 3/8]   (a >= 4.5)
Each polynomial interpolates g at the Chebyshev nodes of its piece widened by 2^-10 on each
side (the kernel's index, computed in float, may fall one piece off within that), solved in
200-bit arithmetic (mpmath). Coefficients 0..2 are split into two floats (hi + lo), the rest
rounded to float. The error printed is that of the rounded coefficients evaluated exactly,
relative to g, on 1001 points of each widened piece.

usage: /usr/bin/python3 tools/fit_gelu_f32.py
"""
import re

import mpmath as mp
import numpy as np

mp.mp.prec = 200
DEGREE = 8
PAIRS = 3  # coefficients carried as two floats
MARGIN = mp.mpf(2) ** -10


def g(a):
    return mp.exp(a * a / 2) * mp.erfc(a / mp.sqrt(2))


def pieces():
    out = []
    for j in range(32):
        if j <= 18:
            c, hw = mp.mpf(j) / 4, mp.mpf(1) / 8
        else:
            c, hw = mp.mpf("4.875") + mp.mpf("0.75") * (j - 19), mp.mpf(3) / 8
        lo = max(c - hw - MARGIN, mp.mpf(0))
        out.append((c, lo, c + hw + MARGIN))
    return out


def f32(v):
    return float(np.float32(float(v)))


def fit_piece(c, lo, hi):
    n = DEGREE + 1
    ds = [(lo + hi) / 2 - c + (hi - lo) / 2 * mp.cos(mp.pi * (2 * i + 1) / (2 * n))
          for i in range(n)]
    m = mp.matrix([[dd ** k for k in range(n)] for dd in ds])
    coef = mp.lu_solve(m, mp.matrix([g(c + dd) for dd in ds]))
    hi_parts, lo_parts = [], []
    for k in range(n):
        h = f32(coef[k])
        hi_parts.append(h)
        lo_parts.append(f32(coef[k] - mp.mpf(h)) if k < PAIRS else 0.0)
    worst = mp.mpf(0)
    for dd in mp.linspace(lo - c, hi - c, 1001):
        p = sum((mp.mpf(hi_parts[k]) + mp.mpf(lo_parts[k])) * dd ** k for k in range(n))
        worst = max(worst, abs(p / g(c + dd) - 1))
    return hi_parts, lo_parts, worst


def main():
    rows, worst = [], mp.mpf(0)
    for c, lo, hi in pieces():
        h, l, w = fit_piece(c, lo, hi)
        rows.append((float(c), h, l))
        worst = max(worst, w)
    print(f"g pieces, degree {DEGREE}: max relative error 2^{float(mp.log(worst, 2)):.1f}")
    # The kernel's table, one row of 32 per entry: centre, c0 hi, c0 lo, c1 hi, c1 lo, c2 hi,
    # c2 lo, c3 .. c8.
    table = [[r[0] for r in rows]]
    for k in range(DEGREE + 1):
        table.append([r[1][k] for r in rows])
        if k < PAIRS:
            table.append([r[2][k] for r in rows])
    print("{")
    for row in table:
        print("    {" + ", ".join(hexf(v) for v in row) + "},")
    print("}")


def hexf(v):
    """A float as a C++ hexadecimal float literal, trailing zeros dropped."""
    if v == 0:
        return "0.0f"
    m = re.match(r"(-?0x1)\.?([0-9a-f]*?)0*p([+-]\d+)", float(v).hex())
    frac = "." + m.group(2) if m.group(2) else ""
    return f"{m.group(1)}{frac}p{m.group(3)}f"

if __name__ == "__main__":
    main()
