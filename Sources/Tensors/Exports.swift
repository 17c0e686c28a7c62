/// The numeric kernels, the BLAS wrapper and the compute context live in `Kernels` (compiled without
/// Swift's runtime checks; see Package.swift); every module that imports `Tensors` sees them.
@_exported import Kernels
