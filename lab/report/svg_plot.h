// A small SVG plotting library: line plots of several series (optionally on a log-scale y axis,
// with a shaded band per series), histograms, and horizontal bar charts; every plot with a title,
// labelled axes, ticks, a grid and a legend. Output is plain SVG text, meant to be inlined in an
// HTML page (no scripts, no external fonts or files) or written as a .svg file, and readable in
// print: dark text on white, derivatives and reference curves told apart by dashes, not only
// by colour.
//
//   activ::svg::Document doc;               // one per page: colours and element ids
//   activ::svg::LinePlot p{.title = "gelu", .x_label = "x", .y_label = "y"};
//   p.series.push_back({.label = "gelu", .x = xs, .y = ys});
//   std::string svg = activ::svg::Render(p, doc);
#pragma once

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

namespace activ::svg {

// What the plots of one page share: the colour of each series key, given in the order keys are
// first seen (so one activation keeps its colour in every plot of a report), and a counter
// that keeps the ids of clip paths unique in the page.
class Document {
 public:
  std::string ColorOf(std::string_view key);
  std::string NextId();
  // Colours a key before any plot does, to fix the order (e.g. the order of a summary table).
  void Reserve(std::string_view key) { ColorOf(key); }

 private:
  std::vector<std::string> keys_;
  int next_id_ = 0;
};

struct Series {
  std::string label;      // legend text; series with the same label share one legend entry
  std::string color_key;  // the Document colour key; empty: the label
  std::vector<double> x, y;
  // Optional band drawn behind the line (e.g. the spread over seeds), same length as x.
  std::vector<double> y_lo, y_hi;
  bool dashed = false;
  bool markers = false;  // a dot at every point (for series of a few points)
};

struct LinePlot {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  bool log_y = false;      // values <= 0 then break the line
  bool integer_x = false;  // ticks only at whole numbers (epochs, layer indices)
  double x_min = NAN, x_max = NAN, y_min = NAN, y_max = NAN;  // NaN: from the data
  int width = 640, height = 360;
};

struct HistogramSeries {
  std::string label, color_key;
  double lo = 0, hi = 1;       // the range the bins cover, split evenly
  std::vector<double> counts;  // one per bin
  bool filled = true;          // filled area, or outline only (for a reference distribution)
};

// Each series is drawn as a density (count / total / bin width), so series with different bin
// ranges compare. A bin that dwarfs the others (e.g. the spike at 0 of a ReLU layer) is cut at
// the top of the plot and labelled with its share of the values.
struct Histogram {
  std::string title, x_label, y_label = "density";
  std::vector<HistogramSeries> series;
  int width = 320, height = 220;
};

struct Bar {
  std::string label, color_key;
  double value = 0;
  double lo = NAN, hi = NAN;  // optional range drawn as a whisker (e.g. min and max over seeds)
};

// Horizontal bars, one per row, so that long labels stay readable. With from_zero false the
// value is a dot on an axis fitted to the data: for values whose differences are small next to
// their size (accuracies), where bars from zero would all look the same.
struct BarChart {
  std::string title, x_label;
  std::vector<Bar> bars;
  bool from_zero = true;
  int value_digits = 3;  // significant digits of the value printed beside each bar
  int width = 640;
};

std::string Render(const LinePlot& plot, Document& doc);
std::string Render(const Histogram& plot, Document& doc);
std::string Render(const BarChart& plot, Document& doc);

// Text escaped for XML and HTML content and attribute values.
std::string Escape(std::string_view text);

// Tick positions covering [lo, hi]: 1, 2 or 5 times a power of ten apart, about `target` of them.
std::vector<double> NiceTicks(double lo, double hi, int target, bool integer = false);

}  // namespace activ::svg
