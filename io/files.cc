#include "io/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>  // renameat2
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "activ/activ.h"

namespace activ::io {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void Fail(const char* verb, const std::string& path, int err) {
  throw Error(std::string("cannot ") + verb + " " + path + ": " + std::strerror(err));
}

// Closes a descriptor however the scope ends.
struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// The process's umask, read without changing it: umask(2) can only be read by setting it, which
// races with every other thread that creates a file meanwhile. Linux shows it in
// /proc/self/status (since 4.7); where it does not, 022 (the usual one).
mode_t CurrentUmask() {
  std::FILE* f = std::fopen("/proc/self/status", "re");
  if (f == nullptr) return 022;
  char line[256];
  unsigned mask = 022;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "Umask: %o", &mask) == 1) break;
  }
  std::fclose(f);
  return static_cast<mode_t>(mask & 0777);
}

// Directory and name of a path to write; a path that names a directory ("out/", ".") fails.
void SplitPath(const std::string& path, std::string* dir, std::string* name) {
  const fs::path p(path);
  *name = p.filename().string();
  if (name->empty() || *name == "." || *name == "..") Fail("write", path, EISDIR);
  *dir = p.has_parent_path() ? p.parent_path().string() : std::string(1, '.');
}

// Random letters for a temporary name; O_EXCL settles any collision.
std::string RandomSuffix() {
  static constexpr char kLetters[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  unsigned char bytes[8];
  if (::getentropy(bytes, sizeof bytes) != 0) {
    // No entropy source: the address of a local and the time still vary between tries.
    const uint64_t v = reinterpret_cast<uintptr_t>(&bytes) ^ static_cast<uint64_t>(::time(nullptr));
    std::memcpy(bytes, &v, sizeof bytes);
  }
  std::string s;
  for (unsigned char b : bytes) s += kLetters[b % (sizeof kLetters - 1)];
  return s;
}

// `fail(errno)` throws.
template <class OnError>
void WriteAll(int fd, std::initializer_list<std::string_view> pieces, const OnError& fail) {
  for (std::string_view contents : pieces) {
    for (size_t off = 0; off < contents.size();) {
      const ssize_t n = ::write(fd, contents.data() + off, contents.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        fail(errno);
      }
      off += static_cast<size_t>(n);
    }
  }
}

// FIFOs and character devices (a pipe, /dev/stdout, /dev/null) cannot be replaced by a rename,
// and are what the user asked to write into.
void WriteStream(int dir_fd, const std::string& name, const std::string& path,
                 std::initializer_list<std::string_view> pieces) {
  const Fd fd(::openat(dir_fd, name.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC));
  if (fd.fd < 0) Fail("write", path, errno);
  WriteAll(fd.fd, pieces, [&](int err) { Fail("write", path, err); });
}

}  // namespace

std::string ReadRest(int fd, const std::string& path, size_t max_bytes) {
  std::string data;
  char buf[1 << 16];
  for (;;) {
    const size_t want = std::min(sizeof buf, max_bytes - data.size());
    if (want == 0) return data;
    const ssize_t n = ::read(fd, buf, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      Fail("read", path, errno);
    }
    if (n == 0) return data;
    data.append(buf, static_cast<size_t>(n));
  }
}

std::string ReadFile(const std::string& path) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.fd < 0) Fail("read", path, errno);
  struct stat st;
  if (::fstat(fd.fd, &st) == 0 && S_ISDIR(st.st_mode)) Fail("read", path, EISDIR);
  return ReadRest(fd.fd, path);
}

void WriteFileAtomically(const std::string& path, std::string_view contents) {
  WriteFileAtomically(path, {contents});
}

