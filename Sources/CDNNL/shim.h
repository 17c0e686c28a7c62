// oneDNN's C API (Debian: libdnnl-dev): `dnnl_sgemm`, the row-major single-precision GEMM, and the
// library's version. Built on OpenMP (libgomp), whose threads ClipTune's own kernels share (COpenMP).
#include <oneapi/dnnl/dnnl.h>
