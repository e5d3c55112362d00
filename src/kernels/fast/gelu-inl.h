// gelu, fast (Accuracy::fast): x Phi(x) through the tail Q = Phi(-a), a = |x| clamped at 14.5
// (past it every result rounds to x or to -0): x Q for x < 0, x - x Q for x >= 0 (x Q <= x/2,
// so the subtraction adds half an ULP and no cancellation).
//
// Q = e^(-a^2/2) G(a), G(a) = e^(a^2/2) erfc(a/sqrt 2)/2, smooth and within [0.027, 1/2] on
// [0, 14.5].
//
// AVX-512 and AVX2 forward: G from pieces, P(a - c) on the piece that the bits of a + 1 pick:
// 32 pieces of degree 5 read by one vpermt2ps a coefficient on AVX-512 (kPieces), 8 of degree
// 8 read by one vpermps on AVX2 (kPieces8; a 32-entry table costs four vpermps and three blends
// there). |x| G is rounded once and x Phi(x) = q - |x| G e^(-a^2/2) with q = x for x >= 0 and
// -0 for x < 0 (one vmaxps, no compare or select). The backward pass reads M = G - a/sqrt(2
// pi) from pieces of its own: 32 of degree 5 on AVX-512 (kSlopePieces), 8 of degree 8 on AVX2
// (kSlopePieces8). These took the place of the form below (still other targets'): 4096
// elements, float32, this AVX-512 host, ns an element, old and new binaries alternated: forward
// 0.40 -> 0.22 on AVX-512 (37 operations a vector where there were 48; Eigen 0.15) and 0.87 ->
// 0.57 on AVX2 (Eigen 0.29), backward 0.49 -> 0.31 on AVX-512 (oneDNN 0.41 to 0.67 in the same
// runs) and, with BackwardN's two vectors a step, 0.93 -> 0.54 on AVX2 (CPU time, medians of
// 5; oneDNN 0.49 to 0.51).
//
// AVX2 forward (ForwardN), Forward's steps two vectors at a time: 0.542 -> 0.476 ns an element
// at 4096 (CPU time, medians of 5, alternated; Eigen 0.273). Its loop is about 50 instructions
// a vector (objdump: 10 vpermps, 21 FMA-class, the rest adds, logic and constants reloaded from
// the stack, 16 ymm registers not holding them), and removing operations is what moves it:
// G's Horner chain and the exponential already overlap across the two vectors. Tried and left:
// G of degree 7 (2^-24.7) with the exponential from ExpLut8N's table (7 FMA-class operations
// where FastExpNormal takes 10, but b s rounded once more): 0.466 against 0.483 at 4096, and
// 3.80 ULP on all 2^32 inputs (x = -10.83) against 2.54.
//
// AVX-512 forward, where no lane of the K vectors is below -8 (inputs of the benchmark, uniform
// in [-8, 8], never are): x Phi(x) = q - R(a), R(a) = a Q from 32 pieces of degree 6 in a
// (kDirect), no exponential: 22 operations a vector (9 of them vpermt2ps, one vminps for the
// test) where the form above takes 37; the lanes below -8 of a group that has one take the
// form above (ForwardMixedN). One thread, ns (CPU time, medians of 21 runs, old and new
// binaries alternated, this AVX-512 host under load): 4096 elements 953 -> 567 (Eigen 604 to
// 612 in the same runs), 262144 61672 -> 36420 (Eigen 40185 to 40246). 2.41 ULP at most on 3
// million sampled inputs, 2.55 in [-8, 8] on an exhaustive run of this direct form.
//
// The form in v: G = v H(v - 1/2) with v = c/(a + c), c = 5/2: G falls as 1/a, and v takes
// that fall, so H is within a factor 2.2 on the whole range and a polynomial of degree 10 in v
// - 1/2 holds it to 2^-26.5 relative with float32 coefficients (tools/fit_polynomials.py,
// gelu_fast_h). v is an unevaluated pair in the product v H: at large a, where G is about
// proportional to v, its rounding would be a relative error of G of the same size, while H
// moves by c/a of it; H itself takes the rounded v (near a = 0 to 2 its relative sensitivity
// to v is up to about 1, part of the budget below). The quotient has no division: r0, the
// hardware estimate of 1/(a + c) with its low 8 bits cleared, makes c r0 and 1 - c r0 exact,
// so e = 1 - (a + c) r0 is exact but for one rounding of a number below 2^-11, and v = c r0 (1
// + e + e^2) (e^3 < 2^-33). x v H is rounded once (x H as an exact pair, v as a pair).
//
// e^(-a^2/2): a^2 split exactly (one FMA), its low part in the reduced argument: the tail
// multiplies an error of the argument by up to a^2/2 = 105. AVX-512: the 2^(j/32) table with
// its low part (ExpLutPoly3SplitN), |x| G (l + r) rounded once, 2^floor(n) by vscalefps last,
// so subnormal results (x below -13.2) round once more, there only. Other targets: 2^n (1 + m)
// from FastExpNormal where a <= 13 on every lane (e^(-a^2/2) and the result normal), |x| G 2^n
// (or x v H 2^n) exact and one rounding with m; other lanes take p 2^n in three factors
// (SplitScale3).
//
// Error budget, in units of 2^-24 relative (at most that many ULP): pieces: the fit 0.04 (0.07
// AVX2), P's last rounding 0.5 and its earlier steps about 0.3 (|u P'/P| <= 0.4), |x| G 0.5,
// the product with the exponential 0.5 and the exponential's own error 0.1 (AVX-512) to 1
// (FastExpNormal); x >= 0 adds half an ULP. The form in v: the fit 0.35, H's Horner steps and
// the rounded v about 1.5, the rounding of x v H 1, of its product with the exponential 1.
// Measured on all 2^32 inputs: at most 2.08 ULP on AVX-512 (2.72 with the form in v), 2.54
// on AVX2 (2.95).
struct gelu {
  static constexpr bool kForwardKeepsNaN = true;

  // H(v - 1/2), degree 10 (tools/fit_polynomials.py gelu_fast_h).
  static constexpr float kH[11] = {0x1.217252p-2f,  0x1.6347d6p-2f, 0x1.b07f0cp-3f, -0x1.e461dep-6f,
                                   -0x1.ada00ep-4f, 0x1.53af76p-6f, 0x1.08e1f8p-4f, -0x1.328060p-5f,
                                   -0x1.f16756p-6f, 0x1.49c512p-5f, -0x1.3cd310p-7f};
  static constexpr float kClamp = 14.5f;
  static constexpr float kSlopeClamp = 20.0f;
  // AVX-512's backward clamp: below 20, so that 3a/4 + 1 stays in the octaves of kSlopePieces
  // (a = 20 would read the piece of a = 0). At x = -19.9, gelu' is below 1e-85 and its product
  // with any float dy rounds to zero, as past -20.
  static constexpr float kSlopePiecesClamp = 19.9f;

  // v = c/(a + c) as v + vl, w = v - 1/2, and T with H = kH[0] + w T.
  template <class D>
  struct VT {
    Vec<D> v, vl, w, t;
  };
  template <class D>
  HWY_INLINE static VT<D> VAndT(D d, Vec<D> a) {
    const hn::RebindToUnsigned<D> du;
    const Vec<D> c = hn::Set(d, 2.5f);
    const Vec<D> one = hn::Set(d, 1.0f);
    Vec<D> r0 = hn::ApproximateReciprocal(hn::Add(a, c));
    r0 = hn::And(r0, hn::BitCast(d, hn::Set(du, 0xFFFFFF00u)));
    const Vec<D> cr = hn::Mul(c, r0);
    const Vec<D> e = hn::NegMulAdd(r0, a, hn::NegMulAdd(r0, c, one));
    const Vec<D> ee = hn::MulAdd(e, e, e);
    const Vec<D> v = hn::MulAdd(cr, ee, cr);
    const Vec<D> vl = hn::MulAdd(cr, ee, hn::Sub(cr, v));
    const Vec<D> w = hn::Sub(v, hn::Set(d, 0.5f));
    Vec<D> t = hn::Set(d, kH[10]);
    for (int k = 9; k >= 1; --k) t = hn::MulAdd(t, w, hn::Set(d, kH[k]));
    return {v, vl, w, t};
  }

