// The lab report: reading the lab's files (the committed fixture, and broken variants refused
// with a one-line message naming file and line), and what the page holds.
#include "report.h"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "activ/activ.h"
#include "files.h"

namespace activ::report {
namespace {

namespace fs = std::filesystem;

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A scratch lab directory with the given files.
class LabDir {
 public:
  LabDir(const std::string& summary, const std::string& log) {
    char tmpl[] = "/tmp/report_test.XXXXXX";
    path_ = ::mkdtemp(tmpl);
    if (!summary.empty()) io::WriteFileAtomically(path_ + "/summary.json", summary);
    if (!log.empty()) io::WriteFileAtomically(path_ + "/log.jsonl", log);
  }
  ~LabDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const char* kSummary = R"({"runs":[{"run":"a","activation":"relu","seed":0,"test_accuracy":0.9,
  "stopped":"completed"}],"task":"classification","dataset":"d"})";
const char* kRun = R"({"type":"run","run":"a","activation":"relu","seed":0,"hidden":[4,4]})";

TEST(ReadLab, ReadsTheFixture) {
  const LabResults r = ReadLab(ACTIV_LAB_FIXTURE);
  ASSERT_EQ(r.runs.size(), 8u);
  EXPECT_EQ(r.task, "classification");
  EXPECT_EQ(r.runs[0].run, "relu-s0");
  EXPECT_EQ(r.runs[0].hidden, (std::vector<long long>{64, 32}));
  EXPECT_TRUE(r.runs[0].in_summary);
  // leaky_relu runs carry their parameter.
  const auto leaky = std::find_if(r.runs.begin(), r.runs.end(), [](const activ::report::Run& run) {
    return run.activation == "leaky_relu";
  });
  ASSERT_NE(leaky, r.runs.end());
  EXPECT_EQ(leaky->params_text, "negative_slope=0.1");
  // Epoch 0 included, sorted; one record per hidden layer per epoch.
  const auto& epochs = r.epochs.at("tanh-s0");
  EXPECT_EQ(epochs.front().epoch, 0);
  EXPECT_EQ(epochs.back().epoch, 8);
  EXPECT_EQ(r.layers.at("tanh-s0").size(), 9u * 2u);
  EXPECT_EQ(r.layers.at("tanh-s0").back().hist.size(), 32u);
  // relu-s1 stopped early after 6 epochs.
  EXPECT_EQ(r.epochs.at("relu-s1").back().epoch, 6);
}

TEST(ReadLab, RefusesBrokenDirectoriesWithTheFileAndLine) {
  struct Case {
    const char* what;
    std::string summary, log, message;  // message: after the directory's path
  };
  const std::string epoch = R"({"type":"epoch","run":"a","epoch":0,"train_loss":1})";
  const Case cases[] = {
      {"no summary", "", std::string(kRun) + "\n", "/summary.json: No such file or directory"},
      {"no log", kSummary, "", "/log.jsonl: No such file or directory"},
      {"summary not JSON", "{\"runs\": [", std::string(kRun) + "\n",
       "/summary.json: not valid JSON: parse error at line 1, column 11"},
      {"summary without runs", "{}", std::string(kRun) + "\n", "/summary.json: no \"runs\" array"},
      {"no runs", R"({"runs":[]})", "\n", "/summary.json: no runs"},
      {"bad line", kSummary, std::string(kRun) + "\n" + epoch + "\n{oops\n",
       "/log.jsonl:3: not valid JSON: parse error at line 1, column 2"},
      {"record without run", kSummary, std::string(kRun) + "\n{\"type\":\"epoch\",\"epoch\":1}\n",
       "/log.jsonl:2: the \"epoch\" record lacks \"run\""},
      {"epoch not an integer", kSummary,
       std::string(kRun) + "\n{\"type\":\"epoch\",\"run\":\"a\",\"epoch\":\"x\"}\n",
       "/log.jsonl:2: \"epoch\" is not an integer"},
      {"loss not a number", kSummary,
       std::string(kRun) + "\n{\"type\":\"epoch\",\"run\":\"a\",\"epoch\":1,\"val_loss\":\"x\"}\n",
       "/log.jsonl:2: \"val_loss\" is not a number"},
      {"undeclared run", kSummary,
       std::string(kRun) + "\n{\"type\":\"layer\",\"run\":\"b\",\"epoch\":0,\"layer\":0}\n",
       "/log.jsonl:2: a \"layer\" record of run 'b', which no earlier \"run\" record declares"},
      {"summary run without record", kSummary, epoch + "\n",
       "/log.jsonl:1: a \"epoch\" record of run 'a', which no earlier"},
      {"hist not numbers", kSummary,
       std::string(kRun) + "\n{\"type\":\"layer\",\"run\":\"a\",\"epoch\":0,\"layer\":0,"
                           "\"hist\":[1,\"x\"]}\n",
       "/log.jsonl:2: \"hist\" holds something other than numbers"},
      {"run twice", kSummary, std::string(kRun) + "\n" + kRun + "\n",
       "/log.jsonl:2: run 'a' is declared twice"},
  };
  for (const Case& c : cases) {
    const LabDir dir(c.summary, c.log);
    const std::string message = ErrorOf([&] { ReadLab(dir.path()); });
    EXPECT_NE(message.find(dir.path() + c.message), std::string::npos) << c.what << ": " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << c.what;
  }
}

