// The one grammar of an activation string (activ.h: parse_activation), read by the library, the
// lab, the command line and the lab report: NAME, NAME(p=v, ...) or NAME:p=v,...
#include <cctype>
#include <charconv>
#include <string>
#include <string_view>
#include <vector>

#include "activ/activ.h"
#include "activ/gated.h"
#include "api/checks.h"

namespace activ {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

[[noreturn]] void ParseError(std::string_view text, size_t pos, const std::string& what) {
  throw Error("activ: cannot parse '" + std::string(text) + "' at position " +
              std::to_string(pos + 1) + ": " + what);
}

// An activation's name: a function of the registry or a gated unit.
void SetName(Activation& a, std::string_view text, std::string_view fn) {
  if (fn.empty()) ParseError(text, 0, "expected a function name");
  try {
    a.op = op_from_name(fn);
    return;
  } catch (const Error& e) {
    try {
      a.op = gate_of(fn);
      a.gated = true;
      return;
    } catch (const Error&) {
    }
    std::string gated;
    for (const GatedUnit& g : gated_units()) gated += std::string(g.name) + ", ";
    throw Error(std::string(e.what()) + "; gated units: " + gated + "gated_<function>");
  }
}

// One "name=value" item of `text`, which starts at `pos` there.
void SetParam(Activation& a, std::string_view text, size_t pos, std::string_view item) {
  const size_t eq = item.find('=');
  if (eq == std::string_view::npos) ParseError(text, pos, "expected name=value");
  const std::string_view key = Trim(item.substr(0, eq)), value = Trim(item.substr(eq + 1));
  double v = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (key.empty()) ParseError(text, pos, "expected a parameter name before '='");
  if (value.empty() || ec != std::errc() || ptr != value.data() + value.size()) {
    ParseError(text, pos + eq + 1, "expected a number for " + std::string(key));
  }
  if (a.params.find(key)) ParseError(text, pos, std::string(key) + " given twice");
  a.params.set(key, v);
}

// Where the name=value items of the colon spelling ("elu:alpha=0.5") start, or npos.
size_t ColonOf(std::string_view text) {
  const size_t colon = text.find(':'), open = text.find('(');
  return colon != std::string_view::npos && (open == std::string_view::npos || colon < open)
             ? colon
             : std::string_view::npos;
}

}  // namespace

Activation parse_activation(std::string_view text) {
  Activation a;
  if (const size_t colon = ColonOf(text); colon != std::string_view::npos) {
    SetName(a, text, Trim(text.substr(0, colon)));
    for (size_t pos = colon + 1;;) {
      size_t end = text.find(',', pos);
      if (end == std::string_view::npos) end = text.size();
      const std::string_view item = text.substr(pos, end - pos);
      if (Trim(item).empty()) ParseError(text, pos, "empty parameter");
      SetParam(a, text, pos, item);
      if (end == text.size()) break;
      pos = end + 1;
    }
    resolve(a.op, a.params);
    return a;
  }
  const size_t open = text.find('(');
  SetName(a, text, Trim(text.substr(0, open)));
  if (open == std::string_view::npos) {
    resolve(a.op, a.params);
    return a;
  }
  const size_t close = text.rfind(')');
  if (close == std::string_view::npos || close < open) ParseError(text, open, "missing ')'");
  if (!Trim(text.substr(close + 1)).empty()) ParseError(text, close + 1, "text after ')'");
  size_t pos = open + 1;
  while (pos < close) {
    size_t end = text.find(',', pos);
    if (end == std::string_view::npos || end > close) end = close;
    const std::string_view item = text.substr(pos, end - pos);
    if (Trim(item).empty()) {
      if (end == close && pos == open + 1) break;  // "gelu()"
      ParseError(text, pos, "empty parameter");
    }
    SetParam(a, text, pos, item);
    pos = end + 1;
  }
  resolve(a.op, a.params);
  return a;
}

std::vector<std::string_view> split_activation_list(std::string_view text) {
  std::vector<std::string_view> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : ',';
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c != ',' || depth != 0) continue;
    const std::string_view entry = text.substr(start, i - start);
    if (Trim(entry).empty()) ParseError(text, start, "empty entry");
    // After "name:p=v", an item with '=' is the entry's next parameter, not a new entry: no
    // function's name holds '='.
    const std::string_view next = i < text.size() ? text.substr(i + 1) : std::string_view();
    const std::string_view next_item = next.substr(0, next.find(','));
    if (ColonOf(entry) != std::string_view::npos && next_item.find('=') != std::string_view::npos &&
        next_item.find_first_of(":(") == std::string_view::npos) {
      continue;
    }
    out.push_back(Trim(entry));
    start = i + 1;
  }
  return out;
}

std::vector<Activation> parse_activation_list(std::string_view text) {
  std::vector<Activation> out;
  for (std::string_view entry : split_activation_list(text)) out.push_back(parse_activation(entry));
  return out;
}

std::string Activation::to_string() const {
  std::string s = gated ? gated_name(op) : std::string(name(op));
  if (params.values().empty()) return s;
  s += "(";
  for (size_t i = 0; i < params.values().size(); ++i) {
    s += (i ? ", " : "") + params.values()[i].first + "=" + detail::Num(params.values()[i].second);
  }
  return s + ")";
}

}  // namespace activ