  // x v H for xc = x clamped to [-14.5, 14.5], a = |xc|, rounded once.
  template <class D>
  HWY_INLINE static Vec<D> ScaledG(D d, Vec<D> xc, Vec<D> a) {
    const VT<D> p = VAndT(d, a);
    const Vec<D> h = hn::MulAdd(p.t, p.w, hn::Set(d, kH[0]));
    const Vec<D> xh = hn::Mul(h, xc);
    const Vec<D> xhl = hn::MulSub(h, xc, xh);
    return hn::MulAdd(xh, p.v, hn::MulAdd(xhl, p.v, hn::Mul(xh, p.vl)));
  }

  // M = G - a/sqrt(2 pi), so that gelu'(x) = e^(-a^2/2) M for x < 0 and 1 - e^(-a^2/2) M for
  // x >= 0. M has a zero at a = 0.7518 (gelu' at x = -0.7518), where the backward bound allows
  // an absolute error of M of about 0.43 2^-24 beyond 8 ULP: G (about 0.3 there) rounded would
  // cost up to 0.9 2^-24, so the two largest terms, v kH[0] - a k and (v w) T, are each summed
  // with one rounding of a result that is small near the zero, and the small ones (vl H, the
  // rounding of a k, a k_lo) added last.
  template <class D>
  HWY_INLINE static Vec<D> SlopeM(D d, Vec<D> a) {
    const VT<D> p = VAndT(d, a);
    const Vec<D> kh = hn::Set(d, 0x1.988454p-2f);
    const Vec<D> ak = hn::Mul(a, kh);
    const Vec<D> akl = hn::MulAdd(a, hn::Set(d, -0x1.857936p-27f), hn::MulSub(a, kh, ak));
    const Vec<D> m = hn::MulAdd(hn::Mul(p.v, p.w), p.t, hn::MulSub(p.v, hn::Set(d, kH[0]), ak));
    const Vec<D> h = hn::MulAdd(p.t, p.w, hn::Set(d, kH[0]));
    return hn::Add(m, hn::MulSub(p.vl, h, akl));
  }

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // G(a) on [0, 14.5] in 32 pieces for AVX-512's forward pass, read by vpermt2ps: the piece is
  // bits 20 to 24 of a + 1 (its last two exponent bits and first three significand bits: 8
  // pieces an octave of a + 1, 1/8 wide at a < 1, 1 wide at a >= 7), and G = P(a - c) there,
  // P of degree 5. c is a float near the piece's middle where G(c) is within 2^-9 ULP of a
  // float, P's constant term, so that P's own rounding of its constant (up to 2^-24 relative
  // where G sits just above a power of two) is gone and P is exact at c; the rest are float32
  // fits of the relative error, rounded one at a time from the linear term up, each followed by
  // a new fit of the ones left. Relative error at most 2^-28.7 on every piece (measured on 400
  // points each against mpmath, tools/fit_polynomials.py gelu_fast_pieces).
  struct Pieces {
    alignas(64) float c[32];
    alignas(64) float p[6][32];
  };
  static constexpr Pieces kPieces = {
      {0x1.200090p0f,  0x1.5fff9ap0f,  0x1.a003f8p0f,  0x1.dffffep0f,  0x1.0fffcap1f,
       0x1.3000bap1f,  0x1.4fff98p1f,  0x1.6ffdd0p1f,  0x1.a0003cp1f,  0x1.e000cep1f,
       0x1.100018p2f,  0x1.2fffc2p2f,  0x1.50009ep2f,  0x1.6fff48p2f,  0x1.900102p2f,
       0x1.b000f6p2f,  0x1.e00194p2f,  0x1.10002ap3f,  0x1.3000c8p3f,  0x1.4fffb0p3f,
       0x1.6fff3ap3f,  0x1.90005cp3f,  0x1.afffe8p3f,  0x1.cfff44p3f,  0x1.fffaf4p-5f,
       0x1.8000f4p-3f, 0x1.400058p-2f, 0x1.bffeeep-2f, 0x1.1fff06p-1f, 0x1.60001ep-1f,
       0x1.a0000ap-1f, 0x1.dfff62p-1f},
      {{0x1.f66fc0p-3f, 0x1.bdba44p-3f, 0x1.8f65acp-3f, 0x1.690b34p-3f, 0x1.48de6ap-3f,
        0x1.2d92f8p-3f, 0x1.163140p-3f, 0x1.01f982p-3f, 0x1.d0b2e2p-4f, 0x1.99c21ap-4f,
        0x1.6e03ecp-4f, 0x1.4a7288p-4f, 0x1.2d017ap-4f, 0x1.144628p-4f, 0x1.fe6d24p-5f,
        0x1.da2baap-5f, 0x1.ac6136p-5f, 0x1.7b5efap-5f, 0x1.5451bcp-5f, 0x1.3480a2p-5f,
        0x1.1a160ap-5f, 0x1.03cecap-5f, 0x1.e18df6p-6f, 0x1.c0aa78p-6f, 0x1.e76fb2p-2f,
        0x1.bb93fep-2f, 0x1.95b876p-2f, 0x1.74d82ap-2f, 0x1.5820e6p-2f, 0x1.3ee882p-2f,
        0x1.28a5d0p-2f, 0x1.14e72cp-2f},
       {-0x1.f793a8p-4f, -0x1.985276p-4f, -0x1.4ffa7cp-4f, -0x1.182750p-4f,  -0x1.d8c240p-5f,
        -0x1.93278cp-5f, -0x1.5b2102p-5f, -0x1.2d7ee6p-5f, -0x1.ef2c52p-6f,  -0x1.85db60p-6f,
        -0x1.3a0062p-6f, -0x1.01ca1cp-6f, -0x1.ae352ap-7f, -0x1.6c080ap-7f,  -0x1.37c1bep-7f,
        -0x1.0dd300p-7f, -0x1.b9f7a6p-8f, -0x1.5bcad8p-8f, -0x1.188e88p-8f,  -0x1.cdef82p-9f,
        -0x1.82bf84p-9f, -0x1.486d20p-9f, -0x1.1a5120p-9f, -0x1.ea7b3cp-10f, -0x1.7a0da4p-2f,
        -0x1.45585ep-2f, -0x1.19ba8cp-2f, -0x1.eacc4ap-3f, -0x1.ade4f4p-3f,  -0x1.7a88cep-3f,
        -0x1.4efb28p-3f, -0x1.29d7dep-3f},
       {0x1.b6581ep-5f,  0x1.4a03bap-5f,  0x1.f99e16p-6f,  0x1.89995ep-6f,  0x1.36dd98p-6f,
        0x1.f19758p-7f,  0x1.931ec2p-7f,  0x1.4a3cccp-7f,  0x1.f2f4a2p-8f,  0x1.621e50p-8f,
        0x1.031b18p-8f,  0x1.852c28p-9f,  0x1.2ae104p-9f,  0x1.d41c4ap-10f, 0x1.74d30ep-10f,
        0x1.2d6964p-10f, 0x1.c0f4f8p-11f, 0x1.3ae732p-11f, 0x1.c9e7b8p-12f, 0x1.56ef0cp-12f,
        0x1.073df8p-12f, 0x1.9ca732p-13f, 0x1.494a76p-13f, 0x1.0adffcp-13f, 0x1.cfcf24p-3f,
        0x1.7e9338p-3f,  0x1.3dadfep-3f,  0x1.097bbcp-3f,  0x1.be71b4p-4f,  0x1.7992d0p-4f,
        0x1.411fa6p-4f,  0x1.12945ep-4f},
       {-0x1.56abf8p-6f,  -0x1.e3d152p-7f,  -0x1.5c2a16p-7f,  -0x1.fe2346p-8f,  -0x1.7be75cp-8f,
        -0x1.1f3e60p-8f,  -0x1.b8712cp-9f,  -0x1.56122cp-9f,  -0x1.dec5b2p-10f, -0x1.34a09cp-10f,
        -0x1.9cd2b2p-11f, -0x1.1d0196p-11f, -0x1.948f4ep-12f, -0x1.262e00p-12f, -0x1.b4f39ep-13f,
        -0x1.4abf54p-13f, -0x1.c1547cp-14f, -0x1.19b884p-14f, -0x1.72012ap-15f, -0x1.f9024cp-16f,
        -0x1.63e2c6p-16f, -0x1.01af56p-16f, -0x1.7e1c76p-17f, -0x1.20d612p-17f, -0x1.e4ccb2p-4f,
        -0x1.820494p-4f,  -0x1.356ceep-4f,  -0x1.f37ddcp-5f,  -0x1.95c45ep-5f,  -0x1.4bad82p-5f,
        -0x1.10bf18p-5f,  -0x1.c320bcp-6f},
       {0x1.ec44e0p-8f,  0x1.47f692p-8f,  0x1.be397cp-9f,  0x1.355de8p-9f,  0x1.b4dbccp-10f,
        0x1.393a4cp-10f, 0x1.c95e6ap-11f, 0x1.515ee0p-11f, 0x1.b99900p-12f, 0x1.04060ap-12f,
        0x1.3f385cp-13f, 0x1.96e192p-14f, 0x1.0babe2p-14f, 0x1.6aaafap-15f, 0x1.f778e6p-16f,
        0x1.65afb6p-16f, 0x1.bd94bap-17f, 0x1.f43f2cp-18f, 0x1.291678p-18f, 0x1.71d164p-19f,
        0x1.deae14p-20f, 0x1.407afcp-20f, 0x1.b9e708p-21f, 0x1.44ed60p-21f, 0x1.c09b62p-5f,
        0x1.5aceb0p-5f,  0x1.0dd002p-5f,  0x1.a5d728p-6f,  0x1.4d02b0p-6f,  0x1.07f70cp-6f,
        0x1.a3d5fcp-7f,  0x1.516f54p-7f},
       {-0x1.489142p-9f,  -0x1.a3b430p-10f, -0x1.0d57cep-10f, -0x1.6672aap-11f, -0x1.dc5b34p-12f,
        -0x1.331472p-12f, -0x1.c0f6cep-13f, -0x1.50fb26p-13f, -0x1.851ccap-14f, -0x1.a5b4dep-15f,
        -0x1.d975bep-16f, -0x1.18212ep-16f, -0x1.543aacp-17f, -0x1.b28772p-18f, -0x1.305fa6p-18f,
        -0x1.9ae0c2p-19f, -0x1.b1183ep-20f, -0x1.b651a8p-21f, -0x1.da0cd6p-22f, -0x1.0b19a4p-22f,
        -0x1.38c9aep-23f, -0x1.93d118p-24f, -0x1.f59022p-25f, -0x1.314c4ep-26f, -0x1.51fba4p-6f,
        -0x1.eaf328p-7f,  -0x1.d893c8p-7f,  -0x1.6529c0p-7f,  -0x1.01e636p-7f,  -0x1.640d6cp-8f,
        -0x1.cf867ap-9f,  -0x1.3909d6p-9f}}};

