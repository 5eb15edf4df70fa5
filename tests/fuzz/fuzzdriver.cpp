#include "fuzzdriver.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <unistd.h>

namespace parlab::fuzz {

namespace {
// What the signal handler prints: set before each input runs (plain buffers, written with write(2)).
char g_crashNote[256];
QByteArray g_current;

// write(2) alone: the only output that is safe in a signal handler. A failed write has nowhere to be reported.
void say(const char* data, size_t size)
{
    if (::write(STDERR_FILENO, data, size) < 0)
        return;
}

void onCrash(int signal)
{
    say(g_crashNote, std::strlen(g_crashNote));
    say("input: ", 7);
    say(g_current.constData(), size_t(std::min<qsizetype>(g_current.size(), 4096)));
    say("\n", 1);
    std::signal(signal, SIG_DFL);
    std::raise(signal);
}

class Mutator {
public:
    Mutator(const Target& target, quint64 seed, quint64 iteration)
        : m_target(target)
        , m_random(seed * 0x9e3779b97f4a7c15ULL + iteration)
    { }

    QByteArray next()
    {
        QByteArray input = pick(m_target.corpus);
        const int steps = 1 + below(4);
        for (int i = 0; i < steps; ++i)
            input = (m_target.json && below(2) == 0) ? mutateJson(input) : mutateBytes(input);
        return input;
    }

private:
    int below(int n) { return int(std::uniform_int_distribution<int>(0, n - 1)(m_random)); }
    QByteArray pick(const QList<QByteArray>& from)
    {
        return from.isEmpty() ? QByteArray() : from[below(int(from.size()))];
    }

    QByteArray mutateBytes(QByteArray s)
    {
        const int at = below(int(s.size()) + 1);
        switch (below(8)) {
        case 0: // flip a bit
            if (!s.isEmpty())
                s[at % s.size()] = char(s[at % s.size()] ^ (1 << below(8)));
            break;
        case 1: // a random byte
            s.insert(at, char(below(256)));
            break;
        case 2: // delete a run
            s.remove(at, 1 + below(8));
            break;
        case 3: // repeat a run
            s.insert(at, s.mid(at, 1 + below(16)).repeated(1 + below(4)));
            break;
        case 4: // a token of the language
            s.insert(at, pick(m_target.dictionary));
            break;
        case 5: // splice with another corpus entry
        {
            const QByteArray other = pick(m_target.corpus);
            s = s.left(at) + other.mid(below(int(other.size()) + 1));
            break;
        }
        case 6: // truncate
            s.truncate(at);
            break;
        default: // an interesting number
        {
            static const char* numbers[] = { "0", "-1", "1", "9223372036854775807", "-9223372036854775808",
                "18446744073709551616", "1e308", "-1e308", "1e-320", "2147483648", "4294967296", "NaN", "inf", "0x10",
                "00", "-0", "1.5", "99999999999999999999999" };
            s.insert(at, QByteArray(numbers[below(int(std::size(numbers)))]));
            break;
        }
        }
        return s;
    }

    QJsonValue oddValue()
    {
        switch (below(10)) {
        case 0:
            return QJsonValue(QJsonValue::Null);
        case 1:
            return QJsonValue(below(2) == 0);
        case 2:
            return QJsonValue(-1);
        case 3:
            return QJsonValue(0);
        case 4:
            return QJsonValue(1e300);
        case 5:
            return QJsonValue(-1e-300);
        case 6:
            return QJsonValue(QString());
        case 7:
            return QJsonValue(QString::fromLatin1(pick(m_target.dictionary)));
        case 8:
            return QJsonValue(QJsonArray());
        default:
            return QJsonValue(QJsonObject());
        }
    }

    // Replaces, removes or duplicates one value somewhere in the document.
    QJsonValue mutateValue(const QJsonValue& value, int depth)
    {
        if (value.isObject() && depth < 8 && below(4) != 0) {
            QJsonObject object = value.toObject();
            if (object.isEmpty())
                return oddValue();
            const QString key = object.keys().at(below(int(object.size())));
            switch (below(6)) {
            case 0:
                object.remove(key);
                break;
            case 1:
                object.insert(key + QStringLiteral("_"), object.value(key));
                break;
            default:
                object.insert(key, mutateValue(object.value(key), depth + 1));
                break;
            }
            return object;
        }
        if (value.isArray() && depth < 8 && below(4) != 0) {
            QJsonArray array = value.toArray();
            if (array.isEmpty())
                return below(2) == 0 ? QJsonValue(QJsonArray { oddValue() }) : oddValue();
            const int i = below(int(array.size()));
            switch (below(6)) {
            case 0:
                array.removeAt(i);
                break;
            case 1:
                array.insert(i, array.at(i));
                break;
            default:
                array.replace(i, mutateValue(array.at(i), depth + 1));
                break;
            }
            return array;
        }
        if (value.isDouble() && below(2) == 0) {
            static const double factors[] = { -1.0, 0.0, 2.0, 1e6, 1e-6, 1e300 };
            return value.toDouble() * factors[below(int(std::size(factors)))];
        }
        return oddValue();
    }

