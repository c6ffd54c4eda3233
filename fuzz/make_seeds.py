#!/usr/bin/env python3
"""Writes the hand-made seed inputs of every fuzz target to fuzz/corpus/<target>/seed-*.

Each seed aims at an edge case (NaN, +-inf, all masked, n = 1, ties, subnormals, +-1e38,
saturated or greedy temperatures, large tiled vocabularies, locale-dependent specs, ...).
The encoding mirrors fuzz/input.c: configuration is read from the tail of the input, one
value at a time (multi-byte values high byte first), and the front is the logits. Run from
the repository root: python3 fuzz/make_seeds.py
"""
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


class Tail:
    """Values in the order the harness takes them from the tail."""

    def __init__(self):
        self.taken = []

    def u8(self, v):
        self.taken.append(v & 0xFF)
        return self

    def u16(self, v):
        return self.u8(v >> 8).u8(v)

    def u32(self, v):
        return self.u16(v >> 16).u16(v & 0xFFFF)

    def u64(self, v):
        return self.u32(v >> 32).u32(v & 0xFFFFFFFF)

    def raw_float(self, f):
        return self.u32(struct.unpack("<I", struct.pack("<f", f))[0])

    # Parameter selectors (input.c).
    def temp(self, kind, v):
        # kind: "raw" float, "u8" (v/32), "edge" (table index), "u16" (v/4096)
        sel = {"raw": 0, "u8": 1, "edge": 2, "u16": 3}[kind]
        self.u8(sel)
        return {"raw": self.raw_float, "u8": self.u8, "edge": self.u8, "u16": self.u16}[kind](v)

    def p(self, kind, v):
        sel = {"raw": 0, "u16": 1, "edge": 2, "wide": 3}[kind]
        self.u8(sel)
        return {"raw": self.raw_float, "u16": self.u16, "edge": self.u8, "wide": self.u16}[kind](v)

    def k(self, kind, v):
        sel = {"raw": 0, "u8": 1, "edge": 2, "i8": 3}[kind]
        self.u8(sel)
        return {"raw": self.u32, "u8": self.u8, "edge": self.u8, "i8": self.u8}[kind](v)

    def min_keep(self, kind, v):
        sel = {"small": 0, "u8": 1, "u64": 2, "edge": 3}[kind]
        self.u8(sel)
        return {"small": self.u8, "u8": self.u8, "u64": self.u64, "edge": self.u8}[kind](v)

    def word(self, v):
        if v < 256:
            return self.u8(0).u8(v)
        return self.u8(1).u64(v)

    def logits_header(self, mode, rep=0, step=0):
        # mode: raw, i8, i16, palette; rep >= 248 tiles 2 << (rep - 248) copies
        self.u8({"raw": 0, "i8": 1, "i16": 2, "palette": 3}[mode]).u8(rep).u8(step)
        return self

    def build(self, head=b""):
        return bytes(head) + bytes(reversed(self.taken))


def f32(*xs):
    return b"".join(struct.pack("<f", x) for x in xs)


def i8(*xs):
    return bytes(x & 0xFF for x in xs)


def i16(*xs):
    return b"".join(struct.pack("<h", x) for x in xs)


INF, NAN = float("inf"), float("nan")
FLT_MAX = 3.4028234663852886e38
# Indices into input.c's tables.
TEMP_EDGE = {"0": 0, "-0": 1, "1": 2, "nan": 4, "inf": 5, "FLT_MAX": 7, "denorm": 9,
             "1e-39": 10, "1e-20": 13, "1e20": 14, "1e38": 16, "0.7": 21}
P_EDGE = {"0": 0, "1": 2, "1-ulp": 3, "1+ulp": 4, "nan": 5, "inf": 6, "-1": 8, "denorm": 10,
          "0.5": 11, "2": 12, "0.95": 15, "0.05": 16}
