// The lab report: reading the lab's files (the committed fixture, and broken variants refused
// with a one-line message naming file and line), and what the page holds.
#include "lab/report/report.h"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "activ/activ.h"
#include "io/files.h"

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

const char* kSummary = R"({"data":{"name":"d","classes":2},"runs":[{"run":0,"activation":"relu",
  "seed":1,"test_accuracy":0.9,"stop_reason":"max_epochs"}]})";
const char* kRun = R"({"type":"run","run":0,"activation":"relu","seed":1,"hidden":[4,4]})";

// The committed fixture is a real `activ lab` run (tests/data/make_lab_fixture.py): four
// activations, one with a parameter, two seeds, two hidden layers, early stopping.
TEST(ReadLab, ReadsTheFixture) {
  const LabResults r = ReadLab(ACTIV_LAB_FIXTURE);
  ASSERT_EQ(r.runs.size(), 8u);
  EXPECT_EQ(r.task, "binary classification");
  EXPECT_EQ(r.dataset, "spirals");
  for (size_t i = 0; i < r.runs.size(); ++i) {
    EXPECT_EQ(r.runs[i].run, static_cast<long long>(i));
    EXPECT_TRUE(r.runs[i].in_summary);
    EXPECT_EQ(r.runs[i].hidden, (std::vector<long long>{32, 16}));
    EXPECT_EQ(r.runs[i].layer_activations.size(), 2u);
    EXPECT_GT(r.runs[i].test_accuracy, 0.5);
    EXPECT_FALSE(r.runs[i].stop_reason.empty());
    EXPECT_EQ(r.runs[i].optimizer, "sgd");
  }
  EXPECT_EQ(r.runs[0].name, "relu seed 1");
  EXPECT_EQ(r.runs[7].activation, "elu:alpha=0.5");
  // Epoch 0 (initialisation, no training loss yet) included and sorted; per epoch one record
  // per hidden layer and one for the output layer, which has no histogram.
  const auto& epochs = r.epochs.at(2);
  EXPECT_EQ(epochs.front().epoch, 0);
  EXPECT_TRUE(std::isnan(epochs.front().train_loss));
  EXPECT_FALSE(std::isnan(epochs.back().train_loss));
  EXPECT_EQ(epochs.back().epoch, static_cast<int>(r.runs[2].epochs_run));
  const auto& layers = r.layers.at(2);
  EXPECT_EQ(layers.size(), epochs.size() * 3);
  EXPECT_EQ(layers[0].layer, 1);
  EXPECT_EQ(layers[0].hist.counts.size(), 32u);
  EXPECT_LT(layers[0].hist.lo, layers[0].hist.hi);
  EXPECT_TRUE(layers[2].output);
  EXPECT_TRUE(layers[2].hist.counts.empty());
  EXPECT_TRUE(std::isnan(layers[2].dead_fraction));
  EXPECT_GT(layers[2].grad_norm, 0);
}

