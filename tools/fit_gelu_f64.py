#!/usr/bin/python3
"""Prints the coefficients of gelu's float64 normal tail (src/kernels/gelu-inl.h,
gelu::Float64Forward) and their error. g(a) = e^(a^2/2) erfc(a/sqrt 2) on [0, 39] is
interpolated at the Chebyshev nodes (in y) by a polynomial in y = (a - c)/(a + c), c = 4 sqrt 2
rounded to double, solved in 200-bit arithmetic (mpmath); each coefficient is printed rounded
to double (kG) and, for the first 12, with the rest of it (kGLo), since the kernel evaluates
those Horner steps in pairs. The error is measured against mpmath on 2001 points, with the
exact coefficients (the kernel's own rounding is measured by activ-accuracy).

usage: /usr/bin/python3 tools/fit_gelu_f64.py [degree]   (default 26)
"""
import sys

import mpmath as mp

mp.mp.prec = 200


def g(a):
    return mp.exp(a * a / 2) * mp.erfc(a / mp.sqrt(2))


def fit(degree, c=float.fromhex("0x1.6a09e667f3bcdp+2"), top=39):
    c = mp.mpf(c)

    def to_a(y):
        return c * (1 + y) / (1 - y)

    vlo, vhi = -1, (top - c) / (top + c)
    ys = [(vlo + vhi) / 2 + (vhi - vlo) / 2 * mp.cos(mp.pi * (2 * i + 1) / (2 * (degree + 1)))
          for i in range(degree + 1)]
    m = mp.matrix([[y**j for j in range(degree + 1)] for y in ys])
    sol = mp.lu_solve(m, mp.matrix([g(to_a(y)) for y in ys]))
    co = [sol[j] for j in range(degree + 1)]
    worst = max(abs(sum(cj * y**j for j, cj in enumerate(co)) / g(to_a(y)) - 1)
                for y in mp.linspace(vlo, vhi, 2001))
    return co, worst


def main():
    degree = int(sys.argv[1]) if len(sys.argv) > 1 else 26
    co, worst = fit(degree)
    print(f"// degree {degree}: within 2^{float(mp.log(worst, 2)):.2f} relative")
    hi = [float(x) for x in co]
    lo = [float(x - mp.mpf(h)) for x, h in zip(co, hi)]
    print("kG = {" + ", ".join(h.hex() for h in hi) + "}")
    print("kGLo = {" + ", ".join(v.hex() for v in lo[:12]) + "}")


if __name__ == "__main__":
    main()
