#!/usr/bin/python3
"""Writes docs/PERFORMANCE.md from activ-bench's JSON output (bench/run.sh calls this).

usage: report.py ONE_THREAD.json TWO_THREADS.json [ROWS.json HALF.json [OTHER_TARGET.json]]
                 OUTPUT.md

ROWS.json is the row-wise suite (activ-bench --suite=rows: softmax, log_softmax, swiglu),
HALF.json the 16-bit pass (activ-bench --types=bf16,f16), both on one thread, and
OTHER_TARGET.json the float32 pass on one thread with activ forced to another SIMD target
(activ-bench --target avx2 on an AVX-512 host); a missing file leaves its section out.

Times are medians over the repetitions: CPU time of the calling thread for the one-thread runs
(every contender then computes on the calling thread, and a machine shared with other work
deschedules threads at random), wall time for the two-thread runs (the only time that sees the
workers). Every figure is nanoseconds per element.
"""
import json
import math
import os
import subprocess
import sys

PEERS = ["oneDNN", "XNNPACK", "PyTorch", "Eigen"]
LEVEL = {4096: "L1", 262144: "L2", 16777216: "DRAM"}
DIRECTIONS = {"fwd": "forward", "bwd": "backward", "bwd_y": "from y"}
YARDSTICK = {"fwd": "copy", "bwd": "add", "bwd_y": "add"}

# A function no peer has is held to 1.2x the fastest peer of this function of the same shape.
NEAREST = {
    "quick_gelu": "silu",
    "softsign": "sigmoid",
    "squareplus": "softsign",
    "tanhshrink": "tanh",
    "relu_squared": "relu",
    "celu": "elu",
    "selu": "elu",
    "logsigmoid": "softplus",
    "identity": "relu",
    "prelu": "leaky_relu",
    "rrelu": "leaky_relu",
    "threshold": "relu",
    "hardshrink": "hardtanh",
    "softshrink": "hardtanh",
    "hardsigmoid": "hardtanh",
    "hardswish": "hardtanh",
    "relu6": "hardtanh",
    "sigmoid": "silu",
    "tanh": "sigmoid",
}

# Why a row misses its target and what would close it, by function (or function/direction).
# Rows that miss with no note here are flagged "no note" so that none goes unexplained.
# softplus and logsigmoid forward: float lanes on AVX-512, a pair exp and a table log1p.
SOFTPLUS_LANES = (
    "activ computes float32 {what} in float32 lanes on AVX-512 and AVX2 (on AVX2 with "
    "16-entry tables: one vector at a time that form measured no faster than the double lanes, "
    "four at once {avx2} faster than them at 4096 and 262144 elements), from a sum "
    "within about 2^-35 of the result rounded once: e = e^-|t| as a float pair (a 2^(j/16) "
    "table in hi + lo floats read with vpermps, a degree-5 polynomial in Estrin's form), then "
    "log1p(e) = -log c_j + log1p(r) with c_j = 1/(1 + j/32) from a 32-entry table read with "
    "vpermt2ps (c_0 = 1, so that the tail is r = e itself), r = c_j (1 + e) - 1 exact, -r^2/2 "
    "an exact pair and a short series; lanes near the subnormals, infinities and NaN take the "
    "double lanes behind one mask test. Over all 2^32 inputs at most 0.5008 ULP, 7321 results "
    "not correctly rounded (330 in the double lanes before). That is {insns} instructions per "
    "16-element vector on AVX-512, {fma} of them multiplies or FMAs (objdump of "
    "ForwardT<float, float>, four vectors per loop trip, {spill} of the instructions moves "
    "to or from the stack), against {old} with {old_fma} for the double lanes' two half vectors. One "
    "vector's steps are one chain of dependent steps (the exp, then the table read, the log "
    "series and the final two-sum), and one vector after another the loop ran near that "
    "chain's latency; it now takes four vectors at once, each step for all four before the "
    "next (the kernel's ForwardN): {gain} faster than one vector at a time at 4096, 262144 "
    "and 16777216 elements (old and new alternated on a loaded host; two at once gave 1.2x, "
    "eight no more than four). With eight no faster the chain no longer holds it: what is "
    "left, as far as the counts tell (the host has no PMU), is issue, the {fma} FMA-class "
    "operations (two 512-bit pipes on this Zen 5, family 26) beside the compares, mask "
    "operations, blends, table permutes and spill moves. Closing it needs fewer pair steps; "
    "the peers' float exp and log carry no pairs, and the "
    "peers' speed itself is what the fast accuracy mode is for. ")
THROUGHPUT = "The loop is bound by instruction throughput, so its time follows that count. "
# Forward rows whose faithful kernel has a ForwardN (several vectors at once, steps interleaved).
FORWARD_N = (
    "One vector's steps are one dependent chain, and one vector after another the loop ran "
    "near that chain's latency; the forward loop now takes {k} vectors at once, each step for "
    "all of them before the next (the kernel's ForwardN), faster than one vector at a time by "
    "{gain} (old and new alternated on a loaded host), with {insns} instructions per vector on "
    "AVX-512, the stack moves this costs included. ")
FLOAT_PAIRS = (
    "activ computes float32 {what} in float32 lanes on AVX-512{avx2}, and carries as float "
    "pairs the steps whose rounding would show (such as the reduced argument, 2^(j/16) as hi + "
    "lo, 1 + e and the reciprocal's correction), so that every result is within 1 ULP and all but at "
    "most about ten in a million are correctly rounded (see ACCURACY.md, and the accuracy table below for "
    "what the peers' plain float arithmetic gives up in the tails). The pair steps are the "
    "cost: the AVX-512 sigmoid loop, for one, is 61 instructions per 16-element vector (objdump of "
    "ForwardT<float, float> at 4cec207: everything inlined, no spills, the table read with "
    "vpermps), where the peers evaluate a short polynomial and one division or reciprocal "
    "without pairs. {bound}Closing it at this accuracy needs fewer pair steps (a formulation that is faithful "
    "but not near correct rounding would keep them only on the side where the result is "
    "below 1/2); the peers' speed itself is what an explicit fast accuracy mode is for. ")
def float_pairs(what, avx2, bound=THROUGHPUT):
    return FLOAT_PAIRS.format(what=what, avx2=avx2, bound=bound)


PIECEWISE = (
    "float32 lanes, rounding once: {how}. That is {insns} instructions per 16-element vector "
    "on AVX-512 (objdump of ForwardT<float, float>, load and store included), where the "
    "fastest peer's loop is {peer}. In L1 the loop is bound by instruction throughput, so the "
    "gap follows the count; from L2 on, memory hides it. Closing it at one rounding: none "
    "found that is shorter; the explicit fast accuracy mode is where the peers' formula "
    "belongs. ")
DRAM = (
    "At 16777216 elements one thread is compute-bound, not memory-bound: the kernel costs more "
    "per element than the yardstick's memory traffic, so the row is limited by the same "
    "arithmetic as the smaller sizes; on two threads (table below) it comes closer. Such a loop "
    "keeps plain stores: with streaming stores the faithful forward passes of the "
    "transcendental functions ran 1.03-1.06x slower (process CPU time, same binary, one "
    "thread). ")
DRAM_NEAR = (
    "Memory-bound, within 1.4x of the yardstick: the loop moves the same bytes as the copy or "
    "add. Above half the last-level cache, the loops that run at memory speed store their "
    "output with streaming (non-temporal) stores, which skip the read for ownership of the "
    "output that the yardstick's plain stores pay: the exact kernels and the gradients from y "
    "in float lanes on every target, and on AVX-512, where each store is a whole 64-byte line, "
    "the fast mode's float32 loops and the backward passes (src/simd/op_unit-inl.h, "
    "kStreamForward and the rest). Measured at 16777216 elements, one thread, old and new "
    "binaries alternated on a shared machine: relu 0.61-0.90x its time with plain stores "
    "(AVX-512 and AVX2), sigmoid and tanh from y 0.83 and 0.94x (bfloat16 0.63 and 0.68x; "
    "AVX2 0.69 and 0.70x), fast sigmoid, tanh and silu backward 0.73, 0.67 and 0.81x (AVX-512). "
    "Loops bound by their arithmetic, and those whose stores are half lines (AVX2, 16-bit "
    "results), ran 1.01-1.37x slower streamed and keep plain stores. What is left is the "
    "kernel's arithmetic showing through on one thread, and run-to-run variation on a shared "
    "machine (the load average is in the header; the peers' kernels on the same rows land as "
    "far from the yardstick). ")
