#pragma once

#include <QList>
#include <QString>
#include <optional>

namespace parlab {

// A parse error: where (1-based column in the text) and why.
struct InputError {
    int column = 0;
    QString fragment;
    QString reason;

    QString message() const;
};

struct ParsedInputs {
    QList<qint64> values;
    std::optional<InputError> error;

    bool ok() const { return !error.has_value(); }
};

// The most inputs a list may hold, and so the most tasks one measurement runs (a weak run's grown inputs too).
inline constexpr qsizetype kMaxInputs = 1'000'000;

// Parses the input language: comma-separated items, each `N`, `a..b`, `a..b:step` or `NxK` (N repeated K
// times). Ranges may count down (`38..33`). Nothing is returned with an error.
ParsedInputs parseInputs(const QString& text, qsizetype maxCount = kMaxInputs);

} // namespace parlab