  // M(a) = G(a) - a/sqrt(2 pi) on [0, 20] for AVX-512's backward pass, the same way as kPieces
  // with the piece from 3a/4 + 1 (1/6 wide at a < 4/3, 4/3 wide at a >= 28/3) and the fit's
  // error weighted by 1/max(|M|, 2^-6): relative 2^-26.5 at most, and near M's zero (a =
  // 0.7518, see SlopeM) absolute 2^-32.5, where one rounding of the small result is all that
  // P's last step adds (tools/fit_polynomials.py gelu_fast_pieces).
  static constexpr Pieces kSlopePieces = {
      {0x1.7fff48p0f,  0x1.d55b32p0f,  0x1.155512p1f,  0x1.40007cp1f,  0x1.6aab96p1f,
       0x1.955586p1f,  0x1.bffdeep1f,  0x1.eaaa8ep1f,  0x1.15559ap2f,  0x1.3fffb0p2f,
       0x1.6aaa72p2f,  0x1.95550ap2f,  0x1.c0018ep2f,  0x1.eaa636p2f,  0x1.0aaa2ep3f,
       0x1.200002p3f,  0x1.40002ep3f,  0x1.6aa9dap3f,  0x1.9555a4p3f,  0x1.bffe72p3f,
       0x1.eaa9bap3f,  0x1.0aa71ep4f,  0x1.1fffb4p4f,  0x1.351690p4f,  0x1.555572p-4f,
       0x1.000016p-2f, 0x1.aaac60p-2f, 0x1.2aa9c6p-1f, 0x1.800060p-1f, 0x1.d555a2p-1f,
       0x1.1555a4p0f,  0x1.3ffccap0f},
      {{-0x1.920ceap-2f, -0x1.1ac0ecp-1f, -0x1.698e3ap-1f, -0x1.b649b0p-1f, -0x1.00b9dap0f,
        -0x1.25b522p0f,  -0x1.4a3896p0f,  -0x1.6e6216p0f,  -0x1.a41672p0f,  -0x1.eaf3e8p0f,
        -0x1.189ca0p1f,  -0x1.3b8874p1f,  -0x1.5e4d88p1f,  -0x1.80edbap1f,  -0x1.a37e06p1f,
        -0x1.c5f9aep1f,  -0x1.f99724p1f,  -0x1.1f20bcp2f,  -0x1.416824p2f,  -0x1.63a202p2f,
        -0x1.85d592p2f,  -0x1.a7fd60p2f,  -0x1.ca2a60p2f,  -0x1.ebea46p2f,  0x1.bd9da0p-2f,
        0x1.41d6e4p-2f,  0x1.9f96b6p-3f,  0x1.959926p-4f,  0x1.0c7718p-10f, -0x1.79c2c8p-4f,
        -0x1.74006cp-3f, -0x1.12526ep-2f},
       {-0x1.f4f49ap-2f, -0x1.e0a496p-2f, -0x1.d205ecp-2f, -0x1.c739a4p-2f, -0x1.bf1370p-2f,
        -0x1.b8cdfap-2f, -0x1.b3e4c2p-2f, -0x1.affc50p-2f, -0x1.ab7bccp-2f, -0x1.a73502p-2f,
        -0x1.a43420p-2f, -0x1.a2056cp-2f, -0x1.a0639cp-2f, -0x1.9f23cep-2f, -0x1.9e2982p-2f,
        -0x1.9d6258p-2f, -0x1.9c7c38p-2f, -0x1.9ba03cp-2f, -0x1.9b0450p-2f, -0x1.9a91f2p-2f,
        -0x1.9a3b96p-2f, -0x1.99f8dcp-2f, -0x1.99c42ap-2f, -0x1.999a56p-2f, -0x1.8487f6p-1f,
        -0x1.63854ep-1f, -0x1.49c35ap-1f, -0x1.35707cp-1f, -0x1.253a36p-1f, -0x1.182adcp-1f,
        -0x1.0d8bb4p-1f, -0x1.04d526p-1f},
       {0x1.2040d8p-5f,  0x1.99ea38p-6f,  0x1.2b45bap-6f,  0x1.bf3822p-7f,  0x1.551fdap-7f,
        0x1.0907e4p-7f,  0x1.a2a27cp-8f,  0x1.4f7f22p-8f,  0x1.ed37d8p-9f,  0x1.542ac0p-9f,
        0x1.e6fa54p-10f, 0x1.677f08p-10f, 0x1.10623cp-10f, 0x1.a607aap-11f, 0x1.4d2e3ap-11f,
        0x1.0b6a0ep-11f, 0x1.8af2f0p-12f, 0x1.12a9f8p-12f, 0x1.8cfb9cp-13f, 0x1.27e388p-13f,
        0x1.c4bf96p-14f, 0x1.61d186p-14f, 0x1.19a640p-14f, 0x1.c8ba40p-15f, 0x1.c0f254p-3f,
        0x1.5c5668p-3f,  0x1.116c78p-3f,  0x1.b1fa42p-4f,  0x1.5bf79cp-4f,  0x1.19bc32p-4f,
        0x1.cc6b4cp-5f,  0x1.7b7f14p-5f},
       {-0x1.998154p-7f,  -0x1.0c513ap-7f,  -0x1.6a4d40p-8f,  -0x1.f64ecap-9f,  -0x1.64b4cap-9f,
        -0x1.026d04p-9f,  -0x1.7e8f80p-10f, -0x1.20244ep-10f, -0x1.837834p-11f, -0x1.de3c5cp-12f,
        -0x1.35a29cp-12f, -0x1.a00160p-13f, -0x1.221044p-13f, -0x1.9c898cp-14f, -0x1.3037c0p-14f,
        -0x1.c541f4p-15f, -0x1.301cdap-15f, -0x1.76d87ep-16f, -0x1.eb34e6p-17f, -0x1.4cc9eap-17f,
        -0x1.cfc0a4p-18f, -0x1.4c727cp-18f, -0x1.eaec04p-19f, -0x1.818584p-19f, -0x1.d267a6p-4f,
        -0x1.5956a8p-4f,  -0x1.02b0b2p-4f,  -0x1.882320p-5f,  -0x1.2c727ap-5f,  -0x1.d13ddap-6f,
        -0x1.6beb98p-6f,  -0x1.1f4462p-6f},
       {0x1.0e49f2p-8f,  0x1.48dad8p-9f,  0x1.9d360ep-10f, 0x1.0b276ep-10f, 0x1.63c0dap-11f,
        0x1.e3d5eap-12f, 0x1.52c350p-12f, 0x1.d7fab0p-13f, 0x1.27667ap-13f, 0x1.49dd64p-14f,
        0x1.8082ccp-15f, 0x1.debf94p-16f, 0x1.2c0532p-16f, 0x1.9f2f44p-17f, 0x1.179abep-17f,
        0x1.90a5aap-18f, 0x1.d10846p-19f, 0x1.06ef9ep-19f, 0x1.244d04p-20f, 0x1.844ffcp-21f,
        0x1.b4886cp-22f, 0x1.62b754p-22f, 0x1.052a86p-22f, 0x1.96c3c2p-23f, 0x1.adf766p-5f,
        0x1.31753cp-5f,  0x1.b72d9ep-6f,  0x1.3f95ccp-6f,  0x1.d6ccf4p-7f,  0x1.5f0eaap-7f,
        0x1.073e86p-7f,  0x1.90f168p-8f},
       {-0x1.4dde04p-10f, -0x1.791facp-11f, -0x1.a3a89cp-12f, -0x1.da5550p-13f, -0x1.d1ea70p-14f,
        -0x1.20380ap-13f, -0x1.0f55aep-14f, -0x1.a691c6p-16f, -0x1.90aedap-16f, -0x1.0c25fep-16f,
        -0x1.fe39fcp-18f, -0x1.98bfeep-18f, -0x1.1c0250p-20f, -0x1.0f38e6p-18f, 0x1.f9a7a6p-23f,
        -0x1.5a2c26p-20f, -0x1.8ce608p-22f, -0x1.55e0bep-22f, -0x1.5cea38p-27f, 0x1.1fd604p-27f,
        -0x1.a08e3ep-25f, -0x1.456156p-24f, -0x1.d592dep-25f, 0x1.fc9844p-24f,  -0x1.799e24p-6f,
        -0x1.d436b6p-7f,  -0x1.70a26ap-7f,  -0x1.04554cp-7f,  -0x1.98697ap-8f,  -0x1.1da054p-8f,
        -0x1.3d3292p-9f,  -0x1.b980c8p-10f}}};