L3_BOUND = (
    "At 262144 elements the input and output (2 or 3 MiB) spill from the 1 MiB L2 into L3, and "
    "every contender runs near L3 bandwidth: activ is within 1.3x of the yardstick here, and "
    "the peers' figures sit as close to it; differences of this size change sign from run to "
    "run on a shared machine. ")
CHEAP_L1 = (
    "In L1 these loops are bound by instruction count and by their vector compares (a select "
    "or two per vector, on float32 lanes as the peers'; compares into a mask issue on fewer "
    "ports than adds and FMAs). So that NaN in gives NaN out whatever the kernel's selects do, "
    "activ's Map adds up the inputs of four vectors at a time (their products for two inputs: "
    "one FMA per vector), tests that one vector for NaN and blends NaN through only in a block "
    "that has one; the fastest peers' loops (XNNPACK's min/max, Eigen's select) test nothing. "
    "A call also costs about 10 ns before its loop (the argument checks, the parameters, the "
    "dispatch to the target's loop) against 2 for an Eigen expression: 0.002 ns per element at "
    "4096. Where PyTorch is the only peer, twice its speed means half of its already short "
    "loop. ")
FROM_Y_ARITHMETIC = (
    "Gradient from y on float32 lanes ({form} in one FMA, times dy), the loop of Eigen's "
    "expression: a NaN y or dy makes the result NaN through the arithmetic itself, so the loop "
    "runs without the NaN probe of activ's Map (kFromYKeepsNaN: 8% faster in L1, 102-110 "
    "against 112-119 ns per 4096-element call, old and new alternated on a loaded machine, "
    "Eigen 89-110 in the same runs). What is left at 4096 is the fixed cost of a call: about 10 "
    "ns before its loop (the argument checks, the parameters, the dispatch to the target's "
    "loop) against 2 for an Eigen expression, 0.002 ns per element. ")
# The faithful backward loops with a BackwardN (several vectors at once, steps interleaved).
BACKWARD_N = (
    "One vector's steps are one dependent chain, and one vector after another the loop ran near "
    "that chain's latency; it now takes {k} at once, each step for all of them before the next "
    "(the kernel's BackwardN, as the forward passes' ForwardN), faster than one vector at a time "
    "by {gain} at 4096 and 262144 elements (CPU time, old and new alternated on a loaded "
    "host). ")
BACKWARD_ROUNDED = (
    "activ's float32 backward pass computes {what} in float32 lanes, sized to the spec's "
    "backward bound (2 ULP): e^x is rounded once (its one rounding costs 1 ULP of the result at "
    "most) and every later step is exact or below 2^-26 of the result until the last rounding "
    "(ACCURACY.md: at most 1 ULP beyond the f'' term). That is {insns} instructions per "
    "16-element vector on AVX-512, {fma} of them multiplies, FMAs or reciprocals (objdump of "
    "BackwardT<float, float>, stack moves included), 36 before this form for sigmoid. "
    "{bwn}{peer}")
# The backward passes of the x sigmoid(t) and mish family, sized to the same bound.
BACKWARD_SLOPE = (
    "activ's float32 backward pass computes {what} in float32 lanes{avx2}, sized to the spec's "
    "backward bound (2 ULP): e^x is rounded once, the steps after it are exact pairs or below "
    "2^-25 of the result, and one quotient is corrected by its residual (the error budget, "
    "{budget} ULP at most beyond the f'' term, is in the kernel's comment). That is {insns} "
    "instructions per 16-element vector on AVX-512, {fma} of them multiplies, FMAs or "
    "reciprocals (objdump of BackwardT<float, float>, stack moves included; {before} with float "
    "pairs throughout). {bwn}{peer}")
