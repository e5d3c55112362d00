// The lab's report: reads a lab output directory (log.jsonl and summary.json, as lab/ writes
// them; lab/log_schema.h has the schema) and renders it as one self-contained HTML file with inline
// SVG plots: the activation functions and their derivatives, loss and accuracy per epoch, dead
// units and inactive and saturated inputs per layer, gradient RMS per weight and ||dW||/||W||
// per layer at initialisation and at the end, activation histograms, a summary table and a
// plain-language reading computed from the numbers; for an experiment (`activ lab
// --experiment`, lab/sweep.h), first a section with the sweep's plots, table and reading.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "lab/report/results.h"

namespace activ::report {

// The HTML page (one file: inline CSS and SVG, no scripts, nothing fetched).
std::string RenderHtml(const LabResults& results);

// For the terminal: the table of activations and the plain-language reading, as text.
std::string RenderText(const LabResults& results);
// The plain-language reading alone, one sentence group per item.
std::vector<std::string> Reading(const LabResults& results);

// An experiment's own results (empty when results.experiment.name is): its table as Markdown,
// its reading, and its plots as (file name, SVG) pairs, which RenderHtml shows in the
// section "experiment".
std::string ExperimentTable(const LabResults& results);
std::vector<std::string> ExperimentReading(const LabResults& results);
std::vector<std::pair<std::string, std::string>> ExperimentPlots(const LabResults& results);

// ReadLab(dir), then RenderHtml written atomically to out_path (DIR/report.html when empty) and,
// for an experiment, ExperimentPlots written beside it. What `activ report` calls. Returns the
// path of the page.
std::string WriteReport(const std::string& dir, const std::string& out_path = "");
// The same for results already read from dir.
std::string WriteReport(const LabResults& results, const std::string& dir,
                        const std::string& out_path = "");

}  // namespace activ::report
