// File helpers shared by the loaders, the checkpoints and the logs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lab {

// The whole file, decompressed when it is gzip (zlib reads plain files unchanged). Throws
// activ::Error naming the file when it cannot be opened or its gzip stream is corrupt.
std::vector<uint8_t> ReadAllBytes(const std::string& path);
bool IsGzip(const std::string& path);
// Writes to path.tmp.<pid> and renames it over path, so that a reader (or a crash) never sees
// a half-written file.
void WriteFileAtomically(const std::string& path, std::string_view content);
// Creates the directory and its parents; throws activ::Error when that fails.
void MakeDirectories(const std::string& path);

}  // namespace lab