  // P(a - c) from the piece of t that bits 20 to 24 of y pick (kPieces, kSlopePieces): a - c is
  // exact where a >= c/2, every piece but the first, whose rounding there (2^-29 at most) moves
  // the result by 2^-29 relative.
  template <class D>
  HWY_INLINE static Vec<D> PieceP(D d, const Pieces& t, Vec<D> a, Vec<D> y) {
    (void)d;
    const __m512i idx = _mm512_srli_epi32(_mm512_castps_si512(y.raw), 20);
    const auto tab = [&](const float* c) HWY_ATTR {
      return Vec<D>{_mm512_permutex2var_ps(_mm512_load_ps(c), idx, _mm512_load_ps(c + 16))};
    };
    const Vec<D> u = hn::Sub(a, tab(t.c));
    Vec<D> g = tab(t.p[5]);
    for (int j = 4; j >= 0; --j) g = hn::MulAdd(g, u, tab(t.p[j]));
    return g;
  }
  // G(a) for a in [0, 14.5].
  template <class D>
  HWY_INLINE static Vec<D> PieceG(D d, Vec<D> a) {
    return PieceP(d, kPieces, a, hn::Add(a, hn::Set(d, 1.0f)));
  }
  // M(a) for a in [0, 20].
  template <class D>
  HWY_INLINE static Vec<D> PieceM(D d, Vec<D> a) {
    return PieceP(d, kSlopePieces, a, hn::MulAdd(a, hn::Set(d, 0.75f), hn::Set(d, 1.0f)));
  }

