// Reads of input files, decompressed when they are gzip (io/files.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "activ/activ.h"
#include "io/files.h"

namespace activ::io {

namespace {

// zlib's message, without the "<fd:N>: " it starts with (the caller's message names the file).
std::string GzipError(gzFile f, int* code) {
  std::string why = gzerror(f, code);
  if (why.starts_with("<fd:")) {
    const size_t colon = why.find(">: ");
    if (colon != std::string::npos) why.erase(0, colon + 3);
  }
  return why;
}

}  // namespace

InputFile::InputFile(const std::string& path, bool decompress) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw Error(path + ": cannot open: " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd_, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      ::close(fd_);
      throw Error(path + ": is a directory, not a file");
    }
    sized_ = S_ISREG(st.st_mode);
    file_size_ = sized_ ? static_cast<uint64_t>(st.st_size) : 0;
  }
  if (decompress) {
    gz_ = gzdopen(fd_, "rb");  // owns fd_ from here
    if (gz_ == nullptr) {
      ::close(fd_);
      throw Error(path + ": cannot open: out of memory");
    }
    gzbuffer(gz_, 1 << 17);
  }
}

InputFile::~InputFile() {
  if (gz_ != nullptr) {
    gzclose(gz_);
  } else if (fd_ >= 0) {
    ::close(fd_);
  }
}

bool InputFile::gzip() const { return gz_ != nullptr && gzdirect(gz_) == 0; }

void InputFile::ReadUpTo(std::vector<uint8_t>& out, size_t n) {
  // Doubling from 64 KiB to 16 MiB, never past n: a small file (a CSV of a few rows, a fuzzer's
  // input) costs no megabyte of zeroing, a large one few calls.
  size_t chunk = 1 << 16;
  while (n > 0 && !at_end_) {
    const size_t at = out.size();
    const size_t want = std::min(n, chunk);
    out.resize(at + want);
    long got;
    if (gz_ != nullptr) {
      got = gzread(gz_, out.data() + at, static_cast<unsigned>(want));
      if (got < 0) {
        int code = 0;
        const std::string why = GzipError(gz_, &code);
        throw Error(path_ + ": corrupt gzip data after " + std::to_string(at) +
                    " decompressed bytes: " + why);
      }
    } else {
      do {
        got = ::read(fd_, out.data() + at, want);
      } while (got < 0 && errno == EINTR);
      if (got < 0) throw Error(path_ + ": cannot read: " + std::strerror(errno));
    }
    out.resize(at + static_cast<size_t>(got));
    n -= static_cast<size_t>(got);
    if (got == 0) at_end_ = true;
    if (chunk < (size_t{1} << 24)) chunk *= 2;
  }
  if (at_end_ && gz_ != nullptr) {
    // A gzip stream cut short reads as a clean end of file to gzread; gzerror tells.
    int code = 0;
    const std::string why = GzipError(gz_, &code);
    if (code != Z_OK && code != Z_STREAM_END) {
      throw Error(path_ + ": truncated or corrupt gzip data after " + std::to_string(out.size()) +
                  " decompressed bytes: " + why);
    }
  }
}

std::vector<uint8_t> ReadAllBytes(const std::string& path, size_t limit, std::string_view why) {
  InputFile in(path);
  std::vector<uint8_t> out;
  in.ReadUpTo(out, limit == SIZE_MAX ? limit : limit + 1);
  if (out.size() > limit) {
    throw Error(path + ": " + (in.gzip() ? "decompresses to" : "holds") + " more than " +
                std::to_string(limit) + " bytes" +
                (why.empty() ? "" : " (" + std::string(why) + ")") + "; refused");
  }
  return out;
}

size_t HalfOfMemory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return SIZE_MAX;
  return static_cast<size_t>(pages) / 2 * static_cast<size_t>(page);
}

void MakeDirectories(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) throw Error(path + ": cannot create the directory: " + ec.message());
}

}  // namespace activ::io
