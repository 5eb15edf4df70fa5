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

int workScale(const ExperimentSpec& spec, const QString& backend, int workers)
{
    return spec.options.scaling == ScalingKind::Weak && BackendRegistry::usesWorkers(backend) ? std::max(1, workers)
                                                                                              : 1;
}

namespace {
// Whether `kernel` grows an input by its size rule (else a weak run repeats the inputs); false for a name no kernel
// has, whose costs are then repeated like any kernel's without a rule.
bool scalesBySize(const QString& kernel)
{
    const auto made = KernelRegistry::create(kernel);
    return made && made->scalesBySize();
}

template<typename T, typename Grow> QList<T> scaled(const QList<T>& base, int scale, bool bySize, Grow grow)
{
    if (scale <= 1)
        return base;
    QList<T> out;
    out.reserve(bySize ? base.size() : base.size() * scale);
    if (bySize) {
        for (const T& value : base)
            out.append(grow(value));
    } else {
        for (int copy = 0; copy < scale; ++copy)
            out.append(base);
    }
    return out;
}
} // namespace

QList<qint64> scaledInputs(const ExperimentSpec& spec, const Kernel& kernel, int scale)
{
    return scaled(
        spec.inputs, scale, kernel.scalesBySize(), [&](qint64 input) { return kernel.scaledInput(input, scale); });
}

QString scaledInputsRule(const ExperimentSpec& spec)
{
    if (spec.options.scaling != ScalingKind::Weak)
        return {};
    if (const auto kernel = KernelRegistry::create(spec.kernel); kernel && kernel->scalesBySize())
        return QStringLiteral("at N workers each input is N times as many %1 (%2's size rule)")
            .arg(kernel->inputMeaning(), kernel->name());
    return QStringLiteral("at N workers the %1 input%2 N times over")
        .arg(spec.inputs.size())
        .arg(spec.inputs.size() == 1 ? QString() : QStringLiteral("s"));
}

QList<double> scaledCosts(const ExperimentSpec& spec, const QList<double>& costs, int scale)
{
    return scaled(costs, scale, scale > 1 && scalesBySize(spec.kernel), [&](double cost) { return cost * scale; });
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

// "unknown kernel 'fibb': did you mean 'fib'? (known: fib, ...)", `more` added inside the parentheses.
QString unknown(const QString& what, const QString& name, const QStringList& known, const QString& more = {})
{
    QString message = QStringLiteral("unknown %1 '%2'").arg(what, name);
    if (const QString guess = closestName(name, known); !guess.isEmpty())
        message += QStringLiteral(": did you mean '%1'?").arg(guess);
    return message + QStringLiteral(" (known: %1%2)").arg(known.join(QStringLiteral(", ")), more);
}
} // namespace

Result<void> CountRange::check(qint64 value) const
{
    if (value < min || value > max)
        return fail(outOfRange(QString::number(value)));
    return {};
}

QString CountRange::outOfRange(const QString& value) const
{
    return QStringLiteral("%1 is out of range, use %2 to %3").arg(value).arg(min).arg(max);
}

Result<void> checkKernelName(const QString& name)
{
    if (KernelRegistry::isUserCode(name)) {
        if (const auto kernel = KernelRegistry::make(name); !kernel)
            return fail(kernel.error());
        return {};
    }
    if (!KernelRegistry::names().contains(name)) {
        return fail(unknown(QStringLiteral("kernel"), name, KernelRegistry::names(),
            QStringLiteral("; or your own code: %1").arg(KernelRegistry::userForms().join(QStringLiteral("; ")))));
    }
    return {};
}

Result<void> checkBackendId(const QString& id)
{
    if (!BackendRegistry::find(id))
        return fail(unknown(QStringLiteral("backend"), id, BackendRegistry::ids()));
    return {};
}