  // R(a) = a Phi(-a) on [0, 8] in 32 pieces of degree 6 for AVX-512's forward pass where no
  // lane has x < -8 (ForwardN): the piece is floor(y), y = a (k a + k2), taken by one FMA
  // rounded down (embedded rounding) into the low bits of 2^23 + y, which vpermt2ps reads; the
  // widths, about 1/(k (2a + 5.5)), follow R's relative change (about a times the width at
  // large a, as e^(-a^2/2); k2 keeps the pieces near 0 narrow enough), and R = P(a - c) there.
  // Piece 0 has c = 0 and no constant term, so that R = a P'(a) keeps its relative accuracy down
  // to a = 0 (P' is 1/2 there). Relative error at most 2^-23.5, the last pieces' (401 points a
  // piece against mpmath, tools/fit_polynomials.py gelu_fast_direct); degree 7 had 2^-26.2 and
  // took 1.12x the time (618 against 550 ns at 4096, CPU time, same minutes).
  static constexpr DirectTable<6> kDirect = {
      8.0f,
      0x1.2f1c72p-2f,
      0x1.a0c71cp0f,
      {0.0f,          0x1.977cb0p-1f, 0x1.3ed448p0f, 0x1.a6186ep0f, 0x1.024d1ap1f, 0x1.2e1f76p1f,
       0x1.572fbcp1f, 0x1.7df1c4p1f,  0x1.a2bee8p1f, 0x1.c5e16ep1f, 0x1.e78756p1f, 0x1.03f0e0p2f,
       0x1.1389bcp2f, 0x1.229c14p2f,  0x1.313696p2f, 0x1.3f6396p2f, 0x1.4d2dbap2f, 0x1.5a93b0p2f,
       0x1.67a84ep2f, 0x1.746cc2p2f,  0x1.80e7f6p2f, 0x1.8d19d4p2f, 0x1.990c1cp2f, 0x1.a4c46ap2f,
       0x1.b03f80p2f, 0x1.bb858ep2f,  0x1.c69576p2f, 0x1.d1732ep2f, 0x1.dc2b82p2f, 0x1.e6b03ap2f,
       0x1.f10fb2p2f, 0x1.fb1656p2f},
      {{0.0f,
        0x1.5b43e2p-3f,
        0x1.0f9c4ep-3f,
        0x1.4eedecp-4f,
        0x1.68541cp-5f,
        0x1.610ae8p-6f,
        0x1.424d7ap-7f,
        0x1.163d06p-8f,
        0x1.cacc8cp-10f,
        0x1.6ba67ap-11f,
        0x1.16d5dap-12f,
        0x1.9f2ccep-14f,
        0x1.2d275ep-15f,
        0x1.aafa88p-17f,
        0x1.28540ep-18f,
        0x1.937a20p-20f,
        0x1.0dc45ep-21f,
        0x1.63d7e6p-23f,
        0x1.cdd710p-25f,
        0x1.27ad36p-26f,
        0x1.75aa0cp-28f,
        0x1.d352eap-30f,
        0x1.20d8d6p-31f,
        0x1.60e98cp-33f,
        0x1.ab940cp-35f,
        0x1.007c00p-36f,
        0x1.315da2p-38f,
        0x1.68c920p-40f,
        0x1.a537bcp-42f,
        0x1.e9bb3ep-44f,
        0x1.1a07cap-45f,
        0x1.4a49aap-47f},
       {0x1.fffffep-2f,   -0x1.2b4218p-6f,  -0x1.f4e6acp-4f,  -0x1.e8df22p-4f,  -0x1.5528dep-4f,
        -0x1.911a94p-5f,  -0x1.a57cb4p-6f,  -0x1.980b1cp-7f,  -0x1.729308p-8f,  -0x1.3f59f0p-9f,
        -0x1.079424p-10f, -0x1.a32210p-12f, -0x1.429f70p-13f, -0x1.e2d684p-15f, -0x1.602894p-16f,
        -0x1.f603d8p-18f, -0x1.5e47ccp-19f, -0x1.e0c7c6p-21f, -0x1.43db28p-22f, -0x1.ad7cc0p-24f,
        -0x1.1887a0p-25f, -0x1.6a03ecp-27f, -0x1.cd094cp-29f, -0x1.21bf6ap-30f, -0x1.68a994p-32f,
        -0x1.bc02bcp-34f, -0x1.0eed66p-35f, -0x1.47c4d6p-37f, -0x1.878172p-39f, -0x1.d14394p-41f,
        -0x1.11a994p-42f, -0x1.46f6f0p-44f},
       {-0x1.988336p-2f, -0x1.96ba16p-3f, -0x1.51c468p-5f, 0x1.2d9608p-5f,  0x1.ba032ep-5f,
        0x1.6802b2p-5f,  0x1.d1fcd0p-6f,  0x1.06fd16p-6f,  0x1.0dc1fap-7f,  0x1.012ecap-8f,
        0x1.cecf00p-10f, 0x1.8cca58p-11f, 0x1.469182p-12f, 0x1.0385ccp-13f, 0x1.8fd3b0p-15f,
        0x1.2b9b80p-16f, 0x1.b5db1ep-18f, 0x1.399c22p-19f, 0x1.b7b154p-21f, 0x1.2ea5e2p-22f,
        0x1.997ef0p-24f, 0x1.111c42p-25f, 0x1.66e1b8p-27f, 0x1.d0b7a4p-29f, 0x1.29854ep-30f,
        0x1.7849dcp-32f, 0x1.d72e98p-34f, 0x1.241ff6p-35f, 0x1.654b9ep-37f, 0x1.b25a70p-39f,
        0x1.0520ecp-40f, 0x1.3e818cp-42f},
       {-0x1.5d2d76p-14f, 0x1.09ccb2p-3f,   0x1.7e785ap-4f,   0x1.279a48p-5f,   -0x1.4b4c2ap-10f,
        -0x1.f278fep-7f,  -0x1.ffdd12p-7f,  -0x1.739c9cp-7f,  -0x1.c5202ap-8f,  -0x1.ecf93cp-9f,
        -0x1.ed9f36p-10f, -0x1.cf1524p-11f, -0x1.9bf77ap-12f, -0x1.5e9c38p-13f, -0x1.1f252ap-14f,
        -0x1.c6dc44p-16f, -0x1.5da058p-17f, -0x1.0651c2p-18f, -0x1.7ff53ep-20f, -0x1.131650p-21f,
        -0x1.826a92p-23f, -0x1.0aefb8p-24f, -0x1.6a962cp-26f, -0x1.e4797ep-28f, -0x1.3f85eap-29f,
        -0x1.9fb29ep-31f, -0x1.0b5c84p-32f, -0x1.5424eap-34f, -0x1.aa6904p-36f, -0x1.095e44p-37f,
        -0x1.4663aap-39f, -0x1.96b954p-41f},
       {0x1.12b840p-4f,  -0x1.9c424ap-12f, -0x1.171be6p-5f, -0x1.0b323ap-5f, -0x1.19ab84p-6f,
        -0x1.0a26a0p-8f, 0x1.409c7ep-9f,   0x1.0a0b7cp-8f,  0x1.c2bb98p-9f,  0x1.2c4d86p-9f,
        0x1.5c27b2p-10f, 0x1.6e7646p-11f,  0x1.667cdep-12f, 0x1.4ad578p-13f, 0x1.22c886p-14f,
        0x1.ea7814p-16f, 0x1.8ee776p-17f,  0x1.3b057ap-18f, 0x1.e34d38p-20f, 0x1.69a4a2p-21f,
        0x1.0875b8p-22f, 0x1.7b65bcp-24f,  0x1.0aed1ap-25f, 0x1.70b85ap-27f, 0x1.f5e4cap-29f,
        0x1.505768p-30f, 0x1.bd0c38p-32f,  0x1.22d2dep-33f, 0x1.76161cp-35f, 0x1.dd311ap-37f,
        0x1.2c7592p-38f, 0x1.7ed4b4p-40f},
       {-0x1.c8b362p-10f, -0x1.64f80ep-6f,  -0x1.a385e0p-8f,  0x1.990fecp-8f,   0x1.22b120p-7f,
        0x1.843066p-8f,   0x1.2f98c6p-9f,   0x1.7f5412p-14f,  -0x1.8ca78ap-11f, -0x1.b1a512p-11f,
        -0x1.43c25ap-11f, -0x1.933710p-12f, -0x1.c037aep-13f, -0x1.ca4544p-14f, -0x1.b6f844p-15f,
        -0x1.8eb4a0p-16f, -0x1.5a1794p-17f, -0x1.21c29ep-18f, -0x1.d4ac22p-20f, -0x1.6ff7cep-21f,
        -0x1.1952fcp-22f, -0x1.a47a14p-24f, -0x1.336910p-25f, -0x1.b82edcp-27f, -0x1.35cfdep-28f,
        -0x1.acad00p-30f, -0x1.244be8p-31f, -0x1.8903bap-33f, -0x1.03ceb2p-34f, -0x1.5420d6p-36f,
        -0x1.b71fdep-38f, -0x1.1e1f68p-39f},
       {-0x1.0381d4p-7f, 0x1.a4b974p-9f,   0x1.b36fd4p-8f,   0x1.a6605ap-9f,   -0x1.1b2fdcp-11f,
        -0x1.00cde8p-9f, -0x1.a74012p-10f, -0x1.ae2536p-11f, -0x1.a76686p-13f, 0x1.6cc438p-14f,
        0x1.51143ep-13f, 0x1.2157cep-13f,  0x1.88be30p-14f,  0x1.cc5742p-15f,  0x1.ece73ap-16f,
        0x1.e82972p-17f, 0x1.c8e8a8p-18f,  0x1.991e78p-19f,  0x1.5f2f78p-20f,  0x1.21e7ccp-21f,
        0x1.d15152p-23f, 0x1.6ab44cp-24f,  0x1.14a89cp-25f,  0x1.9bd0a4p-27f,  0x1.2b72d8p-28f,
        0x1.ac8ffap-30f, 0x1.2d44dap-31f,  0x1.a096d0p-33f,  0x1.1be142p-34f,  0x1.7dad4cp-36f,
        0x1.fa4926p-38f, 0x1.512b30p-39f}}};

  // Forward on K vectors (see HasForwardN), where no lane is below -8: a = min(|x|, 8) (x's
  // clamp needs nothing more: past 8, a R(8) is below 2^-47 and x - R rounds to x), x Phi(x) =
  // q - R(a) with q = x for x >= 0 and -0 for x < 0 (as in ForwardExpN), no exponential; a
  // group with a lane below -8 (or -inf) takes ForwardMixedN.
  template <size_t K, class D>
  static void ForwardN(D d, Vec<D> (&v)[K], const Args& args) {
    // The least lane of the K vectors, NaN left out: vminps returns its second operand where
    // either is NaN, here the running least, which starts at +inf.
    __m512 least = _mm512_set1_ps(HUGE_VALF);
    for (size_t k = 0; k < K; ++k) least = _mm512_min_ps(v[k].raw, least);
    if (HWY_UNLIKELY(!hn::AllFalse(d, hn::Lt(Vec<D>{least}, hn::Set(d, -kDirect.max))))) {
      // On a copy: with v itself passed by reference, GCC stored all K vectors on every step,
      // ahead of the test.
      Vec<D> w[K];
      for (size_t k = 0; k < K; ++k) w[k] = v[k];
      ForwardMixedN<K>(d, w, args);
      for (size_t k = 0; k < K; ++k) v[k] = w[k];
      return;
    }
    DirectN<K>(d, v);
  }
  // The lanes below -8 from ForwardExpN, the others from DirectN as in ForwardN's common path,
  // so that each result depends on its own x alone.
  template <size_t K, class D>
  HWY_NOINLINE static void ForwardMixedN(D d, Vec<D> (&v)[K], const Args& args) {
    Vec<D> w[K];
    for (size_t k = 0; k < K; ++k) w[k] = v[k];
    ForwardExpN<K>(d, w, args);
    for (size_t k = 0; k < K; ++k) {
      const auto tail = hn::Lt(v[k], hn::Set(d, -kDirect.max));
      Vec<D> one[1] = {v[k]};
      DirectN<1>(d, one);
      v[k] = hn::IfThenElse(tail, w[k], one[0]);
    }
  }
  // q - R(a) on K vectors (kDirect), every lane.
  template <size_t K, class D>
  HWY_INLINE static void DirectN(D d, Vec<D> (&v)[K]) {
    DirectPiecesN<K>(d, v, kDirect);
  }

