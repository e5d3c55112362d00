// Whether a call stores its output with non-temporal (streaming) stores, decided once per call
// by the entry points in src/api/ and carried to the loops in Args::stream.
//
// An output larger than the last-level cache cannot stay there for its reader: a plain store
// first reads each line of it from memory (the read for ownership) only to overwrite it, one
// transfer in three of a forward call and one in four of a backward call. Streaming stores write
// whole lines without reading them, and leave the cache to the inputs. Below the threshold
// nothing changes: the output stays in cache for the next call.
#pragma once

#include <cstddef>
#include <cstdint>

namespace activ::detail {

// The size of the last-level cache: the highest level of /sys/devices/system/cpu/cpu0/cache
// (the cache one core shares with its neighbours), else sysconf(_SC_LEVEL3_CACHE_SIZE), else
// 32 MiB. Read once. (glibc's sysconf adds up every L3 of the host on some AMD guests: 384 MiB
// where each core sees 32.)
size_t LastLevelCacheBytes();

// Outputs of at least this many bytes (the whole call's, every output together) are streamed:
// half the last-level cache, where the call's arrays (its inputs at least as large as its
// output) fill the cache. Measured on a 32 MiB L3 (AMD EPYC, AVX-512, float32 relu and sigmoid,
// forward and backward, one and two threads): at 4M elements, a 16 MiB output, streaming ran
// the memory-bound loops at 0.5-0.78x the time of plain stores; at 2M, 8 MiB, it was mixed
// (0.45x to 1.13x), and an output that small may still be in cache for its reader.
size_t StreamThresholdBytes();
// The decision, once per call.
inline bool StreamOutput(size_t output_bytes) {
  return output_bytes > 0 && output_bytes >= StreamThresholdBytes();
}

// For the tests: a threshold of their own (0 streams every call), and back to the default.
void SetStreamThresholdBytes(size_t bytes);
void ResetStreamThresholdBytes();
// Elements stored with streaming stores since the process started, every thread together: the
// loops add what they streamed (their aligned bodies; heads and tails are plain stores), so that
// a test can tell that the streaming path ran.
uint64_t StreamedElements();
void AddStreamedElements(size_t n);

}  // namespace activ::detail