Result<QList<int>> parseWorkerCounts(const QString& text, const QString& label)
{
    auto failure = [&](const QString& separator, const QString& message) {
        return fail(label.isEmpty() ? message : label + separator + message);
    };
    const ParsedInputs parsed = parseInputs(text, ExperimentSpec::kMaxWorkers);
    if (!parsed.ok())
        return failure(QStringLiteral(" "), parsed.error->message());
    QList<int> counts;
    for (qint64 w : parsed.values) {
        if (const Result<void> inRange = kWorkerRange.check(w); !inRange)
            return failure(QStringLiteral(": "), inRange.error());
        if (!counts.contains(int(w)))
            counts.append(int(w));
    }
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

Result<void> validateSpec(const ExperimentSpec& spec, SpecCheck check)
{
    if (Result<void> known = checkKernelName(spec.kernel); !known)
        return known;
    const auto kernel = KernelRegistry::create(spec.kernel);
    if (Result<void> valid = spec.options.validate(); !valid)
        return valid;
    // A user's code is checked by configure (a library's file read, or loaded where tasks run) only before a run
    // here: a window validating its form at each keystroke leaves that to its pool thread (UserCode::inspect), and a
    // run recorded elsewhere need not find the file here.
    if (check == SpecCheck::RunHere || !kernel->isUsersCode()) {
        if (Result<void> configured = kernel->configure(spec.options); !configured)
            return configured;
    }
    if (spec.inputs.isEmpty())
        return fail(QStringLiteral("the input list is empty: give at least one input"));
    if (Result<void> inputs = kernel->checkInputs(spec.inputs); !inputs)
        return inputs;
    if (spec.backends.isEmpty())
        return fail(QStringLiteral("no backend chosen: give at least one"));
    for (const QString& id : spec.backends) {
        if (Result<void> known = checkBackendId(id); !known)
            return known;
        if (check != SpecCheck::Recorded) {
            if (const Availability a = BackendRegistry::availability(id, spec.options); !a.available)
                return fail(QStringLiteral("backend '%1' cannot run here: %2").arg(id, a.reason));
        }
        if (Result<void> runs = BackendRegistry::checkKernel(id, *kernel, spec.options); !runs)
            return runs;
    }
    if (spec.workers.isEmpty())
        return fail(QStringLiteral("no worker count given: give at least one"));
    for (int w : spec.workers) {
        if (const Result<void> inRange = kWorkerRange.check(w); !inRange)
            return fail(QStringLiteral("workers: ") + inRange.error());
    }
    const int mostWorkers = *std::max_element(spec.workers.cbegin(), spec.workers.cend());
    // A weak run's largest measurement grows its inputs the most: they must be inputs the kernel takes, and not
    // more tasks than an input list may hold.
    const int mostScale = spec.options.scaling == ScalingKind::Weak ? mostWorkers : 1;
    if (mostScale > 1) {
        if (!kernel->scalesBySize() && spec.inputs.size() * mostScale > kMaxInputs)
            return fail(QStringLiteral("scaling weak: at %1 workers the %2 inputs grow to %3 tasks, more than the %4 "
                                       "one measurement may run: use fewer inputs or workers")
                            .arg(mostScale)
                            .arg(spec.inputs.size())
                            .arg(spec.inputs.size() * mostScale)
                            .arg(kMaxInputs));
        if (kernel->scalesBySize()) {
            for (qint64 input : spec.inputs) {
                if (input > kernel->range().max / mostScale)
                    return fail(QStringLiteral("scaling weak: at %1 workers input %2 grows to %3 %4, above %5's "
                                               "limit of %6 (%7): use smaller inputs or fewer workers")
                                    .arg(mostScale)
                                    .arg(input)
                                    .arg(double(input) * mostScale, 0, 'f', 0)
                                    .arg(kernel->inputMeaning(), kernel->name())
                                    .arg(kernel->range().max)
                                    .arg(kernel->range().reason));
            }
        }
    }
    // This machine's process limits bind a run here, not one recorded elsewhere.
    if (check != SpecCheck::Recorded) {
        for (const QString& id : spec.backends) {
            // The tasks its largest measurement runs: a weak run without a size rule repeats the inputs.
            const int tasks = int(spec.inputs.size()) * (kernel->scalesBySize() ? 1 : workScale(spec, id, mostWorkers));
            if (Result<void> fits
                = BackendRegistry::checkWorkers(id, mostWorkers, tasks, spec.options, check == SpecCheck::RunHere);
                !fits)
                return fits;
        }
    }
    if (const Result<void> inRange = kRepeatRange.check(spec.repeats); !inRange)
        return fail(QStringLiteral("repeats: ") + inRange.error());
    if (const Result<void> inRange = kWarmupRange.check(spec.warmup); !inRange)
        return fail(QStringLiteral("warmup: ") + inRange.error());
    // Last: it may take seconds.
    if (check == SpecCheck::RunHere) {
        if (Result<void> loads = kernel->checkLoads(); !loads)
            return loads;
        for (const QString& id : spec.backends) {
            if (Result<void> loads = BackendRegistry::checkCode(id, *kernel, spec.options); !loads)
                return loads;
        }
    }
    return {};
}

} // namespace parlab