TEST(ReadLab, RefusesBrokenDirectoriesWithTheFileAndLine) {
  struct Case {
    const char* what;
    std::string summary, log, message;  // message: after the directory's path
  };
  const std::string epoch = R"({"type":"epoch","run":0,"epoch":0,"train_loss":1})";
  const Case cases[] = {
      {"no summary", "", std::string(kRun) + "\n", "/summary.json: No such file or directory"},
      {"no log", kSummary, "", "/log.jsonl: No such file or directory"},
      {"summary not JSON", "{\"runs\": [", std::string(kRun) + "\n",
       "/summary.json: not valid JSON: parse error at line 1, column 11"},
      {"summary without runs", "{}", std::string(kRun) + "\n", "/summary.json: no \"runs\" array"},
      {"no runs", R"({"runs":[]})", "\n", "/summary.json: no runs"},
      {"run not a number", R"({"runs":[{"run":"a","activation":"relu","seed":1}]})", "\n",
       "/summary.json: runs[0]: \"run\" is not an integer"},
      {"bad line", kSummary, std::string(kRun) + "\n" + epoch + "\n{oops\n",
       "/log.jsonl:3: not valid JSON: parse error at line 1, column 2"},
      {"record without run", kSummary, std::string(kRun) + "\n{\"type\":\"epoch\",\"epoch\":1}\n",
       "/log.jsonl:2: the \"epoch\" record lacks \"run\""},
      {"epoch not an integer", kSummary,
       std::string(kRun) + "\n{\"type\":\"epoch\",\"run\":0,\"epoch\":\"x\"}\n",
       "/log.jsonl:2: \"epoch\" is not an integer"},
      {"loss not a number", kSummary,
       std::string(kRun) + "\n{\"type\":\"epoch\",\"run\":0,\"epoch\":1,\"val_loss\":\"x\"}\n",
       "/log.jsonl:2: \"val_loss\" is not a number"},
      {"undeclared run", kSummary,
       std::string(kRun) + "\n{\"type\":\"layer\",\"run\":5,\"epoch\":0,\"layer\":1}\n",
       "/log.jsonl:2: a \"layer\" record of run 5, which no earlier \"run\" record declares"},
      {"summary run without record", kSummary, epoch + "\n",
       "/log.jsonl:1: a \"epoch\" record of run 0, which no earlier"},
      {"layer 0", kSummary,
       std::string(kRun) + "\n{\"type\":\"layer\",\"run\":0,\"epoch\":0,\"layer\":0}\n",
       "/log.jsonl:2: \"layer\" is out of range (1-based)"},
      {"hist an array", kSummary,
       std::string(kRun) + "\n{\"type\":\"layer\",\"run\":0,\"epoch\":0,\"layer\":1,"
                           "\"hist\":[1,2]}\n",
       "/log.jsonl:2: \"hist\" is not an object {lo, hi, counts, below, above}"},
      {"hist counts not numbers", kSummary,
       std::string(kRun) + "\n{\"type\":\"layer\",\"run\":0,\"epoch\":0,\"layer\":1,"
                           "\"hist\":{\"lo\":0,\"hi\":1,\"counts\":[1,\"x\"]}}\n",
       "/log.jsonl:2: \"hist\": \"counts\" holds something other than numbers"},
      {"run twice", kSummary, std::string(kRun) + "\n" + kRun + "\n",
       "/log.jsonl:2: run 0 is declared twice"},
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
                                 R"({"type":"epoch","run":0,"epoch":0,"train_loss":null,"new":1})"
                                 "\n"
                                 R"({"type":"checkpoint","run":0})"
                                 "\n\n");
  const LabResults r = ReadLab(dir.path());
  EXPECT_TRUE(std::isnan(r.epochs.at(0)[0].train_loss));
  EXPECT_EQ(r.epochs.at(0).size(), 1u);
}

// A lab interrupted before it wrote a run's summary: the run is still reported from its epochs;
// a run with an "end" record but missing from summary.json takes its summary from the log.
TEST(ReadLab, ARunMissingFromTheSummaryIsTakenFromTheLog) {
  const LabDir dir(kSummary,
                   std::string(kRun) + "\n" +
                       R"({"type":"run","run":1,"activation":"tanh","seed":1})"
                       "\n"
                       R"({"type":"epoch","run":1,"epoch":0,"train_loss":null,"train_seconds":0})"
                       "\n"
                       R"({"type":"epoch","run":1,"epoch":1,"train_loss":1,"train_seconds":3})"
                       "\n"
                       R"({"type":"epoch","run":1,"epoch":2,"train_loss":0.5,"train_seconds":5})"
                       "\n"
                       R"({"type":"run","run":2,"activation":"elu","seed":1})"
                       "\n"
                       R"({"type":"end","run":2,"activation":"elu","seed":1,"test_accuracy":0.7,)"
                       R"("stop_reason":"patience","epochs":4})"
                       "\n");
  const LabResults r = ReadLab(dir.path());
  ASSERT_EQ(r.runs.size(), 3u);
  EXPECT_EQ(r.runs[1].run, 1);
  EXPECT_FALSE(r.runs[1].in_summary);
  EXPECT_EQ(r.runs[1].seconds_per_epoch, 4);
  EXPECT_EQ(r.runs[1].final_train_loss, 0.5);
  EXPECT_EQ(r.runs[1].stop_reason, "unfinished");
  EXPECT_EQ(r.runs[2].test_accuracy, 0.7);
  EXPECT_EQ(r.runs[2].stop_reason, "patience");
  EXPECT_NE(RenderHtml(r).find("<td class=\"name\">1</td>"), std::string::npos);
  const std::string text = RenderText(r);
  EXPECT_NE(text.find("Without a summary (the lab was interrupted): tanh seed 1 after 2 epochs"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Stopped early (no improvement for the patience or tolerance set): elu "
                      "seed 1 after 4 epochs"),
            std::string::npos)
      << text;
}

