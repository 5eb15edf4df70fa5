#pragma once

#include <QMetaObject>
#include <QObject>
#include <utility>

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

namespace parlab {

// Queues `call` to run in `receiver`'s thread (QMetaObject::invokeMethod, Qt::QueuedConnection), with what the
// calling thread wrote before it visible to the call. Qt orders the two by a QMutex around its event queue; a Qt not
// built with ThreadSanitizer (Debian's) hides that order from it, and the call's first read of what was written here
// would be reported as a race. Under TSan the order is declared: a release before the post, an acquire on the same
// token when the call runs. Elsewhere it is invokeMethod and nothing else.
template<typename Call> void postCall(QObject* receiver, Call call)
{
#if defined(__SANITIZE_THREAD__)
    auto* token = new char;
    __tsan_release(token);
    QMetaObject::invokeMethod(
        receiver,
        [token, call = std::move(call)]() mutable {
            __tsan_acquire(token);
            delete token;
            call();
        },
        Qt::QueuedConnection);
#else
    QMetaObject::invokeMethod(receiver, std::move(call), Qt::QueuedConnection);
#endif
}

} // namespace parlab