NOTES = {
    "sigmoid": float_pairs(what="sigmoid (an exp and a division)",
                           avx2=" and AVX2 (there e^x in eighths of an octave: one vpermps a "
                                "table and no blend, against four permutes, two blends and the "
                                "mask for the 16-entry table, and one more polynomial term; with "
                                "four vectors at once, 0.626 against 0.795 ns per element at "
                                "262144, alternated: AVX2's loop was bound by latency, not by "
                                "its 172 instructions for two vectors)",
                           bound=FORWARD_N.format(
                               k="four", insns=68,
                               gain="AVX-512: 1.40x, 1.25x and 1.26x at 4096, 262144 and "
                                    "16777216 elements; AVX2: 1.12x and 1.15x at 4096 and "
                                    "262144")),
    "sigmoid/bwd_y": FROM_Y_ARITHMETIC.format(form="y - y^2"),
    "tanh": float_pairs(what="tanh (expm1 and a division)",
                        avx2=" and AVX2",
                        bound=FORWARD_N.format(
                            k="four", insns=82,
                            gain="AVX-512: 1.42x, 1.27x and 1.45x at 4096, 262144 and 16777216 "
                                 "elements; AVX2, where one vector at a time was slower than "
                                 "the double lanes: 1.25x faster than those at 4096 and 262144")),
    "tanh/bwd_y": FROM_Y_ARITHMETIC.format(form="1 - y^2"),
    "elu": float_pairs(what="elu (expm1)",
                       avx2=" and AVX2 (there e^x in eighths of an octave, as sigmoid's: 0.606 "
                            "against 0.701 ns per element at 262144, alternated)",
                       bound=FORWARD_N.format(
                           k="four (AVX2: two)", insns=66,
                           gain="AVX-512: 1.31x, 1.20x and 1.17x at 4096, 262144 and "
                                "16777216 elements; AVX2: 1.09x and 1.12x at 4096 and 262144")) +
    "The fast mode's AVX2 loop reads each vector of x once: GCC had loaded it again for the "
    "select (three loads a vector, 16 registers), which cost nothing in L1 but made the loop "
    "from DRAM 2.7x slower (16777216 elements: 0.55-0.58 ns against 0.21-0.22 with one load, "
    "XNNPACK 0.20-0.22 in the same runs). ",
    "elu/bwd_y": "dy (y + alpha) stays in double lanes: in float32 the sum and the product "
                 "round separately (up to 2 ULP where y + alpha cancels). An FMA form "
                 "fma(dy, y, dy alpha) does not help (dy alpha rounds first). ",
    "selu": float_pairs(what="selu (expm1)",
                        avx2=" (AVX2 too, two vectors at once: 1.07x faster there than the "
                             "double lanes it used before, 0.780 against 0.837 ns per element "
                             "at 262144)",
                        bound=FORWARD_N.format(
                            k="four (AVX2: two)", insns=74,
                            gain="AVX-512: 1.17x at 4096 and 262144 (0.308 and 0.314 against "
                                 "0.360 and 0.368 ns per element, elu 0.28 in the same runs)")),
    "celu": float_pairs(what="celu (expm1 of x/alpha)",
                        avx2=" and AVX2 (there with e^t - 1 from a 2^(j/8) table, one vpermps "
                             "each for hi and lo, eight vectors at once: 1.25x faster than the "
                             "double lanes of before; its backward pass, which carries no pairs "
                             "after e^t, 1.15x)",
                        bound=FORWARD_N.format(
                            k="four", insns=77,
                            gain="1.42x at 4096 and 1.40x at 262144 (0.331 and 0.335 against "
                                 "0.470 and 0.469 ns per element, elu 0.28 in the same runs)")),
    "softplus": SOFTPLUS_LANES.format(what="softplus (max(t, 0)/beta + log1p(e^-|t|)/beta, t = "
                                           "beta x exact as a pair)",
                                      insns=143, fma=36, spill=17, old=132, old_fma=68,
                                      gain="1.68x, 1.39x and 1.22x", avx2="1.56x and 1.62x"),
    "logsigmoid": SOFTPLUS_LANES.format(what="logsigmoid (-softplus(-x), the same kernel)",
                                        insns=123, fma=30, spill=24, old=130, old_fma=64,
                                        gain="1.57x, 1.30x and 1.40x", avx2="1.36x and 1.41x"),
    "logsigmoid/bwd": "PyTorch's log_sigmoid_backward reads the buffer its forward saved (e^-|x| "
                      "per element) and only multiplies; activ's backward takes x alone, as the "
                      "API promises, and recomputes a sigmoid. " +
                      BACKWARD_ROUNDED.format(
                          what="dy sigmoid(-x) as dy e/(1 + e) with 1/(1 + e) from the reciprocal "
                               "estimate and its series", insns=68, fma=23,
                          bwn=BACKWARD_N.format(
                              k="eight vectors (AVX2: two)",
                              gain="1.20x and 1.11x (four: 1.12x; AVX2: 1.01x to 1.04x)"),
                          peer="No shorter faithful form found that needs x alone.") +
                      "The fast mode on AVX2 takes e^-|x| from the 8-entry table and one "
                      "quotient, (x > 0 ? dy e : dy)/(1 + e), four vectors at a time: 1.55x "
                      "faster than its one-vector form at 4096 and 262144 (0.21-0.22 ns against "
                      "0.34), still 0.75x of PyTorch's multiplication by the saved buffer. ",
    "sigmoid/bwd": BACKWARD_ROUNDED.format(
        what="dy e/(1 + e)^2 (e = e^-|x|) as one quotient corrected by its residual",
        insns=61, fma=23,
        bwn=BACKWARD_N.format(
            k="eight vectors (AVX2: two)",
            gain="1.24x and 1.19x (four: 1.06x to 1.09x; AVX2: 1.04x to 1.06x)"),
        peer="oneDNN's loop has no pairs and no correction; closing the rest at this bound "
             "needs e^x in fewer operations than the 2^(j/16) table with a hi + lo entry and "
             "a degree-4 polynomial (9 of the 22)."),
    "tanh/bwd": BACKWARD_ROUNDED.format(
        what="dy (1 - tanh^2 x) = 4 dy e/(1 + e)^2 (e = e^-2|x|) as one quotient corrected by "
             "its residual", insns=65, fma=24,
        bwn=BACKWARD_N.format(
            k="eight vectors (AVX2: two)",
            gain="1.35x and 1.28x (four: 1.17x and 1.15x; AVX2: 1.08x and 1.09x)"),
        peer="oneDNN's loop has no pairs and no correction; see sigmoid's."),
    "elu/bwd": BACKWARD_ROUNDED.format(
        what="dy alpha e^x, dy alpha kept exact as a pair", insns=48, fma=16,
        bwn=BACKWARD_N.format(
            k="four vectors on AVX-512 (AVX2: one, as two measured no faster, 63 instructions a "
              "vector against 57 in Map's four-vector loop, which already gives this short "
              "chain independent work)",
            gain="1.07x"),
        peer=""),
    "softplus/bwd": BACKWARD_ROUNDED.format(
        what="dy sigmoid(beta x) as dy/(1 + e) or dy e/(1 + e), 1/(1 + e) from the reciprocal "
             "estimate and its series", insns=65, fma=25,
        bwn=BACKWARD_N.format(
            k="two vectors",
            gain="1.11x and 1.13x (four: 1.09x; eight slower than one; AVX2: 1.09x to "
                 "1.11x)"),
        peer="oneDNN's loop has no pairs and no correction; see sigmoid's."),
    "silu/bwd": BACKWARD_SLOPE.format(
        what="dy (1 + e (1 + x))/q^2 (x >= 0) or dy e (1 + x + e)/q^2 (e = e^-|x|, q = 1 + e)",
        avx2=" (AVX2 too: 112 instructions per 8-element vector)", budget=1.41, insns=96,
        fma=31, before=109,
        bwn=BACKWARD_N.format(
            k="four vectors on AVX-512 (AVX2: one, as two measured 0.97x to 1.0x, 118 "
              "instructions and 35 stack moves a vector against 112 and 30: with 16 registers "
              "the second chain spills)",
            gain="1.34x and 1.29x"),
        peer="Eigen's loop has no pairs and no correction; see sigmoid's."),
    "quick_gelu/bwd": BACKWARD_SLOPE.format(
        what="silu's slope at beta x, beta x as a pair", avx2=" (AVX2 too)", budget=1.41,
        insns=86, fma=30, before=109,
        bwn=BACKWARD_N.format(k="silu's four vectors on AVX-512 (AVX2: one)",
                              gain="1.31x"),
        peer=""),
    "mish/bwd": BACKWARD_SLOPE.format(
        what="dy e K/b^2 with b = 1 + (1 + e)^2, K = b + (1 + e)(b + 4x) (e = e^x)",
        avx2=" (AVX2 too, two vectors at once: 1.11x and 1.14x faster than its double lanes at "
             "4096 and 262144)",
        budget=1.39, insns=102, fma=36, before=111,
        bwn=BACKWARD_N.format(k="four vectors", gain="1.46x and 1.43x"),
        peer="oneDNN's loop has no pairs and no correction; b, K and their parts are carried "
             "exact because rounding either adds up to 0.8 ULP at x = -2.26, where mish'' = 0."),
    "gelu_tanh/bwd": BACKWARD_SLOPE.format(
        what="silu's slope with t = 2u and x t'(x) in place of t (both as pairs)",
        avx2=" (AVX2 too: 142 instructions per 8-element vector)", budget=1.63, insns=129,
        fma=44, before=138,
        bwn=BACKWARD_N.format(k="four vectors (AVX2: two)",
                              gain="1.28x and 1.30x (AVX2: 1.03x and 1.04x)"),
        peer="oneDNN's loop has no pairs and no correction."),
    "gelu": ("activ computes float32 gelu in float32 lanes on AVX-512 (on AVX2 the forward "
             "pass in double lanes, 4 per vector: the float-lane form measured 1.41x slower "
             "there with its 32-piece table read by four permutes and three blends a "
             "coefficient, and still 1.10x slower with each lane's 12 coefficients loaded from "
             "a by-piece copy of the table and transposed, 194 instructions per 8 elements "
             "against 170; the backward pass runs in float lanes with those loads, 1.07x to "
             "1.09x faster than the double lanes, and on AVX-512 four vectors at once, 1.15x): Q = e^(-a^2/2) "
             "g(a)/2 with g = e^(a^2/2) erfc(a/sqrt 2) from 32 pieces of degree 8 over [0, 13] "
             "(tools/fit_gelu_f32.py, within 2^-35.6), its first three coefficients as float "
             "pairs, e^(-a^2/2) from ExpPairF of the exact square, x Q or x (1 - Q) rounded once: "
             "all but 19929 of the 2^32 results correctly rounded (0.512 ULP at most, "
             "ACCURACY.md). The forward pass takes four vectors a step (ForwardN, 1.23x over one "
             "at a time, the same results): about 148 instructions per 16-element vector, some 82 "
             "of them floating-point operations and 15 permutes; with the coefficient lookups "
             "replaced by broadcasts a test build was only 10% faster, and cutting parts out of "
             "an earlier one put about 28% of the time in the polynomial and its lookups and 22% "
             "in the exponential. The backward pass is "
             "cheaper (e^(-a^2/2) rounded once, one pair step, 1.16 ULP at most beyond the f'' "
             "term). The peers evaluate erf by one short polynomial or rational without a tail "
             "(off by 10^7 to 10^8 ULP below x = -5); activ's fast mode (gelu fast: 2.6 ULP at "
             "most) is the faster option: on AVX-512 its forward pass is x Phi(x) = q - R(|x|) "
             "with R(a) = a Phi(-a) from 32 pieces of degree 6 (vpermt2ps), no exponential, "
             "where no lane of the step is below -8 (about 22 operations a vector against "
             "Eigen's erf polynomial; the lanes below -8 take the exponential). Closing the "
             "faithful gap at this accuracy: fewer pair steps, or a 16-piece table read with one "
             "vpermps. "),
    "gelu_tanh": float_pairs(what="gelu_tanh (an exp and a division, as x sigmoid(2u))",
                             avx2=" and AVX2",
                             bound=FORWARD_N.format(
                                 k="four", insns=96,
                                 gain="AVX-512: 1.39x, 1.51x and 1.30x at 4096, 262144 and "
                                      "16777216 elements; AVX2, where one vector at a time was "
                                      "slower than the double lanes: 1.39x and 1.43x faster "
                                      "than those at 4096 and 262144")) +
                 "The fast mode's AVX-512 forward pass has neither: x sigmoid(2u) = q - R(|x|), "
                 "R(a) = a/(1 + e^(2u(a))) from 32 pieces of degree 8 (vpermt2ps) where no lane "
                 "of the step is below -8, as fast gelu's. ",
    "silu": float_pairs(what="silu (an exp and a division)",
                        avx2=" and AVX2 (there e^x in eighths of an octave, as sigmoid's, four "
                             "vectors at once: 0.825 against 0.900 ns per element at 262144, "
                             "alternated)",
                        bound=FORWARD_N.format(
                            k="four", insns=87,
                            gain="AVX-512: 1.42x, 1.33x and 1.17x at 4096, 262144 and "
                                 "16777216 elements; AVX2: 1.36x and 1.22x at 4096 and 262144")),
    "quick_gelu": float_pairs(what="quick_gelu (silu with beta 1.702)",
                              avx2=" and AVX2 (silu's form: 0.815 against 0.887 ns per element "
                                   "at 262144, alternated)",
                              bound=FORWARD_N.format(
                                  k="four", insns=86,
                                  gain="AVX-512: 1.28x and 1.24x at 4096 and 262144 (0.384 "
                                       "and 0.388 ns per element, silu 0.40 in the same runs); "
                                       "AVX2: 1.19x and 1.15x (0.860 and 0.880, silu 0.88)")),
    "mish": float_pairs(what="mish (an exp and a division)",
                        avx2=" and AVX2 (there with e^x from a 2^(j/8) table, one vpermps each "
                             "for hi and lo, and the quotient from one Newton step and its "
                             "residual: 1.01-1.10x faster than the double lanes of before; the "
                             "backward pass, two vectors at once, 1.11x and 1.14x at 4096 and "
                             "262144)",
                        bound=FORWARD_N.format(
                            k="four", insns=106,
                            gain="1.51x, 1.42x and 1.13x at 4096, 262144 and 16777216 "
                                 "elements")) +
    "The fast mode on AVX2 takes e^-|x| from the 8-entry table, two vectors at a time, without "
    "the per-lane blend and the NaN probe (its fallback keeps NaN): 1.23x faster (0.38-0.39 ns "
    "against 0.47-0.49 at 4096 and 262144), 2.84 ULP at most over every float32 input (2.68 "
    "before). ",
    "tanhshrink": float_pairs(what="tanhshrink (a tanh, and a series for |x| < 0.5 "
                                   "where x - tanh x cancels)",
                              avx2=" and AVX2 (there above 0.5 as (|x| - 1) + 2/(1 + e^2|x|), "
                                   "e^2|x| as a pair and the quotient from one Newton step and "
                                   "its residual: 1.3x faster than the double lanes of before; the "
                                   "backward pass keeps the double lanes on AVX2)",
                              bound=FORWARD_N.format(
                                  k="four", insns=159,
                                  gain="1.42x at 4096 and 262144 (0.682 and 0.681 against "
                                       "0.971 and 0.965 ns per element)") +
                              "It computes both the tanh and the series for every vector: "
                              "with x uniform in [-8, 8] a vector of 16 has no lane below 0.5 "
                              "with odds 0.36 (four at once 0.02), so about twice tanh's work "
                              "(tanh 0.35 ns in the same runs). "),
    "softsign": PIECEWISE.format(
        how="1 + |x| as an exact pair, a reciprocal refined by one Newton step, and the "
            "quotient corrected by its remainder", insns=21,
        peer="an addition and a division, rounding twice (Eigen: 1.34 ULP in the accuracy "
             "table below)") +
    "The fast mode divides x clamped to [-2^26, 2^26] by 1 + |x| (Eigen's form with the "
    "clamp for infinities, the same bits as copying the sign afterwards): on AVX2 the copy "
    "had read x again, 0.073-0.077 ns at 4096 against 0.084; the loop is bound by the "
    "division there, as Eigen's is, and by the cache at 262144. ",
    "squareplus": "float32 lanes: sqrt(x^2 + b) and its sum with |x| as pairs, then one "
                  "rounded quotient; backward, f' = t/(2s) or (b/2)/(s t) as a quotient of pairs "
                  "rounded once, then its product with dy, four vectors at once on AVX-512 "
                  "(0.366 against 0.611 ns per element in double lanes at 262144, alternated; "
                  "AVX2 0.786 against 1.311). "
                  "It is held to softsign's fastest peer (Eigen's one division) while it needs "
                  "a square root and, for x < 0, a division. The loop is bound by its "
                  "multiplies, FMAs and reciprocals (two pipes on this Zen 5), not by the "
                  "square root: 14 of them per 16-element vector on AVX-512, against "
                  "softsign's 6 (x^2 + b and s + |x| as pairs, the root's first-order "
                  "correction, and both the half sum and the corrected quotient formed for "
                  "every vector), hence about 2.4x softsign's time (0.218 against 0.093 ns per "
                  "element at 262144). Taking 1/(2 s) from rcp14 unrefined (2^-37 of s is all "
                  "the correction needs) and b/2 once per call cut 19 to 14: 0.218 against "
                  "0.241 ns (AVX-512, alternated); a root from rsqrt14 and a Newton step in "
                  "place of the square root measured slower (0.232). ",
    "hardsigmoid": PIECEWISE.format(
        how="x + 3 as an exact pair and its sixth rounded once, with no NaN test in the loop "
            "(the clamps put the bound first and keep NaN)",
        insns="10.5 (42 in the four-vector loop)",
        peer="a multiply-add and a clamp, rounding twice") +
    "Dropping the NaN test took 4096 elements from 0.050 to 0.040 ns per element on AVX-512 "
    "and from 0.096 to 0.078 on AVX2 (Eigen 0.037 and 0.074, same runs, alternated). ",
    "hardswish": PIECEWISE.format(
        how="x + 3 and (x + 3)/6 as pairs, then x (x + 3)/6 rounded once", insns=18,
        peer="a multiply-add, a clamp and a multiplication, rounding up to three times "
             "(1.73 to 191 ULP in the accuracy table below)") +
    "The fast mode takes such a form: x clamped below at -3 times min(1, (x + 3) RN(1/6)), 6 "
    "instructions per vector, 2.48 ULP at most over every float32 input (x + 3 is exact where "
    "the result nears 0, which keeps it from the peers' larger errors there). ",
    "relu_squared": "One product, exact in float32 lanes; the loop is a compare, a select, a "
                    "multiplication and the Map's load and store. " + "CHEAP",
    "rrelu": "Evaluation mode multiplies by the mean slope (lower + upper)/2, split once per "
             "call into a float head and tail so that x times it rounds once (the peers round "
             "the slope to float first, up to 0.5 ULP more). ",
    "relu": CHEAP_L1,
    "leaky_relu": CHEAP_L1,
    "prelu": CHEAP_L1,
    "identity": CHEAP_L1,
    "hardtanh": CHEAP_L1,
    "relu6": CHEAP_L1,
    "threshold": CHEAP_L1,
    "hardshrink": CHEAP_L1,
    "softshrink": CHEAP_L1,
    "DRAM": DRAM,
    "DRAM near": DRAM_NEAR,
    "L3 bound": L3_BOUND,
}
for _key, _text in NOTES.items():
    if _text.endswith("CHEAP"):
        NOTES[_key] = _text[:-len("CHEAP")] + CHEAP_L1


