#pragma once

#include "backends/backendregistry.h"
#include "experimentspec.h"
#include "presets.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <functional>

namespace parlab {

// What a lesson's experiment showed on this machine, worked out from the measured numbers (never canned).
struct LessonVerdict {
    enum class Outcome { Holds, Contradicted, Inconclusive, NotRun };
    Outcome outcome = Outcome::NotRun;
    // The numbers the verdict used and what they say: "gil-threads: 0.97x at 2 workers (0.95–0.99 with 95% confidence),
    // at most 1.15 expected; native threads: 1.92x at 2 — the claim holds on this machine".
    QString text;
    // Why the claim did not hold, could not be decided or could not be judged (one core, noisy timings, a
    // cancelled run, a backend that was left out, ...); empty when it holds.
    QString why;
};

// "holds", "contradicted", "inconclusive", "not run".
QString outcomeName(LessonVerdict::Outcome outcome);

struct Lesson;
struct RunOptions;
struct RunResult;
struct SweepResult;
// A lesson's verdict rule, applied to a result of its own experiment (Lesson::verdict checks that first).
using VerdictRule = std::function<LessonVerdict(const Lesson& lesson, const RunResult& result)>;
// The same for a lesson whose experiment is a task-size sweep.
using SweepVerdictRule = std::function<LessonVerdict(const Lesson& lesson, const SweepResult& sweep)>;

// Whether a backend can run here, with the experiment's options (the python path changes the answer).
using AvailabilityCheck = std::function<Availability(const QString& backendId, const RunOptions& options)>;

// Asks the backend table (BackendRegistry::availability); an id this build does not have is unavailable, with a
// reason.
Availability backendAvailability(const QString& backendId, const RunOptions& options);

// What a lesson runs on this machine.
struct LessonPlan {
    ExperimentSpec spec; // the lesson's experiment without the optional backends that cannot run here
    bool runnable = true;
    QString blockedReason; // when not runnable: which backend cannot run here, and why
    QStringList notes; // optional backends left out, each with its reason
};

// One guided experiment: a claim about parallelism, the experiment that tests it, what to look at while it
// runs, and a rule that turns the measured numbers into a verdict. The texts and the experiment come from
// resources/lessons/ID.json; the rule is code (lessonbook.cpp), so its thresholds are written once.
struct Lesson {
    QString id;
    int number = 0;
    QString title; // the claim in a few words, for the list
    QString claim; // the claim in full, as a teacher would state it
    QString lookAt; // what to look at in the charts, table and timeline
    Preset experiment; // in the preset format; experiment.spec is what runs
    // Backends left out (with a note) where they cannot run, instead of blocking the whole lesson.
    QStringList optionalBackends;
    // The measurement the lesson's text points at in the timeline, as the timeline labels it ("gil-threads x2"):
    // one of the experiment's required backends at one of its worker counts. Empty: the lesson shows none.
    QString timeline;
    QString rule; // the verdict rule in words, with its thresholds
    VerdictRule judge;
    // A lesson whose claim is about task size runs its experiment as a task-size sweep (the file's "sweep":
    // {"sizes_ms": [...], "tasks": N}) and is judged on the sweep by judgeSweep; empty for the others.
    QList<double> sweepSizesMs;
    int sweepTasks = 0;
    SweepVerdictRule judgeSweep;
    bool isSweep() const { return !sweepSizesMs.isEmpty(); }
    // "0.01,0.1,1": the sizes as the Sweep task size field takes them.
    QString sweepText() const;

    // Why `spec` is not a run of this lesson's work (another kernel, or the lock released where the lesson keeps
    // it, for a backend that reads that), in words a user reads; empty when it is. Inputs, workers and backends
    // may differ.
    QString otherWork(const ExperimentSpec& spec) const;

    // The verdict on `result`. NotRun when the result is empty, of other work (otherWork) or lacks the
    // measurements the rule needs.
    LessonVerdict verdict(const RunResult& result) const;
    // The verdict on a sweep of the lesson's experiment: NotRun for a lesson that is not a sweep's, a sweep of other
    // work, or one where nothing was measured.
    LessonVerdict verdict(const SweepResult& sweep) const;

    // The experiment as it can run here, asking `check` (backendAvailability when empty) about each backend.
    LessonPlan planHere(const AvailabilityCheck& check = {}) const;

    // Parses one lesson file (`id` is its base name, which the "id" field must match); no rule attached.
    // The experiment is checked by the preset parser, except that backends this build lacks are allowed:
    // they show as unavailable in planHere() rather than hiding the lesson.
    static Result<Lesson> fromJson(const QString& id, const QByteArray& json);
};

} // namespace parlab

Q_DECLARE_METATYPE(parlab::LessonVerdict)
