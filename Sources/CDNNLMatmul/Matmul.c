#include "CDNNLMatmul.h"

#if defined(__linux__)
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <string.h>

/// One cached primitive: the problem it computes and the memory objects bound to it (their data
/// handles are set per call).
typedef struct {
  long m, n, k, lda, ldb, ldc;
  float alpha, beta;
  dnnl_primitive_t primitive;
  dnnl_memory_t src, weights, dst;
} entry;

enum { CAPACITY = 256 };
static entry cache[CAPACITY];
static int used = 0;
static dnnl_engine_t engine = NULL;
static dnnl_stream_t stream = NULL;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/// Releases whatever of the entry exists (a creation that failed part-way leaves the rest NULL).
static void destroy(entry *e) {
  if (e->src) dnnl_memory_destroy(e->src);
  if (e->weights) dnnl_memory_destroy(e->weights);
  if (e->dst) dnnl_memory_destroy(e->dst);
  if (e->primitive) dnnl_primitive_destroy(e->primitive);
}

static dnnl_status_t create(entry *e) {
  dnnl_status_t s;
  dnnl_memory_desc_t a, b, c;
  dnnl_dims_t da = {e->m, e->k}, db = {e->k, e->n}, dc = {e->m, e->n};
  dnnl_dims_t sa = {e->lda, 1}, sb = {1, e->ldb}, sc = {e->ldc, 1};  // B is N×K row-major: Bᵀ is K×N with strides (1, ldb)
  if ((s = dnnl_memory_desc_init_by_strides(&a, 2, da, dnnl_f32, sa)) != dnnl_success) return s;
  if ((s = dnnl_memory_desc_init_by_strides(&b, 2, db, dnnl_f32, sb)) != dnnl_success) return s;
  if ((s = dnnl_memory_desc_init_by_strides(&c, 2, dc, dnnl_f32, sc)) != dnnl_success) return s;
  dnnl_matmul_desc_t desc;
  if ((s = dnnl_matmul_desc_init(&desc, &a, &b, NULL, &c)) != dnnl_success) return s;
  dnnl_primitive_attr_t attr;
  if ((s = dnnl_primitive_attr_create(&attr)) != dnnl_success) return s;
  if (e->alpha != 1.0f) s = dnnl_primitive_attr_set_output_scales(attr, 1, 0, &e->alpha);
  if (s == dnnl_success && e->beta != 0.0f) {
    dnnl_post_ops_t ops;
    if ((s = dnnl_post_ops_create(&ops)) == dnnl_success) {
      s = dnnl_post_ops_append_sum(ops, e->beta);
      if (s == dnnl_success) s = dnnl_primitive_attr_set_post_ops(attr, ops);
      dnnl_post_ops_destroy(ops);
    }
  }
  dnnl_primitive_desc_t pd = NULL;
  if (s == dnnl_success) s = dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL);
  dnnl_primitive_attr_destroy(attr);
  if (s != dnnl_success) return s;
  s = dnnl_primitive_create(&e->primitive, pd);
  dnnl_primitive_desc_destroy(pd);
  if (s != dnnl_success) return s;
  if ((s = dnnl_memory_create(&e->src, &a, engine, DNNL_MEMORY_NONE)) != dnnl_success ||
      (s = dnnl_memory_create(&e->weights, &b, engine, DNNL_MEMORY_NONE)) != dnnl_success ||
      (s = dnnl_memory_create(&e->dst, &c, engine, DNNL_MEMORY_NONE)) != dnnl_success) {
    destroy(e);
    return s;
  }
  return dnnl_success;
}

static entry *find(long m, long n, long k, long lda, long ldb, long ldc, float alpha, float beta, dnnl_status_t *status) {
  for (int i = 0; i < used; i++) {
    entry *e = &cache[i];
    if (e->m == m && e->n == n && e->k == k && e->lda == lda && e->ldb == ldb && e->ldc == ldc &&
        memcmp(&e->alpha, &alpha, sizeof alpha) == 0 && memcmp(&e->beta, &beta, sizeof beta) == 0) return e;
  }
  if (used == CAPACITY) {  // many shapes (varying text lengths): start over
    for (int i = 0; i < used; i++) destroy(&cache[i]);
    used = 0;
  }
  entry *e = &cache[used];
  memset(e, 0, sizeof *e);
  e->m = m; e->n = n; e->k = k; e->lda = lda; e->ldb = ldb; e->ldc = ldc; e->alpha = alpha; e->beta = beta;
  if ((*status = create(e)) != dnnl_success) return NULL;
  used++;
  return e;
}

int cliptune_matmul_nt(long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb,
                       float beta, float *c, long ldc) {
  pthread_mutex_lock(&lock);
  dnnl_status_t s = dnnl_success;
  if (!engine) {
    if ((s = dnnl_engine_create(&engine, dnnl_cpu, 0)) == dnnl_success) s = dnnl_stream_create(&stream, engine, dnnl_stream_default_flags);
  }
  entry *e = s == dnnl_success ? find(m, n, k, lda, ldb, ldc, alpha, beta, &s) : NULL;
  if (!e) {
    pthread_mutex_unlock(&lock);
    return -(int)s;  // nothing was written: the caller may use another GEMM
  }
  {
    dnnl_memory_set_data_handle(e->src, (void *)a);
    dnnl_memory_set_data_handle(e->weights, (void *)b);
    dnnl_memory_set_data_handle(e->dst, c);
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, e->src}, {DNNL_ARG_WEIGHTS, e->weights}, {DNNL_ARG_DST, e->dst}};
    s = dnnl_primitive_execute(e->primitive, stream, 3, args);
    if (s == dnnl_success) s = dnnl_stream_wait(stream);
  }
  pthread_mutex_unlock(&lock);
  return (int)s;
}

int cliptune_matmul_cached(void) {
  pthread_mutex_lock(&lock);
  int n = used;
  pthread_mutex_unlock(&lock);
  return n;
}
#else
int cliptune_matmul_nt(long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb,
                       float beta, float *c, long ldc) { return -1; }
int cliptune_matmul_cached(void) { return 0; }
#endif