def load(path):
    with open(path) as f:
        data = json.load(f)
    medians = {}
    labels = {}
    order = {}
    for b in data["benchmarks"]:
        function = b["run_name"].split("/")[0]
        order[function] = min(order.get(function, b["family_index"]), b["family_index"])
        if b.get("run_type") != "aggregate" or b.get("aggregate_name") != "median":
            continue
        name = b["run_name"].removesuffix("/real_time")
        function, direction, dtype, size, contender = name.split("/")
        if b.get("error_occurred"):
            continue
        n = size if "x" in size else int(size)
        key = (function, direction, dtype, n, contender)
        elements = b.get("n") or (n if isinstance(n, int) else 1)
        medians[key] = {"cpu": b["cpu_time"] / elements, "real": b["real_time"] / elements,
                        "ulp": b.get("max_ulp")}
        if b.get("label"):
            labels[key] = b["label"]
    return data["context"], medians, labels, order


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def package_version(name):
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], capture_output=True,
                             text=True, check=False)
        return out.stdout.strip() or "?"
    except OSError:
        return "?"


def fmt(t):
    if t is None:
        return ""
    return f"{t:.3f}" if t < 10 else f"{t:.1f}"


def ratio(a, b):
    """How many times faster a time b is than a time a (a / b), formatted."""
    if a is None or b is None:
        return ""
    return f"{a / b:.2f}x"


class Table:
    def __init__(self, medians, labels, metric):
        self.m = medians
        self.labels = labels
        self.metric = metric

    def t(self, function, direction, dtype, n, contender):
        v = self.m.get((function, direction, dtype, n, contender))
        return None if v is None else v[self.metric]

    def peers(self, function, direction, dtype, n):
        return {p: self.t(function, direction, dtype, n, p) for p in PEERS
                if self.t(function, direction, dtype, n, p) is not None}

    def best(self, function, direction, dtype, n):
        peers = self.peers(function, direction, dtype, n)
        if not peers:
            return None, None
        name = min(peers, key=peers.get)
        return name, peers[name]

    def yardstick(self, direction, dtype, n):
        return self.t(YARDSTICK[direction], direction if direction == "fwd" else "bwd", dtype, n,
                      "yardstick")


