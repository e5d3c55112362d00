#include "npy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>
#include <optional>

#include "activ/activ.h"
#include "io/files.h"

namespace activ::npy {
namespace {

// The data is copied as it lies in the file; a big-endian host would need byte swaps.
static_assert(std::endian::native == std::endian::little, "the .npy code assumes little-endian");

constexpr std::string_view kMagic = "\x93NUMPY";
// Magic (6), version (2), header length (2 in version 1.0, 4 in 2.0 and 3.0).
constexpr size_t kPrefixV1 = 10, kPrefixV2 = 12;

size_t ItemSize(DType d) { return d == DType::kFloat32 ? 4 : 8; }

[[noreturn]] void Fail(std::string_view name, const std::string& problem) {
  throw Error(std::string(name) + ": " + problem);
}

std::string Quote(std::string_view s) {
  std::string out = "'";
  for (char c : s.substr(0, 40)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 40) out += "...";
  return out + "'";
}

// A parser of the one Python literal the header holds: a dict of strings, booleans and tuples
// of integers. Anything else is reported with its position in the header.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::string_view name) : s_(text), name_(name) {}

  Header Parse() {
    std::optional<std::string> descr;
    std::optional<bool> fortran;
    std::optional<std::vector<uint64_t>> shape;
    Expect('{');
    for (;;) {
      SkipSpace();
      if (Peek() == '}') {
        ++pos_;
        break;
      }
      const std::string key = String();
      Expect(':');
      SkipSpace();
      if (key == "descr") {
        if (descr) Error("the key 'descr' appears twice");
        if (Peek() == '[') Fail(name_, "structured dtypes (a list of fields) are not supported");
        descr = String();
      } else if (key == "fortran_order") {
        if (fortran) Error("the key 'fortran_order' appears twice");
        fortran = Bool();
      } else if (key == "shape") {
        if (shape) Error("the key 'shape' appears twice");
        shape = Tuple();
      } else {
        Error("unexpected key " + Quote(key) + " (a .npy header has descr, fortran_order, shape)");
      }
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
      } else if (Peek() != '}') {
        Error("expected ',' or '}'");
      }
    }
    SkipSpace();
    if (pos_ != s_.size()) Error("unexpected text after the dictionary");
    if (!descr) Fail(name_, "malformed .npy header: the key 'descr' is missing");
    if (!fortran) Fail(name_, "malformed .npy header: the key 'fortran_order' is missing");
    if (!shape) Fail(name_, "malformed .npy header: the key 'shape' is missing");

    Header h;
    h.dtype = ParseDescr(*descr);
    h.shape = *shape;
    // One dimension or none: Fortran and C order are the same bytes.
    if (*fortran && h.shape.size() > 1) {
      Fail(name_,
           "Fortran-order arrays are not supported; save a C-order copy "
           "(np.save(f, np.ascontiguousarray(a)))");
    }
    return h;
  }

 private:
  [[noreturn]] void Error(const std::string& problem) {
    Fail(name_, "malformed .npy header at character " + std::to_string(pos_) + ": " + problem);
  }
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void SkipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  void Expect(char c) {
    SkipSpace();
    if (Peek() != c) Error(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string String() {
    SkipSpace();
    const char quote = Peek();
    if (quote != '\'' && quote != '"') Error("expected a quoted string");
    const size_t start = ++pos_;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      if (s_[pos_] == '\\') Error("escapes in strings are not supported");
      ++pos_;
    }
    if (pos_ >= s_.size()) Error("unterminated string");
    return std::string(s_.substr(start, pos_++ - start));
  }
  bool Bool() {
    for (auto [word, value] : {std::pair{std::string_view("True"), true}, {"False", false}}) {
      if (s_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        return value;
      }
    }
    Error("expected True or False");
  }
  std::vector<uint64_t> Tuple() {
    std::vector<uint64_t> dims;
    Expect('(');
    for (;;) {
      SkipSpace();
      if (Peek() == ')') {
        ++pos_;
        return dims;
      }
      if (Peek() < '0' || Peek() > '9') Error("expected a non-negative integer in the shape");
      uint64_t v = 0;
      while (Peek() >= '0' && Peek() <= '9') {
        const uint64_t digit = static_cast<uint64_t>(Peek() - '0');
        if (v > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
          Error("a dimension of the shape is too large");
        }
        v = v * 10 + digit;
        ++pos_;
      }
      if (Peek() == 'L') ++pos_;  // Python 2 wrote long integers as 3L
      dims.push_back(v);
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
      } else if (Peek() != ')') {
        Error("expected ',' or ')' in the shape");
      }
      if (dims.size() > 64) Error("more than 64 dimensions");
    }
  }

