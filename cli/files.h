// Whole-file reads and all-or-nothing writes, with one-line errors that name the file.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace activ::io {

// Throws activ::Error "cannot read PATH: REASON".
std::string ReadFile(const std::string& path);
// The rest of an open file (a pipe, say), up to its end; `path` names it in errors.
std::string ReadRest(int fd, const std::string& path);

// Writes `contents` to a temporary file in the directory of `path`, then renames it over `path`:
// readers see the old file or the new one, never a part. Throws activ::Error "cannot write
// PATH: REASON" and leaves no temporary file behind.
void WriteFileAtomically(const std::string& path, std::string_view contents);
// The same with the contents in pieces, written one after the other.
void WriteFileAtomically(const std::string& path, std::initializer_list<std::string_view> pieces);

}  // namespace activ::io
