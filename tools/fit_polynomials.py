#!/usr/bin/python3
"""Prints the polynomial coefficients of the float32 kernels (src/kernels/math-inl.h and
gelu-inl.h) and their measured error. Each polynomial interpolates its function at the
Chebyshev nodes of its interval, solved in 200-bit arithmetic (mpmath), then rounded to
double; the error is measured against mpmath on 4001 points of the interval, evaluating the
rounded coefficients exactly.

usage: /usr/bin/python3 tools/fit_polynomials.py
"""
import mpmath as mp

mp.mp.prec = 200


def interpolate(f, lo, hi, degree, variable=lambda t: t):
    """Coefficients c of sum c[j] v^j, v = variable(t), equal to f(t) at the Chebyshev nodes
    of [lo, hi] in v."""
    vlo, vhi = variable(mp.mpf(lo)), variable(mp.mpf(hi))
    nodes = [(vlo + vhi) / 2 + (vhi - vlo) / 2 * mp.cos(mp.pi * (2 * i + 1) / (2 * (degree + 1)))
             for i in range(degree + 1)]
    return nodes


def fit(f, ts, vs, degree):
    a = mp.matrix([[v ** j for j in range(degree + 1)] for v in vs])
    c = mp.lu_solve(a, mp.matrix([f(t) for t in ts]))
    return [float(c[j]) for j in range(degree + 1)]


def expm1_core(degree=7):
    """Q with e^r - 1 = r + r^2 Q(r) on |r| <= ln2/2 (a hair wider)."""
    a = mp.log(2) / 2 * mp.mpf("1.0001")

    def q(r):
        return mp.mpf(1) / 2 + r / 6 if abs(r) < mp.mpf(10) ** -30 else (mp.expm1(r) - r) / r**2

    rs = interpolate(q, -a, a, degree)
    c = fit(q, rs, rs, degree)
    worst = max(abs((r + r * r * sum(mp.mpf(cj) * r**j for j, cj in enumerate(c))) / mp.expm1(r) - 1)
                for r in mp.linspace(-a, a, 4001) if r != 0)
    return c, worst


def erfcx(degree=15, k=4, t_max=15 / mp.sqrt(2)):
    """e^(t^2) erfc(t) on [0, t_max] as a polynomial in y = (t - k)/(t + k)."""
    def g(t):
        return mp.exp(t * t) * mp.erfc(t)

    def y_of(t):
        return (t - k) / (t + k)

    ys = interpolate(g, 0, t_max, degree, y_of)
    ts = [k * (1 + y) / (1 - y) for y in ys]
    c = fit(g, ts, ys, degree)
    worst = max(abs(sum(mp.mpf(cj) * y_of(t)**j for j, cj in enumerate(c)) / g(t) - 1)
                for t in mp.linspace(0, t_max, 4001))
    return c, worst


def show(name, c, worst):
    print(f"{name}: relative error 2^{float(mp.log(worst, 2)):.1f}")
    print("    " + ", ".join(x.hex() for x in c))



def log1p_unit(degree=15):
    """log1p(e)/e on [0, 1]."""
    def q(e):
        return 1 - e / 2 if e < mp.mpf(10) ** -30 else mp.log1p(e) / e

    es = interpolate(q, 0, 1, degree)
    c = fit(q, es, es, degree)
    worst = max(abs(sum(mp.mpf(cj) * e**j for j, cj in enumerate(c)) / q(e) - 1)
                for e in mp.linspace(0, 1, 4001))
    return c, worst