TEST(ReadLab, ToleratesNullsUnknownKeysAndLaterRecordTypes) {
  const LabDir dir(kSummary, std::string(kRun) + "\n" +
                                 R"({"type":"epoch","run":"a","epoch":0,"train_loss":null,"new":1})"
                                 "\n"
                                 R"({"type":"checkpoint","run":"a"})"
                                 "\n\n");
  const LabResults r = ReadLab(dir.path());
  EXPECT_TRUE(std::isnan(r.epochs.at("a")[0].train_loss));
  EXPECT_EQ(r.epochs.at("a").size(), 1u);
}

// A lab interrupted before it wrote a run's summary: the run is still reported from its epochs.
TEST(ReadLab, ARunMissingFromTheSummaryIsTakenFromItsEpochs) {
  const LabDir dir(kSummary,
                   std::string(kRun) + "\n" +
                       R"({"type":"run","run":"b","activation":"tanh","seed":0})"
                       "\n"
                       R"({"type":"epoch","run":"b","epoch":0,"train_loss":2,"seconds":0})"
                       "\n"
                       R"({"type":"epoch","run":"b","epoch":1,"train_loss":1,"seconds":3})"
                       "\n"
                       R"({"type":"epoch","run":"b","epoch":2,"train_loss":0.5,"seconds":5})"
                       "\n");
  const LabResults r = ReadLab(dir.path());
  ASSERT_EQ(r.runs.size(), 2u);
  EXPECT_EQ(r.runs[1].run, "b");
  EXPECT_FALSE(r.runs[1].in_summary);
  EXPECT_EQ(r.runs[1].seconds_per_epoch, 4);
  EXPECT_EQ(r.runs[1].final_train_loss, 0.5);
  EXPECT_EQ(r.runs[1].stopped, "not in summary.json");
  EXPECT_NE(RenderHtml(r).find("<td class=\"name\">b</td>"), std::string::npos);
}

TEST(RenderHtml, OneSelfContainedPageWithEveryPlot) {
  const LabResults r = ReadLab(ACTIV_LAB_FIXTURE);
  const std::string html = RenderHtml(r);
  // Four activations, two layers: 4 function plots, 4 curves, 2x2 unit plots, 1 + 2 gradient
  // plots, 4x2 histograms, 2 summary charts.
  EXPECT_EQ(Count(html, "<svg "), 4u + 4u + 4u + 3u + 8u + 2u);
  for (const char* id :
       {"reading", "summary", "functions", "curves", "units", "gradients", "histograms", "runs"}) {
    EXPECT_NE(html.find(std::string("<section id=\"") + id + "\">"), std::string::npos) << id;
  }
  // Nothing to fetch: no scripts, no links, no external resources.
  EXPECT_EQ(Count(html, "http"), Count(html, "http://www.w3.org/2000/svg"));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_NE(html.find("@media print"), std::string::npos);
  // The fixture says it is one, and the page says so too.
  EXPECT_NE(html.find("Test fixture"), std::string::npos);
  // Every run is in the table.
  for (const activ::report::Run& run : r.runs) {
    EXPECT_NE(html.find("<td class=\"name\">" + run.run + "</td>"), std::string::npos) << run.run;
  }
}

// The reading names the activation with the best mean test accuracy, computed here from the
// runs directly, and the layer with the most dead units.
TEST(RenderText, TheReadingFollowsTheNumbers) {
  const LabResults r = ReadLab(ACTIV_LAB_FIXTURE);
  std::map<std::string, std::pair<double, int>> acc;
  for (const activ::report::Run& run : r.runs) {
    acc[run.activation].first += run.test_accuracy;
    acc[run.activation].second += 1;
  }
  std::string best;
  double best_mean = -1;
  for (const auto& [name, sum] : acc) {
    const double mean = sum.first / sum.second;
    if (mean > best_mean) best = name, best_mean = mean;
  }
  std::string most_dead;
  double dead = -1;
  for (const activ::report::Run& run : r.runs) {
    for (const Layer& l : r.layers.at(run.run)) {
      if (l.dead_fraction > dead) dead = l.dead_fraction, most_dead = run.activation;
    }
  }
  const std::string text = RenderText(r);
  char best_text[64];
  std::snprintf(best_text, sizeof best_text, "- %s had the highest test accuracy: %.1f%%",
                best.c_str(), 100 * best_mean);
  EXPECT_NE(text.find(best_text), std::string::npos) << text;
  EXPECT_NE(text.find("more dead units: " + most_dead + " layer"), std::string::npos) << text;
  EXPECT_NE(text.find("Stopped early (the validation loss had stopped improving): relu-s1"),
            std::string::npos);
}

TEST(WriteReport, WritesDirReportHtmlOrTheGivenPathAndNothingOnError) {
  char tmpl[] = "/tmp/report_out.XXXXXX";
  const std::string out = ::mkdtemp(tmpl);
  const std::string path = WriteReport(ACTIV_LAB_FIXTURE, out + "/r.html");
  EXPECT_EQ(path, out + "/r.html");
  EXPECT_GT(fs::file_size(path), 10000u);
  EXPECT_EQ(ErrorOf([&] { WriteReport(ACTIV_LAB_FIXTURE, out + "/missing/r.html"); }),
            "cannot write " + out + "/missing/r.html: No such file or directory");
  EXPECT_NE(ErrorOf([&] { WriteReport(out + "/nowhere", out + "/x.html"); }).find("cannot read"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(out + "/x.html"));
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(out)) files += e.is_regular_file();
  EXPECT_EQ(files, 1u) << "no temporary file left behind";
  fs::remove_all(out);
}

}  // namespace
}  // namespace activ::report
