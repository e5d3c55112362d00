// The measurements behind docs/ACCURACY.md (docs/accuracy.json) and the document rendered from
// them. The file is a map from "function|parameters|type|direction|contender" to the measured
// statistics, so that one part (or one function) can be measured again without the others.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "accuracy.h"
#include "inputs.h"
#include "io/files.h"

namespace activ::ref {
namespace {

using Json = nlohmann::ordered_json;

constexpr size_t kSamples32 = size_t{1} << 24;
constexpr size_t kSamples64 = size_t{1} << 27;  // the spec asks for at least 10^8

std::string TypeName(Precision p) { return p == Precision::kFloat32 ? "f32" : "f64"; }

std::string ParamsLabel(const Params& p) {
  const std::string t = ParamsText(p);
  return t.empty() ? "defaults" : t;
}

// mode: "exhaustive" or "sampled".
std::string Key(std::string_view fn, const std::string& params, Precision type, Direction dir,
                const std::string& mode, const std::string& contender) {
  return std::string(fn) + "|" + params + "|" + TypeName(type) + "|" +
         std::string(DirectionName(dir)) + "|" + mode + "|" + contender;
}

// The mode of an exhaustive record of the target that runs now.
std::string TargetMode() { return "exhaustive@" + std::string(simd_target()); }
// The same for the fast accuracy mode.
std::string FastMode() { return "fast@" + std::string(simd_target()); }

std::string Today() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&t));
  return buf;
}

// JSON has no infinity or NaN: they are kept as strings.
Json Number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

double ToDouble(const Json& j) {
  if (j.is_number()) return j.get<double>();
  const std::string s = j.get<std::string>();
  if (s == "inf") return INFINITY;
  if (s == "-inf") return -INFINITY;
  return NAN;
}

Json Entry(const Stats& s, const std::string& mode, const std::string& reference,
           const std::string& inputs) {
  Json e;
  e["max_ulp"] = Number(s.max_ulp);
  e["worst_x"] = Number(s.worst_x);
  e["count"] = s.count;
  e["over_half"] = s.over_half;
  e["over_one"] = s.over_one;
  e["mode"] = mode;
  e["inputs"] = inputs;
  e["reference"] = reference;
  e["target"] = std::string(simd_target());
  e["date"] = Today();
  return e;
}

Json Load(const std::string& path, bool must_exist) {
  std::ifstream in(path);
  if (!in) {
    if (must_exist) throw Error("cannot read " + path);
    Json doc = Json::object();
    doc["results"] = Json::object();
    return doc;
  }
  try {
    Json doc = Json::parse(in);
    if (!doc.contains("results") || !doc["results"].is_object()) {
      throw Error(path + " has no \"results\" object");
    }
    return doc;
  } catch (const Json::exception& e) {
    throw Error(path + ": not a results file (" + e.what() + ")");
  }
}

void Save(const std::string& path, const Json& doc) {
  io::WriteFileAtomically(path, doc.dump(1) + "\n");
}

double Seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Measured {
  CheckResult result;
  double seconds;
};

Measured Run(const UpdateOptions& u, Op op, const Params& params, Precision type, Direction dir,
             bool exhaustive, std::vector<PeerRun> peers) {
  CheckOptions c;
  c.op = op;
  c.precision = type;
  c.direction = dir;
  c.params = params;
  c.exhaustive = exhaustive;
  // The spec's 10^8 float64 inputs are for the forward pass; backward takes the usual sample.
  const size_t standard = type == Precision::kFloat32  ? kSamples32
                          : dir == Direction::kForward ? kSamples64
                                                       : DefaultSamples(type);
  c.samples = u.samples ? u.samples : standard;
  c.threads = u.threads;
  c.peers = std::move(peers);
  c.accuracy = u.accuracy;
  const std::string label = std::string(name(op)) + " " + TypeName(type) + " " +
                            std::string(DirectionName(dir)) +
                            (u.accuracy == Accuracy::fast ? " (fast)" : "");
  ProgressDisplay display(label);
  if (u.progress) c.progress = std::ref(display);
  const double start = Seconds();
  Measured m{CheckAll(c), 0};
  m.seconds = Seconds() - start;
  display.Finish();
  return m;
}

std::string InputsText(Precision type, bool exhaustive, uint64_t count) {
  if (exhaustive) return "all 2^32";
  return std::to_string(count) + (type == Precision::kFloat32 ? " (sweep)" : " (random)");
}