def status(tab, function, direction, dtype, n, ours):
    """(target text, met or None when there is no target)."""
    if ours is None or dtype != "f32":
        return "", None
    if LEVEL.get(n) == "DRAM":
        y = tab.yardstick(direction, dtype, n)
        if y is None:
            return "", None
        return "<= 1.15x yardstick", ours <= 1.15 * y
    _, best = tab.best(function, direction, dtype, n)
    if best is not None:
        return ">= 1x best peer", ours <= best
    near = NEAREST.get(function)
    if near:
        _, nbest = tab.best(near, direction, dtype, n)
        if nbest is not None:
            return f"<= 1.2x best peer of {near}", ours <= 1.2 * nbest
    return "", None


def note_for(tab, function, direction, dtype, n, ours):
    y = tab.yardstick(direction, dtype, n)
    if LEVEL.get(n) == "DRAM":
        return "DRAM near" if y is not None and ours <= 1.4 * y else "DRAM"
    if LEVEL.get(n) == "L2" and y is not None and ours <= 1.3 * y:
        return "L3 bound"
    for key in (f"{function}/{direction}", function):
        if key in NOTES:
            return key
    return None


def each_row(tab, dtype, sizes, functions, contender="activ"):
    """(function, direction, n, time) of every row the contender has, in table order: registry
    order of the functions, then direction, then size."""
    for function in functions:
        for direction in DIRECTIONS:
            for n in sizes:
                t = tab.t(function, direction, dtype, n, contender)
                if t is not None:
                    yield function, direction, n, t


def has_fast(tab, dtype):
    """Whether the run has the fast accuracy mode's rows (activ-fast) for this type."""
    return any(k[2] == dtype and k[4] == "activ-fast" for k in tab.m)


def function_rows(tab, dtype, sizes, functions, note_refs):
    rows = []
    # The fast accuracy mode's column where the run has it (the functions with a fast kernel of
    # their own), with its own ratio to the fastest peer; its target is in the fast section.
    # float64 calls run the faithful kernels in either mode: no column.
    fast = dtype == "f32" and has_fast(tab, dtype)
    header = ("| function | direction | size | activ | " + ("activ fast | " if fast else "") +
              " | ".join(PEERS) + " | best peer / activ | " +
              ("best peer / fast | " if fast else "") +
              "PyTorch / activ | yardstick / activ | target | |")
    rows.append(header)
    rows.append("|" + "---|" * (header.count("|") - 1))
    counts = {"met": 0, "missed": 0}
    for function, direction, n, ours in each_row(tab, dtype, sizes, functions):
        cells = []
        for p in PEERS:
            v = tab.t(function, direction, dtype, n, p)
            label = tab.labels.get((function, direction, dtype, n, p))
            cells.append(fmt(v) + (" *" if label else ""))
        _, best = tab.best(function, direction, dtype, n)
        torch = tab.t(function, direction, dtype, n, "PyTorch")
        y = tab.yardstick(direction, dtype, n)
        f = tab.t(function, direction, dtype, n, "activ-fast")
        target, met = status(tab, function, direction, dtype, n, ours)
        if met is None:
            mark = ""
        elif met:
            mark = "met"
            counts["met"] += 1
        else:
            counts["missed"] += 1
            key = note_for(tab, function, direction, dtype, n, ours)
            if key is None:
                mark = "missed (no note)"
            else:
                if key not in note_refs:
                    note_refs[key] = len(note_refs) + 1
                mark = f"missed, [note {note_refs[key]}](#note-{note_refs[key]})"
        rows.append(
            f"| {function} | {DIRECTIONS[direction]} | {n} ({LEVEL.get(n, '')}) | "
            f"**{fmt(ours)}** | " + (f"{fmt(f)} | " if fast else "") + " | ".join(cells) +
            f" | {ratio(best, ours)} | " + (f"{ratio(best, f)} | " if fast else "") +
            f"{ratio(torch, ours)} | "
            f"{ratio(y, ours) if LEVEL.get(n) == 'DRAM' else ''} | {target} | {mark} |")
    return rows, counts


def fast_section(tab, functions, sizes, target):
    """Rows of the activ-fast contender beside activ and the fastest peer."""
    rows = []
    for f, d, n, fast in each_row(tab, "f32", sizes, functions, "activ-fast"):
        ours = tab.t(f, d, "f32", n, "activ")
        name, best = tab.best(f, d, "f32", n)
        y = tab.yardstick(d, "f32", n)
        if LEVEL.get(n) == "DRAM":
            met = None if y is None else fast <= 1.1 * y
        else:
            met = None if best is None else best >= 1.1 * fast
        mark = "" if met is None else ("met" if met else "missed")
        rows.append(f"| {f} | {DIRECTIONS[d]} | {n} ({LEVEL.get(n, '')}) | {target} | "
                    f"{fmt(ours)} | **{fmt(fast)}** | "
                    f"{fmt(best)}{' ' + name if name else ''} | {ratio(ours, fast)} | "
                    f"{ratio(best, fast)} | "
                    f"{ratio(y, fast) if LEVEL.get(n) == 'DRAM' else ''} | {mark} |")
    return rows


def geomean(values):
    values = [v for v in values if v]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


ROW_PEERS = ["oneDNN", "XNNPACK", "PyTorch", "PyTorch-alloc"]


def elements(size):
    """The element count of a size key: n, or "rowsxcols"."""
    if isinstance(size, int):
        return size
    r, c = size.split("x")
    return int(r) * int(c)


