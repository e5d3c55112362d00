#include "lab/checkpoint.h"

#include <zlib.h>

#include <cstring>
#include <limits>

#include "io/files.h"

namespace lab {

using activ::io::HalfOfMemory;
using activ::io::InputFile;
using activ::io::WriteFileAtomically;

using activ::Error;
using nlohmann::json;

namespace {

constexpr char kMagic[8] = {'A', 'C', 'T', 'I', 'V', 'L', 'A', 'B'};

// A count in the header must be a non-negative integer: nlohmann's get<size_t>() would also take
// -1 (wrapping to 2^64-1) and 1e300 (a conversion with undefined behaviour). LoadCheckpoint
// turns BadCount into an activ::Error naming the file.
struct BadCount {
  std::string text;
};
size_t Count(const json& j) {
  if (!j.is_number_unsigned()) throw BadCount{j.dump()};
  return j.get<size_t>();
}

json SpecToJson(const NetworkSpec& s) {
  json hidden = json::array();
  for (const LayerSpec& l : s.hidden) {
    hidden.push_back({{"units", l.units},
                      {"activation", l.act.label},
                      {"batchnorm", l.batchnorm},
                      {"dropout", l.dropout}});
  }
  return {{"inputs", s.inputs},
          {"outputs", s.outputs},
          {"head", std::string(HeadName(s.head))},
          {"hidden", hidden}};
}

NetworkSpec SpecFromJson(const json& j) {
  NetworkSpec s;
  s.inputs = Count(j.at("inputs"));
  s.outputs = Count(j.at("outputs"));
  s.head = HeadFromName(j.at("head").get<std::string>());
  for (const json& l : j.at("hidden")) {
    LayerSpec ls;
    ls.units = Count(l.at("units"));
    ls.act = ParseActivation(l.at("activation").get<std::string>());
    ls.batchnorm = l.at("batchnorm").get<bool>();
    ls.dropout = l.at("dropout").get<double>();
    s.hidden.push_back(ls);
  }
  return s;
}

// The shape that must match for weights to be loaded: sizes, activations, gating, batch norm.
std::string Shape(const NetworkSpec& s) {
  std::string out = s.Describe();
  for (const LayerSpec& l : s.hidden) {
    if (l.batchnorm) {
      out += " batchnorm";
      break;
    }
  }
  return out + " (" + std::string(HeadName(s.head)) + ")";
}

json Sizes(const std::vector<std::vector<float>>& arrays) {
  json j = json::array();
  for (const auto& a : arrays) j.push_back(a.size());
  return j;
}

template <typename T>
void Put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

void PutArray(std::string& out, const std::vector<float>& a) {
  out.append(reinterpret_cast<const char*>(a.data()), a.size() * sizeof(float));
}

// A header that parses can still describe a network its arrays do not fit, or classes its
// head cannot output; both would reach out of bounds later (Predict's loss reads `classes`
// labels from `outputs` values). The network's weights alone must fit in the arrays it lists,
// which bounds what building the network allocates by the file's size.
void CheckConsistent(const Checkpoint& c, const std::string& where) {
  const NetworkSpec& s = c.spec;
  if (s.head == Head::kAuto) {
    throw Error(where +
                "inconsistent header: the output head is 'auto'; a checkpoint names the "
                "head it was trained with");
  }
  size_t weights = 0, in = s.inputs, stored = 0;
  bool overflow = false;
  auto add_layer = [&](size_t units, size_t parts) {
    size_t w;
    overflow |= __builtin_mul_overflow(units, parts, &w) || __builtin_mul_overflow(w, in, &w) ||
                __builtin_add_overflow(weights, w, &weights);
    in = units;
  };
  for (const LayerSpec& l : s.hidden) add_layer(l.units, l.act.gated ? 2 : 1);
  add_layer(s.outputs, 1);
  for (const auto& a : c.network) stored += a.size();  // each array is in the file: no overflow
  if (overflow || weights > stored) {
    throw Error(where + "inconsistent header: a " + Shape(s) + " network has " +
                (overflow ? std::string("more weights than size_t counts")
                          : std::to_string(weights) + " weights") +
                ", the checkpoint's arrays hold " + std::to_string(stored) + " values");
  }
  if (!c.meta.is_object()) throw Error(where + "bad checkpoint header: meta is not an object");
  size_t classes = 0;
  if (c.meta.contains("classes")) {
    const json& k = c.meta["classes"];
    if (!k.is_number_unsigned()) {
      throw Error(where + "bad checkpoint header: meta.classes is not a count: " + k.dump());
    }
    classes = k.get<size_t>();
  }
  const bool fits = s.head == Head::kSoftmaxCrossEntropy ? classes >= 2 && classes == s.outputs
                    : s.head == Head::kSigmoidBinaryCrossEntropy ? classes == 2 && s.outputs == 1
                                                                 : classes == 0;
  if (!fits) {
    throw Error(where + "inconsistent header: " + std::to_string(classes) + " classes (meta) for " +
                std::to_string(s.outputs) + " outputs with the " + std::string(HeadName(s.head)) +
                " head");
  }
}

}  // namespace

void SaveCheckpoint(const std::string& path, Network& net, const Scaler& scaler, const json& meta,
                    const TrainState* state) {
  std::vector<std::vector<float>> network;
  for (const auto* a : net.State()) network.push_back(*a);
  json header;
  header["format"] = "activ-lab-checkpoint";
  header["network"] = SpecToJson(net.spec());
  header["scaler"] = {{"kind", std::string(ScalingName(scaler.kind))},
                      {"features", scaler.offset.size()}};
  header["meta"] = meta;
  header["arrays"]["network"] = Sizes(network);
  header["arrays"]["best"] = state ? Sizes(state->best) : json::array();
  header["arrays"]["optimizer"] = state ? Sizes(state->optimizer_buffers) : json::array();
  if (state) {
    header["state"] = {{"epoch", state->epoch},
                       {"optimizer_steps", state->optimizer_steps},
                       {"optimizer", state->optimizer},
                       {"best_metric", state->best_metric},
                       {"best_epoch", state->best_epoch},
                       {"since_best", state->since_best},
                       {"best_train_loss", state->best_train_loss},
                       {"no_improvement", state->no_improvement},
                       {"elapsed_seconds", state->elapsed_seconds}};
  } else {
    header["state"] = nullptr;
  }
  const std::string text = header.dump();
  std::string out(kMagic, sizeof kMagic);
  Put<uint32_t>(out, kCheckpointVersion);
  Put<uint64_t>(out, text.size());
  out += text;
  for (const auto& a : network) PutArray(out, a);
  PutArray(out, scaler.offset);
  PutArray(out, scaler.scale);
  if (state) {
    for (const auto& a : state->best) PutArray(out, a);
    for (const auto& a : state->optimizer_buffers) PutArray(out, a);
  }
  const uint32_t crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(out.data()), static_cast<uInt>(out.size())));
  Put<uint32_t>(out, crc);
  WriteFileAtomically(path, out);
}

