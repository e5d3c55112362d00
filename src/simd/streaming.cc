#include "simd/streaming.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace activ::detail {
namespace {

// "32768K", "1M": the size files of sysfs.
size_t ParseSize(const char* s) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s, &end, 10);
  if (end == s) return 0;
  if (*end == 'K') return static_cast<size_t>(v) << 10;
  if (*end == 'M') return static_cast<size_t>(v) << 20;
  if (*end == 'G') return static_cast<size_t>(v) << 30;
  return static_cast<size_t>(v);
}

size_t ReadCacheFile(int index, const char* file) {
  const std::string path =
      "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/" + file;
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return 0;
  char buf[64] = {};
  const bool ok = std::fgets(buf, sizeof(buf), f) != nullptr;
  std::fclose(f);
  return ok ? ParseSize(buf) : 0;
}

size_t FindLastLevelCache() {
  size_t level = 0, bytes = 0;
  for (int i = 0; i < 16; ++i) {
    const size_t l = ReadCacheFile(i, "level");
    const size_t b = ReadCacheFile(i, "size");
    if (l == 0 || b == 0) continue;
    if (l > level || (l == level && b > bytes)) level = l, bytes = b;
  }
  if (bytes != 0) return bytes;
#ifdef _SC_LEVEL3_CACHE_SIZE
  const long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
  if (l3 > 0) return static_cast<size_t>(l3);
#endif
  return size_t{32} << 20;
}

// 0: the default.
std::atomic<size_t> threshold_override{0};
std::atomic<bool> has_override{false};
std::atomic<uint64_t> streamed{0};

}  // namespace

size_t LastLevelCacheBytes() {
  static const size_t bytes = FindLastLevelCache();
  return bytes;
}

size_t StreamThresholdBytes() {
  if (has_override.load(std::memory_order_relaxed)) {
    return threshold_override.load(std::memory_order_relaxed);
  }
  static const size_t bytes = LastLevelCacheBytes() / 2;
  return bytes;
}

void SetStreamThresholdBytes(size_t bytes) {
  threshold_override.store(bytes, std::memory_order_relaxed);
  has_override.store(true, std::memory_order_relaxed);
}

void ResetStreamThresholdBytes() { has_override.store(false, std::memory_order_relaxed); }

uint64_t StreamedElements() { return streamed.load(std::memory_order_relaxed); }
void AddStreamedElements(size_t n) { streamed.fetch_add(n, std::memory_order_relaxed); }

}  // namespace activ::detail