def rows_section(path):
    """The row-wise suite: softmax and log_softmax per shape, swiglu per size."""
    ctx, m, labels, _ = load(path)
    tab = Table(m, labels, "cpu")
    out = []
    w = out.append
    w("## Row-wise functions and gated units (float32, one thread)")
    w("")
    w(f"Run separately (`activ-bench --suite=rows`, load average "
      f"{', '.join(f'{x:.2f}' for x in ctx.get('load_avg', []))}); same method, CPU time per "
      "element of the array ([rows, cols] for the row-wise functions). Backward is from the "
      "output y, as the peers take it. swiglu is out = silu(gate) * up: PyTorch runs it as "
      "two kernels (`silu_out`, then `mul_out` into a preallocated temporary; "
      "`PyTorch-alloc` is the plain expression `silu(a) * b`, which allocates), and its "
      "backward as autograd does (two products and `silu_backward`, with silu(gate) kept from "
      "the forward). Targets: softmax and log_softmax at least 1.0x the fastest peer on every "
      "shape; swiglu forward at least 1.5x PyTorch's composite and within 10% of the add "
      "yardstick (two reads, one write) at 16777216; swiglu backward at least 2x the composite. "
      "The yardstick ratio is shown for arrays of 4M elements and more, which come from memory.")
    w("")
    # The fast mode's column where the run has its rows (float32).
    has_fast = any(k[4] == "activ-fast" for k in m)
    header = ("| function | direction | shape | activ | " +
              ("activ-fast | " if has_fast else "") + " | ".join(ROW_PEERS) +
              " | best peer / activ | " + ("best peer / activ-fast | " if has_fast else "") +
              "yardstick / activ | target | |")
    w(header)
    w("|" + "---|" * (header.count("|") - 1))
    keys = sorted({(k[0], k[1], k[3]) for k in m if k[4] == "activ"},
                  key=lambda k: (["softmax", "log_softmax", "swiglu"].index(k[0]),
                                 ["fwd", "bwd", "bwd_y"].index(k[1]), elements(k[2])))
    met_count = [0, 0]
    fast_met = [0, 0]
    for function, direction, size in keys:
        ours = tab.t(function, direction, "f32", size, "activ")
        fast = tab.t(function, direction, "f32", size, "activ-fast") if has_fast else None
        peers = {p: tab.t(function, direction, "f32", size, p) for p in ROW_PEERS}
        present = {p: v for p, v in peers.items() if v is not None}
        best = min(present.values()) if present else None
        y = tab.t("copy" if direction == "fwd" and function != "swiglu" else "add",
                  "fwd" if direction == "fwd" and function != "swiglu" else "bwd", "f32", size,
                  "yardstick")
        target, met = "", None
        if function in ("softmax", "log_softmax") and best is not None:
            target, met = ">= 1x best peer", ours <= best
        elif function == "swiglu":
            torch = peers.get("PyTorch")
            if direction == "fwd" and torch is not None:
                target, met = ">= 1.5x PyTorch", torch >= 1.5 * ours
                if size == 16777216 and y is not None:
                    target += ", <= 1.1x add"
                    met = met and ours <= 1.1 * y
            elif torch is not None:
                target, met = ">= 2x PyTorch", torch >= 2 * ours
        if met is not None:
            met_count[0 if met else 1] += 1
        if fast is not None and best is not None:
            # The fast mode's target (docs/SPEC.md): 1.1x the fastest peer, and for swiglu,
            # which is bound by memory at 16777216, within 1.1x of the add yardstick there.
            fast_ok = best >= 1.1 * fast
            if function == "swiglu" and size == 16777216 and y is not None:
                fast_ok = fast <= 1.1 * y
            fast_met[0 if fast_ok else 1] += 1
        shape = size if isinstance(size, str) else f"{size}"
        fast_cell = f"{fmt(fast) if fast is not None else ''} | " if has_fast else ""
        fast_ratio = (f"{ratio(best, fast) if fast is not None else ''} | " if has_fast else "")
        cells = [fmt(peers[p]) + (" *" if (function, direction, "f32", size, p) in labels and
                                  p == "PyTorch-alloc" else "") for p in ROW_PEERS]
        w(f"| {function} | {DIRECTIONS[direction]} | {shape} | **{fmt(ours)}** | {fast_cell}" +
          " | ".join(cells) + f" | {ratio(best, ours)} | {fast_ratio}"
          f"{ratio(y, ours) if elements(size) >= 1 << 22 else ''} | {target} | "
          f"{'' if met is None else ('met' if met else 'missed')} |")
    w("")
    w(f"{met_count[0]} rows meet their target, {met_count[1]} miss it. Why the misses, and what "
      "would close them:")
    if sum(fast_met):
        w("")
        w(f"activ-fast (Accuracy::fast, float32 fast row kernels: at most 4 ULP forward, 8 "
          f"backward; swiglu's fast gate likewise): {fast_met[0]} rows at 1.1x the fastest peer or "
          f"better (swiglu at 16777216: within 1.1x of the add yardstick), {fast_met[1]} below.")
    w("")
    w("- softmax and log_softmax forward: on AVX-512 and AVX2 activ computes e^(x - max) in "
      "float32 lanes as a float pair (hi + lo within about 2^-37 on AVX-512, from a 2^(j/32) "
      "table and a degree-4 polynomial; within about 2^-33 on AVX2, from a 2^(j/8) table, one "
      "vpermps each for the bits and the table's rounding, and a degree-5 minimax polynomial; the "
      "table's rounding carried in the reduced argument, the FMA's own rounding error kept in lo), "
      "sums hi in double lanes and lo in float lanes, and rounds y = (hi + lo)(1/S, a float "
      "pair) once; log_softmax rounds ((x - max) - log S) once, log S as a pair and the rounding "
      "errors of both differences exact. Every "
      "float32 result is within 1 ULP and all but a few in a million are correctly rounded (see "
      "[ACCURACY](ACCURACY.md)); the peers' float exps err by a few ULP before their sums round. "
      "softmax keeps a row's exponentials up to 32000 long in y and a per-thread float buffer "
      "(lo). softmax rows longer than 32000 and the other targets keep the double-lane kernels "
      "(the float32 results' exp of `src/kernels/math_exp-inl.h`, 2^-42, and sums in double). "
      "The sum of hi in double lanes (two conversions and two adds per vector) and the pair "
      "steps are what the peers' plain float loops do without. On AVX2 the 8-entry table and two "
      "sum accumulators took the exp loop from 97 to 81 instructions per 16 elements (12 stack "
      "accesses where there were 21: AVX2 has 16 registers), 12% to 14% faster for softmax and 7% "
      "to 12% for log_softmax (medians of 3 alternated rounds, load average 10 to 14, oneDNN held "
      "to AVX2): softmax 1.00x / 1.01x / 0.91x / 0.85x the best peer (256x1000 / 16x32000 / "
      "4096x128 / 1024x4096), log_softmax 0.80x / 0.76x / 0.83x / 0.79x; log_softmax's "
      "rounding-once pass takes about 12 float operations per vector where the peers take two.")
    w("- softmax backward (from y): on AVX-512 and AVX2, float32 rows of any length run in "
      "float32 lanes: s = sum y dy in double lanes from exact products (four conversions, each "
      "loading half a vector, and two double FMAs per 16 elements, where the peers take one float "
      "FMA; a float-lane compensated sum, a two-product and a two-sum per vector, counts ten "
      "float operations per 16 elements against these six, and was not built), then "
      "dx = y ((dy -"
      " s_hi) - s_lo) with dy - s_hi's exact two-sum error, rounded once by an FMA (10 float "
      "operations and one vfpclassps test per vector on AVX-512; a vector with |dx| < 2^-100 or"
      " not finite is redone in double lanes). Each dx is within half an ULP of the exact "
      "gradient of the given y and dy, as in the double lanes of before, which it beats by "
      "1.15x to 1.94x (AVX-512) and 1.18x to 1.53x (AVX2). Rows up to 1024 go in pairs; rows "
      "over 4096 take the next row's sum in the loop of this row's results. Rows in cache still"
      " pay the double-lane sum and the pair steps (without the two-sum, within the same bound "
      "beyond the second term but up to 1.3 ULP from the exact gradient, it measured 10% to 15%"
      " faster). Loading the halves straight into the conversions measured 0.71x / 0.98x / 0.79x"
      " / 1.02x oneDNN (256x1000 / 16x32000 / 4096x128 / 1024x4096, AVX-512) against 0.69x / "
      "0.93x / 0.72x / 0.94x in the same alternated runs. On AVX2, oneDNN held to AVX2 runs its "
      "backward passes at 3.4 to 7.3 ns per element.")
    w("- log_softmax backward (from y): on AVX-512 and AVX2, float32 rows run in float32 lanes: "
      "g = sum dy in double lanes (two conversions and two adds per 16 elements), kept as a "
      "float pair scaled by 2^-64; e^y as the forward's scaled float pair (about 2^-37); dx = dy"
      " - e^y g with dy - q_hi's exact two-sum error and the pairs' low parts, rounded once (31 "
      "vector operations per 16 elements on AVX-512, one vpcmpd and one vfpclassps test among "
      "them: a vector with y outside [-110, -0], |dx| < 2^-100 or dx not finite is redone in "
      "double lanes; rows with |g| outside [2^-38, FLT_MAX] keep the double-lane kernel). Each "
      "dx is within half an ULP and about 2^-35 |e^y g| of the exact gradient of the given y and"
      " dy. Against the double lanes of before, medians of 3 alternated rounds (3 repetitions "
      "each, CPU time per element, 256x1000 / 16x32000 / 4096x128 / 1024x4096): AVX-512 0.404 /"
      " 0.385 / 0.472 / 0.426 ns -> 0.278 / 0.233 / 0.271 / 0.314 ns, oneDNN 0.289 / 0.271 / "
      "0.333 / 0.624 in the same runs (1.04x to 1.99x); AVX2 0.681 / 0.679 / 0.669 / 0.701 -> "
      "0.597 / 0.569 / 0.609 / 0.627 (1.10x to 1.19x; the exp pair's 16-entry table lookups and "
      "the pair steps take most of the gain).")
    w("- swiglu: forward in float32 lanes on FMA targets (gate * up as an exact pair, rounded "
      "once with the sigmoid: silu's float-lane kernel with one more product), so it costs "
      "what activ's silu costs (see the silu rows above and their note), 1.15x faster than "
      "the double lanes of before. The backward pass runs in float32 lanes too (d_up and "
      "d_gate from one exponential, dout * up and dout * gate as exact pairs, 1 - s and the "
      "slope factor 1 + t (1 - s) as pairs): 150 instructions per 16-element AVX-512 vector "
      "(objdump), which measured only 1.04x to 1.05x faster than the double lanes it replaced: "
      "the pair steps that keep d_up within 1 ULP cost what the wider lanes save. The fusion "
      "saves PyTorch's temporary and its second pass, which pays off only where the call is "
      "bound by memory (16777216). Closing it: a faithful sigmoid with fewer pair steps (see "
      "the sigmoid note), which both passes are built on. In fast mode (activ-fast, with "
      "--accuracy=fast for the forward rows) the forward pass is silu's fast kernel with "
      "gate * up as an exact pair in its numerator, the product rounded once (within 4 ULP).")
    w("")
    return out