def gelu_fast_h(degree=10, c=2.5, s0=0.5, a_max=14.5, nodes=1500, lawson=100):
    """H with e^(a^2/2) erfc(a/sqrt 2)/2 = v H(v - s0), v = c/(a + c), a in [0, a_max], float32
    coefficients (src/kernels/fast/gelu-inl.h). Weighted least squares for the relative error
    at the Chebyshev nodes of [v(a_max), 1] in v, reweighted toward the minimax error
    (Lawson); the coefficients are rounded to float32 one at a time from the constant term up,
    each rounding followed by a new fit of the ones left, so the later terms absorb the earlier
    roundings. Needs numpy; the error is measured with the float32 coefficients."""
    import numpy as np

    def g(a):
        a = mp.mpf(a)
        return mp.exp(a * a / 2) * mp.erfc(a / mp.sqrt(2)) / 2

    v0 = c / (a_max + c)
    vs = np.cos(np.linspace(0, np.pi, nodes)) * (1 - v0) / 2 + (1 + v0) / 2
    gs = np.array([float(g(c / v - c)) for v in vs])
    basis = np.vander(vs - s0, degree + 1, increasing=True) * vs[:, None]

    def solve(cols, rest):
        w = np.ones(nodes)
        best = (2.0, None)
        for _ in range(lawson):
            coef = np.linalg.lstsq(cols * (np.sqrt(w) / gs)[:, None], np.sqrt(w) * rest / gs,
                                   rcond=None)[0]
            err = np.abs((cols @ coef - rest) / gs)
            if err.max() < best[0]:
                best = (err.max(), coef)
            w = w * (err + 1e-3 * err.max())
            w /= w.sum()
        return best[1]

    coef = []
    for j in range(degree + 1):
        rest = gs - (basis[:, :j] @ np.array(coef) if j else 0)
        coef.append(float(np.float32(solve(basis[:, j:], rest)[0])))
    worst = max(abs(c / (a + c) * sum(mp.mpf(cj) * (c / (a + c) - s0)**j
                                      for j, cj in enumerate(coef)) / g(a) - 1)
                for a in mp.linspace(0, a_max, 4001))
    return coef, worst


def f32(x):
    """x rounded to float32, as a Python float."""
    import numpy as np
    return float(np.float32(x))


def ulp32(x):
    """The float32 ULP at x."""
    import numpy as np
    return 2.0 ** (int(np.frexp(np.float32(x))[1]) - 24)


def centre_near_float(f, mid):
    """The float32 nearest mid where f is within 2^-9 ULP of a float32, so that a piece's
    constant term, rounded to float32, is nearly exact."""
    return next(x for j in range(20000) for x in (f32(mid + j * ulp32(mid)),
                                                  f32(mid - j * ulp32(mid)))
                if abs(f(x) - f32(float(f(x)))) < ulp32(f32(float(f(x)))) * 2.0**-9)


def lawson_fit(basis, fs, wt, coef, degree, nodes, lawson):
    """Completes coef (the terms already fixed) to degree: each further coefficient from a
    weighted least-squares fit of what is left (weights wt, reweighted `lawson` times toward the
    minimax error, Lawson's iteration), rounded to float32, then the ones after it fitted
    again."""
    import numpy as np
    coef = list(coef)
    for j in range(len(coef), degree + 1):
        rest = fs - basis[:, :j] @ np.array(coef)
        w, best = np.ones(nodes), (np.inf, None)
        for _ in range(lawson):
            cols = basis[:, j:]
            sol = np.linalg.lstsq(cols * (np.sqrt(w) * wt)[:, None], np.sqrt(w) * rest * wt,
                                  rcond=None)[0]
            err = np.abs((cols @ sol - rest) * wt)
            if err.max() < best[0]:
                best = (err.max(), sol)
            w = w * (err + 1e-3 * err.max())
            w /= w.sum()
        coef.append(f32(best[1][0]))
    return coef