std::string ReferenceName(Precision type, Direction dir) {
  if (type == Precision::kFloat32) return "long double (double screen)";
  return dir == Direction::kForward ? "MPFR (long double screen)" : "long double";
}

// Stores activ's and the peers' results of one measurement, and logs a line.
void Store(Json& results, const UpdateOptions& u, Op op, const Params& params, Precision type,
           Direction dir, bool exhaustive, const std::vector<PeerRun>& peers, const Measured& m) {
  const std::string plabel = ParamsLabel(params);
  const std::string inputs = InputsText(type, exhaustive, m.result.activ.count);
  if (u.accuracy == Accuracy::fast) {
    // Only the fast column's record: the faithful ones stay those of the faithful kernels.
    results[Key(name(op), plabel, type, dir, FastMode(), "activ")] =
        Entry(m.result.activ, "fast", ReferenceName(type, dir), inputs);
    if (u.log) {
      u.log(std::string(name(op)) + " (" + plabel + ") " + TypeName(type) + " " +
            std::string(DirectionName(dir)) + ", fast: activ " + FmtUlp(m.result.activ.max_ulp) +
            " on " + std::string(simd_target()) + " [" + std::to_string(std::lround(m.seconds)) +
            " s]");
    }
    return;
  }
  const std::string mode = exhaustive ? "exhaustive" : "sampled";
  const Json entry = Entry(m.result.activ, mode, ReferenceName(type, dir), inputs);
  // Every exhaustive run also keeps its target's own record, so that one host shows each target
  // it can run side by side; a run restricted to one target (--target) keeps only that.
  if (exhaustive) results[Key(name(op), plabel, type, dir, TargetMode(), "activ")] = entry;
  const bool main_column = !(exhaustive && u.restricted_target);
  if (main_column) results[Key(name(op), plabel, type, dir, mode, "activ")] = entry;
  std::string line = std::string(name(op)) + " (" + plabel + ") " + TypeName(type) + " " +
                     std::string(DirectionName(dir)) + ": activ " + FmtUlp(m.result.activ.max_ulp) +
                     (exhaustive ? " on " + std::string(simd_target()) : "");
  for (size_t k = 0; k < peers.size() && main_column; ++k) {
    results[Key(name(op), plabel, type, dir, mode, peers[k].name)] =
        Entry(m.result.peers[k], mode, ReferenceName(type, dir), inputs + ", finite");
    line += ", " + peers[k].name + " " + FmtUlp(m.result.peers[k].max_ulp);
  }
  if (u.log) {
    char tail[160];
    const bool mpfr = type == Precision::kFloat64 && dir == Direction::kForward;
    std::snprintf(tail, sizeof tail, " [%.0f s; %llu re-measured in %s, screen within %.2g]",
                  m.seconds, static_cast<unsigned long long>(m.result.screen.rechecked),
                  mpfr ? "MPFR" : "long double", m.result.screen.max_diff);
    u.log(line + tail);
  }
}

}  // namespace