  // Forward on K vectors by the exponential: s = |x| Q, x Phi(x) = q - s with q = x for x >= 0
  // and -0 for x < 0, by one vmaxps(-0, x), so that no compare or select is needed and a result
  // that rounds to zero at x < 0 is -0. vmaxps returns its second operand where the two are
  // equal (+0 stays +0) or one is NaN: q is x's NaN, and q - s returns it (the first operand;
  // s is not NaN): kForwardKeepsNaN.
  template <size_t K, class D>
  HWY_INLINE static void ForwardExpN(D d, Vec<D> (&v)[K], const Args&) {
    Vec<D> a[K], z[K], zl[K], l[K], r[K], n[K], b[K];
    // a = min(|x|, 14.5) by one vrangeps (imm 10: the lesser magnitude, sign cleared); 14.5 for
    // a NaN x.
    for (size_t k = 0; k < K; ++k) {
      a[k] = Vec<D>{_mm512_range_ps(v[k].raw, _mm512_set1_ps(kClamp), 10)};
    }
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> ha = hn::Mul(a[k], hn::Set(d, -0.5f));
      z[k] = hn::Mul(ha, a[k]);
      zl[k] = hn::MulSub(ha, a[k], z[k]);
    }
    ExpLutPoly3SplitN<K>(d, z, zl, l, r, n);
    for (size_t k = 0; k < K; ++k) b[k] = hn::Mul(PieceG(d, a[k]), a[k]);
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> s = ScaleF(hn::MulAdd(b[k], l[k], hn::Mul(b[k], r[k])), n[k]);
      v[k] = hn::Sub(Vec<D>{_mm512_max_ps(_mm512_set1_ps(-0.0f), v[k].raw)}, s);
    }
  }
  // dy gelu'(x): e = e^(-a^2/2) M from the table, a = |x| clamped at 19.9 (kSlopePiecesClamp;
  // M from kSlopePieces, fitted on [0, 20]). x >= 0: dy (1 - e M); x < 0: dy e M, with M 2^-4 (|M|
  // <= 8) so that dy M (l + r) stays below the largest float, and the scale last (one rounding into
  // the subnormals: gelu'(-19) is -6e-78, times dy up to 3e38). Below -19.9 the clamped slope times
  // any float dy rounds to a zero with the sign of -dy, as the exact product does (and as the
  // faithful kernel's NegativeTailZero gives). Measured on all 2^32 inputs: at most 2.60 ULP beyond
  // the backward bound on AVX-512, 3.15 on AVX2 (kSlopePieces8, at x = 0.000247; 4.01 with
  // SlopeM, the largest at small positive x, where 1 - e M near 1/2 takes the rounded v's error
  // through H). Backward on K vectors (see HasBackwardN),
  // each step across all K before the next: the same operations as Backward, with NaN passed
  // through as Map's would be (x's first, then dy's) by the rare path, which a NaN in any of the K
  // vectors takes.
  template <size_t K, class D>
  static void BackwardN(D d, Vec<D> (&x)[K], Vec<D> (&dy)[K], const Args& args) {
    auto nan = hn::Or(hn::IsNaN(x[0]), hn::IsNaN(dy[0]));
    for (size_t k = 1; k < K; ++k) nan = hn::Or(nan, hn::Or(hn::IsNaN(x[k]), hn::IsNaN(dy[k])));
    if (HWY_UNLIKELY(!hn::AllFalse(d, nan))) {
      BackwardEachN<K>(d, x, dy,
                       [&](Vec<D> xv, Vec<D> g) HWY_ATTR { return Backward(d, xv, g, args); });
      return;
    }
    Vec<D> a[K], z[K], zl[K], l[K], r[K], n[K], m[K];
    for (size_t k = 0; k < K; ++k) {
      a[k] = hn::Abs(Vec<D>{_mm512_range_ps(x[k].raw, _mm512_set1_ps(kSlopePiecesClamp), 2)});
    }
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> ha = hn::Mul(a[k], hn::Set(d, -0.5f));
      z[k] = hn::Mul(ha, a[k]);
      zl[k] = hn::MulSub(ha, a[k], z[k]);
    }
    ExpLutPoly3SplitN<K>(d, z, zl, l, r, n);
    for (size_t k = 0; k < K; ++k) m[k] = PieceM(d, a[k]);
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> em = ScaleF(hn::MulAdd(m[k], l[k], hn::Mul(m[k], r[k])), n[k]);
      const Vec<D> pos = hn::Mul(dy[k], hn::Sub(hn::Set(d, 1.0f), em));
      const Vec<D> dym = hn::Mul(dy[k], hn::Mul(m[k], hn::Set(d, 0x1p-4f)));
      const Vec<D> neg =
          ScaleF(hn::MulAdd(dym, l[k], hn::Mul(dym, r[k])), hn::Add(n[k], hn::Set(d, 4.0f)));
      dy[k] = hn::IfThenElse(hn::Lt(x[k], hn::Zero(d)), neg, pos);
    }
  }
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
    const Vec<D> xc{_mm512_range_ps(x.raw, _mm512_set1_ps(kSlopePiecesClamp), 2)};
    const Vec<D> a = hn::Abs(xc);
    const Vec<D> ha = hn::Mul(a, hn::Set(d, -0.5f));
    const Vec<D> z[1] = {hn::Mul(ha, a)};
    const Vec<D> zl[1] = {hn::MulSub(ha, a, z[0])};
    Vec<D> l[1], r[1], n[1];
    ExpLutPoly3SplitN<1>(d, z, zl, l, r, n);
    const Vec<D> m = PieceM(d, a);
    const Vec<D> em = ScaleF(hn::MulAdd(m, l[0], hn::Mul(m, r[0])), n[0]);
    const Vec<D> pos = hn::Mul(dy, hn::Sub(hn::Set(d, 1.0f), em));
    const Vec<D> dym = hn::Mul(dy, hn::Mul(m, hn::Set(d, 0x1p-4f)));
    const Vec<D> neg =
        ScaleF(hn::MulAdd(dym, l[0], hn::Mul(dym, r[0])), hn::Add(n[0], hn::Set(d, 4.0f)));
    return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), neg, pos);
  }
