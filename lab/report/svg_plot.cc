#include "lab/report/svg_plot.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <utility>

namespace activ::svg {
namespace {

// Tableau's ten colours without its grey (grey is for axes and reference curves): distinct
// from each other in print and for the common colour-vision deficiencies in pairs.
constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                    "#8c564b", "#e377c2", "#bcbd22", "#17becf"};
constexpr const char* kFont = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif";
constexpr double kCharWidth = 6.6;  // average advance of the 12px font, for layout only

std::string F(double v) {  // a coordinate
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A path command with one point, "L12.5,40.0".
std::string Cmd(char c, double x, double y) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%c%.1f,%.1f", c, x, y);
  return buf;
}

double TextWidth(std::string_view s) { return kCharWidth * static_cast<double>(s.size()); }

std::string TickLabel(double v, double step) {
  char buf[32];
  if (v == 0) return "0";
  const double a = std::fabs(v);
  if (a >= 1e5 || a < 1e-3) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  } else {
    const int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(step) + 1e-9)), 0, 6);
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  }
  return buf;
}

std::string LogTickLabel(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void Add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool Empty() const { return !(lo <= hi); }
};

// A linear or logarithmic map from data to pixels.
struct Scale {
  double lo, hi, px_lo, px_hi;
  bool log = false;
  double operator()(double v) const {
    const double t = log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo))
                         : (v - lo) / (hi - lo);
    return px_lo + t * (px_hi - px_lo);
  }
};

// Widens a data range into an axis range: a margin on each side, and a non-empty span.
std::pair<double, double> Pad(Range r, bool log, double fraction) {
  if (r.Empty()) return log ? std::pair{1.0, 10.0} : std::pair{0.0, 1.0};
  if (log) {
    double l = std::log10(r.lo), h = std::log10(r.hi);
    if (h - l < 1e-9) {
      l -= 0.5;
      h += 0.5;
    }
    const double m = (h - l) * fraction;
    return {std::pow(10.0, l - m), std::pow(10.0, h + m)};
  }
  double l = r.lo, h = r.hi;
  if (h - l < 1e-12 * std::max(1.0, std::fabs(h))) {
    const double w = std::max(std::fabs(h) * 0.1, 0.5);
    l -= w;
    h += w;
  }
  const double m = (h - l) * fraction;
  return {l - m, h + m};
}

std::vector<double> LogTicks(double lo, double hi) {
  const int e0 = static_cast<int>(std::floor(std::log10(lo))),
            e1 = static_cast<int>(std::ceil(std::log10(hi)));
  const int decades = e1 - e0;
  std::vector<double> t;
  const int every = std::max(1, decades / 7);
  for (int e = e0; e <= e1; e += every) {
    for (double m : decades <= 2 ? std::vector<double>{1, 2, 5} : std::vector<double>{1}) {
      const double v = m * std::pow(10.0, e);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) t.push_back(v);
    }
  }
  return t;
}

struct Frame {
  double left, top, right, bottom;  // the plot area's edges in pixels
};

void OpenSvg(std::string& out, int width, int height, const std::string& title) {
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"" +
         std::to_string(width) + "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " +
         std::to_string(width) + " " + std::to_string(height) + "\" role=\"img\" aria-label=\"" +
         Escape(title) + "\" font-family=\"" + kFont + "\" font-size=\"12\">\n";
  out += "<title>" + Escape(title) + "</title>\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  out += "<text class=\"title\" x=\"" + F(width / 2.0) +
         "\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\" fill=\"#111\">" +
         Escape(title) + "</text>\n";
}

void Text(std::string& out, double x, double y, std::string_view anchor, const std::string& text,
          std::string_view extra = "") {
  out += "<text x=\"" + F(x) + "\" y=\"" + F(y) + "\" text-anchor=\"" + std::string(anchor) +
         "\" fill=\"#222\"" + (extra.empty() ? "" : " " + std::string(extra)) + ">" + Escape(text) +
         "</text>\n";
}

