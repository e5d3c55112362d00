#include "lab/io.h"

#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "activ/activ.h"

namespace lab {

using activ::Error;

bool IsGzip(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  unsigned char magic[2] = {0, 0};
  f.read(reinterpret_cast<char*>(magic), 2);
  return f.gcount() == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

namespace {

// zlib's message, without the "path: " it starts with (the caller's message names the file).
std::string GzipError(gzFile f, const std::string& path, int* code) {
  std::string why = gzerror(f, code);
  if (why.starts_with(path + ": ")) why.erase(0, path.size() + 2);
  return why;
}

}  // namespace

std::vector<uint8_t> ReadAllBytes(const std::string& path) {
  if (std::filesystem::is_directory(path)) throw Error(path + ": is a directory, not a file");
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw Error(path + ": cannot open: " + std::strerror(errno));
  gzbuffer(f, 1 << 17);
  std::vector<uint8_t> out;
  // Doubling from 64 KiB to 16 MiB: a small file (a CSV of a few rows, a fuzzer's input) costs
  // no megabyte of zeroing, a large one few calls.
  unsigned chunk = 1 << 16;
  for (;;) {
    const size_t at = out.size();
    out.resize(at + chunk);
    const int n = gzread(f, out.data() + at, chunk);
    if (n < 0) {
      int code = 0;
      const std::string why = GzipError(f, path, &code);
      gzclose(f);
      throw Error(path + ": corrupt gzip data after " + std::to_string(at) +
                  " decompressed bytes: " + why);
    }
    out.resize(at + static_cast<size_t>(n));
    if (n == 0) break;
    if (chunk < (1u << 24)) chunk *= 2;
  }
  // A gzip stream cut short reads as a clean end of file to gzread; gzerror tells.
  int code = 0;
  const std::string why = GzipError(f, path, &code);
  gzclose(f);
  if (code != Z_OK && code != Z_STREAM_END) {
    throw Error(path + ": truncated or corrupt gzip data after " + std::to_string(out.size()) +
                " decompressed bytes: " + why);
  }
  return out;
}

void WriteFileAtomically(const std::string& path, std::string_view content) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw Error(path + ": cannot write: " + std::strerror(errno));
    const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size() &&
                    std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
    const int err = errno;
    std::fclose(f);
    if (!ok) {
      std::remove(tmp.c_str());
      throw Error(path + ": write failed: " + std::strerror(err));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw Error(path + ": cannot rename the temporary file into place: " + std::strerror(err));
  }
}

void MakeDirectories(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) throw Error(path + ": cannot create the directory: " + ec.message());
}

}  // namespace lab