namespace {

constexpr const char* kRowCells[6] = {"f32 random",      "f32 adversarial", "f64 random",
                                      "f64 adversarial", "f32 backward",    "f64 backward"};
// The cells of kRowCells that the fast mode changes: float32 (float64 rows run the faithful
// kernels in either mode).
constexpr size_t kFastRowCells[3] = {0, 1, 4};

// One cell of a row-wise table as it is stored (StoredRows reads it back).
Json RowCell(const RowStats& c) {
  Json e;
  e["max_ulp"] = Number(c.max_ulp);
  e["worst_row"] = c.worst_row;
  e["worst_col"] = c.worst_col;
  e["count"] = c.count;
  return e;
}

// The fast row-wise kernels (float32 rows on AVX2 and AVX-512; other rows run the faithful
// ones), one record per target measured, so that an AVX-512 host stores both.
void UpdateFastRows(Json& doc, const UpdateOptions& u, double start) {
  const RowTableResults rows = MeasureRowTable(Accuracy::fast);
  Json r;
  r["random_rows"] = rows.random_rows;
  r["random_elements"] = rows.random_elements;
  r["date"] = Today();
  for (const RowTableLine& line : rows.lines) {
    for (size_t k : kFastRowCells) {
      r["functions"][line.op][kRowCells[k]] = RowCell(line.cells[k]);
    }
  }
  const std::string target(simd_target());
  doc["rowwise_fast"][target] = r;
  if (u.log) {
    char line[96];
    std::snprintf(line, sizeof line, "fast row-wise table on %s [%.0f s]", target.c_str(),
                  Seconds() - start);
    u.log(line);
  }
}

// The row-wise and 16-bit tables, measured whole (seconds), each beside "results": their
// statistics are not those of the element-wise checks.
void UpdateRows(Json& doc, const UpdateOptions& u) {
  const double start = Seconds();
  if (u.accuracy == Accuracy::fast) {
    UpdateFastRows(doc, u, start);
    return;
  }
  const RowTableResults rows = MeasureRowTable();
  Json r;
  r["random_rows"] = rows.random_rows;
  r["random_elements"] = rows.random_elements;
  r["target"] = std::string(simd_target());
  r["date"] = Today();
  Json& fns = r["functions"];
  for (const RowTableLine& line : rows.lines) {
    for (size_t k = 0; k < 6; ++k) {
      fns[line.op][kRowCells[k]] = RowCell(line.cells[k]);
    }
  }
  doc["rowwise"] = r;
  Json h;
  h["target"] = std::string(simd_target());
  h["date"] = Today();
  for (const HalfRow& row : MeasureHalfTable()) {
    for (const auto& [format, st] :
         {std::pair{"bfloat16", row.bf16}, std::pair{"float16", row.f16}}) {
      Json e;
      e["max_ulp"] = Number(st.max_ulp);
      e["max_steps"] = Number(st.max_steps);
      e["not_rounded"] = st.not_rounded;
      e["max_backward_steps"] = Number(st.max_backward_steps);
      h["functions"][row.op][format] = e;
    }
  }
  doc["half"] = h;
  if (u.log) {
    char line[96];
    std::snprintf(line, sizeof line, "row-wise and 16-bit tables [%.0f s]", Seconds() - start);
    u.log(line);
  }
}

}  // namespace

double UpdateResults(const std::string& path, const UpdateOptions& u) {
  if (!u.only.empty()) op_from_name(u.only);  // an unknown name fails before any work
  const bool fast = u.accuracy == Accuracy::fast;
  if (fast && u.part == Part::kSampled64) {
    throw Error(
        "the fast accuracy mode is recorded by the exhaustive part (--part exhaustive: its "
        "float32 forward over all 2^32 inputs), the float32 part (--part f32: its backward over "
        "the sweep) and the row-wise part (--part rows); float64 has no fast kernels");
  }
  // The direction a fast part measures: float32 forward (exhaustive) or backward (f32).
  const bool fast_backward = u.part == Part::kSampled32;
  if (fast && !u.only.empty() && !has_fast_kernel(op_from_name(u.only), fast_backward)) {
    throw Error(u.only + " has no fast " + (fast_backward ? "backward" : "forward") +
                " kernel: its fast calls run the faithful kernel, which the faithful records "
                "measure");
  }
  Json doc = Load(path, false);
  if (u.part == Part::kRows) {
    if (!u.only.empty())
      throw Error("--part rows measures every function; --only is for the others");
    UpdateRows(doc, u);
    Save(path, doc);
    return 0;
  }
  double worst = 0;
  Json& results = doc["results"];
  for (const OpInfo& o : all_ops()) {
    if (!u.only.empty() && op_from_name(u.only) != o.op) continue;
    if (fast && !has_fast_kernel(o.op, fast_backward)) continue;
    const std::vector<Params> sets = TestParams(o.op);
    // The peers beside the faithful kernels only: the fast records have no peer columns.
    const auto peers = [&](Direction d) {
      return u.peers && !fast ? u.peers(o.op, d) : std::vector<PeerRun>{};
    };
    const auto run = [&](const Params& params, Precision type, Direction dir, bool exhaustive,
                         std::vector<PeerRun> with) {
      if (u.backward_only && dir == Direction::kForward) return;
      const Measured m = Run(u, o.op, params, type, dir, exhaustive, with);
      Store(results, u, o.op, params, type, dir, exhaustive, with, m);
      // NaN (a result that should not be NaN) is the largest error there is.
      if (!(m.result.activ.max_ulp <= worst)) worst = m.result.activ.max_ulp;
    };
    for (size_t k = 0; k < sets.size(); ++k) {
      const bool first = k == 0;  // the peers implement the first parameter set only
      switch (u.part) {
        case Part::kExhaustive:
          if (first)
            run(sets[k], Precision::kFloat32, Direction::kForward, true,
                peers(Direction::kForward));
          break;
        case Part::kSampled32:
          if (fast) {
            // Every parameter set's fast backward pass (no fast kernel computes from y).
            run(sets[k], Precision::kFloat32, Direction::kBackward, false, {});
            break;
          }
          // The first set's forward over the sweep too: the peers' inputs, beside theirs.
          run(sets[k], Precision::kFloat32, Direction::kForward, false,
              first ? peers(Direction::kForward) : std::vector<PeerRun>{});
          run(sets[k], Precision::kFloat32, Direction::kBackward, false,
              first ? peers(Direction::kBackward) : std::vector<PeerRun>{});
          if (o.flags & kFromY) {
            run(sets[k], Precision::kFloat32, Direction::kBackwardFromY, false, {});
          }
          break;
        case Part::kSampled64:
          run(sets[k], Precision::kFloat64, Direction::kForward, false, {});
          run(sets[k], Precision::kFloat64, Direction::kBackward, false, {});
          if (o.flags & kFromY) {
            run(sets[k], Precision::kFloat64, Direction::kBackwardFromY, false, {});
          }
          break;
        case Part::kRows:
          break;  // measured above, for every function at once
      }
    }
    Save(path, doc);  // after every function: a long run that stops keeps what it measured
  }
  return worst;
}