#else
#if HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
  // G(a) on [0, 14.5] in 8 pieces for AVX2's forward pass, read by one vpermps a coefficient:
  // the piece is bits 22 to 24 of a + 1 (2 pieces an octave, 1/2 wide at a < 1, 4 wide at a >=
  // 7), P of degree 8 in a - c, made as kPieces is: relative error at most 2^-27.8
  // (tools/fit_polynomials.py gelu_fast_pieces, mbits=1). 19 operations where v and H took 26.
  struct Pieces8 {
    alignas(32) float c[8];
    alignas(32) float p[9][8];
  };
  static constexpr Pieces8 kPieces8 = {
      {0x1.7ffd1cp0f, 0x1.3fff30p1f, 0x1.0000bap2f, 0x1.8000c4p2f, 0x1.2000aep3f, 0x1.9fffe2p3f,
       0x1.ffffd8p-3f, 0x1.800124p-1f},
      {{0x1.a5726cp-3f, 0x1.2172eap-3f, 0x1.82b3bep-4f, 0x1.095588p-4f, 0x1.66cbe4p-5f,
        0x1.f3dde6p-6f, 0x1.a7f80ep-2f, 0x1.336fbep-2f},
       {-0x1.71c38ep-4f, -0x1.75acd0p-5f, -0x1.5cf7c2p-6f, -0x1.506782p-7f, -0x1.377fb4p-8f,
        -0x1.3012d4p-9f, -0x1.2e8658p-2f, -0x1.63dfaap-3f},
       {0x1.2043b2p-5f, 0x1.bf3bfep-7f, 0x1.2dd7dep-8f, 0x1.a0ec9cp-10f, 0x1.0b6c38p-11f,
        0x1.6fdc92p-13f, 0x1.5c567ap-3f, 0x1.5bf6f6p-4f},
       {-0x1.99861ep-7f, -0x1.f6298ap-9f, -0x1.f6a40ap-11f, -0x1.f9cb52p-13f, -0x1.c63b00p-15f,
        -0x1.ba8fe8p-17f, -0x1.594f70p-4f, -0x1.2c8534p-5f},
       {0x1.0d6418p-8f, 0x1.0ac5acp-10f, 0x1.943af6p-13f, 0x1.2cab30p-15f, 0x1.7db42cp-18f,
        0x1.08c6a2p-20f, 0x1.313198p-5f, 0x1.d681b4p-7f},
       {-0x1.4bf5cap-10f, -0x1.0e34d2p-12f, -0x1.3a253ap-15f, -0x1.5dfaf8p-18f, -0x1.3c58eap-21f,
        -0x1.3bca6ep-24f, -0x1.eb6808p-7f, -0x1.5200a0p-8f},
       {0x1.82a724p-12f, 0x1.05107ap-14f, 0x1.db32aap-18f, 0x1.907218p-21f, 0x1.04a768p-24f,
        0x1.726b68p-28f, 0x1.69ef96p-8f, 0x1.ce86eep-10f},
       {-0x1.b5cceap-14f, -0x1.db3b3ep-17f, -0x1.7b2ffep-20f, -0x1.e8ed50p-24f, -0x1.d6f682p-28f,
        -0x1.974de6p-32f, -0x1.028de0p-9f, -0x1.9dd840p-11f},
       {0x1.c5d4bep-16f, 0x1.ccf30ap-19f, 0x1.10a4a6p-22f, 0x1.14e2b6p-26f, 0x1.7a8d94p-31f,
        0x1.87385ep-35f, 0x1.26e194p-10f, 0x1.02e396p-14f}}};
  template <class D>
  HWY_INLINE static Vec<D> PieceG(D d, Vec<D> a) {
    const __m256i idx =
        _mm256_srli_epi32(_mm256_castps_si256(hn::Add(a, hn::Set(d, 1.0f)).raw), 22);
    const auto tab = [&](const float* c) HWY_ATTR {
      return Vec<D>{_mm256_permutevar8x32_ps(_mm256_load_ps(c), idx)};
    };
    const Vec<D> u = hn::Sub(a, tab(kPieces8.c));
    Vec<D> g = tab(kPieces8.p[8]);
    for (int j = 7; j >= 0; --j) g = hn::MulAdd(g, u, tab(kPieces8.p[j]));
    return g;
  }
  // M(a) = G(a) - a/sqrt(2 pi) on [0, 20] in 8 pieces for AVX2's backward pass, as kPieces8
  // with the piece from 3a/4 + 1 (2/3 wide at a < 4/3, 16/3 at a >= 28/3) and the fit's error
  // weighted as kSlopePieces': 2^-27.6 (tools/fit_polynomials.py gelu_fast_pieces, slope=True,
  // degree=8, mbits=1).
  static constexpr Pieces8 kSlopePieces8 = {
      {0x1.fffefcp0f, 0x1.aaa9eap1f, 0x1.55563ep2f, 0x1.fffd08p2f, 0x1.7fff80p3f, 0x1.1554ecp4f,
       0x1.5554f4p-2f, 0x1.00001ap0f},
      {{-0x1.4271ecp-1f, -0x1.380418p0f, -0x1.07143ep1f, -0x1.923846p1f, -0x1.3045dcp2f,
        -0x1.b916d8p2f, 0x1.07bf9ep-2f, -0x1.1952bap-3f},
       {-0x1.d8c2f6p-2f, -0x1.b6344cp-2f, -0x1.a59468p-2f, -0x1.9e9f46p-2f, -0x1.9b4bf4p-2f,
        -0x1.99dcfep-2f, -0x1.55dd24p-1f, -0x1.1296b6p-1f},
       {0x1.5d3154p-6f, 0x1.d627bep-8f, 0x1.1e930cp-9f, 0x1.762bc2p-11f, 0x1.d0fc40p-13f,
        0x1.3b0bdap-14f, 0x1.342f10p-3f, 0x1.fcc7d4p-5f},
       {-0x1.b7625ep-8f, -0x1.bbbc82p-10f, -0x1.7f0f06p-12f, -0x1.6177d6p-14f, -0x1.2e1010p-16f,
        -0x1.1ff876p-18f, -0x1.2a7472p-4f, -0x1.9afe6ep-6f},
       {0x1.0305a4p-9f, 0x1.918a26p-12f, 0x1.f3d500p-15f, 0x1.4a03dap-17f, 0x1.85ac3ap-20f,
        0x1.056d10p-22f, 0x1.026632p-5f, 0x1.2f58e0p-7f},
       {-0x1.204198p-11f, -0x1.5ee126p-14f, -0x1.3c6368p-17f, -0x1.36c570p-20f, -0x1.e55718p-24f,
        -0x1.54b100p-27f, -0x1.99b3dcp-7f, -0x1.a01634p-9f},
       {0x1.30d630p-13f, 0x1.205320p-16f, 0x1.8cd204p-20f, 0x1.09189ap-23f, 0x1.3bc720p-27f,
        0x1.898aeap-31f, 0x1.3112a2p-8f, 0x1.00a288p-10f},
       {-0x1.4768f2p-15f, -0x1.b0d98ep-19f, -0x1.1a1aeep-22f, -0x1.cc08dcp-28f, -0x1.1e7ec0p-30f,
        -0x1.837b6cp-32f, -0x1.73707cp-10f, -0x1.1803fap-12f},
       {0x1.4cafa2p-17f, 0x1.23da7cp-20f, 0x1.3cc884p-25f, 0x1.bf608ep-29f, 0x1.10dde6p-34f,
        0x1.3f62eap-39f, 0x1.9b9066p-15f, 0x1.1b139ep-12f}}};
  // M(a) for a in [0, 19.9] (kSlopePiecesClamp: 3a/4 + 1 below 16).
  template <class D>
  HWY_INLINE static Vec<D> PieceM8(D d, Vec<D> a) {
    const Vec<D> y = hn::MulAdd(a, hn::Set(d, 0.75f), hn::Set(d, 1.0f));
    const __m256i idx = _mm256_srli_epi32(_mm256_castps_si256(y.raw), 22);
    const auto tab = [&](const float* c) HWY_ATTR {
      return Vec<D>{_mm256_permutevar8x32_ps(_mm256_load_ps(c), idx)};
    };
    const Vec<D> u = hn::Sub(a, tab(kSlopePieces8.c));
    Vec<D> g = tab(kSlopePieces8.p[8]);
    for (int j = 7; j >= 0; --j) g = hn::MulAdd(g, u, tab(kSlopePieces8.p[j]));
    return g;
  }
  // Forward on K vectors (see HasForwardN), Forward's first path on every lane where no lane of
  // the K is below -13: a = min(|x|, 13), which for x > 13 leaves |x| G e^(-a^2/2) below 2^-120
  // and q - that rounds to x, as Forward's second path gives; a NaN x (a = 13, vminps' second
  // operand) returns q, its NaN. The same results as Forward on each vector, its steps
  // interleaved across the K so that the out-of-order core sees independent work beside each
  // chain (G's Horner steps, then the exponential's).
  template <size_t K, class D>
  static void ForwardN(D d, Vec<D> (&v)[K], const Args& args) {
    // The least lane, NaN left out: vminps returns its second operand where either is NaN.
    __m256 least = _mm256_set1_ps(HUGE_VALF);
    for (size_t k = 0; k < K; ++k) least = _mm256_min_ps(v[k].raw, least);
    if (HWY_UNLIKELY(!hn::AllFalse(d, hn::Lt(Vec<D>{least}, hn::Set(d, -13.0f))))) {
      for (size_t k = 0; k < K; ++k) v[k] = ForwardEach(d, v[k], args);
      return;
    }
    Vec<D> a[K], z[K], zl[K], b[K];
    for (size_t k = 0; k < K; ++k) a[k] = hn::Min(hn::Abs(v[k]), hn::Set(d, 13.0f));
    for (size_t k = 0; k < K; ++k) {
      const Vec<D> ha = hn::Mul(a[k], hn::Set(d, -0.5f));
      z[k] = hn::Mul(ha, a[k]);
      zl[k] = hn::MulSub(ha, a[k], z[k]);
    }
    PieceGN<K>(d, a, b);
    for (size_t k = 0; k < K; ++k) b[k] = hn::Mul(b[k], a[k]);
    for (size_t k = 0; k < K; ++k) {
      const ExpNormalF<D> e = FastExpNormal(d, z[k], &zl[k]);
      const Vec<D> bs = hn::Mul(b[k], e.s);
      const Vec<D> q{_mm256_max_ps(_mm256_set1_ps(-0.0f), v[k].raw)};
      v[k] = hn::Sub(q, hn::MulAdd(bs, e.pm, bs));
    }
  }
  // Forward on one vector, out of line: the rare path of ForwardN.
  template <class D>
  HWY_NOINLINE static Vec<D> ForwardEach(D d, Vec<D> x, const Args& args) {
    return Forward(d, x, args);
  }
  // PieceG on K vectors, each step across the K.
  template <size_t K, class D>
  HWY_INLINE static void PieceGN(D d, const Vec<D> (&a)[K], Vec<D> (&g)[K]) {
    __m256i idx[K];
    Vec<D> u[K];
    for (size_t k = 0; k < K; ++k) {
      idx[k] = _mm256_srli_epi32(_mm256_castps_si256(hn::Add(a[k], hn::Set(d, 1.0f)).raw), 22);
    }
    const auto tab = [&](const float* c, size_t k) HWY_ATTR {
      return Vec<D>{_mm256_permutevar8x32_ps(_mm256_load_ps(c), idx[k])};
    };
    for (size_t k = 0; k < K; ++k) u[k] = hn::Sub(a[k], tab(kPieces8.c, k));
    for (size_t k = 0; k < K; ++k) g[k] = tab(kPieces8.p[8], k);
    for (int j = 7; j >= 0; --j) {
      for (size_t k = 0; k < K; ++k) g[k] = hn::MulAdd(g[k], u[k], tab(kPieces8.p[j], k));
    }
  }
  // Forward as AVX-512's ForwardN does it (q - |x| G e^(-a^2/2), q = vmaxps(-0, x)) with the
  // exponential of the other targets: 2^n (1 + m) where a <= 13 on every lane (|x| G 2^n exact
  // and normal, one rounding with m), else p 2^n in three factors (SplitScale3), one rounding
  // into the subnormals. a = min(|x|, 14.5) is 14.5 for a NaN x (vminps' second operand), whose
  // lane takes the second path and returns q, x's NaN.
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    const Vec<D> a = hn::Min(hn::Abs(x), hn::Set(d, kClamp));
    const Vec<D> ha = hn::Mul(a, hn::Set(d, -0.5f));
    const Vec<D> z = hn::Mul(ha, a);
    const Vec<D> zl = hn::MulSub(ha, a, z);
    const Vec<D> b = hn::Mul(PieceG(d, a), a);
    const Vec<D> q{_mm256_max_ps(_mm256_set1_ps(-0.0f), x.raw)};
    return PerLane(
        d, hn::Le(a, hn::Set(d, 13.0f)),
        [&]() HWY_ATTR {
          const ExpNormalF<D> e = FastExpNormal(d, z, &zl);
          const Vec<D> bs = hn::Mul(b, e.s);
          return hn::Sub(q, hn::MulAdd(bs, e.pm, bs));
        },
        [&]() HWY_ATTR {
          const ExpSplitF<D> e = FastExpSplit(d, z, zl);
          return hn::Sub(q, Scale3(hn::Mul(b, e.p), SplitScale3(d, e.n)));
        });
  }