def half_section(path):
    """bfloat16 and float16 beside float32, and PyTorch's 16-bit kernels."""
    ctx, m, labels, order = load(path)
    tab = Table(m, labels, "cpu")
    out = []
    w = out.append
    w("## bfloat16 and float16 (one thread)")
    w("")
    w(f"Run separately (`activ-bench --types=bf16,f16`, load average "
      f"{', '.join(f'{x:.2f}' for x in ctx.get('load_avg', []))}), with activ's float32 on the "
      "same inputs in the same run. Nanoseconds per element, CPU time. A 16-bit array moves "
      "half the bytes of float32: at 16777216 elements, where the call is bound by memory, the "
      "goal is the 16-bit yardstick (a copy or add of 16-bit elements), which would be about "
      "twice the elements per second of float32. `f32 / bf16` above 1 means the bfloat16 call "
      "handles more elements per second than the float32 one. PyTorch's columns are its own "
      "16-bit kernels (empty where it has none).")
    w("")
    fast16 = has_fast(tab, "bf16")
    header = ("| function | direction | size | activ f32 | activ bf16 | " +
              ("activ fast bf16 | " if fast16 else "") + "activ f16 | PyTorch bf16 | "
              "PyTorch f16 | f32 / bf16 | PyTorch bf16 / activ bf16 | yardstick16 / activ bf16 |")
    w(header)
    w("|" + "---|" * (header.count("|") - 1))
    functions = []
    for (function, direction, dtype, n, contender) in m:
        if contender == "activ" and dtype == "bf16" and function not in functions:
            functions.append(function)
    functions.sort(key=lambda f: order[f])
    sizes = sorted({k[3] for k in m if k[2] == "bf16"})
    fast = []
    for f, d, n, b in each_row(tab, "bf16", sizes, functions):
        a32 = tab.t(f, d, "f32", n, "activ")
        h = tab.t(f, d, "f16", n, "activ")
        tb = tab.t(f, d, "bf16", n, "PyTorch")
        th = tab.t(f, d, "f16", n, "PyTorch")
        y = tab.t(YARDSTICK[d], "fwd" if d == "fwd" else "bwd", "bf16", n, "yardstick")
        if LEVEL.get(n) == "DRAM" and a32 and b:
            fast.append(a32 / b)
        fb = f"{fmt(tab.t(f, d, 'bf16', n, 'activ-fast'))} | " if fast16 else ""
        w(f"| {f} | {DIRECTIONS[d]} | {n} ({LEVEL.get(n, '')}) | {fmt(a32)} | **{fmt(b)}** | {fb}"
          f"{fmt(h)} | {fmt(tb)} | {fmt(th)} | {ratio(a32, b)} | {ratio(tb, b)} | "
          f"{ratio(y, b) if LEVEL.get(n) == 'DRAM' else ''} |")
    w("")
    g = geomean(fast)
    if g:
        w(f"At 16777216 elements, bfloat16 against float32 (elements per second), geometric mean "
          f"over {len(fast)} rows: {g:.2f}x (from {min(fast):.2f}x to {max(fast):.2f}x).")
        w("")
        w("16-bit results need only be within one 16-bit step of the correctly rounded value "
          "(docs/SPEC.md), so the faithful calls take the fast kernels' float32 values where a "
          "function has one for that direction, on targets with FMA (within 4 float32 ULP: 0 to "
          "3 of the 65536 results per function differ from the faithful float32 value rounded "
          "once). With the faithful float32 kernels, compute-bound, the 16-bit calls ran below "
          "float32's element rate. Measured when the change went in (sigmoid, tanh, gelu, silu, "
          "elu, softplus and mish, forward and backward, 16777216 elements, one thread, medians "
          "of 3 alternated runs on a shared host at load average 4 to 10): bfloat16 against "
          "float32 0.83x before, 2.02x after (geometric mean; from 1.07x, gelu backward, to "
          "3.14x) on AVX-512, 0.72x before, 1.40x after (from 0.82x, elu backward, to 1.86x) on "
          "AVX2; float16 0.97x before, 2.27x after (1.15x to 3.80x) on AVX-512, 0.92x before, "
          "2.10x after (1.39x to 3.01x) on AVX2. The bfloat16 store rounds to nearest even in "
          "integer operations (Highway 1.0.3 truncates) except on AVX-512 CPUs with AVX512_BF16, "
          "where a full vector without float32 subnormals takes one VCVTNEPS2BF16 (1.70x before "
          "it, 2.02x after, of that AVX-512 geometric mean); float16 uses F16C. A function without a fast "
          "kernel runs at its float32 rate plus the conversions; of those, only the cheap ones "
          "(identity, relu, the from-y gradients) can approach the 16-bit yardstick.")
        w("")
    return out


