#include "backendregistry.h"

#include "gilthreadsbackend.h"
#include "mpibackend.h"
#include "processpertaskbackend.h"
#include "processpoolbackend.h"
#include "pythonbackend.h"
#include "qtconcurrentbackend.h"
#include "sequentialbackend.h"
#include "threadpoolbackend.h"

#include <QHash>
#include <QMutex>
#include <functional>
#include <vector>

namespace parlab {

namespace {
using Factory = std::function<std::unique_ptr<Backend>()>;

const std::vector<Factory>& factories()
{
    static const std::vector<Factory> all {
        [] { return std::make_unique<SequentialBackend>(); },
        [] { return std::make_unique<ThreadPoolBackend>(); },
        [] { return std::make_unique<QtConcurrentBackend>(); },
        [] { return std::make_unique<GilThreadsBackend>(); },
        [] { return std::make_unique<ProcessPoolBackend>(); },
        [] { return std::make_unique<ProcessPerTaskBackend>(); },
        [] { return std::make_unique<MpiBackend>(); },
        [] { return std::make_unique<PythonBackend>(PythonBackend::Mode::Sequential); },
        [] { return std::make_unique<PythonBackend>(PythonBackend::Mode::Threads); },
        [] { return std::make_unique<PythonBackend>(PythonBackend::Mode::Processes); },
    };
    return all;
}
} // namespace

QStringList BackendRegistry::ids()
{
    QStringList result;
    for (const auto& factory : factories())
        result.append(factory()->id());
    return result;
}

bool BackendRegistry::usesWorkers(const QString& id)
{
    // Charts ask on every redraw; creating a backend is cheap but not free.
    static QMutex mutex;
    static QHash<QString, bool> cache;
    const QMutexLocker locker(&mutex);
    const auto found = cache.constFind(id);
    if (found != cache.constEnd())
        return *found;
    const auto backend = create(id);
    const bool uses = backend ? backend->usesWorkers() : !id.endsWith(QLatin1String("sequential"));
    cache.insert(id, uses);
    return uses;
}

std::unique_ptr<Backend> BackendRegistry::create(const QString& id)
{
    for (const auto& factory : factories()) {
        auto backend = factory();
        if (backend->id() == id)
            return backend;
    }
    return nullptr;
}

} // namespace parlab
