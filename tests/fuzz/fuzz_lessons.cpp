// Fuzzes the lesson reader (core/lessons): every file is a lesson or an error that says what is wrong.

#include "fuzzdriver.h"
#include "lessons/lessonbook.h"

using namespace parlab;

int main(int argc, char* argv[])
{
    fuzz::Target target;
    target.name = "fuzz_lessons";
    target.json = true;
    target.corpus = fuzz::readJsonFiles(QStringLiteral(PARLAB_SOURCE_DIR "/resources/lessons"));
    target.dictionary = { "title", "claim", "experiment", "verdict", "backend", "workers", "threshold", "kernel", "\"",
        "{", "}", "[", "]", ":", ",", "null", "-1", "1e400" };
    target.check = [](const QByteArray& bytes) -> QString {
        const auto lesson = Lessons::fromJson(QStringLiteral("fuzzed"), bytes);
        return !lesson && lesson.error().isEmpty() ? QStringLiteral("a rejected lesson without an error") : QString();
    };
    return fuzz::run(argc, argv, target);
}