TEST(RenderHtml, OneSelfContainedPageWithEveryPlot) {
  const LabResults r = ReadLab(ACTIV_LAB_FIXTURE);
  const std::string html = RenderHtml(r);
  // Four activations, two hidden layers and the output layer: 4 function plots, 4 curves,
  // 2x3 unit plots (dead, inactive, saturated), 2 + 3 gradient plots (RMS per weight and
  // ||dW||/||W|| by layer, RMS over the epochs per layer), 4x2 histograms, 2 summary charts.
  EXPECT_EQ(Count(html, "<svg "), 4u + 4u + 6u + 5u + 8u + 2u);
  for (const char* id :
       {"reading", "summary", "functions", "curves", "units", "gradients", "histograms", "runs"}) {
    EXPECT_NE(html.find(std::string("<section id=\"") + id + "\">"), std::string::npos) << id;
  }
  // Nothing to fetch: no scripts, no links, no external resources.
  EXPECT_EQ(Count(html, "http"), Count(html, "http://www.w3.org/2000/svg"));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_NE(html.find("@media print"), std::string::npos);
  // The parameter reaches the plot of the function; the output layer is named.
  EXPECT_NE(html.find("aria-label=\"elu:alpha=0.5\""), std::string::npos);
  EXPECT_NE(html.find("Gradient RMS per weight over the epochs, layer 3 (output)"),
            std::string::npos);
  // Every run is in the table.
  for (const activ::report::Run& run : r.runs) {
    EXPECT_NE(html.find("<td class=\"name\">" + std::to_string(run.run) + "</td>"),
              std::string::npos)
        << run.run;
  }
}

// Hinge inputs are "inactive", never "saturated"; gradient flow is per weight; a run at chance
// level is said to have not learned, with its own diagnostics.
TEST(RenderText, InactiveIsNotSaturationAndChanceLevelIsNamed) {
  LabResults r = ReadLab(ACTIV_LAB_FIXTURE);
  std::string text = RenderText(r);
  size_t sat = text.find("or more saturated inputs");
  if (sat == std::string::npos) sat = text.find("more saturated inputs (in a tail");
  ASSERT_NE(sat, std::string::npos) << text;
  const std::string sat_line = text.substr(sat, text.find('\n', sat) - sat);
  EXPECT_EQ(sat_line.find("relu"), std::string::npos) << sat_line;  // relu has no tail
  const size_t inactive = text.find("inactive inputs (f′ exactly 0");
  ASSERT_NE(inactive, std::string::npos) << text;
  EXPECT_NE(text.substr(inactive, text.find('\n', inactive) - inactive).find("relu layer"),
            std::string::npos);
  EXPECT_NE(text.find("gradient RMS per weight of the first hidden layer against the last hidden "
                      "layer's (layer 2)"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("ended at chance level"), std::string::npos);
  for (activ::report::Run& run : r.runs) {
    if (run.name == "sigmoid seed 1") run.test_accuracy = 0.51;  // 2 classes: chance 50%
  }
  text = RenderText(r);
  EXPECT_NE(text.find("sigmoid seed 1 ended at chance level (test accuracy 51.0%, chance 50.0% "
                      "for 2 classes): it did not learn (training loss "),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("The same run's diagnostics: at initialisation the first hidden layer's "
                      "gradient RMS per weight was "),
            std::string::npos)
      << text;
}

// The reading names the activation with the best mean test accuracy, computed here from the
// runs directly, the layer with the most dead units at the end, and the runs stopped early.
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
  // Mean over seeds of each hidden layer's dead fraction at the run's last epoch.
  std::map<std::pair<std::string, int>, std::pair<double, int>> dead;
  for (const activ::report::Run& run : r.runs) {
    const std::vector<Layer>& layers = r.layers.at(run.run);
    for (const Layer& l : layers) {
      if (l.epoch == layers.back().epoch && !l.output) {
        dead[{run.activation, l.layer}].first += l.dead_fraction;
        dead[{run.activation, l.layer}].second += 1;
      }
    }
  }
  std::string most_dead;
  double most = -1;
  for (const auto& [key, sum] : dead) {
    if (sum.first / sum.second > most) {
      most = sum.first / sum.second;
      most_dead = key.first + " layer " + std::to_string(key.second);
    }
  }
  const std::string text = RenderText(r);
  char best_text[96];
  std::snprintf(best_text, sizeof best_text, "- %s had the highest test accuracy: %.1f%%",
                best.c_str(), 100 * best_mean);
  EXPECT_NE(text.find(best_text), std::string::npos) << text;
  char dead_text[96];
  std::snprintf(dead_text, sizeof dead_text, most >= 0.1 ? "%s %.1f%%" : "(the most: %s, %.1f%%)",
                most_dead.c_str(), 100 * most);
  EXPECT_NE(text.find(dead_text), std::string::npos) << dead_text << "\n" << text;
  std::string early;
  for (const activ::report::Run& run : r.runs) {
    if (run.stop_reason == "patience") early += (early.empty() ? "" : ", ") + run.name;
  }
  if (!early.empty()) {
    EXPECT_NE(text.find("Stopped early (no improvement for the patience or tolerance set): " +
                        early.substr(0, early.find(','))),
              std::string::npos)
        << text;
  }
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