// Grid lines, tick labels and axis labels of a plot with numeric axes.
void Axes(std::string& out, const Frame& f, const Scale& xs, const std::vector<double>& x_ticks,
          double x_step, const Scale& ys, const std::vector<double>& y_ticks, double y_step,
          const std::string& x_label, const std::string& y_label) {
  out += "<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">\n";
  for (double t : x_ticks) {
    out += "<line x1=\"" + F(xs(t)) + "\" y1=\"" + F(f.top) + "\" x2=\"" + F(xs(t)) + "\" y2=\"" +
           F(f.bottom) + "\"/>\n";
  }
  for (double t : y_ticks) {
    out += "<line x1=\"" + F(f.left) + "\" y1=\"" + F(ys(t)) + "\" x2=\"" + F(f.right) +
           "\" y2=\"" + F(ys(t)) + "\"/>\n";
  }
  out += "</g>\n<g class=\"axes\">\n";
  out += "<rect class=\"frame\" x=\"" + F(f.left) + "\" y=\"" + F(f.top) + "\" width=\"" +
         F(f.right - f.left) + "\" height=\"" + F(f.bottom - f.top) +
         "\" fill=\"none\" stroke=\"#555\"/>\n";
  for (double t : x_ticks) {
    out += "<line x1=\"" + F(xs(t)) + "\" y1=\"" + F(f.bottom) + "\" x2=\"" + F(xs(t)) +
           "\" y2=\"" + F(f.bottom + 4) + "\" stroke=\"#555\"/>\n";
    Text(out, xs(t), f.bottom + 17, "middle", TickLabel(t, x_step));
  }
  for (double t : y_ticks) {
    out += "<line x1=\"" + F(f.left - 4) + "\" y1=\"" + F(ys(t)) + "\" x2=\"" + F(f.left) +
           "\" y2=\"" + F(ys(t)) + "\" stroke=\"#555\"/>\n";
    Text(out, f.left - 7, ys(t) + 4, "end", ys.log ? LogTickLabel(t) : TickLabel(t, y_step));
  }
  Text(out, (f.left + f.right) / 2, f.bottom + 36, "middle", x_label, "class=\"x-label\"");
  const double cy = (f.top + f.bottom) / 2;
  Text(out, 14, cy, "middle", y_label,
       "class=\"y-label\" transform=\"rotate(-90 14 " + F(cy) + ")\"");
  out += "</g>\n";
}

struct LegendEntry {
  std::string label, color;
  bool dashed, markers, filled;
};

// Where the legend goes: in a column right of the plot, or, when that column would take more
// than 30% of the width (long labels), in rows below the plot.
struct LegendPlace {
  double right_width = 0;                     // taken from the plot area's width
  double extra_height = 0;                    // added below the plot
  std::vector<std::pair<double, double>> at;  // each entry's position
};

LegendPlace PlaceLegend(const std::vector<LegendEntry>& entries, double width, double height) {
  LegendPlace p;
  if (entries.empty()) return p;
  double widest = 0;
  for (const auto& e : entries) widest = std::max(widest, TextWidth(e.label));
  if (widest + 44 <= 0.3 * width) {
    p.right_width = widest + 44;
    const double x = width - p.right_width - 2;
    for (size_t i = 0; i < entries.size(); ++i)
      p.at.emplace_back(x, 42 + 18.0 * static_cast<double>(i));
    return p;
  }
  double x = 64, y = height + 4;
  for (const auto& e : entries) {
    const double w = 30 + TextWidth(e.label) + 18;
    if (x > 64 && x + w > width - 8) {
      x = 64;
      y += 18;
    }
    p.at.emplace_back(x, y);
    x += w;
  }
  p.extra_height = y - height + 14;
  return p;
}