def main():
    if len(sys.argv) not in (4, 6, 7):
        sys.exit("usage: report.py ONE_THREAD.json TWO_THREADS.json [ROWS.json HALF.json "
                 "[OTHER_TARGET.json]] OUTPUT.md")
    extra = sys.argv[3:-1]
    ctx1, m1, labels1, order = load(sys.argv[1])
    ctx2, m2, labels2, _ = load(sys.argv[2])
    one = Table(m1, labels1, "cpu")
    one_wall = Table(m1, labels1, "real")
    two = Table(m2, labels2, "real")

    functions = []
    for (function, direction, dtype, n, contender) in m1:
        if contender == "activ" and function not in functions:
            functions.append(function)
    functions.sort(key=lambda f: order[f])  # registry order, as activ-bench registers them
    sizes = sorted({k[3] for k in m1})
    types = [t for t in ("f32", "f64") if any(k[2] == t for k in m1)]

    out = []
    w = out.append
    w("# Performance")
    w("")
    w("Generated by `bash bench/run.sh` (activ-bench, then `bench/report.py`); do not edit by hand.")
    w("")
    caches = ", ".join(
        f"L{c['level']} {c['type'].lower()} {c['size'] // 1024} KiB" +
        (f" (shared by {c['num_sharing']})" if c.get("num_sharing", 1) > 1 else "")
        for c in ctx1.get("caches", []))
    # Some virtual machines report no cache levels to Google Benchmark.
    w(f"- CPU: {cpu_model()}, {ctx1.get('num_cpus')} cores at {ctx1.get('mhz_per_cpu')} MHz; "
      f"caches: {caches or 'not reported by this host'}.")
    w(f"- activ's SIMD target: {ctx1.get('activ_simd_target')} (the best this host runs, chosen "
      f"at run time). Date: {ctx1.get('date')}.")
    w(f"- Load average when the runs started: {', '.join(f'{x:.2f}' for x in ctx1.get('load_avg', []))}"
      f" (one thread), {', '.join(f'{x:.2f}' for x in ctx2.get('load_avg', []))} (two threads). "
      "The machine is shared: other work on its two cores slows some repetitions; medians keep "
      "the effect small for one thread and cannot remove it for two.")
    w("- Peers: " + "; ".join(
        f"{p} {package_version(pkg)} ({ctx1.get('threading_' + p, 'not built')})"
        for p, pkg in [("oneDNN", "libdnnl-dev"), ("XNNPACK", "libxnnpack-dev"),
                       ("PyTorch", "libtorch-dev"), ("Eigen", "libeigen3-dev")]
        if "threading_" + p in ctx1) + ".")
    w("")
    w("Method: every contender runs in one process on the same arrays (x uniform in [-8, 8], dy "
      "uniform in [-1, 1], y = f(x)), with the registry's default parameters, writing to its own "
      "output; 4096 elements stay in L1, 262144 (1 MiB of float32 per array) spill from L2 into "
      "L3 once inputs and output are counted, 16777216 come from DRAM. Each figure is the median "
      "of the repetitions (Google Benchmark, repetitions interleaved at random), in nanoseconds "
      "per element: CPU time of the calling thread for one thread, wall time for two. "
      "`activ` is bold; `activ fast` is the same call in the fast accuracy mode (within 4 ULP; "
      "the section on it below), for the functions and directions with a fast kernel of their "
      "own; `*` marks a peer kernel that allocates its output. Ratios are "
      "speed-ups of activ: above 1 activ is faster. The yardsticks are a SIMD copy (one read, "
      "one write: the bandwidth limit of a forward call) and a SIMD add (two reads, one write: "
      "backward), split over threads like activ's own calls.")
    w("")
    w("Targets (float32, one thread, on every target): at 4096 and 262144, at least as fast as "
      "the fastest peer that has the function, and a geometric mean over those rows of at least "
      "1.0x; a function no peer has, within 1.2x of the fastest peer of the nearest function of "
      "the same shape; at 16777216, within 1.15x of the yardstick.")
    w("")

    note_refs = {}
    sections = []
    summary = {}
    for dtype in types:
        rows, counts = function_rows(one, dtype, sizes, functions, note_refs)
        summary[dtype] = counts
        sections.append((dtype, rows))

    w("## Summary")
    w("")
    c = summary.get("f32", {"met": 0, "missed": 0})
    w(f"- float32, one thread: {c['met']} rows meet their target, {c['missed']} miss it "
      "(each with its note below).")
    for dtype in types:
        for n in sizes:
            speed = []
            for f in functions:
                for d in DIRECTIONS:
                    ours = one.t(f, d, dtype, n, "activ")
                    _, best = one.best(f, d, dtype, n)
                    if ours and best:
                        speed.append(best / ours)
            g = geomean(speed)
            if g:
                w(f"- {dtype}, {n} elements, one thread: activ / fastest peer, geometric mean over "
                  f"{len(speed)} rows: {g:.2f}x (from {min(speed):.2f}x to {max(speed):.2f}x).")
    two_sizes = sorted({k[3] for k in m2 if k[4] == "activ"})
    for n in two_sizes:
        ups = []
        for f in functions:
            for d in DIRECTIONS:
                a1 = two.t(f, d, "f32", n, "activ1t") or one_wall.t(f, d, "f32", n, "activ")
                a2 = two.t(f, d, "f32", n, "activ")
                if a1 and a2:
                    ups.append(a1 / a2)
        g = geomean(ups)
        if g:
            w(f"- float32, {n} elements, two threads against one (wall time): geometric mean "
              f"speed-up {g:.2f}x over {len(ups)} rows (from {min(ups):.2f}x to {max(ups):.2f}x).")
    w("")

    other = None
    if len(extra) > 2 and os.path.exists(extra[2]):
        ctx3, m3, labels3, _ = load(extra[2])
        other = (ctx3, Table(m3, labels3, "cpu"))
        rows3, counts3 = function_rows(other[1], "f32", sizes, functions, note_refs)
        t3 = ctx3.get("activ_simd_target")
        w(f"- float32, one thread, activ on {t3}: {counts3['met']} rows meet their target, "
          f"{counts3['missed']} miss it.")
        for n in sizes:
            speed = []
            for f in functions:
                for d in DIRECTIONS:
                    ours = other[1].t(f, d, "f32", n, "activ")
                    _, best = other[1].best(f, d, "f32", n)
                    if ours and best:
                        speed.append(best / ours)
            g = geomean(speed)
            if g:
                w(f"- f32 on {t3}, {n} elements, one thread: activ / fastest peer, geometric "
                  f"mean over {len(speed)} rows: {g:.2f}x (from {min(speed):.2f}x to "
                  f"{max(speed):.2f}x).")
        w("")

    for dtype, rows in sections:
        w(f"## {'Float32' if dtype == 'f32' else 'Float64'}, one thread, "
          f"{ctx1.get('activ_simd_target')}")
        w("")
        if dtype == "f64":
            w("Float64 has no targets; oneDNN and XNNPACK have no float64 element-wise kernels.")
            w("")
        out.extend(rows)
        w("")

    if other is not None:
        t3 = other[0].get("activ_simd_target")
        w(f"## Float32, one thread, {t3}")
        w("")
        w(f"The same host, activ's dispatch restricted to {t3} (`activ-bench --target "
          f"{t3.lower()}`); oneDNN and PyTorch restricted the same way through their own "
          "switches (ONEDNN_MAX_CPU_ISA, ATEN_CPU_CAPABILITY)" +
          (", and Eigen in its build for AVX2 and FMA (bench/peer_eigen_avx2.cc: Eigen picks "
           "its SIMD width at compile time). XNNPACK has no such switch, so it runs its best "
           "code for this CPU: against it the comparison leans its way."
           if other[0].get("eigen_simd") == "AVX2" else
           ". XNNPACK has no such switch and Eigen is compiled for the host, so those two run "
           "their best code for this CPU: against them the comparison leans their way."))
        w("")
        out.extend(rows3)
        w("")

    fast_rows = fast_section(one, functions, sizes, ctx1.get("activ_simd_target"))
    if other is not None:
        fast_rows += fast_section(other[1], functions, sizes,
                                  other[0].get("activ_simd_target"))
    if fast_rows:
        w("## The fast accuracy mode (float32, one thread)")
        w("")
        w("`activ-fast` is the same call with `Options{.accuracy = Accuracy::fast}` (docs/SPEC.md: "
          "within 4 ULP forward and 8 beyond the backward bound, tails included), for the "
          "functions and directions that have a fast kernel of their own. Nanoseconds per "
          "element, CPU time, from the same runs as the tables above. Target: at least 1.1x the "
          "fastest peer at 4096 and 262144, within 1.1x of the yardstick at 16777216.")
        w("")
        header = ("| function | direction | size | target | activ | activ fast | fastest peer | "
                  "activ / fast | best peer / fast | yardstick / fast | |")
        w(header)
        w("|" + "---|" * (header.count("|") - 1))
        out.extend(fast_rows)
        w("")

    w("## Two threads (float32)")
    w("")
    w("Wall time. Speed-up: activ on one thread over activ on two, both measured in this run, "
      "their repetitions interleaved at random with the peers' (so under the same load). Eigen "
      "does not thread its array expressions and is left out.")
    w("")
    header = "| function | direction | size | activ 1 thread | activ 2 threads | speed-up | " + \
        " | ".join(p for p in PEERS if p != "Eigen") + " | best peer / activ | yardstick / activ |"
    w(header)
    w("|" + "---|" * (header.count("|") - 1))
    for f in functions:
        for d in DIRECTIONS:
            for n in two_sizes:
                a2 = two.t(f, d, "f32", n, "activ")
                if a2 is None:
                    continue
                a1 = two.t(f, d, "f32", n, "activ1t") or one_wall.t(f, d, "f32", n, "activ")
                peers = {p: two.t(f, d, "f32", n, p) for p in PEERS if p != "Eigen"}
                best = min((v for v in peers.values() if v is not None), default=None)
                y = two.yardstick(d, "f32", n)
                w(f"| {f} | {DIRECTIONS[d]} | {n} | {fmt(a1)} | **{fmt(a2)}** | {ratio(a1, a2)} | " +
                  " | ".join(fmt(peers[p]) for p in peers) +
                  f" | {ratio(best, a2)} | {ratio(y, a2) if LEVEL.get(n) == 'DRAM' else ''} |")
    w("")

    w("## Accuracy on the benchmark's inputs (float32)")
    w("")
    w("The largest error of each contender's output on the 4096 inputs above (uniform in "
      "[-8, 8], where the functions have their shape), against the long double reference of "
      "`reference/`: ULP forward; backward the spec's mixed measure (0 within 2^-24 |dy|, "
      "4x that from y). A sample, not a bound: activ's bounds over every binade are in "
      "[ACCURACY](ACCURACY.md). Errors of thousands to millions of ULP come from cancellation in "
      "the peers' formulas where the result is small (1 + tanh u for negative u in gelu, "
      "1 - tanh^2 near saturation, e^x - 1 near 0 without expm1): small absolute errors, but "
      "no correct digits in the result.")
    w("")
    header = "| function | direction | activ | " + " | ".join(PEERS) + " |"
    w(header)
    w("|" + "---|" * (header.count("|") - 1))
    n_acc = min(sizes)
    for f in functions:
        for d in DIRECTIONS:
            a = m1.get((f, d, "f32", n_acc, "activ"))
            if a is None or a.get("ulp") is None:
                continue
            cells = []
            for p in PEERS:
                v = m1.get((f, d, "f32", n_acc, p))
                cells.append("" if v is None or v.get("ulp") is None else f"{v['ulp']:.2f}")
            w(f"| {f} | {DIRECTIONS[d]} | {a['ulp']:.2f} | " + " | ".join(cells) + " |")
    w("")

    if len(extra) > 0 and os.path.exists(extra[0]):
        out.extend(rows_section(extra[0]))
    if len(extra) > 1 and os.path.exists(extra[1]):
        out.extend(half_section(extra[1]))

    if note_refs:
        w("## Notes on the gaps")
        w("")
        for key, i in sorted(note_refs.items(), key=lambda kv: kv[1]):
            w(f"<a id=\"note-{i}\"></a>{i}. **{key}**: {NOTES[key]}")
            w("")

    target = sys.argv[-1]
    tmp = target + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(out).rstrip() + "\n")
    os.replace(tmp, target)


if __name__ == "__main__":
    main()