K_EDGE = {"0": 0, "-1": 1, "1": 2, "40": 5, "INT32_MAX": 6, "INT32_MIN": 7}
MK_EDGE = {"0": 0, "1": 1, "SIZE_MAX": 3}
# Palette bytes (input.c palette()): 0 0.0, 6 -inf, 7 FLT_MAX, 8 -FLT_MAX, 9 1e38, 10 -1e38,
# 11 FLT_MIN, 13 denorm, 14 -denorm, 15 88.72, 16 -87.3, 17 -104, 0xff NaN, 0xfe +inf.
PAL = dict(zero=0, one=2, mone=3, ninf=6, fmax=7, nfmax=8, big=9, nbig=10, fmin=11, den=13,
           nden=14, hi=15, lo=16, vlo=17, nan=0xFF, pinf=0xFE)

TIES = i8(8, 8, 4, 8, -3, 0, 4, -128, 12, 12, 1, -8)  # ties, a masked entry, quarter steps
SPREAD = i16(*[(i * 7919) % 2600 - 1300 for i in range(96)])  # 1/256 steps, no -inf


def proc_params(tail, kind, **kw):
    if kind == "temperature":
        tail.temp(*kw["t"])
    elif kind == "top_k":
        tail.k(*kw["k"])
    else:
        tail.p(*kw["p"]).min_keep(*kw.get("mk", ("small", 1)))


def single(kind, head, mode, rep=0, step=0, pos=5, warm=7, **kw):
    tail = Tail()
    proc_params(tail, kind, **kw)
    tail.word(1234).word(7).word(pos).u8(warm).logits_header(mode, rep, step)
    return tail.build(head)


def chain(procs, head, mode, rep=0, step=0, pos=3, seed=42, warm=7):
    tail = Tail().u8(len(procs))
    kinds = ["temperature", "top_k", "top_p", "min_p"]
    for kind, kw in procs:
        tail.u8(kinds.index(kind))
        proc_params(tail, kind, **kw)
    tail.word(seed).word(0).word(pos).u8(warm).logits_header(mode, rep, step)
    return tail.build(head)


