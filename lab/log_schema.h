// The files the lab writes to its output directory, and their fields: the one definition that
// the writer (lab/experiment.cc, lab/sweep.cc) and the reader (lab/report/read.cc) both use.
// docs/LAB.md shows examples.
//
// log.jsonl: one JSON object per line, kType says which record it is. Runs are numbered from 0
// in the order activations x seeds (activation-major). The lines of a run are contiguous and
// the runs appear in order; a run's lines are appended when it finishes. Absent or
// not-applicable numbers are null. Every record starts with kType, kRun, kActivation, kSeed.
//
// summary.csv and summary.json: one summary record per run (summary.json: {kConfig, kData,
// kSeconds, kRuns:[records]}, and kExperiment for a sweep); the log's kEndRecord carries the same
// fields.
#pragma once

namespace lab::schema {

// The files.
inline constexpr char kLogFile[] = "log.jsonl";
inline constexpr char kSummaryJsonFile[] = "summary.json";
inline constexpr char kSummaryCsvFile[] = "summary.csv";

// kType, and its values.
inline constexpr char kType[] = "type";
inline constexpr char kRunRecord[] = "run";      // once per run, before its other records
inline constexpr char kEpochRecord[] = "epoch";  // after every epoch, and at initialisation
inline constexpr char kLayerRecord[] = "layer";  // per layer, after each epoch record
inline constexpr char kEndRecord[] = "end";      // once per run, last: its summary record

// In every record.
inline constexpr char kRun[] = "run";                // the run's number, from 0
inline constexpr char kActivation[] = "activation";  // "relu", "elu:alpha=0.5", "relu/tanh"
inline constexpr char kSeed[] = "seed";

// The run record.
inline constexpr char kNetwork[] = "network";          // "784-100-10 relu"
inline constexpr char kHidden[] = "hidden";            // [sizes]; in a summary record "100-10"
inline constexpr char kActivations[] = "activations";  // [per hidden layer]
inline constexpr char kGated[] = "gated";              // [bool per hidden layer]
inline constexpr char kParameters[] = "parameters";    // trainable
inline constexpr char kHead[] = "head";
inline constexpr char kClasses[] = "classes";  // 0: regression
inline constexpr char kDataset[] = "dataset";
inline constexpr char kTrainRows[] = "train_rows";
inline constexpr char kValRows[] = "val_rows";
inline constexpr char kTestRows[] = "test_rows";
inline constexpr char kProbeRows[] = "probe_rows";
inline constexpr char kBlasThreads[] = "blas_threads";             // the BLAS threads the run used
inline constexpr char kMaxAbsDerivative[] = "max_abs_derivative";  // [per hidden layer]
// [per hidden layer]: the saturation tails' bounds, null where there is no tail.
inline constexpr char kSaturatedBelow[] = "saturated_below";
inline constexpr char kSaturatedAbove[] = "saturated_above";
// [per hidden layer]: f' is exactly 0 somewhere outside the tails.
inline constexpr char kHinge[] = "hinge";
// ["kaiming_normal gain 1.414", ... per layer, output last].
inline constexpr char kInitPerLayer[] = "init_per_layer";
inline constexpr char kResumedFromEpoch[] = "resumed_from_epoch";
// {every setting of the experiment}; the report reads these of them:
inline constexpr char kConfig[] = "config";
inline constexpr char kOptimizer[] = "optimizer";
inline constexpr char kInit[] = "init";
inline constexpr char kLr[] = "lr";  // also in the epoch record
inline constexpr char kBatch[] = "batch";
inline constexpr char kEpochs[] = "epochs";          // at most; in a summary record, epochs trained
inline constexpr char kAccuracyMode[] = "accuracy";  // the activations' mode: faithful or fast
// A run of an experiment (lab/sweep.h) also has its point ("depth 8"), the swept value (null
// for categories) and the activation alone; its kActivation is "relu · depth 8".
inline constexpr char kSweepPoint[] = "sweep_point";
inline constexpr char kSweepX[] = "sweep_x";
inline constexpr char kSweepActivation[] = "sweep_activation";

// The epoch record.
inline constexpr char kEpoch[] = "epoch";  // 0: at initialisation
// Running means over the epoch's mini-batches in training mode; train_loss includes the l2
// penalty when l2 > 0; null at epoch 0.
inline constexpr char kTrainLoss[] = "train_loss";  // in a summary record: the final epoch's
inline constexpr char kTrainAccuracy[] = "train_accuracy";
// Null without a validation set; accuracies are null for regression. In a summary record, of
// the network scored on the test set.
inline constexpr char kValLoss[] = "val_loss";
inline constexpr char kValAccuracy[] = "val_accuracy";
// The probe set, measured after the epoch.
inline constexpr char kProbeLoss[] = "probe_loss";
inline constexpr char kProbeAccuracy[] = "probe_accuracy";
// The global gradient norm of the epoch's steps, before clipping; null at epoch 0.
inline constexpr char kGradGlobalNormMean[] = "grad_global_norm_mean";
inline constexpr char kGradGlobalNormMax[] = "grad_global_norm_max";
inline constexpr char kTrainSeconds[] = "train_seconds";  // the epoch's training pass
// The whole epoch, evaluation and diagnostics included; in a summary record the whole run.
inline constexpr char kSeconds[] = "seconds";
inline constexpr char kElapsed[] = "elapsed";  // since the run started

// The layer record, also written for epoch 0. dead, off and saturated are null for the output
// layer.
inline constexpr char kLayer[] = "layer";    // 1-based; the last one is the output layer
inline constexpr char kOutput[] = "output";  // bool
inline constexpr char kUnits[] = "units";
inline constexpr char kActivationOfLayer[] = "activation_of_layer";
// Units off on every probe example.
inline constexpr char kDeadFraction[] = "dead_fraction";
// Probe pre-activations with f' exactly 0 outside a saturation tail ("inactive").
inline constexpr char kOffFraction[] = "off_fraction";
// Probe pre-activations in a tail where |f'| stays below 5% of max |f'| from there outwards
// (lab/diagnostics.h).
inline constexpr char kSaturatedFraction[] = "saturated_fraction";
// Of the layer's outputs on the probe set, and of its pre-activations.
inline constexpr char kMean[] = "mean";
inline constexpr char kStd[] = "std";
inline constexpr char kPreMean[] = "pre_mean";
inline constexpr char kPreStd[] = "pre_std";
inline constexpr char kGradNorm[] = "grad_norm";           // ||dL/dW||_F on the probe set
inline constexpr char kGradRms[] = "grad_rms";             // grad_norm / sqrt(entries of W)
inline constexpr char kGradToWeight[] = "grad_to_weight";  // grad_norm / weight_norm
inline constexpr char kWeightNorm[] = "weight_norm";       // ||W||_F
// Mean over sampled steps of the epoch of ||W_after - W_before|| / ||W||; null at epoch 0.
inline constexpr char kUpdateRatio[] = "update_ratio";
// The outputs on the probe set, {lo, hi, counts:[bins], below, above}: counts over [lo, hi) in
// equal bins, below and above the values outside; null for the output layer.
inline constexpr char kHist[] = "hist";
inline constexpr char kLo[] = "lo";
inline constexpr char kHi[] = "hi";
inline constexpr char kCounts[] = "counts";
inline constexpr char kBelow[] = "below";
inline constexpr char kAbove[] = "above";

// The summary record, in this order (summary.csv's columns): kRun, kActivation, kSeed,
// kHidden, kParameters, kEpochs, kBestEpoch, kStopReason, kTrainLoss, kValLoss, kValAccuracy,
// kTestLoss, kTestAccuracy, kSecondsPerEpoch, kSeconds, kDeadFraction, kOffFraction,
// kSaturatedFraction, kGradNormMax, kBlasThreads, kCheckpoint, kMessage. dead, off and
// saturated are means over the hidden layers of the final diagnostics.
//
// Best validation accuracy, or lowest validation loss for regression; without a validation
// set, lowest training loss.
inline constexpr char kBestEpoch[] = "best_epoch";
inline constexpr char kStopReason[] = "stop_reason";  // one of:
inline constexpr char kStopMaxEpochs[] = "max_epochs";
inline constexpr char kStopPatience[] = "patience";
inline constexpr char kStopTol[] = "tol";  // scikit-learn's rule (sklearn_stop)
inline constexpr char kStopNan[] = "nan";
inline constexpr char kTestLoss[] = "test_loss";
// Of the network at best_epoch when there is a validation set, else of the final network.
inline constexpr char kTestAccuracy[] = "test_accuracy";
inline constexpr char kSecondsPerEpoch[] = "seconds_per_epoch";  // training pass, mean
// The largest finite global gradient norm (before clipping) of any step.
inline constexpr char kGradNormMax[] = "grad_norm_max";
inline constexpr char kCheckpoint[] = "checkpoint";  // its path, or empty
inline constexpr char kMessage[] = "message";        // why it stopped, in words

// summary.json, besides kConfig, kSeconds (the whole experiment) and kRuns.
inline constexpr char kRuns[] = "runs";
// {kName, kTrainRows, kValRows, kTestRows, kFeatures, kClasses, kDroppedRows}
inline constexpr char kData[] = "data";
inline constexpr char kName[] = "name";
inline constexpr char kFeatures[] = "features";
inline constexpr char kDroppedRows[] = "dropped_rows";
// A sweep's: {kName, kTitle, kDescription, kMeasures, kXLabel, kFull}.
inline constexpr char kExperiment[] = "experiment";
inline constexpr char kTitle[] = "title";
inline constexpr char kDescription[] = "description";
inline constexpr char kMeasures[] = "measures";
inline constexpr char kXLabel[] = "x_label";
inline constexpr char kFull[] = "full";

}  // namespace lab::schema
