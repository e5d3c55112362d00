// The SVG plotting library: ticks, colours per series name, what a plot draws for its data (lines
// broken at gaps, log axes, bands, dashes), histograms with cut peaks, bar charts.
#include "lab/report/svg_plot.h"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace activ::svg {
namespace {

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The d attribute of the index-th path with the given class.
std::string PathData(const std::string& svg, const std::string& cls, size_t index = 0) {
  const std::string open = "<path class=\"" + cls + "\" d=\"";
  size_t at = svg.find(open);
  for (size_t i = 0; i < index && at != std::string::npos; ++i) at = svg.find(open, at + 1);
  if (at == std::string::npos) return "(none)";
  at += open.size();
  return svg.substr(at, svg.find('"', at) - at);
}

TEST(NiceTicks, StepsOfOneTwoOrFive) {
  EXPECT_EQ(NiceTicks(0, 1, 5), (std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}));
  const auto t = NiceTicks(-4.3, 7.9, 6);
  EXPECT_EQ(t.front(), -4);
  EXPECT_EQ(t.back(), 6);
  EXPECT_DOUBLE_EQ(t[1] - t[0], 2);
  EXPECT_EQ(NiceTicks(0, 2, 7, /*integer=*/true), (std::vector<double>{0, 1, 2}));
  EXPECT_TRUE(NiceTicks(1, 1, 5).empty());
  EXPECT_TRUE(NiceTicks(0, NAN, 5).empty());
}

TEST(Document, OneColourPerNameInFirstSeenOrder) {
  Document doc;
  const std::string relu = doc.ColorOf("relu"), gelu = doc.ColorOf("gelu");
  EXPECT_NE(relu, gelu);
  EXPECT_EQ(doc.ColorOf("relu"), relu);
  Document other;
  other.Reserve("relu");
  EXPECT_EQ(other.ColorOf("relu"), relu) << "the same order gives the same colours";
  EXPECT_NE(doc.NextId(), doc.NextId());
}

TEST(LinePlot, DrawsEverySeriesWithItsStyleAndBreaksAtGaps) {
  Document doc;
  LinePlot p;
  p.title = "a <b> & c";
  p.x_label = "epoch";
  p.y_label = "loss";
  Series solid;
  solid.label = "relu";
  solid.x = {0, 1, 2, 3, 4};
  solid.y = {1, 2, NAN, 4, 5};  // a gap: two pieces
  Series dashed;
  dashed.label = "relu′";
  dashed.color_key = "relu";
  dashed.dashed = true;
  dashed.x = {0, 1};
  dashed.y = {3, 3};
  p.series = {solid, dashed};
  const std::string svg = Render(p, doc);
  EXPECT_NE(svg.find("<title>a &lt;b&gt; &amp; c</title>"), std::string::npos);
  EXPECT_NE(svg.find(">epoch</text>"), std::string::npos);
  EXPECT_NE(svg.find(">loss</text>"), std::string::npos);
  EXPECT_EQ(Count(PathData(svg, "line", 0), "M"), 2u);
  EXPECT_EQ(Count(PathData(svg, "line", 0), "L"), 2u);
  // Both series in relu's colour, the second dashed, and both in the legend.
  EXPECT_EQ(Count(svg, "stroke=\"" + doc.ColorOf("relu") + "\""), 4u);
  EXPECT_EQ(Count(svg, "stroke-dasharray=\"6 4\""), 2u);
  EXPECT_NE(svg.find(">relu′</text>"), std::string::npos);
  // The data is clipped to the frame.
  EXPECT_NE(svg.find("clip-path=\"url(#plot-clip-0)\""), std::string::npos);
  EXPECT_EQ(svg.find("no data"), std::string::npos);
}

TEST(LinePlot, LogScaleSkipsValuesThatHaveNoLogarithm) {
  Document doc;
  LinePlot p;
  p.log_y = true;
  Series s;
  s.label = "norm";
  s.x = {0, 1, 2, 3};
  s.y = {1e-3, 0, 1e-1, 1};
  p.series = {s};
  const std::string svg = Render(p, doc);
  EXPECT_EQ(Count(PathData(svg, "line"), "M"), 2u);
  EXPECT_NE(svg.find(">0.001</text>"), std::string::npos);
  EXPECT_NE(svg.find(">1</text>"), std::string::npos);
}

TEST(LinePlot, BandsAndMarkersAndEmptyPlots) {
  Document doc;
  LinePlot p;
  Series s;
  s.label = "a";
  s.x = {0, 1, 2};
  s.y = {1, 2, 3};
  s.y_lo = {0.5, 1.5, 2.5};
  s.y_hi = {1.5, 2.5, 3.5};
  s.markers = true;
  p.series = {s};
  const std::string svg = Render(p, doc);
  EXPECT_EQ(Count(PathData(svg, "band"), "L"), 5u);  // 3 points up, 3 back, one M
  EXPECT_EQ(Count(svg, "<circle"), 3u + 1u);         // the points and the legend's marker
  LinePlot empty;
  empty.title = "nothing";
  EXPECT_NE(Render(empty, doc).find("no data"), std::string::npos);
}

TEST(Histogram, CutsAPeakThatDwarfsTheRestAndLabelsItsShare) {
  Document doc;
  Histogram h;
  h.series.push_back({"end", "relu", 0, 4, {70, 10, 10, 10}, true});
  const std::string svg = Render(h, doc);
  EXPECT_NE(svg.find("class=\"cut\""), std::string::npos);
  EXPECT_NE(svg.find("70%"), std::string::npos);
  Histogram flat;
  flat.series.push_back({"end", "relu", 0, 4, {20, 30, 25, 25}, true});
  EXPECT_EQ(Render(flat, doc).find("class=\"cut\""), std::string::npos);
}

TEST(Histogram, OutlineSeriesAreDashedGrey) {
  Document doc;
  Histogram h;
  h.series.push_back({"end", "relu", -1, 1, {1, 2, 3}, true});
  h.series.push_back({"start", "", -2, 2, {3, 2, 1}, false});
  const std::string svg = Render(h, doc);
  EXPECT_EQ(Count(svg, "class=\"series\""), 2u);
  EXPECT_NE(svg.find("fill=\"none\" fill-opacity=\"0.45\" stroke=\"#555555\""), std::string::npos);
  EXPECT_NE(svg.find(">-2</text>"), std::string::npos) << "the axis covers both ranges";
}

TEST(BarChart, BarsFromZeroOrDotsWithRanges) {
  Document doc;
  BarChart bars;
  bars.bars = {{"relu", "", 2.0}, {"tanh", "", 3.0, 2.5, 3.5}};
  const std::string svg = Render(bars, doc);
  EXPECT_EQ(Count(svg, "<rect x="), 2u);
  EXPECT_EQ(Count(svg, "class=\"whisker\""), 1u);
  EXPECT_NE(svg.find(">relu</text>"), std::string::npos);
  bars.from_zero = false;
  const std::string dots = Render(bars, doc);
  EXPECT_EQ(Count(dots, "<rect x="), 0u);
  EXPECT_EQ(Count(dots, "<circle"), 2u);
}

TEST(Escape, AllFiveCharacters) {
  EXPECT_EQ(Escape("<a href='x'>&\""), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;");
}

}  // namespace
}  // namespace activ::svg