void Legend(std::string& out, const std::vector<LegendEntry>& entries, const LegendPlace& place) {
  out += "<g class=\"legend\">\n";
  for (size_t i = 0; i < entries.size(); ++i) {
    const LegendEntry& e = entries[i];
    const double x = place.at[i].first, cy = place.at[i].second;
    if (e.filled) {
      out += "<rect x=\"" + F(x) + "\" y=\"" + F(cy - 6) + "\" width=\"24\" height=\"10\" fill=\"" +
             e.color + "\" fill-opacity=\"0.45\" stroke=\"" + e.color + "\"/>\n";
    } else {
      out += "<line x1=\"" + F(x) + "\" y1=\"" + F(cy - 1) + "\" x2=\"" + F(x + 24) + "\" y2=\"" +
             F(cy - 1) + "\" stroke=\"" + e.color + "\" stroke-width=\"2\"" +
             (e.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>\n";
    }
    if (e.markers) {
      out += "<circle cx=\"" + F(x + 12) + "\" cy=\"" + F(cy - 1) + "\" r=\"3\" fill=\"" + e.color +
             "\"/>\n";
    }
    Text(out, x + 30, cy + 3, "start", e.label);
  }
  out += "</g>\n";
}

void AddLegendEntry(std::vector<LegendEntry>& entries, LegendEntry e) {
  if (e.label.empty()) return;
  for (const auto& have : entries) {
    if (have.label == e.label) return;
  }
  entries.push_back(std::move(e));
}

void NoData(std::string& out, const Frame& f) {
  Text(out, (f.left + f.right) / 2, (f.top + f.bottom) / 2, "middle", "no data",
       "class=\"no-data\" fill-opacity=\"0.7\"");
}

std::string ClipPath(std::string& out, Document& doc, const Frame& f) {
  const std::string id = doc.NextId();
  out += "<clipPath id=\"" + id + "\"><rect x=\"" + F(f.left) + "\" y=\"" + F(f.top) +
         "\" width=\"" + F(f.right - f.left) + "\" height=\"" + F(f.bottom - f.top) +
         "\"/></clipPath>\n";
  return id;
}

}  // namespace

std::string Document::ColorOf(std::string_view key) {
  auto it = std::find(keys_.begin(), keys_.end(), key);
  size_t i = static_cast<size_t>(it - keys_.begin());
  if (it == keys_.end()) keys_.emplace_back(key);
  return kPalette[i % std::size(kPalette)];
}

std::string Document::NextId() { return "plot-clip-" + std::to_string(next_id_++); }

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::vector<double> NiceTicks(double lo, double hi, int target, bool integer) {
  std::vector<double> t;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return t;
  const double raw = (hi - lo) / std::max(1, target);
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  // The nice step nearest the raw one (Heckbert's rounding), so that there are about `target`.
  const double r = raw / p;
  double step = (r < 1.5 ? 1.0 : r < 3.0 ? 2.0 : r < 7.0 ? 5.0 : 10.0) * p;
  if (integer) step = std::max(1.0, std::round(step));
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    t.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  }
  return t;
}