def gelu_fast_pieces(slope=False, degree=5, mbits=3, nodes=160, lawson=60):
    """The pieces of the fast gelu (src/kernels/fast/gelu-inl.h): G(a) = e^(a^2/2) erfc(a/sqrt
    2)/2 on [0, 14.5], the piece from the last two exponent bits and the first mbits significand
    bits of a + 1 (2^mbits pieces an octave: kPieces with 3, kPieces8 with 1), or with
    slope=True M(a) = G(a) - a/sqrt(2 pi) on [0, 20], the piece from 3a/4 + 1 (kSlopePieces),
    its error weighted by 1/max(|M|, 2^-6). Each piece: P(a - c) with c the float nearest the
    piece's middle where f(c) is within 2^-9 ULP of a float, P's constant term; the other
    coefficients fitted (weighted least squares at Chebyshev nodes, reweighted toward the
    minimax error) and rounded to float32 one at a time from the linear term up, each rounding
    followed by a new fit of the ones left. Returns the centres, the coefficient rows and the
    largest weighted error (measured on 401 points a piece with the float32 coefficients)."""
    import numpy as np

    k = 1 / mp.sqrt(2 * mp.pi)

    def f(a):
        a = mp.mpf(a)
        g = mp.exp(a * a / 2) * mp.erfc(a / mp.sqrt(2)) / 2
        return g - a * k if slope else g

    def weight(v):
        return 1 / np.maximum(np.abs(v), 2.0**-6) if slope else 1 / np.abs(v)

    scale, a_max = (0.75, 20.0) if slope else (1.0, 14.5)
    centres, rows, worst = [], [[] for _ in range(degree + 1)], 0
    per = 1 << mbits
    for idx in range(4 * per):
        e, m = ((idx >> mbits) - 3) % 4, idx & (per - 1)
        ylo, yhi = 2**e * (1 + m / per), 2**e * (1 + (m + 1) / per)
        lo, hi = (ylo - 1) / scale, min((yhi - 1) / scale, a_max)
        if lo >= a_max:
            lo, hi = a_max, a_max + 1e-3
        c = centre_near_float(f, f32(((ylo + yhi) / 2 - 1) / scale))
        us = np.cos(np.linspace(0, np.pi, nodes)) * (hi - lo) / 2 + (hi + lo) / 2 - c
        fs = np.array([float(f(mp.mpf(c) + mp.mpf(u))) for u in us])
        wt = weight(fs)
        basis = np.vander(us, degree + 1, increasing=True)
        coef = lawson_fit(basis, fs, wt, [f32(float(f(c)))], degree, nodes, lawson)
        for u in np.linspace(lo - c, hi - c, 401):
            exact = f(mp.mpf(c) + mp.mpf(u))
            p = sum(mp.mpf(cj) * mp.mpf(u)**j for j, cj in enumerate(coef))
            worst = max(worst, abs(p - exact) * float(weight(np.array([float(exact)]))[0]))
        centres.append(c)
        for j in range(degree + 1):
            rows[j].append(coef[j])
    return centres, rows, worst


def direct_pieces(f, a_max, k, k2, degree=6, pieces=32, nodes=160, lawson=60):
    """Pieces of R(a) = f(a) on [0, a_max] for the direct forms of the fast gelu and gelu_tanh
    (src/kernels/fast/gelu-inl.h, gelu_tanh-inl.h): piece j = floor(y), y = a (k a + k2) with
    float32 k, k2 and y(a_max) below `pieces`. Each piece: P(a - c), c and P's
    constant term as in gelu_fast_pieces, but for piece 0: c = 0 and no constant term, so that
    R(a) = a P'(a) keeps its relative accuracy down to a = 0; the other coefficients fitted for
    the relative error (weighted least squares at Chebyshev nodes without the ends, reweighted
    toward the minimax error) and rounded to float32 one at a time from the linear term up. The
    fit's interval is widened by 2^-20 relative on each side for the roundings of y. Returns the
    centres, the coefficient rows and the largest relative error (401 points a piece, float32
    coefficients)."""
    import numpy as np

    def a_of(y):
        lo, hi = 0.0, a_max * 2
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if mid * (k * mid + k2) < y else (lo, mid)
        return lo

    assert a_max * (k * a_max + k2) < pieces
    centres, rows, worst = [], [[] for _ in range(degree + 1)], 0
    for j in range(pieces):
        lo = a_of(j) * (1 - 2**-20) if j else 0.0
        hi = min(a_of(j + 1), a_max) * (1 + 2**-20)
        if j == 0:
            c, p0 = 0.0, 0.0
        else:
            c = centre_near_float(f, f32((lo + hi) / 2))
            p0 = f32(float(f(c)))
        us = (np.cos(np.pi * (2 * np.arange(nodes) + 1) / (2 * nodes)) * (hi - lo) / 2 +
              (hi + lo) / 2 - c)
        fs = np.array([float(f(mp.mpf(c) + mp.mpf(u))) for u in us])
        wt = 1 / np.abs(fs)
        basis = np.vander(us, degree + 1, increasing=True)
        coef = lawson_fit(basis, fs, wt, [p0], degree, nodes, lawson)
        for u in np.linspace(lo - c, hi - c, 401):
            exact = f(mp.mpf(c) + mp.mpf(u))
            if exact != 0:
                p = sum(mp.mpf(cj) * mp.mpf(u)**i for i, cj in enumerate(coef))
                worst = max(worst, abs(p / exact - 1))
        centres.append(c)
        for i in range(degree + 1):
            rows[i].append(coef[i])
    return centres, rows, worst