  DType ParseDescr(const std::string& d) {
    if (d == "<f4" || d == "=f4") return DType::kFloat32;
    if (d == "<f8" || d == "=f8") return DType::kFloat64;
    if (d == ">f4" || d == ">f8") {
      Fail(name_, "big-endian data (dtype " + Quote(d) +
                      ") is not supported; convert with a.astype(a.dtype.newbyteorder('<'))");
    }
    if (d.find('O') != std::string::npos) {
      Fail(name_, "object arrays (dtype " + Quote(d) + ") are not supported");
    }
    Fail(name_, "dtype " + Quote(d) + " is not supported: activ reads float32 ('<f4') and " +
                    "float64 ('<f8')");
  }

  std::string_view s_;
  std::string_view name_;
  size_t pos_ = 0;
};

uint32_t ReadLE(std::string_view b, size_t at, size_t bytes) {
  uint32_t v = 0;
  for (size_t i = 0; i < bytes; ++i)
    v |= static_cast<uint32_t>(static_cast<uint8_t>(b[at + i])) << (8 * i);
  return v;
}

// The number of bytes of magic, version and length field, from the first 8 bytes.
size_t PrefixSize(std::string_view bytes, std::string_view name) {
  if (bytes.size() < 8 || bytes.substr(0, 6) != kMagic) {
    if (bytes.size() >= 6 && bytes.substr(0, 6) != kMagic) {
      Fail(name, "not a .npy file (it does not start with \\x93NUMPY)");
    }
    Fail(name, "not a .npy file (" + std::to_string(bytes.size()) + " bytes, too short)");
  }
  const int major = static_cast<uint8_t>(bytes[6]), minor = static_cast<uint8_t>(bytes[7]);
  if (minor != 0 || major < 1 || major > 3) {
    Fail(name, "unsupported .npy format version " + std::to_string(major) + "." +
                   std::to_string(minor) + " (1.0, 2.0 and 3.0 are read)");
  }
  return major == 1 ? kPrefixV1 : kPrefixV2;
}

// The header's length as its length field declares it.
size_t DeclaredHeaderLength(std::string_view bytes, size_t prefix) {
  return ReadLE(bytes, 8, prefix - 8);
}

std::string TruncatedData(const Header& h, uint64_t have) {
  return "truncated data: the shape needs " + std::to_string(h.data_bytes) +
         " bytes, the file has " + std::to_string(have);
}

std::string TrailingData(const Header& h, uint64_t have) {
  return std::to_string(have - h.data_bytes) + " bytes after the " + std::to_string(h.data_bytes) +
         " bytes of data the shape declares (corrupt or not a single array)";
}

void FillData(Array& a, const char* data) {
  const uint64_t n = a.count();
  if (n == 0) return;  // an empty vector's data() may be null, which memcpy must not see
  if (a.dtype == DType::kFloat32) {
    a.f32.resize(n);
    std::memcpy(a.f32.data(), data, n * 4);
  } else {
    a.f64.resize(n);
    std::memcpy(a.f64.data(), data, n * 8);
  }
}

}  // namespace

std::string_view DTypeName(DType dtype) { return dtype == DType::kFloat32 ? "float32" : "float64"; }

