// The loaders under fuzzing read files (zlib's gzopen, the .npy reader's two-step read), so each
// input is written to a file first: the path that users' data takes is the one fuzzed.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace activ_fuzz {

// A file per process and name, in /dev/shm when there is one (no disk traffic at thousands of
// inputs a second), rewritten for each input and removed at exit.
class ScratchFile {
 public:
  explicit ScratchFile(const std::string& name) {
    const char* dir = std::getenv("ACTIV_FUZZ_TMPDIR");
    if (!dir) dir = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    path_ = std::string(dir) + "/activ_fuzz_" + std::to_string(::getpid()) + "_" + name;
  }
  ~ScratchFile() { std::remove(path_.c_str()); }
  const std::string& Write(std::string_view bytes) {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (!f || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() ||
        std::fclose(f) != 0) {
      std::perror(path_.c_str());
      std::abort();
    }
    return path_;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Fails the run: libFuzzer saves the input that got here.
[[noreturn]] inline void Fail(const char* what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

}  // namespace activ_fuzz
