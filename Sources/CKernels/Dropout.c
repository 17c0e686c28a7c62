#include "CKernels.h"

#if defined(__x86_64__) && defined(__clang__) && defined(__ELF__)
#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CLONES
#endif

static inline uint64_t draw(uint64_t key, uint64_t m) {
  uint64_t z = key + m * 0xD1B54A32D192ED03ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static inline float scale(uint64_t z, int lane, uint16_t threshold, float keep) {
  return (uint16_t)(z >> (16 * lane)) < threshold ? 0.0f : keep;
}

CLONES
void cliptune_dropout_apply(uint64_t key, uint64_t base, uint16_t threshold, float keep,
                            const float *restrict src, float *restrict dst, long count, int accumulate) {
  long groups = count / 4;
  if (accumulate) {
    for (long q = 0; q < groups; q++) {
      uint64_t z = draw(key, base + (uint64_t)q);
      for (int j = 0; j < 4; j++) {
        float v = src[4 * q + j] * scale(z, j, threshold, keep);
        dst[4 * q + j] = dst[4 * q + j] + v;
      }
    }
  } else {
    for (long q = 0; q < groups; q++) {
      uint64_t z = draw(key, base + (uint64_t)q);
      for (int j = 0; j < 4; j++) dst[4 * q + j] = src[4 * q + j] * scale(z, j, threshold, keep);
    }
  }
  if (4 * groups < count) {  // the first lanes of the last output
    uint64_t z = draw(key, base + (uint64_t)groups);
    for (long k = 4 * groups; k < count; k++) {
      float v = src[k] * scale(z, (int)(k - 4 * groups), threshold, keep);
      dst[k] = accumulate ? dst[k] + v : v;
    }
  }
}

CLONES
void cliptune_dropout_apply_pair(uint64_t key, uint64_t base, uint16_t threshold, float keep,
                                 const float *restrict x, float *restrict dropped, const float *restrict path,
                                 float *restrict dx, long count) {
  long groups = count / 4;
  for (long q = 0; q < groups; q++) {
    uint64_t z = draw(key, base + (uint64_t)q);
    for (int j = 0; j < 4; j++) {
      float s = scale(z, j, threshold, keep);
      dropped[4 * q + j] = x[4 * q + j] * s;
      float v = path[4 * q + j] * s;
      dx[4 * q + j] = dx[4 * q + j] + v;
    }
  }
  if (4 * groups < count) {  // the first lanes of the last output
    uint64_t z = draw(key, base + (uint64_t)groups);
    for (long k = 4 * groups; k < count; k++) {
      float s = scale(z, (int)(k - 4 * groups), threshold, keep);
      dropped[k] = x[k] * s;
      float v = path[k] * s;
      dx[k] = dx[k] + v;
    }
  }
}

const char *cliptune_ckernels_isa(void) {
#if defined(__x86_64__) && defined(__clang__) && defined(__ELF__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v4")) return "x86-64-v4";
  if (__builtin_cpu_supports("x86-64-v3")) return "x86-64-v3";
  return "x86-64";
#else
  return "other";
#endif
}