def seeds():
    s = {}
    n = s.setdefault("numerics", {})
    n["ties-t1"] = Tail().temp("edge", TEMP_EDGE["1"]).u8(0).u8(4).logits_header("i8").build(TIES)
    n["spread-t0.7-shift"] = Tail().temp("edge", TEMP_EDGE["0.7"]).u8(0).u8(0xF4) \
        .logits_header("i16").build(SPREAD)
    n["greedy-ties"] = Tail().temp("edge", TEMP_EDGE["0"]).u8(0).u8(0).logits_header("i8").build(TIES)
    n["nan"] = Tail().temp("u8", 32).u8(0).u8(0).logits_header("raw").build(f32(1.0, NAN, 2.0))
    n["all-masked"] = Tail().temp("u8", 32).u8(0).u8(0).logits_header("i8").build(i8(-128, -128, -128))
    n["one"] = Tail().temp("u8", 16).u8(0).u8(0).logits_header("raw").build(f32(-3.5))
    n["empty"] = Tail().temp("u8", 32).u8(0).u8(0).logits_header("raw").build(b"")
    n["bad-temperature"] = Tail().temp("raw", -1.0).u8(0).u8(0).logits_header("i8").build(TIES)
    n["saturated-temperature"] = Tail().temp("edge", TEMP_EDGE["1e-39"]).u8(0).u8(0) \
        .logits_header("palette").build(bytes([PAL["den"], PAL["zero"], PAL["nden"], PAL["fmin"]]))
    n["tiled-large"] = Tail().temp("u16", 4096).u8(0).u8(0).logits_header("i16", 248 + 7, 3) \
        .build(SPREAD)
    n["extremes"] = Tail().temp("edge", TEMP_EDGE["1e20"]).u8(2).u8(0).logits_header("palette") \
        .build(bytes([PAL["big"], PAL["nbig"], PAL["fmax"], PAL["hi"], PAL["lo"], PAL["vlo"],
                      PAL["den"], PAL["ninf"]]))
    # Found by this target, fixed in ab2022a: x - max overflowed for logits spanning more than
    # FLT_MAX, so a huge temperature gave real candidates weight 0.
    n["regress-diff-overflow"] = Tail().temp("edge", TEMP_EDGE["FLT_MAX"]).u8(0).u8(0) \
        .logits_header("palette").build(bytes([PAL["fmax"], PAL["nfmax"], PAL["zero"]]))

    for kind, cases in {
        "temperature": {
            "half": dict(t=("u8", 16)), "greedy": dict(t=("edge", TEMP_EDGE["0"])),
            "neg-zero": dict(t=("edge", TEMP_EDGE["-0"])), "nan": dict(t=("edge", TEMP_EDGE["nan"])),
            "inf": dict(t=("edge", TEMP_EDGE["inf"])), "denorm": dict(t=("edge", TEMP_EDGE["denorm"])),
            "big": dict(t=("edge", TEMP_EDGE["1e38"])),
        },
        "top_k": {
            "k1": dict(k=("edge", K_EDGE["1"])), "k3-ties": dict(k=("u8", 3)),
            "k0": dict(k=("edge", K_EDGE["0"])), "negative": dict(k=("edge", K_EDGE["-1"])),
            "k-max": dict(k=("edge", K_EDGE["INT32_MAX"])), "k-min": dict(k=("edge", K_EDGE["INT32_MIN"])),
        },
        "top_p": {
            "p0.9": dict(p=("u16", 58982)), "p0": dict(p=("edge", P_EDGE["0"]), mk=("small", 3)),
            "p1": dict(p=("edge", P_EDGE["1"])), "below-one": dict(p=("edge", P_EDGE["1-ulp"])),
            "nan": dict(p=("edge", P_EDGE["nan"])), "min-keep-max": dict(p=("edge", P_EDGE["0.5"]), mk=("edge", MK_EDGE["SIZE_MAX"])),
            "denorm": dict(p=("edge", P_EDGE["denorm"])),
        },
        "min_p": {
            "p0.05": dict(p=("edge", P_EDGE["0.05"])), "p1": dict(p=("edge", P_EDGE["1"])),
            "p2": dict(p=("edge", P_EDGE["2"]), mk=("small", 2)), "p0": dict(p=("edge", P_EDGE["0"])),
            "negative": dict(p=("edge", P_EDGE["-1"])), "nan": dict(p=("edge", P_EDGE["nan"])),
            "min-keep": dict(p=("edge", P_EDGE["0.5"]), mk=("u8", 7)),
        },
    }.items():
        d = s.setdefault("proc_" + kind, {})
        for name, kw in cases.items():
            d[name + "-ties"] = single(kind, TIES, "i8", **kw)
            d[name + "-spread"] = single(kind, SPREAD, "i16", warm=3, **kw)
        first = next(iter(cases.values()))
        d["tiled-large"] = single(kind, SPREAD, "i16", rep=248 + 7, step=5, warm=1, **first)
        d["nan-logit"] = single(kind, f32(0.5, NAN, 1.0), "raw", **first)
        d["all-masked"] = single(kind, i8(-128, -128), "i8", **first)
        d["one"] = single(kind, f32(2.0), "raw", **first)
        d["extremes"] = single(kind, bytes([PAL["big"], PAL["nbig"], PAL["fmax"], PAL["den"],
                                            PAL["nden"], PAL["ninf"], PAL["hi"], PAL["vlo"]]),
                               "palette", **first)
    s["proc_temperature"]["regress-diff-overflow"] = single(
        "temperature", bytes([PAL["fmax"], PAL["nfmax"], PAL["zero"]]), "palette",
        t=("edge", TEMP_EDGE["FLT_MAX"]))

    c = s.setdefault("chain", {})
    demo = [("top_k", dict(k=("edge", K_EDGE["40"]))), ("top_p", dict(p=("edge", P_EDGE["0.95"]))),
            ("min_p", dict(p=("edge", P_EDGE["0.05"]))), ("temperature", dict(t=("u16", 3277)))]
    c["demo-tiled"] = chain(demo, SPREAD, "i16", rep=248 + 7, step=2, warm=1)
    c["demo-ties"] = chain(demo, TIES, "i8")
    c["empty-chain"] = chain([], SPREAD, "i16")
    c["greedy-middle"] = chain([demo[0], ("temperature", dict(t=("edge", TEMP_EDGE["0"]))), demo[1]],
                               TIES, "i8")
    c["saturated-product"] = chain([("temperature", dict(t=("edge", TEMP_EDGE["1e-20"]))),
                                    ("temperature", dict(t=("edge", TEMP_EDGE["1e-20"]))),
                                    demo[1]], SPREAD, "i16")
    c["product-back-to-one"] = chain([("temperature", dict(t=("edge", TEMP_EDGE["1e-20"]))),
                                      ("temperature", dict(t=("edge", TEMP_EDGE["1e20"])))],
                                     SPREAD, "i16", pos=0)
    c["eight"] = chain(demo + demo, SPREAD, "i16", rep=248 + 6, seed=2**64 - 1)
    c["nan-logit"] = chain(demo, f32(1.0, 2.0, NAN, 0.0), "raw")
    c["extremes"] = chain([("temperature", dict(t=("edge", TEMP_EDGE["1e38"]))), demo[2], demo[1]],
                          bytes([PAL["big"], PAL["nbig"], PAL["fmin"], PAL["den"], PAL["hi"],
                                 PAL["lo"], PAL["ninf"]]), "palette", pos=2**63)

    # The draw's rounding fallback (src/draw.c): the float block sum 1 + w rounds up past the
    # walk's exact 1 + w, and the uniform of this position lands in between (found by search).
    c["draw-rounding-fallback"] = chain([], f32(0.0, *([-INF] * 15), -16.23), "raw", seed=0,
                                        pos=12475756)

    sp = s.setdefault("spec", {})
    for i, (text, opts) in enumerate([
        ("temp=0.8 top_k=40 top_p=0.95,2 min_p=0.05", 0), ("temp=0.8 top_p=0.9", 1),
        ("greedy", 2), ("temperature=1.5\ttop_k=+7\nmin_p=.5,0", 0), ("top_p=0x1p-3,18446744073709551615", 0),
        ("top_p=inf min_p=-inf", 0), ("temp=nan", 0), ("temp=-1", 2), ("top_k=2147483648", 0),
        ("temp=1e39", 0), ("temp=3.4028235e38", 0), ("temp=1e-50", 0), ("greedy=1", 0), ("=5", 0),
        ("temp", 0), ("top_p=0.5,", 0), ("temp=1,2", 0), ("top_p=0.5,-0", 0), ("top_p=0.5,-1", 0),
        ("min_p=nan(123)", 0), ("bogus=1 temp=2", 0), ("temp=0,5", 1), (" top_k=3" * 65, 0),
        ("temp=1" + "0" * 70, 0),
    ]):
        sp["%02d" % i] = text.encode() + bytes([opts])
    # Found by this target, fixed in e51db3a: -0.0 formatted as "greedy", which parses as +0.0.
    sp["regress-neg-zero-format"] = b"temp=-0" + bytes([0])
    # Found by this target, fixed in 5a00890: 65 processors (64 parsed after a prefilled one)
    # formatted to a spec that parse refused.
    sp["regress-format-65-processors"] = b" ".join([b"greedy"] * 64) + bytes([2])

    k = s.setdefault("kernels", {})
    def kern(offset, temp, cap, thr, mode, head, rep=0, step=0):
        t = Tail().u8(offset)
        t.temp(*temp).u16(cap)
        for b in thr:
            t.u8(b)
        return t.logits_header(mode, rep, step).build(head)
    k["tiled-offset"] = kern(3, ("u8", 16), 0, [0, 0, 0, 0, 0, 0, 5, 0], "i16", SPREAD, 248 + 5, 7)
    k["ties-cap"] = kern(0, ("u8", 32), 5, [0, 0, 0, 0, 0, 1, 0, 0], "i8", TIES)
    k["nan"] = kern(1, ("u8", 32), 0, [0] * 8, "raw", f32(1.0, 2.0, 3.0, NAN, 5.0, 6.0))
    k["extremes"] = kern(0, ("edge", TEMP_EDGE["1e38"]), 2, [1, 0, 0, 0, 0, 0, 2, 0], "palette",
                         bytes([PAL["big"], PAL["nbig"], PAL["fmax"], PAL["den"], PAL["nden"],
                                PAL["ninf"], PAL["hi"], PAL["vlo"]] * 40))
    k["all-masked"] = kern(0, ("u8", 32), 0, [3] + [0] * 7, "i8", i8(*([-128] * 300)))

    a = s.setdefault("api", {})
    ops = Tail().u16(40).word(9)
    ops.u8(0).temp("u8", 24).u8(1).k("u8", 5).u8(2).p("u16", 60000).min_keep("small", 2)
    ops.u8(3).p("edge", P_EDGE["nan"]).min_keep("small", 1).u8(4).u8(2).u8(4).u8(7)
    for how in range(5):
        ops.u8(8).u8(how).u8(3).u8(9).u8(how).u8(5).u8(1).u8(0)
    ops.u8(5).u8(1).k("edge", K_EDGE["-1"]).u8(5).u8(0).u8(3).u8(6).word(2**40).u8(7)
    ops.u8(10).u8(3).u8(10).u8(0).u8(11).u8(12).u8(5).u8(12).u8(60).u8(13).temp("raw", NAN).u8(0)
    for what in range(6):
        ops.u8(14).u8(what + 8 * what).u8(200).word(3).word(2**33)
    ops.u8(14).u8(3).u8(0).word(0).word(0)  # create with NULL params: malloc/free
    a["sequence"] = ops.build()
    a["one-token"] = Tail().u16(0).word(0).u8(8).u8(0).u8(0).u8(5).u8(0).u8(0).u8(9).u8(4).u8(0).u8(1).build()
    a["empty"] = b""

    chain_api_seeds(s)
    speculative_seeds(s)
    llama2_seeds(s)
    return s


