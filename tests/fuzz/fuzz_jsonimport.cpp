// Fuzzes the JSON import (core/export/jsonimport): every file is a run or an error that says what is wrong, and
// a run it gives, exported again, imports again.

#include "export/jsonexport.h"
#include "export/jsonimport.h"
#include "fuzzdriver.h"

using namespace parlab;

int main(int argc, char* argv[])
{
    fuzz::Target target;
    target.name = "fuzz_jsonimport";
    target.json = true;
    target.corpus = { fuzz::readFile(QStringLiteral(PARLAB_SOURCE_DIR "/tests/fixtures/export-0.1.json")) };
    if (const auto imported = JsonImport::fromJson(target.corpus.first()))
        target.corpus.append(JsonExport::toJson(*imported)); // today's writer's shape too
    target.dictionary = { "samples_s", "results", "workers", "backend", "spec", "speedup_ci", "sequential", "threads",
        "outliers", "lpt", "options", "\"", "{", "}", "[", "]", ":", ",", "null", "-1", "1e400" };
    target.check = [](const QByteArray& bytes) -> QString {
        const auto run = JsonImport::fromJson(bytes);
        if (!run)
            return run.error().isEmpty() ? QStringLiteral("a rejected file without an error") : QString();
        if (const auto again = JsonImport::fromJson(JsonExport::toJson(*run)); !again)
            return QStringLiteral("an imported run, exported again, does not import: %1").arg(again.error());
        return {};
    };
    return fuzz::run(argc, argv, target);
}
