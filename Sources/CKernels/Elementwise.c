// Activations, the Adam update, LayerNorm and softmax rows, and column sums: the same operations
// in the same order as the Swift scalar code they replace (FastMath's exp/erf/tanh polynomials,
// no FMA contraction: -ffp-contract=off), so every variant gives the same bits as that code.
#include "CKernels.h"
#include <string.h>

#if defined(__x86_64__) && defined(__clang__) && defined(__ELF__)
#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CLONES
#endif

// Swift.max(a, b) is `b >= a ? b : a` and Swift.min(a, b) `b < a ? b : a`: a NaN input passes
// through both, as in FastMath.
static inline float swift_max(float a, float b) { return b >= a ? b : a; }
static inline float swift_min(float a, float b) { return b < a ? b : a; }

static inline uint32_t bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float from_bits(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/// FastMath.exp.
static inline float fm_exp(float input) {
  float x = swift_min(swift_max(input, -87.3f), 88.3f);
  const float magic = 12582912.0f;
  float t = x * 1.44269504088896341f + magic;
  float n = t - magic;
  float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float er = p * (r * r) + r + 1.0f;
  uint32_t exponent = bits(t) - bits(magic) + 127u;
  return er * from_bits(exponent << 23);
}

/// FastMath.erf.
static inline float fm_erf(float input) {
  float x = swift_min(swift_max(input, -4.0f), 4.0f);
  float x2 = x * x;
  float p = -2.72614225801306e-10f;
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 + -2.10102402082508e-06f;
  p = p * x2 + -5.69250639462346e-05f;
  p = p * x2 + -7.34990630326855e-04f;
  p = p * x2 + -2.95459980854025e-03f;
  p = p * x2 + -1.60960333262415e-02f;
  p = p * x;
  float q = -1.45660718464996e-05f;
  q = q * x2 + -2.13374055278905e-04f;
  q = q * x2 + -1.68282697438203e-03f;
  q = q * x2 + -7.37332916720468e-03f;
  q = q * x2 + -1.42647390514189e-02f;
  return p / q;
}

/// FastMath.tanh.
static inline float fm_tanh(float input) {
  float x = swift_min(swift_max(input, -9.0f), 9.0f);
  return 1.0f - 2.0f / (fm_exp(2.0f * x) + 1.0f);
}

CLONES
void cliptune_activation_forward(int kind, float *restrict x, long count) {
  switch (kind) {
  case CLIPTUNE_QUICK_GELU:
    for (long i = 0; i < count; i++) { float v = x[i]; x[i] = v / (1.0f + fm_exp(-1.702f * v)); }
    break;
  case CLIPTUNE_GELU:
    for (long i = 0; i < count; i++) { float v = x[i]; x[i] = 0.5f * v * (1.0f + fm_erf(v * 0.70710678118654752f)); }
    break;
  default:
    for (long i = 0; i < count; i++) {
      float v = x[i];
      x[i] = 0.5f * v * (1.0f + fm_tanh(0.79788456080286536f * (v + 0.044715f * v * v * v)));
    }
  }
}

CLONES
void cliptune_activation_backward(int kind, const float *restrict x, float *restrict grad, long count) {
  switch (kind) {
  case CLIPTUNE_QUICK_GELU:
    for (long i = 0; i < count; i++) {
      float v = x[i], s = 1.0f / (1.0f + fm_exp(-1.702f * v));
      grad[i] *= s + 1.702f * v * s * (1.0f - s);
    }
    break;
  case CLIPTUNE_GELU:
    for (long i = 0; i < count; i++) {
      float v = x[i];
      float cdf = 0.5f * (1.0f + fm_erf(v * 0.70710678118654752f));
      grad[i] *= cdf + v * fm_exp(-0.5f * v * v) * 0.39894228040143268f;
    }
    break;
  default:
    for (long i = 0; i < count; i++) {
      float v = x[i], c = 0.79788456080286536f;
      float t = fm_tanh(c * (v + 0.044715f * v * v * v));
      grad[i] *= 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * c * (1.0f + 3.0f * 0.044715f * v * v);
    }
  }
}

static inline void adam_element(long i, const float *restrict g, float *restrict p, float *restrict m,
                                float *restrict v, const cliptune_adam_coefficients *c, int lerpSmall) {
  float param = p[i];
  float grad = g[i] + c->l2 * param;
  float diff = grad - m[i];
  float mNew = lerpSmall ? m[i] + c->lerp_weight * diff : grad - diff * c->one_minus_weight;
  float vNew = v[i] * c->beta2 + c->one_minus_beta2 * grad * grad;
  m[i] = mNew;
  v[i] = vNew;
  float denom = __builtin_sqrtf(__builtin_fabsf(vNew)) / c->bc2_sqrt + c->eps;
  p[i] = param * c->decay + c->neg_step_size * mNew / denom;
}

CLONES
void cliptune_adam_update(const float *restrict g, float *restrict p, float *restrict m, float *restrict v,
                          long count, const cliptune_adam_coefficients *c) {
  cliptune_adam_coefficients k = *c;
  if (k.lerp_small) {
    for (long i = 0; i < count; i++) adam_element(i, g, p, m, v, &k, 1);
  } else {
    for (long i = 0; i < count; i++) adam_element(i, g, p, m, v, &k, 0);
  }
}

CLONES
void cliptune_layernorm_normalize(const float *restrict x, const float *restrict gamma, const float *restrict beta,
                                  float *restrict y, long dim, float mean, float inv) {
  if (beta) {
    for (long i = 0; i < dim; i++) y[i] = (x[i] - mean) * inv * gamma[i] + beta[i];
  } else {
    for (long i = 0; i < dim; i++) y[i] = (x[i] - mean) * inv * gamma[i];
  }
}

CLONES
void cliptune_layernorm_backward_row(const float *restrict dy, const float *restrict x, const float *restrict gamma,
                                     float *restrict dx, long dim, float mean, float rstd) {
  float sumG = 0, sumGX = 0;
  for (long i = 0; i < dim; i++) {  // in order: no reassociation, the Swift loop's sums exactly
    float gi = dy[i] * gamma[i];
    sumG += gi;
    sumGX += gi * (x[i] - mean) * rstd;
  }
  float meanG = sumG / (float)dim, meanGX = sumGX / (float)dim;
  for (long i = 0; i < dim; i++) dx[i] = rstd * (dy[i] * gamma[i] - meanG - (x[i] - mean) * rstd * meanGX);
}

CLONES
void cliptune_layernorm_parameter_gradients(const float *restrict dy, const float *restrict x, const float *restrict mean,
                                            const float *restrict rstd, long rows, long dim,
                                            float *restrict dGamma, float *restrict dBeta) {
  for (long r = 0; r < rows; r++) {
    const float *dyr = dy + r * dim, *xr = x + r * dim;
    float m = mean[r], s = rstd[r];
    if (dGamma) for (long i = 0; i < dim; i++) dGamma[i] += dyr[i] * (xr[i] - m) * s;
    if (dBeta) for (long i = 0; i < dim; i++) dBeta[i] += dyr[i];
  }
}

CLONES
void cliptune_add_column_sums(const float *restrict g, long rows, long cols, float *restrict out) {
  for (long r = 0; r < rows; r++) {
    const float *row = g + r * cols;
    for (long j = 0; j < cols; j++) out[j] += row[j];
  }
}

CLONES
void cliptune_softmax_row(float *restrict p, long count) {
  float mx = -__builtin_inff();
  for (long i = 0; i < count; i++) mx = swift_max(mx, p[i]);
  if (mx == -__builtin_inff()) {  // a fully masked row
    for (long i = 0; i < count; i++) p[i] = 0;
    return;
  }
  for (long i = 0; i < count; i++) p[i] = fm_exp(p[i] - mx);
  float sum = 0;
  for (long i = 0; i < count; i++) sum += p[i];
  float inv = 1.0f / sum;
  for (long i = 0; i < count; i++) p[i] *= inv;
}