namespace {

class Results {
 public:
  explicit Results(const std::string& path) : path_(path), doc_(Load(path, true)) {}

  const Json* Find(std::string_view fn, const std::string& params, Precision type, Direction dir,
                   const std::string& mode, const std::string& contender) const {
    const Json& r = doc_["results"];
    const auto it = r.find(Key(fn, params, type, dir, mode, contender));
    return it == r.end() ? nullptr : &*it;
  }
  // activ's result; part names the --part that measures it.
  const Json& Get(std::string_view fn, const std::string& params, Precision type, Direction dir,
                  const std::string& part) const {
    const Json* e =
        Find(fn, params, type, dir, part == "exhaustive" ? "exhaustive" : "sampled", "activ");
    if (!e) {
      throw Error(path_ + " has no " + TypeName(type) + " " + std::string(DirectionName(dir)) +
                  " result for " + std::string(fn) + " (" + params +
                  "): measure it with activ-accuracy --update " + path_ + " --part " + part);
    }
    return *e;
  }
  // A part stored beside "results" (--part rows).
  const Json& Section(const std::string& name) const {
    if (!doc_.contains(name) || !doc_[name].contains("functions")) {
      throw Error(path_ + " has no " + name + " table: measure it with activ-accuracy --update " +
                  path_ + " --part rows");
    }
    return doc_[name];
  }
  const Json& doc() const { return doc_; }

 private:
  std::string path_;
  Json doc_;
};

std::string Ulp(const Json& e) { return FmtUlp(ToDouble(e["max_ulp"])); }
std::string X(const Json& e) { return FmtX(ToDouble(e["worst_x"])); }

const Json& Member(const Json& j, const std::string& key, const std::string& what) {
  const auto it = j.find(key);
  if (it == j.end()) throw Error("the stored " + what + " has no " + key + ": measure --part rows");
  return *it;
}

RowTableResults StoredRows(const Json& r) {
  RowTableResults res;
  res.random_rows = r["random_rows"].get<size_t>();
  res.random_elements = r["random_elements"].get<size_t>();
  for (RowOp op : kRowOps) {
    RowTableLine line;
    line.op = std::string(RowOpName(op));
    const Json& cells = Member(r["functions"], line.op, "row-wise table");
    for (size_t k = 0; k < 6; ++k) {
      const Json& e = Member(cells, kRowCells[k], "row-wise table's " + line.op);
      line.cells[k].max_ulp = ToDouble(e["max_ulp"]);
      line.cells[k].worst_row = e["worst_row"].get<std::string>();
      line.cells[k].worst_col = e["worst_col"].get<size_t>();
      line.cells[k].count = e["count"].get<uint64_t>();
    }
    res.lines.push_back(std::move(line));
  }
  return res;
}

// The fast mode's row-wise records (--part rows --accuracy fast), a line per function and
// target; nothing where none is stored.
std::string RenderFastRows(const Json& doc) {
  if (!doc.contains("rowwise_fast")) return "";
  std::ostringstream md;
  md << "### Row-wise functions, fast mode\n\n"
     << "The same rows through `RowOptions{.accuracy = Accuracy::fast}` (`activ-accuracy "
        "--update docs/accuracy.json --part rows --accuracy fast --target T`): float32 rows on "
        "AVX2 and AVX-512 run the fast kernels (float-lane exps, sums widened to double), "
        "float64 and 16-bit rows the faithful ones. Bounds (docs/SPEC.md): 4 ULP forward, 8 "
        "backward beyond the same mixed bound.\n\n"
     << "| function | target | f32 random | f32 adversarial | worst f32 row | f32 backward | "
        "date |\n|---|---|---|---|---|---|---|\n";
  for (RowOp op : kRowOps) {
    const std::string name(RowOpName(op));
    for (const auto& [target, r] : doc["rowwise_fast"].items()) {
      const Json& cells = Member(r["functions"], name, "fast row-wise table");
      const auto cell = [&](size_t k) -> const Json& {
        return Member(cells, kRowCells[k], "fast row-wise table's " + name);
      };
      md << "| " << name << " | " << target << " | " << FmtUlp(ToDouble(cell(0)["max_ulp"]))
         << " | " << FmtUlp(ToDouble(cell(1)["max_ulp"])) << " | "
         << cell(1)["worst_row"].get<std::string>() << " | " << FmtUlp(ToDouble(cell(4)["max_ulp"]))
         << " | " << r["date"].get<std::string>() << " |\n";
    }
  }
  md << "\n";
  return md.str();
}

std::vector<HalfRow> StoredHalf(const Json& h) {
  std::vector<HalfRow> rows;
  const auto stats = [](const Json& e) {
    HalfStats st;
    st.max_ulp = ToDouble(e["max_ulp"]);
    st.max_steps = ToDouble(e["max_steps"]);
    st.not_rounded = e["not_rounded"].get<size_t>();
    st.max_backward_steps = ToDouble(e["max_backward_steps"]);
    return st;
  };
  for (const OpInfo& o : all_ops()) {
    const Json& f = Member(h["functions"], std::string(o.name), "16-bit table");
    rows.push_back({std::string(o.name), stats(Member(f, "bfloat16", "16-bit table")),
                    stats(Member(f, "float16", "16-bit table"))});
  }
  return rows;
}

}  // namespace

