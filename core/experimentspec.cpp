#include "experimentspec.h"

#include "backends/backendregistry.h"
#include "inputparser.h"
#include "kernels/kernel.h"
#include "kernels/kernelregistry.h"

#include <QThread>
#include <algorithm>
#include <cmath>

namespace parlab {

QList<int> defaultWorkerCounts()
{
    const int cores = std::max(1, QThread::idealThreadCount());
    QList<int> counts;
    for (int p = 1; p < cores; p *= 2)
        counts.append(p);
    counts.append(cores);
    return counts;
}

namespace {
int editDistance(const QString& a, const QString& b)
{
    QList<int> previous(b.size() + 1), current(b.size() + 1);
    for (qsizetype j = 0; j <= b.size(); ++j)
        previous[j] = int(j);
    for (qsizetype i = 1; i <= a.size(); ++i) {
        current[0] = int(i);
        for (qsizetype j = 1; j <= b.size(); ++j) {
            const int substitution = previous[j - 1] + (a[i - 1].toLower() == b[j - 1].toLower() ? 0 : 1);
            current[j] = std::min({ previous[j] + 1, current[j - 1] + 1, substitution });
        }
        std::swap(previous, current);
    }
    return previous[b.size()];
}

QString unknown(const QString& what, const QString& name, const QStringList& known)
{
    QString message = QStringLiteral("unknown %1 '%2'").arg(what, name);
    if (const QString guess = closestName(name, known); !guess.isEmpty())
        message += QStringLiteral(": did you mean '%1'?").arg(guess);
    return message + QStringLiteral(" (known: %1)").arg(known.join(QStringLiteral(", ")));
}
} // namespace

QList<int> parseWorkerCounts(const QString& text, const QString& label, QString* error)
{
    auto fail = [&](const QString& separator, const QString& message) {
        *error = label.isEmpty() ? message : label + separator + message;
        return QList<int> {};
    };
    const ParsedInputs parsed = parseInputs(text, ExperimentSpec::kMaxWorkers);
    if (!parsed.ok())
        return fail(QStringLiteral(" "), parsed.error->message());
    QList<int> counts;
    for (qint64 w : parsed.values) {
        if (w < 1 || w > ExperimentSpec::kMaxWorkers)
            return fail(QStringLiteral(": "),
                QStringLiteral("%1 is out of range, use 1 to %2").arg(w).arg(ExperimentSpec::kMaxWorkers));
        if (!counts.contains(int(w)))
            counts.append(int(w));
    }
    error->clear();
    return counts;
}

QString closestName(const QString& name, const QStringList& candidates)
{
    QString best;
    int bestDistance = std::numeric_limits<int>::max();
    for (const QString& candidate : candidates) {
        int distance = editDistance(name, candidate);
        if (candidate.startsWith(name, Qt::CaseInsensitive) && !name.isEmpty())
            distance = std::min(distance, 1);
        if (distance < bestDistance) {
            bestDistance = distance;
            best = candidate;
        }
    }
    // Close means at most a third of the name wrong (and at least one character right).
    return bestDistance <= std::max<qsizetype>(1, name.size() / 3) ? best : QString();
}

QString validateSpec(const ExperimentSpec& spec)
{
    const auto kernel = KernelRegistry::create(spec.kernel);
    if (!kernel)
        return unknown(QStringLiteral("kernel"), spec.kernel, KernelRegistry::names());
    if (const Result<void> valid = spec.options.validate(); !valid)
        return valid.error();
    if (const Result<void> configured = kernel->configure(spec.options); !configured)
        return configured.error();
    if (spec.inputs.isEmpty())
        return QStringLiteral("the input list is empty: give at least one input");
    if (QString error = kernel->checkInputs(spec.inputs); !error.isEmpty())
        return error;
    if (spec.backends.isEmpty())
        return QStringLiteral("no backend chosen: give at least one");
    for (const QString& id : spec.backends) {
        if (!BackendRegistry::find(id))
            return unknown(QStringLiteral("backend"), id, BackendRegistry::ids());
        if (const Availability a = BackendRegistry::availability(id, spec.options); !a.available)
            return QStringLiteral("backend '%1' cannot run here: %2").arg(id, a.reason);
        if (QString error = BackendRegistry::checkKernel(id, *kernel, spec.options); !error.isEmpty())
            return error;
    }
    if (spec.workers.isEmpty())
        return QStringLiteral("no worker count given: give at least one");
    for (int w : spec.workers) {
        if (w < 1 || w > ExperimentSpec::kMaxWorkers)
            return QStringLiteral("worker count %1 is out of range: use 1 to %2")
                .arg(w)
                .arg(ExperimentSpec::kMaxWorkers);
    }
    const int mostWorkers = *std::max_element(spec.workers.cbegin(), spec.workers.cend());
    for (const QString& id : spec.backends) {
        if (QString error = BackendRegistry::checkWorkers(id, mostWorkers, int(spec.inputs.size()), spec.options);
            !error.isEmpty())
            return error;
    }
    if (spec.repeats < 1 || spec.repeats > ExperimentSpec::kMaxRepeats)
        return QStringLiteral("repeat %1 is out of range: measure each combination 1 to %2 times")
            .arg(spec.repeats)
            .arg(ExperimentSpec::kMaxRepeats);
    if (spec.warmup < 0 || spec.warmup > ExperimentSpec::kMaxRepeats)
        return QStringLiteral("warmup %1 is out of range: use 0 to %2")
            .arg(spec.warmup)
            .arg(ExperimentSpec::kMaxRepeats);
    return {};
}

} // namespace parlab