def index_constants(a_max, beta, pieces=32):
    """k and k2 = beta k of direct_pieces' y = k a (a + beta), float32, y(a_max) = pieces (1 -
    2^-10): widths about 1/(k (2a + beta))."""
    import numpy as np
    k = float(np.float32(pieces * (1 - 2**-10) / (a_max * a_max + beta * a_max)))
    return k, float(np.float32(beta * k))


def gelu_fast_direct(degree=6, a_max=8.0, beta=5.5):
    """R(a) = a Phi(-a) = a erfc(a/sqrt 2)/2 on [0, a_max] (gelu-inl.h kDirect): R's relative
    change over a piece is about a times its width (as e^(-a^2/2)), so y = k a (a + beta) makes
    the pieces narrow as a grows, beta keeping those near 0 narrow enough. Returns k, k2 and
    direct_pieces' result."""
    k, k2 = index_constants(a_max, beta)
    return (k, k2, *direct_pieces(lambda a: mp.mpf(a) * mp.erfc(mp.mpf(a) / mp.sqrt(2)) / 2,
                                  a_max, k, k2, degree=degree))


def gelu_tanh_fast_direct(degree=8, a_max=8.0, beta=4.0):
    """R(a) = a/(1 + e^w), w = 2 sqrt(2/pi) a (1 + 0.044715 a^2) on [0, a_max]
    (gelu_tanh-inl.h kDirect), pieces as gelu_fast_direct's. R's relative change over a piece is
    about w' = 2 sqrt(2/pi) (1 + 3 0.044715 a^2) times its width, 49 in all against 33 for
    gelu, hence degree 8. Returns k, k2 and direct_pieces' result."""
    k, k2 = index_constants(a_max, beta)

    def r(a):
        a = mp.mpf(a)
        return a / (1 + mp.exp(2 * mp.sqrt(2 / mp.pi) * a * (1 + mp.mpf('0.044715') * a * a)))

    return (k, k2, *direct_pieces(r, a_max, k, k2, degree=degree))

def show_pieces(name, centres, rows, worst):
    print(f"{name}: weighted error 2^{float(mp.log(worst, 2)):.1f}")
    for label, row in [("c", centres)] + [(f"p{j}", r) for j, r in enumerate(rows)]:
        print(f"    {label}: " + ", ".join(float(x).hex() for x in row))


if __name__ == "__main__":
    show("Expm1Core Q (math-inl.h)", *expm1_core())
    show("erfcx in y = (t-4)/(t+4) (gelu-inl.h)", *erfcx())
    show("log1p(e)/e on [0, 1] (math-inl.h Log1pUnit)", *log1p_unit())
    show("gelu fast: H(v - 1/2), v = 2.5/(a + 2.5) (fast/gelu-inl.h)", *gelu_fast_h())
    show_pieces("gelu fast AVX-512: G pieces (fast/gelu-inl.h kPieces)", *gelu_fast_pieces())
    show_pieces("gelu fast AVX-512: M pieces (fast/gelu-inl.h kSlopePieces)",
                *gelu_fast_pieces(slope=True))
    show_pieces("gelu fast AVX2: G pieces (fast/gelu-inl.h kPieces8)",
                *gelu_fast_pieces(degree=8, mbits=1))
    show_pieces("gelu fast AVX2: M pieces (fast/gelu-inl.h kSlopePieces8)",
                *gelu_fast_pieces(slope=True, degree=8, mbits=1))
    k, k2, *direct = gelu_fast_direct()
    print(f"gelu fast AVX-512 direct: k = {k.hex()}, k2 = {k2.hex()}")
    show_pieces("gelu fast AVX-512: R pieces (fast/gelu-inl.h kDirect)", *direct)
    k, k2, *direct = gelu_tanh_fast_direct()
    print(f"gelu_tanh fast AVX-512 direct: k = {k.hex()}, k2 = {k2.hex()}")
    show_pieces("gelu_tanh fast AVX-512: R pieces (fast/gelu_tanh-inl.h kDirect)", *direct)
