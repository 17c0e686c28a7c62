#if canImport(CMalloc)
import CMalloc
#endif

/// Process-wide allocator settings for a training or inference process.
public enum Allocator {
  /// Makes glibc keep freed tensor memory for reuse instead of returning it to the kernel.
  ///
  /// By default glibc serves blocks above a (dynamic, ≤ 32 MB) threshold with `mmap` and gives
  /// them back on `free`, so every training step faults in — and the kernel zeroes — the same
  /// gigabyte of activations again (~7% of a ViT-B/32 LoRA step was `clear_page`). With these
  /// settings freed blocks stay in the heap and the next step reuses them. Peak memory is
  /// unchanged; memory is returned when the process ends. No-op off Linux.
  public static func keepFreedMemory() {
    #if canImport(CMalloc)
    _ = mallopt(M_MMAP_THRESHOLD, 1 << 30)  // blocks up to 1 GB come from the heap
    _ = mallopt(M_TRIM_THRESHOLD, Int32.max) // never trim the heap top back to the kernel
    #endif
  }
}