std::string Render(const LinePlot& plot, Document& doc) {
  Range xr, yr;
  for (const Series& s : plot.series) {
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.x[i])) continue;
      for (const auto* v : {&s.y, &s.y_lo, &s.y_hi}) {
        if (i < v->size() && (!plot.log_y || (*v)[i] > 0)) {
          yr.Add((*v)[i]);
          if (std::isfinite((*v)[i])) xr.Add(s.x[i]);
        }
      }
    }
  }
  auto [x_lo, x_hi] = Pad(xr, false, 0.0);
  auto [y_lo, y_hi] = Pad(yr, plot.log_y, 0.05);
  if (!std::isnan(plot.x_min)) x_lo = plot.x_min;
  if (!std::isnan(plot.x_max)) x_hi = plot.x_max;
  if (!std::isnan(plot.y_min)) y_lo = plot.y_min;
  if (!std::isnan(plot.y_max)) y_hi = plot.y_max;

  std::vector<LegendEntry> legend;
  for (const Series& s : plot.series) {
    const std::string key = s.color_key.empty() ? s.label : s.color_key;
    AddLegendEntry(legend, {s.label, doc.ColorOf(key), s.dashed, s.markers, false});
  }
  const LegendPlace place = PlaceLegend(legend, plot.width, plot.height);
  const Frame f{64, 34, plot.width - 16 - place.right_width, plot.height - 48.0};
  const Scale xs{x_lo, x_hi, f.left, f.right};
  const Scale ys{y_lo, y_hi, f.bottom, f.top, plot.log_y};
  const auto x_ticks = NiceTicks(x_lo, x_hi, 7, plot.integer_x);
  const auto y_ticks = plot.log_y ? LogTicks(y_lo, y_hi) : NiceTicks(y_lo, y_hi, 6);
  const double x_step = x_ticks.size() > 1 ? x_ticks[1] - x_ticks[0] : 1;
  const double y_step = y_ticks.size() > 1 ? y_ticks[1] - y_ticks[0] : 1;

  std::string out;
  OpenSvg(out, plot.width, static_cast<int>(plot.height + place.extra_height), plot.title);
  Axes(out, f, xs, x_ticks, x_step, ys, y_ticks, y_step, plot.x_label, plot.y_label);
  const std::string clip = ClipPath(out, doc, f);
  out += "<g class=\"data\" clip-path=\"url(#" + clip + ")\">\n";
  for (const Series& s : plot.series) {
    const std::string color = doc.ColorOf(s.color_key.empty() ? s.label : s.color_key);
    const auto ok = [&](size_t i, const std::vector<double>& v) {
      return i < v.size() && std::isfinite(s.x[i]) && std::isfinite(v[i]) &&
             (!plot.log_y || v[i] > 0);
    };
    out += "<g class=\"series\" data-series=\"" + Escape(s.label) + "\">\n";
    // The band: one polygon per run of points where both bounds exist.
    if (!s.y_lo.empty() && !s.y_hi.empty()) {
      std::string d;
      for (size_t i = 0; i < s.x.size();) {
        size_t j = i;
        while (j < s.x.size() && ok(j, s.y_lo) && ok(j, s.y_hi)) ++j;
        if (j > i + 1) {
          for (size_t k = i; k < j; ++k) {
            d += Cmd(k == i ? 'M' : 'L', xs(s.x[k]), ys(s.y_hi[k]));
          }
          for (size_t k = j; k-- > i;) d += Cmd('L', xs(s.x[k]), ys(s.y_lo[k]));
          d += "Z";
        }
        i = j + 1;
      }
      if (!d.empty()) {
        out += "<path class=\"band\" d=\"" + d + "\" fill=\"" + color +
               "\" fill-opacity=\"0.15\" stroke=\"none\"/>\n";
      }
    }
    std::string d;
    bool pen = false;
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!ok(i, s.y)) {
        pen = false;
        continue;
      }
      d += Cmd(pen ? 'L' : 'M', xs(s.x[i]), ys(s.y[i]));
      pen = true;
    }
    if (!d.empty()) {
      out += "<path class=\"line\" d=\"" + d + "\" fill=\"none\" stroke=\"" + color +
             "\" stroke-width=\"2\" stroke-linejoin=\"round\"" +
             (s.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>\n";
    }
    if (s.markers) {
      for (size_t i = 0; i < s.x.size(); ++i) {
        if (!ok(i, s.y)) continue;
        out += "<circle cx=\"" + F(xs(s.x[i])) + "\" cy=\"" + F(ys(s.y[i])) +
               "\" r=\"3.5\" fill=\"" + color + "\"/>\n";
      }
    }
    out += "</g>\n";
  }
  out += "</g>\n";
  if (yr.Empty()) NoData(out, f);
  Legend(out, legend, place);
  out += "</svg>\n";
  return out;
}