# chain_config.c's EXTRAS, in order.
EXTRAS = ["mirostat", "mirostat_v2", "adaptive_p", "penalties", "dry", "no_repeat_ngram",
          "logit_bias_mask", "logit_bias", "deny", "min_length", "typical", "xtc", "top_n_sigma",
          "epsilon", "eta", "temp_ext"]
KINDS = ["temperature", "top_k", "top_p", "min_p"]


def config(tail, procs=(), extra=None, extra_at=0, seed=42, stream=0, history=(), sampled=0,
           start=0):
    """A chain as fuzz/chain_config.c reads it: processors, extra item, seed, history."""
    tail.u8(len(procs))
    for kind, kw in procs:
        tail.u8(KINDS.index(kind))
        proc_params(tail, kind, **kw)
    tail.u8(0 if extra is None else 2 * EXTRAS.index(extra) + 1).u8(extra_at)
    tail.word(seed).word(stream).u8(len(history)).u8(sampled)
    for h in history:
        tail.u16(h)
    return tail.word(start)


def chain_api_seeds(s):
    """Seeds of the targets built on chains (logprobs, speculative) and of scoring."""
    demo = [("top_k", dict(k=("edge", K_EDGE["40"]))), ("top_p", dict(p=("edge", P_EDGE["0.95"]))),
            ("temperature", dict(t=("u16", 3277)))]
    greedy = [("temperature", dict(t=("edge", TEMP_EDGE["0"])))]
    huge_t = [("temperature", dict(t=("edge", TEMP_EDGE["FLT_MAX"])))]

    def lp(procs, head, mode, n_top=5, rep=0, step=0, warm=1, **kw):
        tail = config(Tail(), procs, **kw)
        if n_top is None:  # too many
            tail.u8(6).u8(0)
        else:
            tail.u8(0).u8(n_top)
        return tail.u8(warm).logits_header(mode, rep, step).build(head)

    l = s.setdefault("logprobs", {})
    l["plain-ties"] = lp([], TIES, "i8", n_top=8)
    l["demo-spread"] = lp(demo, SPREAD, "i16", n_top=64, start=9)
    l["demo-tiled"] = lp(demo, SPREAD, "i16", n_top=20, rep=248 + 7, step=3)
    l["greedy"] = lp(greedy, TIES, "i8", n_top=3)
    l["n-top-too-large"] = lp(demo, TIES, "i8", n_top=None)
    l["nan"] = lp(demo, f32(1.0, NAN, 2.0), "raw")
    l["all-masked"] = lp([], i8(-128, -128, -128), "i8")
    l["one"] = lp([], f32(-2.5), "raw", n_top=64)
    l["mirostat-history"] = lp(demo[:1], SPREAD, "i16", extra="mirostat", history=(3, 7, 1, 0),
                               sampled=0b1011, start=100)
    l["penalties-history"] = lp([], TIES, "i8", extra="penalties", history=(0, 0, 8, 9),
                                sampled=0b0100)
    l["mask-all"] = lp([], f32(3.0), "raw", extra="logit_bias_mask")
    l["adaptive-p"] = lp(demo, SPREAD, "i16", extra="adaptive_p", extra_at=1, history=(1, 2),
                         sampled=3)
    # Found while writing this target: logits spanning more than FLT_MAX at a subnormal scale
    # (the far token has probability e^-2 / (1 + e^-2); position 1 of seed 0 draws it) gave
    # logprob -inf, as x - max overflowed where the weights take the overflow-safe form.
    l["regress-span-overflow"] = lp(huge_t, bytes([PAL["nfmax"], PAL["fmax"]]), "palette", n_top=2,
                            seed=0, start=1)

    def score(head, mode, temp=("u8", 32), q=(0, 0), target=(1, 3), steps=8, stride=5,
              raws=(), rep=0, step=0):
        """fuzz_scoring.c's tail: temperature, Q, target, perplexity sequence."""
        tail = Tail().temp(*temp).u8(q[0]).u8(target[0]).u16(q[1]).u16(target[1])
        tail.u8(steps).u8(len(raws)).u16(stride)
        for r in raws:  # an odd selector picks an edge value, an even one 8 raw bytes
            tail.u8(r) if r % 2 else tail.u8(r).u64(0x3FF8000000000000)
        return tail.logits_header(mode, rep, step).build(head)

    sc = s.setdefault("scoring", {})
    sc["ties"] = score(TIES, "i8")
    sc["spread-copy"] = score(SPREAD, "i16", temp=("edge", TEMP_EDGE["0.7"]), q=(1, 0))
    sc["exact-shift"] = score(SPREAD, "i16", q=(2, 3 * 64))
    sc["rotated"] = score(SPREAD, "i16", temp=("u16", 9000), q=(3, 7))
    sc["reversed-scaled"] = score(TIES, "i8", q=(4, 2))
    sc["masked-in-q"] = score(SPREAD, "i16", q=(5, 3))
    sc["unmasked-in-q"] = score(TIES, "i8", q=(6, 10), target=(1, 7))
    sc["greedy"] = score(TIES, "i8", temp=("edge", TEMP_EDGE["0"]), q=(3, 1), target=(1, 0))
    sc["greedy-overflow"] = score(TIES, "i8", temp=("edge", TEMP_EDGE["denorm"]), q=(3, 2))
    sc["huge-scale"] = score(SPREAD, "i16", temp=("edge", TEMP_EDGE["1e-20"]), q=(4, 1))
    sc["subnormal-scale"] = score(bytes([PAL["big"], PAL["nbig"], PAL["fmax"], PAL["nfmax"],
                                         PAL["den"], PAL["ninf"], PAL["hi"], PAL["vlo"]]),
                                  "palette", temp=("edge", TEMP_EDGE["FLT_MAX"]), q=(3, 3))
    sc["bad-temperature"] = score(TIES, "i8", temp=("raw", -1.0))
    sc["nan"] = score(f32(1.0, NAN, 2.0), "raw", q=(5, 0))
    sc["all-masked"] = score(i8(-128, -128, -128), "i8", q=(6, 1))
    sc["target-out-of-range"] = score(TIES, "i8", target=(0, 1))
    sc["one"] = score(f32(-3.0), "raw", target=(1, 0), steps=3)
    sc["raw-nlls"] = score(TIES, "i8", steps=2, raws=(1, 5, 13, 9))  # NaN, -0, DBL_MAX, +inf
    sc["exp-overflow"] = score(TIES, "i8", steps=0, raws=(21, 19))  # 710, 709
    sc["raw-bits"] = score(SPREAD, "i16", steps=1, raws=(0,))  # 1.5
    sc["tiled-large"] = score(SPREAD, "i16", q=(3, 100), rep=248 + 5, step=3)



