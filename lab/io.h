// File reads shared by the loaders and the checkpoints. Writes go through activ::io (io/files.h),
// shared with the command line and the tools.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "io/files.h"

namespace lab {

using activ::io::WriteFileAtomically;

// An input file read in pieces, decompressed when it is gzip (zlib reads plain files unchanged)
// unless `decompress` is false, so that a format whose header declares its size reads no more
// than that: a small .gz cannot inflate past what its header promises. Throws activ::Error
// naming the file when it cannot be opened, is a directory, or its gzip stream is corrupt.
class InputFile {
 public:
  explicit InputFile(const std::string& path, bool decompress = true);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  // Appends up to n bytes to `out`, fewer only at the end of the data. Memory grows with what
  // arrives, never to n at once, so a header that declares more than the file holds costs
  // nothing.
  void ReadUpTo(std::vector<uint8_t>& out, size_t n);
  // Whether the data is gzip-compressed (known once something was read).
  bool gzip() const;
  // Whether the file has a size on disk (a regular file, not a pipe or a device), and that size.
  bool sized() const { return sized_; }
  uint64_t file_size() const { return file_size_; }

 private:
  std::string path_;
  int fd_ = -1;
  gzFile gz_ = nullptr;
  bool sized_ = false, at_end_ = false;
  uint64_t file_size_ = 0;
};

// The whole file (decompressed when gzip), at most `limit` bytes: past it, throws
// "PATH: decompresses to (holds) more than LIMIT bytes (WHY)".
std::vector<uint8_t> ReadAllBytes(const std::string& path, size_t limit = SIZE_MAX,
                                  std::string_view why = {});
// Half the machine's memory: the most a file without a declared size (a CSV) may inflate to.
size_t HalfOfMemory();
// Creates the directory and its parents; throws activ::Error when that fails.
void MakeDirectories(const std::string& path);

}  // namespace lab
