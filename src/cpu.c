/* CPU feature detection and the choice of kernel table (one decision per process). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "tsamp_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t read_xcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0)); /* xgetbv */
    return ((uint64_t)hi << 32) | lo;
}

/* CPUID says the instructions exist; XGETBV says the OS saves the registers they use. */
static int x86_has(tsamp_isa isa) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!osxsave || !avx) return 0;
    uint64_t xcr0 = read_xcr0();
    if ((xcr0 & 0x6) != 0x6) return 0; /* XMM and YMM state */
    if (__get_cpuid_max(0, NULL) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    if (isa == TSAMP_ISA_AVX2) return (b >> 5) & 1;
    if (isa == TSAMP_ISA_AVX512)
        return ((b >> 16) & 1) && (xcr0 & 0xe0) == 0xe0; /* AVX512F; opmask, ZMM state */
    return 0;
}
#endif

static const tsamp_kernels *table_of(tsamp_isa isa) {
    switch (isa) {
    case TSAMP_ISA_SCALAR: return &tsamp_kernels_scalar;
    case TSAMP_ISA_AVX2: return &tsamp_kernels_avx2;
    case TSAMP_ISA_AVX512: return &tsamp_kernels_avx512;
    case TSAMP_ISA_NEON: return &tsamp_kernels_neon;
    case TSAMP_ISA_AUTO: break;
    }
    return NULL;
}

static int detect(tsamp_isa isa) {
    const tsamp_kernels *k = table_of(isa);
    if (!k || k->isa != isa) return 0; /* not compiled in for this architecture */
#if defined(__x86_64__) || defined(__i386__)
    return x86_has(isa);
#elif defined(__aarch64__)
    return isa == TSAMP_ISA_NEON;
#else
    return 0;
#endif
}

/* CPUID is slow next to a small softmax: ask once per path. Racing first calls all store
 * the same answer. */
int tsamp_isa_available(tsamp_isa isa) {
    static atomic_int known[TSAMP_ISA_NEON + 1]; /* 0 unknown, 1 no, 2 yes */
    if (isa == TSAMP_ISA_AUTO || isa == TSAMP_ISA_SCALAR) return 1;
    if ((unsigned)isa > (unsigned)TSAMP_ISA_NEON) return 0;
    int v = atomic_load_explicit(&known[isa], memory_order_relaxed);
    if (v == 0) {
        v = detect(isa) ? 2 : 1;
        atomic_store_explicit(&known[isa], v, memory_order_relaxed);
    }
    return v == 2;
}

const char *tsamp_isa_name(tsamp_isa isa) {
    switch (isa) {
    case TSAMP_ISA_AUTO: return "auto";
    case TSAMP_ISA_SCALAR: return "scalar";
    case TSAMP_ISA_AVX2: return "avx2";
    case TSAMP_ISA_AVX512: return "avx512";
    case TSAMP_ISA_NEON: return "neon";
    }
    return "unknown";
}

static tsamp_isa best_available(void) {
    static const tsamp_isa order[] = {TSAMP_ISA_AVX512, TSAMP_ISA_AVX2, TSAMP_ISA_NEON};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (tsamp_isa_available(order[i])) return order[i];
    return TSAMP_ISA_SCALAR;
}

/* TSAMP_ISA naming an unavailable or unknown path falls back to the best one. */
static tsamp_isa isa_from_env(void) {
    const char *e = getenv("TSAMP_ISA");
    if (e && *e) {
        for (int i = TSAMP_ISA_SCALAR; i <= TSAMP_ISA_NEON; i++)
            if (strcmp(e, tsamp_isa_name((tsamp_isa)i)) == 0 && tsamp_isa_available((tsamp_isa)i))
                return (tsamp_isa)i;
    }
    return best_available();
}

/* Threads racing on the first call all compute the same value. */
tsamp_isa tsamp_isa_default(void) {
    static atomic_int cached = -1;
    int v = atomic_load_explicit(&cached, memory_order_relaxed);
    if (v < 0) {
        v = (int)isa_from_env();
        atomic_store_explicit(&cached, v, memory_order_relaxed);
    }
    return (tsamp_isa)v;
}

const tsamp_kernels *tsamp_kernels_for(tsamp_isa isa) {
    if (isa == TSAMP_ISA_AUTO) isa = tsamp_isa_default();
    if (!tsamp_isa_available(isa)) return NULL;
    return table_of(isa);
}
