#pragma once

#include <QStringList>
#include <optional>

namespace parlab {
class HistoryStore;
}

namespace parlab::cli {

// `parlab history list|show|compare|export|delete|rename|note|import`: the run history.
int historyCommand(const QStringList& arguments);

// A run id as typed ("12", "#12", "last" or "latest") in `store`, for every command that reads a stored run; prints
// the error as `command`'s ("parlab predict: error: ...") and returns nullopt with `code` set when there is none.
std::optional<qint64> resolveRunId(HistoryStore& store, const QString& text, const QString& command, int& code);

} // namespace parlab::cli