void WriteFileAtomically(const std::string& path, std::initializer_list<std::string_view> pieces) {
  std::string dir, name;
  SplitPath(path, &dir, &name);
  // Everything below is relative to this descriptor, so a directory renamed meanwhile cannot
  // send the temporary file and the rename to two different places.
  const Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.fd < 0) Fail("write", path, errno);

  // What the name leads to now (through a link): a directory is an error before any work; a
  // stream is written into; an old file lends its permissions to the new one.
  mode_t mode = 0666 & ~CurrentUmask();
  struct stat st;
  if (::fstatat(dir_fd.fd, name.c_str(), &st, 0) == 0) {
    if (S_ISDIR(st.st_mode)) Fail("write", path, EISDIR);
    if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))
      return WriteStream(dir_fd.fd, name, path, pieces);
    if (!S_ISREG(st.st_mode)) {
      throw Error("cannot write " + path + ": it exists and is not a regular file");
    }
    mode = st.st_mode & 0777;
  }

  // NAME_MAX is 255: a long name is shortened in the temporary one.
  const std::string stem = name.substr(0, 200) + ".tmp.";
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    tmp = stem + RandomSuffix();
    fd = ::openat(dir_fd.fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);
    if (fd < 0 && (errno != EEXIST || attempt == 100)) Fail("write", path, errno);
  }
  const auto abandon = [&](int err) {
    ::close(fd);
    ::unlinkat(dir_fd.fd, tmp.c_str(), 0);
    Fail("write", path, err);
  };
  if (::fchmod(fd, mode) != 0) abandon(errno);
  WriteAll(fd, pieces, abandon);
  // Data on disk before the name points at it: after a crash the name holds the old file or
  // the whole new one.
  if (::fsync(fd) != 0) abandon(errno);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlinkat(dir_fd.fd, tmp.c_str(), 0);
    Fail("write", path, err);
  }
  if (::renameat(dir_fd.fd, tmp.c_str(), dir_fd.fd, name.c_str()) != 0) {
    const int err = errno;
    ::unlinkat(dir_fd.fd, tmp.c_str(), 0);
    Fail("write", path, err);
  }
  // The rename itself is durable once the directory is (some file systems cannot fsync one).
  if (::fsync(dir_fd.fd) != 0 && errno != EINVAL) Fail("write", path, errno);
}

StagedDirectory::StagedDirectory(const std::string& out, std::vector<std::string> replaceable)
    : out_(out), replaceable_(std::move(replaceable)) {
  fs::path p = fs::path(out).lexically_normal();
  if (!p.has_filename() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();
  // OUT as a link to a directory: the directory is what gets replaced, and the link stays.
  std::error_code ec;
  if (fs::is_symlink(p, ec) && fs::is_directory(p, ec)) p = fs::canonical(p, ec);
  name_ = p.filename().string();
  if (name_.empty() || name_ == "." || name_ == "..") {
    throw Error("cannot write " + out + ": name the output directory (not '.', '..' or '/')");
  }
  parent_ = p.has_parent_path() ? p.parent_path().string() : std::string(1, '.');
  CheckReplaceable(out_);

  // Missing parents are made now (the staging directory goes beside `out`), and removed again
  // if nothing is published.
  std::vector<fs::path> missing;
  for (fs::path d = parent_; !d.empty() && d != d.root_path(); d = d.parent_path()) {
    struct stat st;
    if (::stat(d.c_str(), &st) == 0) break;
    if (errno != ENOENT) Fail("write", out_, errno);
    missing.push_back(d);
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0777) != 0) {
      const int err = errno;
      for (const std::string& made : created_parents_) ::rmdir(made.c_str());
      Fail("write", out_, err);
    }
    created_parents_.insert(created_parents_.begin(), it->string());
  }
  std::string hidden(1, '.');
  hidden.append(name_, 0, 200).append(".activ-XXXXXX");
  std::string tmpl = (fs::path(parent_) / hidden).string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    const int err = errno;
    for (const std::string& made : created_parents_) ::rmdir(made.c_str());
    Fail("write", out_, err);
  }
  stage_ = tmpl;
}

StagedDirectory::~StagedDirectory() {
  if (published_) return;
  std::error_code ec;
  fs::remove_all(stage_, ec);  // private (0700) and ours: nothing else can be in it
  for (const std::string& made : created_parents_) ::rmdir(made.c_str());  // only when empty
}