#else
  template <class D>
  HWY_INLINE static Vec<D> Forward(D d, Vec<D> x, const Args&) {
    const Vec<D> lim = hn::Set(d, kClamp);
    const Vec<D> xc = hn::Min(hn::Max(x, hn::Neg(lim)), lim);
    const Vec<D> a = hn::Abs(xc);
    const Vec<D> ha = hn::Mul(a, hn::Set(d, -0.5f));
    const Vec<D> z = hn::Mul(ha, a);
    const Vec<D> zl = hn::MulSub(ha, a, z);
    const Vec<D> b = ScaledG(d, xc, a);
    const auto neg = hn::Lt(x, hn::Zero(d));
    // a <= 13: e^z >= 2^-122 and |x Q| >= 2^-125 where x < -1, so b 2^n is exact and normal.
    // A NaN lane fails the test and takes the other path, which returns x there.
    return PerLane(
        d, hn::Le(a, hn::Set(d, 13.0f)),
        [&]() HWY_ATTR {
          const ExpNormalF<D> e = FastExpNormal(d, z, &zl);
          const Vec<D> bs = hn::Mul(b, e.s);
          const Vec<D> s = hn::MulAdd(bs, e.pm, bs);
          return hn::IfThenElse(neg, s, hn::Sub(x, s));
        },
        [&]() HWY_ATTR {
          const ExpSplitF<D> e = FastExpSplit(d, z, zl);
          const Vec<D> tail = Scale3(hn::Mul(b, e.p), SplitScale3(d, e.n));
          return hn::IfThenElse(neg, tail, x);
        });
  }
#endif
#if HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
  // Backward on K vectors (see HasBackwardN): where every lane of the K has |x| <= 13 and dy not
  // NaN, Backward's first path, two vectors at a time with each step across the two (four
  // chains and their constants spill AVX2's 16 registers); else Backward on each vector
  // (BackwardEachN, which passes NaN through). The same results as Backward on each vector.
  template <size_t K, class D>
  static void BackwardN(D d, Vec<D> (&x)[K], Vec<D> (&dy)[K], const Args& args) {
    auto ok = hn::And(hn::Le(hn::Abs(x[0]), hn::Set(d, 13.0f)), hn::Eq(dy[0], dy[0]));
    for (size_t k = 1; k < K; ++k) {
      ok = hn::And(ok, hn::And(hn::Le(hn::Abs(x[k]), hn::Set(d, 13.0f)), hn::Eq(dy[k], dy[k])));
    }
    if (HWY_UNLIKELY(!hn::AllTrue(d, ok))) {
      BackwardEachN<K>(d, x, dy,
                       [&](Vec<D> xv, Vec<D> g) HWY_ATTR { return Backward(d, xv, g, args); });
      return;
    }
    constexpr size_t kPair = K < 2 ? K : 2;
    for (size_t k0 = 0; k0 < K; k0 += kPair) {
      Vec<D> a[kPair], z[kPair], zl[kPair], m[kPair];
      for (size_t k = 0; k < kPair; ++k) {
        a[k] = hn::Abs(x[k0 + k]);
        const Vec<D> ha = hn::Mul(a[k], hn::Set(d, -0.5f));
        z[k] = hn::Mul(ha, a[k]);
        zl[k] = hn::MulSub(ha, a[k], z[k]);
      }
      for (size_t k = 0; k < kPair; ++k) m[k] = PieceM8(d, a[k]);
      for (size_t k = 0; k < kPair; ++k) {
        const ExpNormalF<D> e = FastExpNormal(d, z[k], &zl[k]);
        const Vec<D> ms = hn::Mul(m[k], e.s);
        const Vec<D> em = hn::MulAdd(ms, e.pm, ms);
        const auto neg = hn::Lt(x[k0 + k], hn::Zero(d));
        dy[k0 + k] = hn::Mul(dy[k0 + k], hn::IfThenElse(neg, em, hn::Sub(hn::Set(d, 1.0f), em)));
      }
    }
  }
#endif
  // dy gelu'(x), a = |x| clamped at 20 (AVX2: 19.9, M from kSlopePieces8 as AVX-512's from
  // kSlopePieces; elsewhere SlopeM; see the AVX-512 Backward). Where a <= 13 on every lane,
  // e = 2^n (1 + m) from FastExpNormal is normal and so is e M (M 2^n exact, one rounding with
  // m); the other lanes take dy for x > 0 (e M is below 2^-120 there) and dy M p 2^n in three
  // factors (SplitScale3) for x < 0, the first before dy (no overflow), the last after it.
  template <class D>
  HWY_INLINE static Vec<D> Backward(D d, Vec<D> x, Vec<D> dy, const Args&) {
#if HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
    const Vec<D> lim = hn::Set(d, kSlopePiecesClamp);
#else
    const Vec<D> lim = hn::Set(d, kSlopeClamp);
#endif
    const Vec<D> xc = hn::Min(hn::Max(x, hn::Neg(lim)), lim);
    const Vec<D> a = hn::Abs(xc);
    const Vec<D> ha = hn::Mul(a, hn::Set(d, -0.5f));
    const Vec<D> z = hn::Mul(ha, a);
    const Vec<D> zl = hn::MulSub(ha, a, z);
#if HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
    const Vec<D> m = PieceM8(d, a);
#else
    const Vec<D> m = SlopeM(d, a);
#endif
    const auto neg = hn::Lt(x, hn::Zero(d));
    return PerLane(
        d, hn::Le(a, hn::Set(d, 13.0f)),
        [&]() HWY_ATTR {
          const ExpNormalF<D> e = FastExpNormal(d, z, &zl);
          const Vec<D> ms = hn::Mul(m, e.s);
          const Vec<D> em = hn::MulAdd(ms, e.pm, ms);
          return hn::Mul(dy, hn::IfThenElse(neg, em, hn::Sub(hn::Set(d, 1.0f), em)));
        },
        [&]() HWY_ATTR {
          const ExpSplitF<D> e = FastExpSplit(d, z, zl);
          const Scale3F<D> sc = SplitScale3(d, e.n);
          const Vec<D> g = hn::Mul(hn::Mul(m, e.p), sc.s1);
          const Vec<D> tail = hn::Mul(hn::Mul(hn::Mul(g, dy), sc.s2), sc.s3);
          return hn::IfThenElse(neg, tail, dy);
        });
  }
#endif
};
