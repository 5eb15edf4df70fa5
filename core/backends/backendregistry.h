#pragma once

#include "processlimits.h"
#include "result.h"

#include <QList>
#include <QString>
#include <QStringList>
#include <functional>
#include <memory>

namespace parlab {

class Backend;
class Kernel;
struct RunOptions;
enum class Option; // optiondescriptor.h

// Which lock a backend's tasks may wait for inside a task: none, the GIL model's (its waits are recorded as lock
// states), or a real interpreter's (CPython's GIL: its waits are the tasks' off-CPU time beyond the baseline's).
enum class TaskLock { None, Simulated, Interpreter };

struct Availability {
    bool available = true;
    QString reason; // why not, when not
};

// What ParLab knows about a backend without making one: each backend declares its facts in its own file
// (static facts()), and the registry lists them once. Charts, the timeline, the CLI's lists, validation, the
// runner's plan and the lessons read these instead of constructing backends to ask them.
struct BackendFacts {
    QString id {};
    QString description {};
    QString workerNoun {}; // what one worker is: "thread", "process", "rank", ...
    bool usesWorkers = true; // false for backends that ignore the worker count (sequential runs at 1)
    QString baseline = QStringLiteral("sequential"); // the backend whose median is this one's speedup baseline
    QList<Option> options {}; // the RunOptions it reads (their descriptors' Scope::Backend)
    TaskLock lock = TaskLock::None; // what its tasks may wait for, for the accounting of lost speedup
    // Whether its tasks run in a Python interpreter: the only backends that run a kernel that does not run natively
    // (Kernel::runsNatively(), a py: function).
    bool runsPython = false;
    // How the lock states it records (the timeline's strip under each worker) are made, for the timeline's legend,
    // tooltips and caption: "simulated (...)" or "measured (...)"; empty where it records none.
    QString lockStrip {};
    // Whether it can run here with `options` (the python path changes the answer); null when it always can.
    // Cheap, except that python-* start each interpreter once per program to ask its version.
    Availability (*availability)(const RunOptions& options) = nullptr;
    // Why backend `id` cannot run `kernel` with `options` (a message naming both), when it cannot; null when it
    // runs every kernel.
    Result<void> (*checkKernel)(const QString& id, const Kernel& kernel, const RunOptions& options) = nullptr;
    // Whether the user's code in `kernel` (Kernel::isUsersCode()) loads here, in what will run it with `options`,
    // and can be called: the file, the function and its signature (a message naming what is wrong). May take
    // seconds (it starts an interpreter, which imports the code), so only a run about to start here asks it; null
    // where there is nothing to load.
    Result<void> (*checkCode)(const Kernel& kernel, const RunOptions& options) = nullptr;
    // What runs the tasks when it is not this program, with `options` ("Python 3.11.2 (/usr/bin/python3)");
    // null, or an empty string, otherwise.
    QString (*runtime)(const RunOptions& options) = nullptr;
    // What each worker costs when workers are processes: the cap on workers derives from it. None for threads.
    WorkerFootprint footprint {};
    // Whether the thread that calls execute serves every hand-out to the workers (a pool's parent reads each result
    // and writes the next task): a pinned run keeps that thread on its first worker's CPU through each execute
    // (WorkerPlacement::servingCpu), and a run probes its hand-outs at several workers (WorkerStarts).
    bool servesInCaller = false;
    std::unique_ptr<Backend> (*create)() = nullptr;
    bool known = true; // false for BackendRegistry::factsOf's guess about an id this build does not have
};

// The backends ParLab knows, by id.
namespace BackendRegistry {
// Every backend's facts, in the order the lists show them.
const QList<BackendFacts>& all();
QStringList ids();
// nullptr for an unknown id.
const BackendFacts* find(const QString& id);
// The facts of `id`; for an id this build does not have (a result reopened from the history of another build)
// a guess from its name: worker noun "worker", no workers when it ends in "sequential", python-* against
// python-sequential; `known` false.
BackendFacts factsOf(const QString& id);
// Whether `id` can run here with `options`; an unknown id cannot, with a "did you mean".
Availability availability(const QString& id, const RunOptions& options);
// Why `id` cannot run `kernel` with `options`, when it cannot: a kernel that does not run natively (a Python
// function) on a backend that does not run Python, then the backend's own check.
Result<void> checkKernel(const QString& id, const Kernel& kernel, const RunOptions& options);
// Why the user's code in `kernel` cannot run on `id` here, when it cannot (BackendFacts::checkCode).
Result<void> checkCode(const QString& id, const Kernel& kernel, const RunOptions& options);
// Why `id` cannot start `workers` workers for `inputs` inputs here (a message naming the cap and the limit
// behind it), when it cannot: ProcessLimits::cap of its footprint. Ranks on the hosts of a hostfile are not
// capped by this machine but by the file (Hostfile::check, then fits): one that cannot be read, is malformed or
// names a host that does not resolve, or too few slots for `workers` without --oversubscribe, is refused with
// the file and line named. Resolving hosts may block while a DNS server answers: with `resolveHosts` false the
// file is only read (the window checks on every edit, and resolves the hosts off its thread).
Result<void> checkWorkers(
    const QString& id, int workers, int inputs, const RunOptions& options, bool resolveHosts = true);
// The backends whose facts list `option`, in registry order.
QStringList idsUsing(Option option);
// nullptr for an unknown id.
std::unique_ptr<Backend> create(const QString& id);
// Whether the backend scales with workers (false for the sequential baselines): factsOf(id).usesWorkers, so an
// id this build does not know counts as scaling unless its name says "sequential". The window's charts and the
// report's SVG charts both draw a backend that does not as a flat baseline.
bool usesWorkers(const QString& id);
} // namespace BackendRegistry

// Makes the backend for an id (nullptr for an unknown one): BackendRegistry::create, or a test's own.
using BackendFactory = std::function<std::unique_ptr<Backend>(const QString& id)>;

} // namespace parlab