def speculative_seeds(s):
    """fuzz_speculative.c: target and draft chains, k, how drafts are made, bad arguments."""
    demo = [("top_k", dict(k=("edge", K_EDGE["40"]))), ("top_p", dict(p=("edge", P_EDGE["0.95"]))),
            ("temperature", dict(t=("u16", 3277)))]
    hot = [("temperature", dict(t=("u8", 64)))]  # t = 2
    greedy = [("temperature", dict(t=("edge", TEMP_EDGE["0"])))]
    bads = ["same", "draft-null", "draft-logits-null", "tokens-null", "vocab", "overflow",
            "out-null", "n-out-null", "target-null", "target-logits-null", "token-range"]

    def spec(head, mode, t=(), d=(), k=4, drafted=True, rows=0, null_draft=False, rot=7,
             rot_d=33, poison=0, bad=None, ids=(), rep=0, step=0, tkw=None, dkw=None):
        tail = config(Tail(), t, **(tkw or {}))
        config(tail, d, seed=7, **(dkw or {}))
        tail.u8(k).u8(int(drafted) | rows << 1 | int(null_draft) << 3).u16(rot).u16(rot_d)
        tail.u8(poison).u8(0 if bad is None else 160 + bads.index(bad))
        for i in range(k):
            tail.u16(ids[i] if i < len(ids) else 3 * i + 1)
        return tail.u8(1).logits_header(mode, rep, step).build(head)

    sp = s.setdefault("speculative", {})
    sp["same-rows"] = spec(SPREAD, "i16", demo, demo)
    sp["rotated-drafts"] = spec(SPREAD, "i16", demo, hot, k=8, rows=1)
    sp["halved-drafts"] = spec(SPREAD, "i16", demo, demo[:1], k=6, rows=2)
    sp["reversed-drafts"] = spec(TIES, "i8", [], hot, k=5, rows=3)
    sp["raw-ids"] = spec(TIES, "i8", demo, demo, k=5, drafted=False, ids=(0, 3, 0x8000 | 13, 5, 1))
    sp["greedy-target"] = spec(TIES, "i8", greedy, hot, k=3)
    sp["greedy-draft"] = spec(SPREAD, "i16", hot, greedy, k=3, rows=1)
    sp["k0"] = spec(SPREAD, "i16", demo, demo, k=0, null_draft=True)
    sp["k0-draft"] = spec(TIES, "i8", demo, [], k=0)
    sp["mirostat-target"] = spec(SPREAD, "i16", demo[:1], [], k=4, rows=1,
                                 tkw=dict(extra="mirostat_v2", history=(1, 2, 3), sampled=5))
    sp["penalties-dry"] = spec(TIES, "i8", [], demo, k=4, tkw=dict(extra="penalties", history=(0, 8, 9)),
                               dkw=dict(extra="dry", history=(0, 8)))
    # no_repeat_ngram over one token: history 0, then the emitted 0 repeats the bigram (0, 0)
    sp["masked-mid-call"] = spec(f32(1.5), "raw", [], [], k=3,
                                 tkw=dict(extra="no_repeat_ngram", history=(0,)))
    sp["nan-in-draft-row"] = spec(SPREAD, "i16", demo, demo, k=2, poison=192 + 3 * 4)
    sp["all-masked-target-row"] = spec(SPREAD, "i16", demo, demo, k=2, poison=192 + 3 * 1 + 2)
    for b in bads:
        sp["bad-" + b] = spec(TIES, "i8", demo, hot, k=3, bad=b)
    sp["tiled-large"] = spec(SPREAD, "i16", demo, hot, k=3, rows=1, rep=248 + 4, step=2)
    sp["span-overflow"] = spec(bytes([PAL["nfmax"], PAL["fmax"], PAL["zero"]]), "palette",
                               [("temperature", dict(t=("edge", TEMP_EDGE["FLT_MAX"])))],
                               greedy, k=2, drafted=False, ids=(0, 1),
                               tkw=dict(extra="mirostat"))


