#pragma once

// A seeded mutation fuzzer for one parser, for a compiler without libFuzzer (g++): it mutates a corpus of valid
// inputs (the tests' fixtures, the shipped resources, the writer's own output) for a bounded time and runs each
// mutant through the parser and its property check. Every mutant follows from (seed, iteration) alone, so a
// failure is replayed exactly: `fuzz_NAME --seed S --iteration I` runs that one input and prints it.
// A check failure prints the seed, the iteration and the input and exits 1; a crash (or a sanitizer's abort)
// prints the same from a signal handler first. Without --seed the seed comes from the clock, so each run of
// the suite explores new inputs; PARLAB_FUZZ_SEED and PARLAB_FUZZ_SECONDS set them from the environment.

#include <QByteArray>
#include <QList>
#include <QString>
#include <functional>

namespace parlab::fuzz {

struct Target {
    const char* name;
    QList<QByteArray> corpus; // valid inputs to start from
    QList<QByteArray> dictionary; // tokens of the language, spliced in
    bool json = false; // also mutate values inside the JSON structure, not only bytes
    // Parses one input; returns what property failed, or an empty string. Must not throw.
    std::function<QString(const QByteArray&)> check;
};

QByteArray readFile(const QString& path); // the whole file; aborts with a message when it cannot be read
// Every *.json file in `folder`, by name; aborts with a message when there is none (a corpus that silently
// came out empty would leave only the dictionary to fuzz with).
QList<QByteArray> readJsonFiles(const QString& folder);
int run(int argc, char** argv, const Target& target);

} // namespace parlab::fuzz
