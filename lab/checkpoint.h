// Checkpoints: a trained network with its input scaling and, for resuming, the training state.
//
// Format (version 1), little-endian:
//   8 bytes  "ACTIVLAB"
//   u32      format version (1)
//   u64      length of the JSON header in bytes
//   JSON     {"network": {inputs, outputs, head, hidden: [{units, activation, batchnorm,
//             dropout}]}, "scaler": {kind, features}, "meta": {...}, "state": {...} or null,
//             "arrays": {"network": [sizes], "best": [sizes], "optimizer": [sizes]}}
//   float32  the arrays, in that order: the network's State() (parameters, then batch norm
//            running statistics), the scaler's offsets and scales, the best network's state
//            (when the run kept a better one than the current), the optimizer's buffers
//   u32      CRC-32 (zlib) of every byte before it
// Written to a temporary file and renamed, so a crash never leaves a half-written checkpoint.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lab/data.h"
#include "lab/network.h"

namespace lab {

inline constexpr uint32_t kCheckpointVersion = 1;

// What a resumed run needs besides the network.
struct TrainState {
  size_t epoch = 0;  // epochs completed
  uint64_t optimizer_steps = 0;
  std::string optimizer;
  double best_metric = 0;  // best validation accuracy (or -loss) so far
  size_t best_epoch = 0, since_best = 0;
  double best_train_loss = 0;  // scikit-learn's stopping rule
  size_t no_improvement = 0;
  double elapsed_seconds = 0;
  std::vector<std::vector<float>> best;  // the best network's State(); empty: the current
  std::vector<std::vector<float>> optimizer_buffers;
};

struct Checkpoint {
  NetworkSpec spec;
  Scaler scaler;
  nlohmann::json meta;                      // activation, seed, dataset, classes, ... (free-form)
  std::vector<std::vector<float>> network;  // Network::State() order
  std::optional<TrainState> state;
};

void SaveCheckpoint(const std::string& path, Network& net, const Scaler& scaler,
                    const nlohmann::json& meta, const TrainState* state);
// Throws activ::Error naming the file: not a checkpoint (wrong magic), another version,
// truncated, checksum mismatch, inconsistent header.
Checkpoint LoadCheckpoint(const std::string& path);
// Copies arrays into a network of the same shape; a different shape is refused with a message
// that names both.
void LoadState(Network& net, const std::vector<std::vector<float>>& arrays,
               const NetworkSpec& saved, const std::string& path);
// A network built from the checkpoint, with its best weights when it holds a better one.
Network NetworkFrom(const Checkpoint& c, const std::string& path, bool best = true);

}  // namespace lab
