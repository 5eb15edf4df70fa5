#include "taskspan.h"

namespace parlab {

QString lockStateName(LockState state)
{
    switch (state) {
    case LockState::Running:
        return QStringLiteral("running");
    case LockState::Waiting:
        return QStringLiteral("waiting");
    case LockState::Released:
        return QStringLiteral("released");
    }
    return {};
}

} // namespace parlab
