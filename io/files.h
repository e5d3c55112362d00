// Whole-file reads (gzip-compressed files decompressed as they are read, within a limit) and
// all-or-nothing writes, with one-line errors that name the file. Shared by the lab, the command
// line and the tools (the one place where files are written).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

struct gzFile_s;

namespace activ::io {

inline constexpr size_t kNoLimit = SIZE_MAX;

// Throws activ::Error "cannot read PATH: REASON".
std::string ReadFile(const std::string& path);
// The rest of an open file (a pipe, say), up to its end or `max_bytes`, whichever comes first;
// `path` names it in errors. Memory grows with what arrives, never to max_bytes at once.
std::string ReadRest(int fd, const std::string& path, size_t max_bytes = kNoLimit);

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
  gzFile_s* gz_ = nullptr;  // zlib's gzFile
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

// Writes `contents` to `path` so that readers see the old file or the new one, never a part:
// a temporary file is created beside `path` (O_CREAT|O_EXCL with a random name, so a planted
// link is never followed), given the old file's permissions (else 0666 less the umask) with
// fchmod, written, fsync'ed, renamed over `path` (which replaces a symbolic link rather than
// writing through it), and the directory is fsync'ed. A path that is a FIFO or a character
// device (/dev/stdout, /dev/null) is written into as a stream instead. Throws activ::Error
// "cannot write PATH: REASON" (a directory: "Is a directory") and leaves no temporary file.
void WriteFileAtomically(const std::string& path, std::string_view contents);
// The same with the contents in pieces, written one after the other.
void WriteFileAtomically(const std::string& path, std::initializer_list<std::string_view> pieces);

// A directory written in full before it appears: the constructor creates a fresh, private
// directory beside `out` (in its parent, whose missing parents it creates); Publish() renames it
// to `out` in one step. `out` itself is created only then. An existing `out` may hold only
// regular files whose names match `replaceable` (fnmatch patterns for what an earlier run wrote:
// "log.jsonl", "plot-*.svg"); it keeps all of them until Publish()
// exchanges it with the new directory in one rename (renameat2 RENAME_EXCHANGE) and then
// removes them. Anything else in `out` is refused up front: "cannot write OUT: it holds files
// this program did not write (NAME, ...); give a new or an empty directory". Without Publish(),
// the destructor removes the staging directory and the parents the constructor created.
class StagedDirectory {
 public:
  StagedDirectory(const std::string& out, std::vector<std::string> replaceable);
  ~StagedDirectory();
  StagedDirectory(const StagedDirectory&) = delete;
  StagedDirectory& operator=(const StagedDirectory&) = delete;

  // Where to write; it is removed (with the files in it) unless published.
  const std::string& path() const { return stage_; }
  const std::string& out() const { return out_; }
  // Throws activ::Error "cannot write OUT: REASON"; then `out` is as it was.
  void Publish();

 private:
  // Throws unless `dir` is missing, or a directory holding only replaceable names.
  void CheckReplaceable(const std::string& dir) const;
  // A regular file (in the directory `dir_fd`) whose name matches a replaceable pattern.
  bool Replaceable(int dir_fd, const std::string& name) const;

  std::string out_, parent_, name_, stage_;
  std::vector<std::string> replaceable_;
  std::vector<std::string> created_parents_;  // deepest first
  bool published_ = false;
};

}  // namespace activ::io
