#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
import CDNNL
import COpenMP
#endif

/// The library behind `BLAS.gemm`, chosen once per process (`ComputeContext.configure`).
///
/// On Linux the default is oneDNN's `dnnl_sgemm`: on this project's machines (AMD EPYC with
/// AVX-512) it runs about 2× OpenBLAS 0.3.21, which is held to its AVX2 kernels there
/// (`cliptune bench gemm` measures every training-step shape; docs/performance.md has the table).
/// OpenBLAS stays selectable (`--gemm openblas`) and keeps the double-precision GEMM, which oneDNN
/// does not have. macOS has Accelerate only.
public enum GEMMBackend: String, CaseIterable, Sendable {
  /// oneDNN (Debian's libdnnl), JIT-compiled kernels for the CPU's widest vector ISA, on OpenMP.
  case onednn
  /// OpenBLAS (Debian's libopenblas), kernels chosen from the CPU or `OPENBLAS_CORETYPE`.
  case openblas
  /// Apple's Accelerate (macOS).
  case accelerate

  /// The backends this build can run.
  public static var available: [GEMMBackend] {
    #if canImport(Accelerate)
    return [.accelerate]
    #else
    return [.onednn, .openblas]
    #endif
  }

  /// The backend used when none is asked for: the fastest available one.
  public static var preferred: GEMMBackend { available[0] }

  /// The backend a description written by `description` (a run folder's record) names, if any:
  /// "oneDNN 2.6.3 (avx512_core_bf16)" → `.onednn`.
  public init?(described text: String) {
    if text.hasPrefix("oneDNN") { self = .onednn }
    else if text.hasPrefix("OpenBLAS") { self = .openblas }
    else if text.hasPrefix("Accelerate") { self = .accelerate }
    else { return nil }
  }

  /// Library, version and the kernel set it runs on this machine, e.g. "oneDNN 2.6.3
  /// (avx512_core_bf16)" or "OpenBLAS 0.3.21 (Haswell kernels)". Different kernels round
  /// differently, so results are bit-identical only for the same description.
  public var description: String {
    switch self {
    case .accelerate: return "Accelerate"
    case .onednn:
      #if canImport(Accelerate)
      return "oneDNN (not in this build)"
      #else
      let v = dnnl_version()!.pointee
      return "oneDNN \(v.major).\(v.minor).\(v.patch) (\(Self.isaName(dnnl_get_effective_cpu_isa())))"
      #endif
    case .openblas:
      #if canImport(Accelerate)
      return "OpenBLAS (not in this build)"
      #else
      let config = String(cString: openblas_get_config())  // "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64"
      let version = config.split(separator: " ").prefix(2).joined(separator: " ")
      return "\(version) (\(String(cString: openblas_get_corename())) kernels)"
      #endif
    }
  }

  #if !canImport(Accelerate)
  /// oneDNN's name for the instruction set its kernels were generated for.
  static func isaName(_ isa: dnnl_cpu_isa_t) -> String {
    switch isa {
    case dnnl_cpu_isa_sse41: return "sse41"
    case dnnl_cpu_isa_avx: return "avx"
    case dnnl_cpu_isa_avx2: return "avx2"
    case dnnl_cpu_isa_avx512_core: return "avx512_core"
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni"
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16"
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx"
    default: return "isa 0x\(String(isa.rawValue, radix: 16))"
    }
  }
  #endif
}