std::string Render(const Histogram& plot, Document& doc) {
  struct Bins {
    const HistogramSeries* s;
    std::vector<double> height;  // density of each bin
    double total = 0;
  };
  std::vector<Bins> bins;
  Range xr;
  double tallest = 0, rest = 0;  // the tallest bin; the tallest once each series' peak is left out
  for (const HistogramSeries& s : plot.series) {
    Bins b{&s, {}, 0};
    for (double c : s.counts) b.total += std::isfinite(c) && c > 0 ? c : 0;
    const double width = (s.hi - s.lo) / static_cast<double>(std::max<size_t>(1, s.counts.size()));
    if (b.total <= 0 || !(width > 0) || !std::isfinite(width)) continue;
    for (double c : s.counts)
      b.height.push_back((std::isfinite(c) && c > 0 ? c : 0) / b.total / width);
    const size_t peak =
        static_cast<size_t>(std::max_element(b.height.begin(), b.height.end()) - b.height.begin());
    tallest = std::max(tallest, b.height[peak]);
    for (size_t i = 0; i < b.height.size(); ++i) {
      if (i != peak) rest = std::max(rest, b.height[i]);
    }
    xr.Add(s.lo);
    xr.Add(s.hi);
    bins.push_back(std::move(b));
  }
  // A peak more than 3 times every other bin (the spike at 0 of a ReLU layer) would flatten
  // the rest: the axis stops above the others and the cut bins are labelled with their share.
  double y_top = tallest > 0 ? tallest * 1.05 : 1;
  if (rest > 0 && tallest > 3 * rest) y_top = rest * 1.6;
  std::vector<LegendEntry> legend;
  for (const HistogramSeries& s : plot.series) {
    const std::string key = s.color_key.empty() ? s.label : s.color_key;
    AddLegendEntry(legend,
                   {s.label, s.filled ? doc.ColorOf(key) : "#555555", !s.filled, false, s.filled});
  }
  const auto [x_lo, x_hi] = Pad(xr, false, 0.0);
  const LegendPlace place = PlaceLegend(legend, plot.width, plot.height);
  const Frame f{64, 34, plot.width - 12 - place.right_width, plot.height - 48.0};
  const Scale xs{x_lo, x_hi, f.left, f.right};
  const Scale ys{0, y_top, f.bottom, f.top};
  const auto x_ticks = NiceTicks(x_lo, x_hi, 5);
  const auto y_ticks = NiceTicks(0, y_top, 4);
  std::string out;
  OpenSvg(out, plot.width, static_cast<int>(plot.height + place.extra_height), plot.title);
  Axes(out, f, xs, x_ticks, x_ticks.size() > 1 ? x_ticks[1] - x_ticks[0] : 1, ys, y_ticks,
       y_ticks.size() > 1 ? y_ticks[1] - y_ticks[0] : 1, plot.x_label, plot.y_label);
  const std::string clip = ClipPath(out, doc, f);
  std::string labels;
  out += "<g class=\"data\" clip-path=\"url(#" + clip + ")\">\n";
  // Outlines (reference distributions) are drawn last, on top of the filled areas.
  for (bool filled : {true, false}) {
    for (const Bins& b : bins) {
      const HistogramSeries& s = *b.s;
      if (s.filled != filled) continue;
      const std::string color =
          filled ? doc.ColorOf(s.color_key.empty() ? s.label : s.color_key) : "#555555";
      const double w = (s.hi - s.lo) / static_cast<double>(b.height.size());
      std::string d = Cmd('M', xs(s.lo), ys(0));
      for (size_t i = 0; i < b.height.size(); ++i) {
        const double x0 = s.lo + w * static_cast<double>(i), x1 = x0 + w;
        const double h = std::min(b.height[i], y_top * 1.02);
        d += Cmd('L', xs(x0), ys(h));
        d += Cmd('L', xs(x1), ys(h));
        if (b.height[i] > y_top) {
          char share[32];
          std::snprintf(share, sizeof share, "%.0f%%", 100 * b.height[i] * w);
          labels += "<text class=\"cut\" x=\"" + F(xs((x0 + x1) / 2) + 3) + "\" y=\"" +
                    F(f.top + (filled ? 12 : 26)) + "\" fill=\"" + color + "\">&#8593; " + share +
                    "</text>\n";
        }
      }
      d += Cmd('L', xs(s.hi), ys(0));
      d += 'Z';
      out += "<g class=\"series\" data-series=\"" + Escape(s.label) + "\">\n<path d=\"" + d +
             "\" fill=\"" + (filled ? color : "none") + "\" fill-opacity=\"0.45\" stroke=\"" +
             color + "\" stroke-width=\"" + (filled ? "1.2" : "1.5") + "\"" +
             (filled ? "" : " stroke-dasharray=\"4 3\"") + "/>\n</g>\n";
    }
  }
  out += "</g>\n" + labels;
  if (bins.empty()) NoData(out, f);
  Legend(out, legend, place);
  out += "</svg>\n";
  return out;
}

