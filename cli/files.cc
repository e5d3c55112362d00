#include "files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "activ/activ.h"

namespace activ::io {
namespace {

[[noreturn]] void Fail(const char* verb, const std::string& path, int err) {
  throw Error(std::string("cannot ") + verb + " " + path + ": " + std::strerror(err));
}

}  // namespace

std::string ReadRest(int fd, const std::string& path) {
  std::string data;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      Fail("read", path, errno);
    }
    if (n == 0) return data;
    data.append(buf, static_cast<size_t>(n));
  }
}

std::string ReadFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) Fail("read", path, errno);
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    Fail("read", path, EISDIR);
  }
  try {
    std::string data = ReadRest(fd, path);
    ::close(fd);
    return data;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

void WriteFileAtomically(const std::string& path, std::string_view contents) {
  WriteFileAtomically(path, {contents});
}

void WriteFileAtomically(const std::string& path, std::initializer_list<std::string_view> pieces) {
  std::vector<char> tmp(path.begin(), path.end());
  for (char c : std::string_view(".tmp.XXXXXX")) tmp.push_back(c);
  tmp.push_back('\0');
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) Fail("write", path, errno);
  const auto abandon = [&](int err) {
    ::close(fd);
    ::unlink(tmp.data());
    Fail("write", path, err);
  };
  // mkstemp creates the file 0600; an output file gets the usual permissions.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  if (::fchmod(fd, 0666 & ~mask) != 0) abandon(errno);
  for (std::string_view contents : pieces) {
    for (size_t off = 0; off < contents.size();) {
      const ssize_t n = ::write(fd, contents.data() + off, contents.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        abandon(errno);
      }
      off += static_cast<size_t>(n);
    }
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.data());
    Fail("write", path, err);
  }
  if (::rename(tmp.data(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.data());
    Fail("write", path, err);
  }
}

}  // namespace activ::io