Checkpoint LoadCheckpoint(const std::string& path) {
  // Read as it is, never decompressed (a checkpoint is not gzip): its size on disk bounds the
  // memory; a pipe or a device is refused at its first bytes when they are not the magic number
  // (/dev/zero), else read up to half the machine's memory.
  const std::string where = path + ": ";
  const auto not_a_checkpoint = [&](size_t size) {
    return Error(where + "not an activ lab checkpoint (wrong magic number at byte 0" +
                 (size < 24 ? ", or shorter than a checkpoint header)" : ")"));
  };
  InputFile in(path, /*decompress=*/false);
  std::vector<uint8_t> b;
  in.ReadUpTo(b, sizeof kMagic);
  if (b.size() < sizeof kMagic || std::memcmp(b.data(), kMagic, sizeof kMagic) != 0) {
    // A stream that ended before 8 bytes is short; one that goes on may be long enough.
    const bool short_file = in.sized() ? in.file_size() < 24 : b.size() < sizeof kMagic;
    throw not_a_checkpoint(short_file ? 0 : 24);
  }
  const size_t limit = in.sized() ? static_cast<size_t>(in.file_size()) : HalfOfMemory();
  const size_t want = limit == SIZE_MAX ? limit : limit + 1;
  in.ReadUpTo(b, want > b.size() ? want - b.size() : 0);
  if (b.size() > limit) {
    throw Error(where + "holds more than " + std::to_string(limit) + " bytes (" +
                (in.sized() ? "its size when opened" : "half of this machine's memory") +
                "); refused");
  }
  if (b.size() < 24) throw not_a_checkpoint(b.size());
  uint32_t version;
  std::memcpy(&version, &b[8], 4);
  if (version != kCheckpointVersion) {
    throw Error(where + "checkpoint format version " + std::to_string(version) +
                " is not supported: this build reads version " +
                std::to_string(kCheckpointVersion));
  }
  uint32_t stored_crc;
  std::memcpy(&stored_crc, &b[b.size() - 4], 4);
  const uint32_t crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(b.data()), static_cast<uInt>(b.size() - 4)));
  if (crc != stored_crc) {
    throw Error(where + "checksum mismatch: the checkpoint is corrupt or was cut short");
  }
  uint64_t header_len;
  std::memcpy(&header_len, &b[12], 8);
  if (header_len > b.size() - 24)
    throw Error(where + "the header length runs past the end of the file");
  Checkpoint c;
  size_t at = 20 + header_len;
  const size_t end = b.size() - 4;
  auto take = [&](size_t n) {
    if (n > (end - at) / sizeof(float)) {
      throw Error(where + "truncated: the header lists more data than the file holds");
    }
    std::vector<float> v(n);
    if (n) std::memcpy(v.data(), &b[at], n * sizeof(float));
    at += n * sizeof(float);
    return v;
  };
  // Every access to the header may meet a missing key or a value of another type: all of them
  // are inside the try, so that a damaged header is an activ::Error naming the file.
  try {
    const json header = json::parse(b.begin() + 20, b.begin() + 20 + static_cast<long>(header_len));
    c.spec = SpecFromJson(header.at("network"));
    c.meta = header.at("meta");
    c.scaler.kind = ScalingFromName(header.at("scaler").at("kind").get<std::string>());
    const json& arrays = header.at("arrays");
    for (const json& n : arrays.at("network")) c.network.push_back(take(Count(n)));
    const size_t features = Count(header.at("scaler").at("features"));
    c.scaler.offset = take(features);
    c.scaler.scale = take(features);
    if (!header.at("state").is_null()) {
      const json& s = header.at("state");
      TrainState t;
      t.epoch = Count(s.at("epoch"));
      t.optimizer_steps = Count(s.at("optimizer_steps"));
      t.optimizer = s.at("optimizer").get<std::string>();
      // JSON has no infinities: a run with no best yet stores null.
      const double inf = std::numeric_limits<double>::infinity();
      t.best_metric = s.at("best_metric").is_null() ? -inf : s.at("best_metric").get<double>();
      t.best_epoch = Count(s.at("best_epoch"));
      t.since_best = Count(s.at("since_best"));
      t.best_train_loss =
          s.at("best_train_loss").is_null() ? inf : s.at("best_train_loss").get<double>();
      t.no_improvement = Count(s.at("no_improvement"));
      t.elapsed_seconds = s.at("elapsed_seconds").get<double>();
      for (const json& n : arrays.at("best")) t.best.push_back(take(Count(n)));
      for (const json& n : arrays.at("optimizer")) t.optimizer_buffers.push_back(take(Count(n)));
      c.state = std::move(t);
    }
  } catch (const json::exception& e) {
    throw Error(where + "bad checkpoint header: " + e.what());
  } catch (const BadCount& e) {
    throw Error(where + "bad checkpoint header: " + e.text.substr(0, 40) + " is not a count");
  }
  CheckConsistent(c, where);
  if (at != end)
    throw Error(where + std::to_string(end - at) + " unexpected bytes after the arrays");
  return c;
}

void LoadState(Network& net, const std::vector<std::vector<float>>& arrays,
               const NetworkSpec& saved, const std::string& path) {
  if (Shape(saved) != Shape(net.spec())) {
    throw Error(path + ": the checkpoint holds a " + Shape(saved) + " network; this one is " +
                Shape(net.spec()));
  }
  const auto state = net.State();
  if (state.size() != arrays.size()) {
    throw Error(path + ": the checkpoint has " + std::to_string(arrays.size()) +
                " arrays, the network " + std::to_string(state.size()));
  }
  for (size_t i = 0; i < state.size(); ++i) {
    if (state[i]->size() != arrays[i].size()) {
      throw Error(path + ": array " + std::to_string(i) + " has " +
                  std::to_string(arrays[i].size()) + " values, the network needs " +
                  std::to_string(state[i]->size()));
    }
    *state[i] = arrays[i];
  }
}

Network NetworkFrom(const Checkpoint& c, const std::string& path, bool best) {
  Network net(c.spec);
  const bool use_best = best && c.state && !c.state->best.empty();
  LoadState(net, use_best ? c.state->best : c.network, c.spec, path);
  return net;
}

}  // namespace lab
