// glibc's allocator tuning (mallopt, M_MMAP_THRESHOLD, M_TRIM_THRESHOLD); part of libc.
#include <malloc.h>
