#pragma once

#include <QJsonObject>
#include <QString>

namespace parlab {

struct Gate;

// A regression gate's verdict as a program and a CI job read it: the JSON `gate` object of a run's export and of
// `history compare --format json`, and a Markdown summary for a CI job's summary page ($GITHUB_STEP_SUMMARY).
namespace GateReport {
// {outcome, enforced, reason, baseline, baseline_id, candidate_id, slower_by, threshold, noise {fraction, runs, pairs,
// quantile, host, run_ids, text}, geometric_mean_ratio, rows [{backend, workers, median_baseline_s,
// median_candidate_s, ratio, p_value, verdict}], differences[], cautions[]}; fractions, not percentages.
QJsonObject toObject(const Gate& gate);
// The `gate` object of a run exported from the history ({outcome, enforced: true}): the outcome of the enforced gate
// that judged it (RunSummary::gate), all the history keeps, so that an import keeps it too.
QJsonObject recordedObject(const QString& outcome);
// A heading with the outcome, the reason, a table of the combinations (baseline and candidate medians, ratio, p,
// verdict) and what the threshold was made of: the allowed slowdown and the noise, or that the verdict rests on one
// run.
QString toMarkdown(const Gate& gate);
// The summary of a gate that could not judge (the baseline was refused before the run, the run was cancelled or
// failed): the heading says so, the text why.
QString notJudgedMarkdown(const QString& why);
// The lines for stderr: "gate: fail: <reason>" and the threshold's parts.
QString toText(const Gate& gate);
} // namespace GateReport

} // namespace parlab
