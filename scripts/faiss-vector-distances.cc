// Vectorised versions of faiss's three basic distance functions, linked into the faiss-node addon
// ahead of Debian's libfaiss.a (see scripts/build-faiss.sh).
//
// Debian builds faiss 1.7.3 for the x86-64 baseline, without SSE3, so its fvec_inner_product,
// fvec_L2sqr and fvec_norm_L2sqr fall back to plain scalar loops. Every flat, IVF and HNSW search
// and every HNSW insertion spends most of its time in them (perf showed 59% of a build in
// fvec_inner_product_ref). The definitions below compute the same sums with SIMD instructions.
// GCC builds each function twice, for AVX2 with FMA and for the baseline, and the dynamic loader
// picks the variant this CPU supports when the addon loads, so the addon still runs on machines
// without AVX2. Only the order of the additions differs from faiss's loops, which changes results
// by float rounding (about 1e-7 on unit vectors).
#include <cstddef>

namespace faiss {

__attribute__((target_clones("arch=haswell", "default"))) float fvec_inner_product(const float* x,
                                                                                    const float* y,
                                                                                    size_t d) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (size_t i = 0; i < d; i++) {
    sum += x[i] * y[i];
  }
  return sum;
}

__attribute__((target_clones("arch=haswell", "default"))) float fvec_L2sqr(const float* x, const float* y,
                                                                            size_t d) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (size_t i = 0; i < d; i++) {
    const float difference = x[i] - y[i];
    sum += difference * difference;
  }
  return sum;
}

__attribute__((target_clones("arch=haswell", "default"))) float fvec_norm_L2sqr(const float* x, size_t d) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (size_t i = 0; i < d; i++) {
    sum += x[i] * x[i];
  }
  return sum;
}

}  // namespace faiss