def llama2_seeds(s):
    """Tiny llama2.c checkpoints and tokenizers (tools/common/llama2.h) for llama2_file."""
    lf = s.setdefault("llama2_file", {})

    def ckpt(dim, hid, layers, heads, kv_heads, vocab, seq, value=0.01):
        kv = dim * kv_heads // heads
        per_layer = 2 * dim + 2 * dim * dim + 2 * kv * dim + 3 * hid * dim
        n = abs(vocab) * dim * (1 if vocab > 0 else 2) + layers * per_layer + dim \
            + 2 * seq * (dim // heads // 2)
        weights = [value * ((i * 7) % 11 - 5) for i in range(n)]
        return struct.pack("<7i", dim, hid, layers, heads, kv_heads, vocab, seq) + f32(*weights)

    good = ckpt(4, 6, 2, 2, 1, 5, 3)
    lf["checkpoint"] = b"\x00" + good
    lf["checkpoint-own-classifier"] = b"\x00" + ckpt(4, 4, 1, 2, 2, -3, 2)
    lf["checkpoint-truncated"] = b"\x00" + good[:-4]
    lf["checkpoint-nan-weight"] = b"\x00" + good[:40] + f32(float("nan")) + good[44:]
    lf["checkpoint-odd-head"] = b"\x00" + ckpt(6, 4, 1, 2, 1, 3, 2)

    def tok(pieces, max_len=8):
        out = struct.pack("<i", max_len)
        for i, p in enumerate(pieces):
            out += struct.pack("<fi", -float(i), len(p)) + p
        return out

    pieces = [b"<unk>", b"<s>", b"</s>", b"<0x0A>", b" the", b"cat", b"<0x41>"]
    vocab = struct.pack("<H", len(pieces) - 1)
    lf["tokenizer"] = b"\x01" + vocab + tok(pieces)
    lf["tokenizer-truncated"] = b"\x01" + vocab + tok(pieces)[:-2]
    lf["tokenizer-long-piece"] = b"\x01" + vocab + tok(pieces[:-1] + [b"x" * 40], max_len=8)


def main():
    for target, files in seeds().items():
        d = os.path.join(ROOT, target)
        os.makedirs(d, exist_ok=True)
        for name, data in files.items():
            if not name.startswith("regress-"):
                name = "seed-" + name
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