DType DTypeFromName(std::string_view n) {
  if (n == "float32" || n == "f32") return DType::kFloat32;
  if (n == "float64" || n == "f64") return DType::kFloat64;
  throw Error("unknown dtype '" + std::string(n) + "' (float32 or float64)");
}

uint64_t Array::count() const {
  uint64_t n = 1;
  for (uint64_t d : shape) n *= d;
  return n;
}

Header ParseHeader(std::string_view bytes, std::string_view name) {
  const size_t prefix = PrefixSize(bytes, name);
  if (bytes.size() < prefix) Fail(name, "truncated header: the file ends inside the length field");
  const size_t length = DeclaredHeaderLength(bytes, prefix);
  if (bytes.size() - prefix < length) {
    Fail(name, "truncated header: it declares " + std::to_string(length) + " bytes, the file has " +
                   std::to_string(bytes.size() - prefix));
  }
  Header h = HeaderParser(bytes.substr(prefix, length), name).Parse();
  h.major_version = static_cast<uint8_t>(bytes[6]);
  h.data_offset = prefix + length;
  // The byte count must fit in memory's address space; check before multiplying overflows.
  const uint64_t limit = uint64_t{1} << 62;
  uint64_t bytes_needed = ItemSize(h.dtype);
  for (uint64_t d : h.shape) {
    if (d != 0 && bytes_needed > limit / d) Fail(name, "the shape is too large to hold in memory");
    bytes_needed *= d;
  }
  bool empty = false;
  for (uint64_t d : h.shape) empty |= d == 0;
  h.data_bytes = empty ? 0 : bytes_needed;
  return h;
}

Array Parse(std::string_view bytes, std::string_view name) {
  const Header h = ParseHeader(bytes, name);
  const uint64_t have = bytes.size() - h.data_offset;
  if (have < h.data_bytes) Fail(name, TruncatedData(h, have));
  if (have > h.data_bytes) Fail(name, TrailingData(h, have));
  Array a;
  a.dtype = h.dtype;
  a.shape = h.shape;
  FillData(a, bytes.data() + h.data_offset);
  return a;
}

Array Read(const std::string& path) {
  struct Fd {
    int fd;
    ~Fd() {
      if (fd >= 0) ::close(fd);
    }
  } file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) throw Error("cannot read " + path + ": " + std::strerror(errno));
  struct stat st;
  if (::fstat(file.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    // Pipes and devices, which have no size to check: the prefix, the header it declares, then
    // the data the header declares and one byte more, to tell whether there is more. A stream
    // that goes on (/dev/zero, a writer that never stops) is not read into memory.
    if (::fstat(file.fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      throw Error("cannot read " + path + ": " + std::strerror(EISDIR));
    }
    std::string bytes = io::ReadRest(file.fd, path, kPrefixV1);
    const size_t prefix = PrefixSize(bytes, path);
    bytes += io::ReadRest(file.fd, path, prefix - bytes.size());
    if (bytes.size() == prefix) {
      bytes += io::ReadRest(file.fd, path, DeclaredHeaderLength(bytes, prefix));
    }
    const Header h = ParseHeader(bytes, path);
    bytes += io::ReadRest(file.fd, path, h.data_bytes + 1);
    if (bytes.size() - h.data_offset > h.data_bytes) {
      Fail(path, "more bytes after the " + std::to_string(h.data_bytes) +
                     " bytes of data the shape declares (corrupt or not a single array)");
    }
    return Parse(bytes, path);
  }
  // A regular file is read in two steps, so that the data goes straight into its vector and a
  // header that declares more than the file holds is refused before anything is allocated.
  auto read_exact = [&](char* to, size_t n) {
    for (size_t off = 0; off < n;) {
      const ssize_t r = ::read(file.fd, to + off, n - off);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) throw Error("cannot read " + path + ": " + std::strerror(errno));
      if (r == 0) throw Error("cannot read " + path + ": the file shrank while it was read");
      off += static_cast<size_t>(r);
    }
  };
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  std::string head(std::min<uint64_t>(size, kPrefixV2), '\0');
  read_exact(head.data(), head.size());
  const size_t prefix = PrefixSize(head, path);
  if (head.size() >= prefix) {
    const size_t length = DeclaredHeaderLength(head, prefix);
    const size_t already = head.size();
    if (length <= size - prefix && prefix + length > already) {
      head.resize(prefix + length);
      read_exact(head.data() + already, head.size() - already);
    }
  }
  // When the header parses, all of it is in `head`, which may also hold a few bytes of data.
  const Header h = ParseHeader(head, path);
  const uint64_t have = size - h.data_offset;
  if (have < h.data_bytes) Fail(path, TruncatedData(h, have));
  if (have > h.data_bytes) Fail(path, TrailingData(h, have));
  Array a;
  a.dtype = h.dtype;
  a.shape = h.shape;
  char* to;
  if (a.dtype == DType::kFloat32) {
    a.f32.resize(a.count());
    to = reinterpret_cast<char*>(a.f32.data());
  } else {
    a.f64.resize(a.count());
    to = reinterpret_cast<char*>(a.f64.data());
  }
  // Empty arrays have no data and `to` may be null: no copy then.
  const size_t already = head.size() - h.data_offset;
  if (already > 0) std::memcpy(to, head.data() + h.data_offset, already);
  if (h.data_bytes > already) read_exact(to + already, h.data_bytes - already);
  return a;
}