std::string Render(const BarChart& plot, Document& doc) {
  double label_width = 0;
  Range r;
  if (plot.from_zero) r.Add(0);
  for (const Bar& b : plot.bars) {
    label_width = std::max(label_width, TextWidth(b.label));
    for (double v : {b.value, b.lo, b.hi}) r.Add(v);
  }
  label_width = std::min(label_width + 12, plot.width * 0.45);
  const double row = 24;
  const int height = static_cast<int>(34 + row * static_cast<double>(plot.bars.size()) + 52);
  const Frame f{label_width, 34, plot.width - 70.0, height - 52.0};
  auto [lo, hi] = Pad(r, false, plot.from_zero ? 0.0 : 0.1);
  if (plot.from_zero) {
    lo = std::min(0.0, r.Empty() ? 0.0 : r.lo);
    hi = r.Empty() ? 1.0 : std::max(hi, 0.0) + (hi - lo) * 0.05;
  }
  const Scale xs{lo, hi, f.left, f.right};
  const auto ticks = NiceTicks(lo, hi, 6);
  const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1;
  std::string out;
  OpenSvg(out, plot.width, height, plot.title);
  out += "<g class=\"grid\" stroke=\"#e3e3e3\">\n";
  for (double t : ticks) {
    out += "<line x1=\"" + F(xs(t)) + "\" y1=\"" + F(f.top) + "\" x2=\"" + F(xs(t)) + "\" y2=\"" +
           F(f.bottom) + "\"/>\n";
  }
  out += "</g>\n<g class=\"axes\">\n";
  out += "<line x1=\"" + F(f.left) + "\" y1=\"" + F(f.bottom) + "\" x2=\"" + F(f.right) +
         "\" y2=\"" + F(f.bottom) + "\" stroke=\"#555\"/>\n";
  for (double t : ticks) {
    out += "<line x1=\"" + F(xs(t)) + "\" y1=\"" + F(f.bottom) + "\" x2=\"" + F(xs(t)) +
           "\" y2=\"" + F(f.bottom + 4) + "\" stroke=\"#555\"/>\n";
    Text(out, xs(t), f.bottom + 17, "middle", TickLabel(t, step));
  }
  Text(out, (f.left + f.right) / 2, f.bottom + 38, "middle", plot.x_label, "class=\"x-label\"");
  // The area the bars may take, marked for tools (and tests) that look for the data.
  out += "<rect class=\"frame\" x=\"" + F(f.left) + "\" y=\"" + F(f.top) + "\" width=\"" +
         F(f.right - f.left) + "\" height=\"" + F(f.bottom - f.top) + "\" fill=\"none\"/>\n";
  out += "</g>\n<g class=\"data\">\n";
  for (size_t i = 0; i < plot.bars.size(); ++i) {
    const Bar& b = plot.bars[i];
    const std::string color = doc.ColorOf(b.color_key.empty() ? b.label : b.color_key);
    const double cy = f.top + row * (static_cast<double>(i) + 0.5);
    Text(out, f.left - 8, cy + 4, "end", b.label);
    out += "<g class=\"series\" data-series=\"" + Escape(b.label) + "\">\n";
    double end = xs(b.value);
    if (plot.from_zero && std::isfinite(b.value)) {
      const double x0 = std::min(xs(0), xs(b.value)), x1 = std::max(xs(0), xs(b.value));
      out += "<rect x=\"" + F(x0) + "\" y=\"" + F(cy - row * 0.35) + "\" width=\"" +
             F(std::max(x1 - x0, 1.0)) + "\" height=\"" + F(row * 0.7) + "\" fill=\"" + color +
             "\"/>\n";
    }
    if (std::isfinite(b.lo) && std::isfinite(b.hi)) {
      const std::string stroke = plot.from_zero ? "#222" : color;
      const std::string d = Cmd('M', xs(b.lo), cy) + Cmd('L', xs(b.hi), cy) +
                            Cmd('M', xs(b.lo), cy - 5) + Cmd('L', xs(b.lo), cy + 5) +
                            Cmd('M', xs(b.hi), cy - 5) + Cmd('L', xs(b.hi), cy + 5);
      out += "<path class=\"whisker\" d=\"" + d + "\" stroke=\"" + stroke +
             "\" stroke-width=\"1.5\" fill=\"none\"/>\n";
      end = std::max(end, xs(b.hi));
    }
    if (!plot.from_zero && std::isfinite(b.value)) {
      out += "<circle cx=\"" + F(xs(b.value)) + "\" cy=\"" + F(cy) + "\" r=\"5\" fill=\"" + color +
             "\"/>\n";
    }
    out += "</g>\n";
    if (std::isfinite(b.value)) {
      char v[32];
      std::snprintf(v, sizeof v, "%.*g", plot.value_digits, b.value);
      Text(out, end + 8, cy + 4, "start", v, "class=\"value\"");
    }
  }
  out += "</g>\n";
  if (plot.bars.empty()) NoData(out, f);
  out += "</svg>\n";
  return out;
}

}  // namespace activ::svg