bool StagedDirectory::Replaceable(int dir_fd, const std::string& name) const {
  // A name this program writes counts only as a regular file (not a directory of that name).
  struct stat st;
  return std::any_of(
             replaceable_.begin(), replaceable_.end(),
             [&](const std::string& p) { return ::fnmatch(p.c_str(), name.c_str(), 0) == 0; }) &&
         ::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

void StagedDirectory::CheckReplaceable(const std::string& dir) const {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    Fail("write", out_, errno);
  }
  if (!S_ISDIR(st.st_mode)) Fail("write", out_, ENOTDIR);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) Fail("write", out_, errno);
  std::vector<std::string> foreign;
  while (const dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    if (!Replaceable(::dirfd(d), n)) foreign.push_back(n);
  }
  ::closedir(d);
  if (foreign.empty()) return;
  std::sort(foreign.begin(), foreign.end());
  std::string list;
  for (size_t i = 0; i < foreign.size() && i < 5; ++i) list += (i ? ", " : "") + foreign[i];
  if (foreign.size() > 5) list += ", ... (" + std::to_string(foreign.size()) + " in all)";
  throw Error("cannot write " + out_ + ": it holds files this program did not write (" + list +
              "); give a new or an empty directory");
}

void StagedDirectory::Publish() {
  if (published_) return;
  const Fd parent_fd(::open(parent_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (parent_fd.fd < 0) Fail("write", out_, errno);
  const std::string stage_name = fs::path(stage_).filename().string();
  // The run's directory gets the permissions of the one it replaces, else the usual ones
  // (mkdtemp made it 0700).
  struct stat st;
  const bool exists = ::fstatat(parent_fd.fd, name_.c_str(), &st, 0) == 0;
  const mode_t mode = exists && S_ISDIR(st.st_mode) ? st.st_mode & 07777 : 0777 & ~CurrentUmask();
  if (::fchmodat(parent_fd.fd, stage_name.c_str(), mode, 0) != 0) Fail("write", out_, errno);
  CheckReplaceable(out_);  // again: it may have changed while the run was written

  bool replaced = false;
  if (::renameat2(parent_fd.fd, stage_name.c_str(), parent_fd.fd, name_.c_str(),
                  RENAME_NOREPLACE) != 0) {
    const int err = errno;
    if (err != EEXIST && err != EINVAL && err != ENOSYS) Fail("write", out_, err);
    if (err != EEXIST && !exists) {
      // No renameat2 here (an old kernel, some FUSE file systems); nothing to replace either.
      if (::renameat(parent_fd.fd, stage_name.c_str(), parent_fd.fd, name_.c_str()) != 0) {
        Fail("write", out_, errno);
      }
    } else if (::renameat2(parent_fd.fd, stage_name.c_str(), parent_fd.fd, name_.c_str(),
                           RENAME_EXCHANGE) == 0) {
      replaced = true;  // the old directory is now at stage_name
    } else if (errno == EINVAL || errno == ENOSYS) {
      // Without an exchange: the old directory aside, the new one in, the old one removed. A
      // crash between the two renames leaves the old one whole under the aside name.
      const std::string aside = stage_name + ".old";
      if (::renameat(parent_fd.fd, name_.c_str(), parent_fd.fd, aside.c_str()) != 0) {
        Fail("write", out_, errno);
      }
      if (::renameat(parent_fd.fd, stage_name.c_str(), parent_fd.fd, name_.c_str()) != 0) {
        const int e = errno;
        ::renameat(parent_fd.fd, aside.c_str(), parent_fd.fd, name_.c_str());
        Fail("write", out_, e);
      }
      if (::renameat(parent_fd.fd, aside.c_str(), parent_fd.fd, stage_name.c_str()) == 0) {
        replaced = true;
      }
    } else {
      Fail("write", out_, errno);
    }
  }
  published_ = true;
  if (replaced) {
    // Only what this program wrote; anything that appeared since keeps the directory, which
    // then stays beside `out` under the staging name rather than losing a file.
    const int old_fd =
        ::openat(parent_fd.fd, stage_name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (DIR* d = old_fd >= 0 ? ::fdopendir(old_fd) : nullptr) {
      std::vector<std::string> names;
      while (const dirent* e = ::readdir(d)) names.push_back(e->d_name);
      for (const std::string& n : names) {
        if (n != "." && n != ".." && Replaceable(::dirfd(d), n))
          ::unlinkat(::dirfd(d), n.c_str(), 0);
      }
      ::closedir(d);
    } else if (old_fd >= 0) {
      ::close(old_fd);
    }
    ::unlinkat(parent_fd.fd, stage_name.c_str(), AT_REMOVEDIR);
  }
  ::fsync(parent_fd.fd);
}

}  // namespace activ::io
