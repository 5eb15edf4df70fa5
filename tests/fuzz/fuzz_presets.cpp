// Fuzzes the preset reader (core/presets): every file is a preset or an error that says what is wrong.

#include "fuzzdriver.h"
#include "presets.h"

using namespace parlab;

int main(int argc, char* argv[])
{
    fuzz::Target target;
    target.name = "fuzz_presets";
    target.json = true;
    target.corpus = fuzz::readJsonFiles(QStringLiteral(PARLAB_SOURCE_DIR "/resources/presets"));
    target.dictionary = { "kernel", "inputs", "backends", "workers", "repeat", "warmup", "options", "fib", "mpi",
        "1..64", "38x8", "\"", "{", "}", "[", "]", ":", ",", "null", "-1" };
    target.check = [](const QByteArray& bytes) -> QString {
        const auto preset = Presets::fromJson(QStringLiteral("fuzzed"), bytes);
        return !preset && preset.error().isEmpty() ? QStringLiteral("a rejected preset without an error") : QString();
    };
    return fuzz::run(argc, argv, target);
}
