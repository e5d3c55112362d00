// gzip-compressing an input in the fuzzer, so that the decompressing path of a loader sees
// well-formed streams of arbitrary content (mutating compressed bytes directly mostly yields
// checksum errors, which the committed .gz seeds cover).
#pragma once

#include <zlib.h>

#include <cstdlib>
#include <string>
#include <string_view>

namespace activ_fuzz {

inline std::string Gzip(std::string_view in) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    std::abort();
  }
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace activ_fuzz
