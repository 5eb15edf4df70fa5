#pragma once

#include <QString>
#include <utility>
#include <variant>

namespace parlab {

// ParLab's one error convention for operations a user's input or the world can make fail: a value, or a
// message a user can act on that says what and where ("results[2].samples_s: expected an array of numbers").
//
// Why not the other three conventions 0.1 mixed (empty string on success, bool + lastError(), optional +
// QString* out-parameter): each lets a caller ignore the error, or read a value that is not there, without
// the compiler noticing, and the out-parameter and lastError() forms keep the error away from the value it
// belongs to. Why not std::expected: it is C++23 and ParLab builds as C++20 with g++ 12. Result keeps to
// std::expected's names (has_value, value, error, operator bool, *, ->) so that moving to it later is a rename.
// Exceptions stay where a failure crosses many frames at once (Cancelled, BackendError inside a run).
struct Error {
    QString message;
};

inline Error fail(QString message)
{
    return Error { std::move(message) };
}

template<typename T> class [[nodiscard]] Result final {
public:
    Result(T value)
        : m_value(std::in_place_index<0>, std::move(value))
    { }
    Result(Error error)
        : m_value(std::in_place_index<1>, std::move(error))
    { }

    bool has_value() const { return m_value.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & { return std::get<0>(m_value); }
    const T& value() const& { return std::get<0>(m_value); }
    T&& value() && { return std::get<0>(std::move(m_value)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    // The message; empty when there is a value.
    QString error() const { return has_value() ? QString() : std::get<1>(m_value).message; }

    // The value, or `fallback` when there is none (for callers that have a sensible default).
    T value_or(T fallback) const& { return has_value() ? value() : std::move(fallback); }

private:
    std::variant<T, Error> m_value;
};

// For operations that return nothing but can fail: `return {};` on success, `return fail("...")` otherwise.
template<> class [[nodiscard]] Result<void> final {
public:
    Result() = default;
    Result(Error error)
        : m_error(std::move(error.message))
        , m_failed(true)
    { }

    bool has_value() const { return !m_failed; }
    explicit operator bool() const { return has_value(); }
    QString error() const { return m_error; }

private:
    QString m_error;
    bool m_failed = false;
};

} // namespace parlab