std::string RenderTable(const std::string& path) {
  const Results res(path);
  std::ostringstream rows;
  double worst_f32 = 0, worst_f64 = 0, worst_b32 = 0;
  std::string worst_f32_fn, worst_f64_fn;
  uint64_t f64_inputs = 0, f32_sweep = 0;
  std::map<std::string, int> targets;
  for (const OpInfo& o : all_ops()) {
    const std::vector<Params> sets = TestParams(o.op);
    for (size_t k = 0; k < sets.size(); ++k) {
      const std::string pl = ParamsLabel(sets[k]);
      const Json& f32 = res.Get(o.name, pl, Precision::kFloat32, Direction::kForward,
                                k == 0 ? "exhaustive" : "f32");
      const Json& b32 = res.Get(o.name, pl, Precision::kFloat32, Direction::kBackward, "f32");
      const Json& f64 = res.Get(o.name, pl, Precision::kFloat64, Direction::kForward, "f64");
      const Json& b64 = res.Get(o.name, pl, Precision::kFloat64, Direction::kBackward, "f64");
      std::string y32 = "—", y64 = "—";
      if (o.flags & kFromY) {
        const Json& by32 =
            res.Get(o.name, pl, Precision::kFloat32, Direction::kBackwardFromY, "f32");
        worst_b32 = std::max(worst_b32, ToDouble(by32["max_ulp"]));
        y32 = Ulp(by32);
        y64 = Ulp(res.Get(o.name, pl, Precision::kFloat64, Direction::kBackwardFromY, "f64"));
      }
      const bool exhaustive = k == 0;
      if (ToDouble(f32["max_ulp"]) > worst_f32) {
        worst_f32 = ToDouble(f32["max_ulp"]);
        worst_f32_fn = std::string(o.name) + " (" + pl + ")";
      }
      if (ToDouble(f64["max_ulp"]) > worst_f64) {
        worst_f64 = ToDouble(f64["max_ulp"]);
        worst_f64_fn = std::string(o.name) + " (" + pl + ")";
      }
      worst_b32 = std::max(worst_b32, ToDouble(b32["max_ulp"]));
      f64_inputs = std::max<uint64_t>(f64_inputs, f64["count"].get<uint64_t>());
      f32_sweep = std::max<uint64_t>(f32_sweep, b32["count"].get<uint64_t>());
      for (const Json* e : {&f32, &b32, &f64, &b64}) ++targets[(*e)["target"].get<std::string>()];
      rows << "| " << o.name << " | " << pl << " | " << Ulp(f32) << " | " << X(f32) << " | "
           << f32["over_half"].get<uint64_t>() << " | " << (exhaustive ? "all 2^32" : "sweep")
           << " | " << Ulp(b32) << " | " << y32 << " | " << Ulp(f64) << " | " << X(f64) << " | "
           << Ulp(b64) << " | " << y64 << " |\n";
    }
  }

  // The peers: every contender other than activ in the file, in order of appearance.
  std::vector<std::string> peers;
  for (const auto& item : res.doc()["results"].items()) {
    const std::string contender = item.key().substr(item.key().rfind('|') + 1);
    if (contender != "activ" && std::find(peers.begin(), peers.end(), contender) == peers.end()) {
      peers.push_back(contender);
    }
  }
  std::vector<std::string> contenders = {"activ"};
  contenders.insert(contenders.end(), peers.begin(), peers.end());
  std::ostringstream peer_rows;
  const auto cell = [](const Json* e) {
    if (!e) return std::string("—");
    return Ulp(*e) + " (" + X(*e) + ")";
  };
  for (const OpInfo& o : all_ops()) {
    const std::string pl = ParamsLabel(TestParams(o.op)[0]);
    std::string fwd, bwd;
    bool any_peer = false;
    for (const std::string& c : contenders) {
      const Json* f = res.Find(o.name, pl, Precision::kFloat32, Direction::kForward, "sampled", c);
      const Json* b = res.Find(o.name, pl, Precision::kFloat32, Direction::kBackward, "sampled", c);
      any_peer |= c != "activ" && (f || b);
      fwd += " | " + cell(f);
      bwd += " | " + cell(b);
    }
    if (any_peer) peer_rows << "| " << o.name << fwd << bwd << " |\n";
  }

  // The exhaustive float32 forward records of each target ("exhaustive@TARGET"), side by side.
  std::vector<std::string> exhaustive_targets;
  for (const auto& item : res.doc()["results"].items()) {
    const size_t at = item.key().find("|exhaustive@");
    if (at == std::string::npos) continue;
    const std::string t = item.key().substr(at + 12, item.key().rfind('|') - at - 12);
    if (std::find(exhaustive_targets.begin(), exhaustive_targets.end(), t) ==
        exhaustive_targets.end()) {
      exhaustive_targets.push_back(t);
    }
  }
  std::sort(exhaustive_targets.begin(), exhaustive_targets.end(), std::greater<>());
  std::ostringstream target_rows;
  for (const OpInfo& o : all_ops()) {
    const std::string pl = ParamsLabel(TestParams(o.op)[0]);
    target_rows << "| " << o.name << " |";
    for (const std::string& t : exhaustive_targets) {
      const Json* e = res.Find(o.name, pl, Precision::kFloat32, Direction::kForward,
                               "exhaustive@" + t, "activ");
      if (e) {
        target_rows << " " << Ulp(*e) << " | " << (*e)["over_half"].get<uint64_t>() << " | "
                    << (*e)["date"].get<std::string>() << " |";
      } else {
        target_rows << " — | — | — |";
      }
    }
    target_rows << "\n";
  }

  // The fast accuracy mode's exhaustive records ("fast@TARGET"), one column per target.
  std::vector<std::string> fast_targets;
  for (const auto& item : res.doc()["results"].items()) {
    const size_t at = item.key().find("|fast@");
    if (at == std::string::npos) continue;
    const std::string t = item.key().substr(at + 6, item.key().rfind('|') - at - 6);
    if (std::find(fast_targets.begin(), fast_targets.end(), t) == fast_targets.end()) {
      fast_targets.push_back(t);
    }
  }
  std::sort(fast_targets.begin(), fast_targets.end(), std::greater<>());
  std::ostringstream fast_rows;
  double worst_fast = 0, worst_fast_backward = 0;
  for (const OpInfo& o : all_ops()) {
    const std::string pl = ParamsLabel(TestParams(o.op)[0]);
    const bool fwd = has_fast_kernel(o.op), bwd = has_fast_kernel(o.op, true);
    fast_rows << "| " << o.name << " | "
              << (fwd && bwd ? "forward, backward"
                  : fwd      ? "forward"
                  : bwd      ? "backward"
                             : "none")
              << " |";
    for (const std::string& t : fast_targets) {
      const Json* e =
          fwd ? res.Find(o.name, pl, Precision::kFloat32, Direction::kForward, "fast@" + t, "activ")
              : nullptr;
      if (e) {
        worst_fast = std::max(worst_fast, ToDouble((*e)["max_ulp"]));
        fast_rows << " " << Ulp(*e) << " | " << X(*e) << " | " << (*e)["date"].get<std::string>()
                  << " |";
      } else if (!fwd) {
        fast_rows << " faithful kernel | — | — |";
      } else {
        fast_rows << " not measured | — | — |";
      }
      // The backward column: the largest over the parameter sets, all of which --part f32
      // measures (a set never measured leaves the cell "not measured", not a smaller figure).
      const Json* worst = nullptr;
      bool all_sets = bwd;
      for (const Params& params : TestParams(o.op)) {
        const Json* b = bwd ? res.Find(o.name, ParamsLabel(params), Precision::kFloat32,
                                       Direction::kBackward, "fast@" + t, "activ")
                            : nullptr;
        if (!b) {
          all_sets = false;
        } else if (!worst || !(ToDouble((*b)["max_ulp"]) <= ToDouble((*worst)["max_ulp"]))) {
          worst = b;
        }
      }
      if (!bwd) {
        fast_rows << " faithful kernel | — |";
      } else if (!all_sets) {
        fast_rows << " not measured | — |";
      } else {
        worst_fast_backward = std::max(worst_fast_backward, ToDouble((*worst)["max_ulp"]));
        fast_rows << " " << Ulp(*worst) << " | " << X(*worst) << " |";
      }
    }
    fast_rows << "\n";
  }

  const Json& rowwise = res.Section("rowwise");
  const Json& half = res.Section("half");
  ++targets[rowwise["target"].get<std::string>()];
  ++targets[half["target"].get<std::string>()];
  std::string target_list;
  for (const auto& [t, n] : targets) target_list += (target_list.empty() ? "" : ", ") + t;
  std::ostringstream md;
  md << "# Accuracy\n\n"
     << "Generated by `build/tools/activ-accuracy --write docs/ACCURACY.md` from the "
        "measurements in `docs/accuracy.json`, which `activ-accuracy --update docs/accuracy.json "
        "--part exhaustive|f32|f64|rows` fills (a part at a time: the exhaustive one takes an hour "
        "or "
        "two on 2 cores); do not edit by hand (`bash scripts/docs.sh --check` renders it again "
        "from "
        "the file and compares). SIMD target of the measurements: "
     << target_list << ".\n\n"
     << "Errors are in ULP of the result type. float32 results are measured against the "
        "formulas of `reference/reference.cc` (kept apart from the kernels), evaluated in double "
        "as a screen and again in long double (64-bit significand) wherever the screen's doubt "
        "(about 2^-26 ULP) could matter: near 0.5, 1 and 2 ULP, near the largest error, near the "
        "backward bound, and for one result in 256 as a check of the screen itself "
        "(`accuracy/measure.h`); the maxima, their inputs and the counts are the long double "
        "ones. float64 forward results are measured against MPFR at 256 bits "
        "(`reference/mpfr_reference.cc`, written apart from both), screened with the long double "
        "formulas (within 2^-9 ULP of MPFR) and settled in MPFR near 0.5 and 1 ULP and near the "
        "largest error; float64 backward against the long double formulas.\n\n"
     << "Inputs: **f32 forward, first parameter set of each function: all 2^32 float32 bit "
        "patterns** (every finite value, both infinities, every NaN). Other float32 columns: "
        "the sweep of every "
     << (f32_sweep ? (uint64_t{1} << 32) / f32_sweep : 0)
     << "th bit pattern plus the special and kink points of `accuracy/inputs.h`. float64: "
     << f64_inputs
     << " inputs, half random bit patterns (all binades, both signs), half uniform in "
        "[-50, 50], plus the same special points.\n\n"
     << "Backward columns use the spec's bound |dx - dy f'(x)| <= 2 ulp(dy f'(x)) + 2^-p |dy x "
        "f''(x)| (p = 24 for float32, 53 for float64), given as the error in ULP beyond its "
        "second term, so that the bound is 2 in every column: f'' is measured on the reference f' "
        "itself, from f'(x(1 +- 2^-p)), and taken as 0 at a kink (`derivative_slack` in "
        "`reference/reference.h`); from y the term adds what the rounding of y changes, "
        "2^(1-p) |dy y f''(x)/f'(x)|. There is no absolute allowance in |dy|: a tail of f' "
        "flushed to 0 counts as far off as it is. The backward inputs add, to the sweep, the "
        "values around each zero of f' and 256 values of each tail (`CriticalInputs`). "
        "`x` is the input of the largest error; "
        "`> 0.5` counts the float32 forward results that are not correctly rounded. Check one "
        "function yourself: `activ check NAME --exhaustive` (or `activ-accuracy --fn NAME "
        "--exhaustive`, with `--peers` for the peers beside it).\n\n"
     << "| function | parameters | f32 forward | x | > 0.5 | inputs | f32 backward | f32 from y | "
        "f64 forward | x | f64 backward | f64 from y |\n"
     << "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
     << rows.str() << "\nLargest float32 forward error: " << FmtUlp(worst_f32) << " ULP ("
     << worst_f32_fn
     << "); largest float32 backward error (ULP beyond the f'' term): " << FmtUlp(worst_b32)
     << " ULP; largest float64 forward error: " << FmtUlp(worst_f64) << " ULP (" << worst_f64_fn
     << ").\n\n";
  if (!exhaustive_targets.empty()) {
    md << "## float32 forward, all 2^32 inputs, per SIMD target\n\n"
       << "The exhaustive sweep of the first column, once per SIMD target the measuring hosts "
          "could run (`activ-accuracy --update docs/accuracy.json --part exhaustive --target "
          "avx2` on an AVX-512 host restricts dispatch to the AVX2 code through Highway's target "
          "mask). Each target: largest error in ULP, the results that are not correctly rounded, "
          "and the date of the run; a date older than a kernel's last change is a run of "
          "earlier code.\n\n"
       << "| function |";
    for (const std::string& t : exhaustive_targets) md << " " << t << " | > 0.5 | date |";
    md << "\n|---|";
    for (size_t i = 0; i < 3 * exhaustive_targets.size(); ++i) md << "---|";
    md << "\n" << target_rows.str() << "\n";
  }
  if (!fast_targets.empty()) {
    md << "## float32 in the fast accuracy mode, per SIMD target\n\n"
       << "`Options{.accuracy = Accuracy::fast}` (`accuracy=\"fast\"` in Python, `--accuracy "
          "fast` on the command line) promises at most 4 ULP on every input, tails included "
          "(docs/SPEC.md, Accuracy modes). Its kernels are measured the same way as the "
          "faithful ones, over all 2^32 float32 inputs, once per target (`activ-accuracy "
          "--update docs/accuracy.json --part exhaustive --accuracy fast --target avx2`; "
          "`--only NAME` for one function). A function without a fast kernel of its own runs "
          "its faithful kernel in the fast mode (`faithful kernel`: the tables above are its "
          "figures); `fast kernel` names the directions that have one. Each target: the "
          "forward pass's largest error in ULP, the input where it occurs, and the date of the "
          "run; then the backward pass's largest error over the sweep of the float32 columns "
          "above, for every parameter set (`--part f32 --accuracy fast --target T`), in ULP "
          "beyond the f'' term of the spec's bound (at most 8 in the fast mode), and its x. "
          "Largest: "
       << FmtUlp(worst_fast) << " ULP forward, " << FmtUlp(worst_fast_backward)
       << " ULP backward.\n\n"
       << "| function | fast kernel |";
    for (const std::string& t : fast_targets) {
      md << " " << t << " fast | x | date | " << t << " backward | x |";
    }
    md << "\n|---|---|";
    for (size_t i = 0; i < 5 * fast_targets.size(); ++i) md << "---|";
    md << "\n" << fast_rows.str() << "\n";
  }
  if (!peers.empty()) {
    md << "## The peers on the same inputs\n\n"
       << "The same measurement of each peer library's float32 kernel, where it has one (the "
          "kernels of `bench/peer_*.cc`, as the benchmark calls them, default parameters), and "
          "of activ's, on the same inputs: the sweep of every "
       << (f32_sweep ? (uint64_t{1} << 32) / f32_sweep : 0)
       << "th bit pattern, which reaches every binade and both tails, and the special points "
          "(activ's forward over all 2^32 inputs is in the table above); the peers' results of "
          "finite inputs, activ's of every input. "
          "Each cell: largest error in ULP (input where it occurs). An `inf` is a result that "
          "is infinite or NaN where the exact value is finite, or finite where it is not.\n\n"
       << "| function |";
    for (const std::string& c : contenders) md << " " << c << " forward |";
    for (const std::string& c : contenders) md << " " << c << " backward |";
    md << "\n|---|";
    for (size_t i = 0; i < 2 * contenders.size(); ++i) md << "---|";
    md << "\n" << peer_rows.str() << "\n";
  }
  md << RenderRowTable(StoredRows(rowwise)) << RenderFastRows(res.doc())
     << RenderHalfTable(StoredHalf(half));
  return md.str();
}

}  // namespace activ::ref