namespace {

std::string_view Data(const Array& a) {
  const uint64_t n = a.count();
  const size_t have = a.dtype == DType::kFloat32 ? a.f32.size() : a.f64.size();
  if (have != n) {
    throw Error("npy: the array holds " + std::to_string(have) + " elements, its shape " +
                std::to_string(n));
  }
  const char* data = a.dtype == DType::kFloat32 ? reinterpret_cast<const char*>(a.f32.data())
                                                : reinterpret_cast<const char*>(a.f64.data());
  return std::string_view(data, n * ItemSize(a.dtype));
}

std::string HeaderBytes(const Array& a) {
  std::string dict = std::string("{'descr': '") + (a.dtype == DType::kFloat32 ? "<f4" : "<f8") +
                     "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < a.shape.size(); ++i) {
    dict += (i ? ", " : "") + std::to_string(a.shape[i]);
  }
  dict += a.shape.size() == 1 ? ",), }" : "), }";
  // The header is padded with spaces and ends in a newline, so that the data starts on a
  // 64-byte boundary (numpy's choice, good for memory mapping).
  auto padded = [&](size_t prefix) {
    const size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
    return total - prefix;
  };
  const bool v1 = padded(kPrefixV1) <= 0xffff;
  const size_t prefix = v1 ? kPrefixV1 : kPrefixV2;
  const size_t length = padded(prefix);
  std::string out(kMagic);
  out += static_cast<char>(v1 ? 1 : 2);
  out += '\0';
  for (size_t i = 0; i < prefix - 8; ++i) out += static_cast<char>((length >> (8 * i)) & 0xff);
  out += dict;
  out.append(length - dict.size() - 1, ' ');
  out += '\n';
  return out;
}

}  // namespace

std::string Serialize(const Array& a) {
  const std::string_view data = Data(a);
  return HeaderBytes(a) + std::string(data);
}

void Write(const std::string& path, const Array& a) {
  const std::string_view data = Data(a);
  io::WriteFileAtomically(path, {HeaderBytes(a), data});
}

Array Convert(const Array& a, DType dtype) {
  if (a.dtype == dtype) return a;
  Array out;
  out.dtype = dtype;
  out.shape = a.shape;
  if (dtype == DType::kFloat32) {
    out.f32.reserve(a.f64.size());
    for (double v : a.f64) out.f32.push_back(static_cast<float>(v));
  } else {
    out.f64.assign(a.f32.begin(), a.f32.end());
  }
  return out;
}

}  // namespace activ::npy