    QByteArray mutateJson(const QByteArray& s)
    {
        const QJsonDocument document = QJsonDocument::fromJson(s);
        if (document.isNull())
            return mutateBytes(s);
        const QJsonValue root = document.isObject() ? QJsonValue(document.object()) : QJsonValue(document.array());
        const QJsonValue mutated = mutateValue(root, 0);
        if (mutated.isObject())
            return QJsonDocument(mutated.toObject()).toJson(QJsonDocument::Compact);
        if (mutated.isArray())
            return QJsonDocument(mutated.toArray()).toJson(QJsonDocument::Compact);
        return mutateBytes(s);
    }

    const Target& m_target;
    std::mt19937_64 m_random;
};

quint64 environmentNumber(const char* name, quint64 fallback)
{
    const QByteArray value = qgetenv(name);
    bool ok = false;
    const quint64 n = value.toULongLong(&ok);
    return ok ? n : fallback;
}
} // namespace

QByteArray readFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "cannot read the corpus file %s: %s\n", qPrintable(path), qPrintable(file.errorString()));
        std::exit(2);
    }
    return file.readAll();
}

QList<QByteArray> readJsonFiles(const QString& folder)
{
    const QDir dir(folder);
    QList<QByteArray> files;
    for (const QString& name : dir.entryList({ QStringLiteral("*.json") }, QDir::Files, QDir::Name))
        files.append(readFile(dir.filePath(name)));
    if (files.isEmpty()) {
        std::fprintf(stderr, "no corpus: %s holds no .json file\n", qPrintable(folder));
        std::exit(2);
    }
    return files;
}

int run(int argc, char** argv, const Target& target)
{
    quint64 seed = environmentNumber("PARLAB_FUZZ_SEED", quint64(std::random_device {}()));
    double seconds = double(environmentNumber("PARLAB_FUZZ_SECONDS", 3));
    qint64 only = -1;
    for (int i = 1; i + 1 < argc; i += 2) {
        const QByteArray flag = argv[i];
        const QByteArray value = argv[i + 1];
        if (flag == "--seed")
            seed = value.toULongLong();
        else if (flag == "--seconds")
            seconds = value.toDouble();
        else if (flag == "--iteration")
            only = value.toLongLong();
        else {
            std::fprintf(stderr, "usage: %s [--seed N] [--seconds S] [--iteration I]\n", argv[0]);
            return 2;
        }
    }
    if (target.corpus.isEmpty()) {
        std::fprintf(stderr, "%s: empty corpus\n", target.name);
        return 2;
    }
    for (int signal : { SIGSEGV, SIGABRT, SIGFPE, SIGBUS, SIGILL })
        std::signal(signal, onCrash);
    std::printf("%s: seed %llu (replay: %s --seed %llu)\n", target.name, static_cast<unsigned long long>(seed), argv[0],
        static_cast<unsigned long long>(seed));
    std::fflush(stdout);

    // First every corpus entry as it is (they must parse without a failed property), then mutants.
    const auto corpusSize = quint64(target.corpus.size());
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + std::chrono::duration<double>(seconds);
    quint64 iteration = only >= 0 ? quint64(only) : 0;
    quint64 runs = 0;
    for (;; ++iteration, ++runs) {
        if (only >= 0 ? runs == 1 : (iteration >= corpusSize && std::chrono::steady_clock::now() >= deadline))
            break;
        g_current
            = iteration < corpusSize ? target.corpus[qsizetype(iteration)] : Mutator(target, seed, iteration).next();
        std::snprintf(g_crashNote, sizeof g_crashNote,
            "\n%s crashed on seed %llu iteration %llu (replay: --seed %llu "
            "--iteration %llu)\n",
            target.name, static_cast<unsigned long long>(seed), static_cast<unsigned long long>(iteration),
            static_cast<unsigned long long>(seed), static_cast<unsigned long long>(iteration));
        if (only >= 0)
            std::printf("input (%lld bytes): %s\n", static_cast<long long>(g_current.size()), g_current.constData());
        const QString failure = target.check(g_current);
        if (!failure.isEmpty()) {
            std::printf("%s: FAILED on seed %llu iteration %llu (replay: %s --seed %llu --iteration %llu)\n  %s\n"
                        "  input (%lld bytes): %s\n",
                target.name, static_cast<unsigned long long>(seed), static_cast<unsigned long long>(iteration), argv[0],
                static_cast<unsigned long long>(seed), static_cast<unsigned long long>(iteration), qPrintable(failure),
                static_cast<long long>(g_current.size()), g_current.left(2000).constData());
            return 1;
        }
    }
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s: %llu inputs in %.1f s (%.0f a second), every property held\n", target.name,
        static_cast<unsigned long long>(runs), elapsed, double(runs) / std::max(elapsed, 1e-9));
    return 0;
}

} // namespace parlab::fuzz
