// Bit-for-bit comparison of tsamp's PCG32 with the reference C++ PCG library (pcg-cpp,
// Debian libpcg-cpp-dev), and of tsamp_rng_at with pcg32 seeded from XXH3 as tsamp.h documents.
// One line per check, "PASS <name>" or "FAIL <name>: detail"; the exit status is 0 either way
// (tests/run.sh counts the FAIL lines).
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <pcg_random.hpp>
#include <xxhash.h>

#include "tsamp.h"

namespace {

using ref_pcg32 = pcg_engines::setseq_xsh_rr_64_32; // == pcg32 in pcg_random.hpp

constexpr std::uint64_t kOutputsPerPair = 1u << 20; // 1,048,576 >= 10^6

int g_failed = 0;
std::uint64_t g_compared = 0;

void report(bool ok, const std::string &name, const std::string &detail) {
    if (ok) {
        std::printf("PASS %s\n", name.c_str());
    } else {
        std::printf("FAIL %s: %s\n", name.c_str(), detail.c_str());
        ++g_failed;
    }
}

std::string hex64(std::uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%016" PRIx64, v);
    return buf;
}

// Runs n outputs of both generators; returns "" if identical, else where they first differ.
std::string compare_streams(ref_pcg32 &ref, tsamp_rng &mine, std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i) {
        std::uint32_t want = ref();
        std::uint32_t got = tsamp_rng_next(&mine);
        if (want != got) {
            char buf[96];
            std::snprintf(buf, sizeof buf, "output %" PRIu64 ": tsamp 0x%08" PRIx32
                          ", pcg-cpp 0x%08" PRIx32, i, got, want);
            g_compared += i + 1;
            return buf;
        }
    }
    g_compared += n;
    return "";
}

// A fixed splitmix64 sequence: "random" pairs that are the same on every run.
std::uint64_t splitmix64(std::uint64_t &x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

// The documented 17-byte message, built independently of the library.
std::uint64_t derive(std::uint64_t seed, std::uint64_t stream, std::uint64_t position,
                     unsigned char tag) {
    unsigned char m[17];
    for (int i = 0; i < 8; ++i) {
        m[i] = static_cast<unsigned char>(stream >> (8 * i));
        m[8 + i] = static_cast<unsigned char>(position >> (8 * i));
    }
    m[16] = tag;
    return XXH3_64bits_withSeed(m, sizeof m, seed);
}

void check_reference_itself() {
    // The published pcg32 demo values: a sanity check that the reference is the one we think.
    static const std::uint32_t want[6] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u,
                                          0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
    ref_pcg32 ref(42u, 54u);
    bool ok = true;
    for (std::uint32_t w : want) ok = ok && ref() == w;
    report(ok, "pcg-cpp pcg32(42, 54) gives the published vectors", "reference mismatch");
}

void check_next_pairs() {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> pairs = {
        {42u, 54u}, {0u, 0u}, {UINT64_MAX, UINT64_MAX}, {0u, UINT64_MAX}, {UINT64_MAX, 0u},
        {1u, std::uint64_t{1} << 63}};
    std::uint64_t x = 20240601u;
    for (int i = 0; i < 4; ++i) {
        std::uint64_t a = splitmix64(x);
        std::uint64_t b = splitmix64(x);
        pairs.emplace_back(a, b);
    }
    for (const auto &p : pairs) {
        ref_pcg32 ref(p.first, p.second);
        tsamp_rng mine;
        tsamp_rng_seed(&mine, p.first, p.second);
        std::string detail = compare_streams(ref, mine, kOutputsPerPair);
        report(detail.empty(),
               "tsamp_rng_next == pcg32 for " + std::to_string(kOutputsPerPair) +
                   " outputs, initstate " + hex64(p.first) + " initseq " + hex64(p.second),
               detail);
    }
}

void check_uniform() {
    // tsamp_rng_uniform against the documented formula on the reference's outputs.
    ref_pcg32 ref(42u, 54u);
    tsamp_rng mine;
    tsamp_rng_seed(&mine, 42u, 54u);
    const std::uint64_t n = 1000000;
    std::string detail;
    for (std::uint64_t i = 0; i < n && detail.empty(); ++i) {
        std::uint32_t a = ref() >> 5;
        std::uint32_t b = ref() >> 6;
        double want = (static_cast<double>(a) * 67108864.0 + static_cast<double>(b)) /
                      9007199254740992.0;
        double got = tsamp_rng_uniform(&mine);
        if (!(got == want)) {
            char buf[96];
            std::snprintf(buf, sizeof buf, "draw %" PRIu64 ": tsamp %.17g, want %.17g", i, got,
                          want);
            detail = buf;
        }
    }
    report(detail.empty(), "tsamp_rng_uniform == formula on pcg32 outputs, 10^6 draws", detail);
}

void check_rng_at() {
    // For each (seed, stream): 1000 positions x 1024 outputs, plus a few extreme positions.
    const std::uint64_t cfg[][2] = {{0u, 0u}, {42u, 7u}, {UINT64_MAX, UINT64_MAX},
                                    {0x0123456789abcdefu, 0xfedcba9876543210u}};
    const std::uint64_t n_pos = 1000, n_out = 1024;
    for (const auto &c : cfg) {
        std::vector<std::uint64_t> positions;
        for (std::uint64_t p = 0; p < n_pos; ++p) positions.push_back(p);
        for (std::uint64_t p : {std::uint64_t{1} << 32, std::uint64_t{1} << 63,
                                UINT64_MAX - 1, UINT64_MAX})
            positions.push_back(p);
        std::string detail;
        std::uint64_t outputs = 0;
        for (std::uint64_t p : positions) {
            std::uint64_t initstate = derive(c[0], c[1], p, 0x00);
            std::uint64_t initseq = derive(c[0], c[1], p, 0x01);
            ref_pcg32 ref(initstate, initseq);
            tsamp_rng mine = tsamp_rng_at(c[0], c[1], p);
            std::string d = compare_streams(ref, mine, n_out);
            outputs += n_out;
            if (!d.empty()) {
                detail = "position " + std::to_string(p) + ": " + d;
                break;
            }
        }
        report(detail.empty(),
               "tsamp_rng_at == pcg32(XXH3 initstate, initseq), seed " + hex64(c[0]) +
                   " stream " + hex64(c[1]) + ", " + std::to_string(positions.size()) +
                   " positions x " + std::to_string(n_out) + " outputs (" +
                   std::to_string(outputs) + ")",
               detail);
    }
}

} // namespace

int main() {
    check_reference_itself();
    check_next_pairs();
    check_uniform();
    check_rng_at();
    std::printf("pcg_ref_compare: %" PRIu64 " 32-bit outputs compared, %d failed checks\n",
                g_compared, g_failed);
    return 0;
}
