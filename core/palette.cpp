#include "palette.h"

#include "taskspan.h"

#include <iterator>

namespace parlab {

namespace {
struct KnownBackend {
    const char* id = nullptr;
    Palette::Colour colour;
};

// Hues far apart for the backends a class compares side by side (sequential, threads, processes). The light
// shades are dark enough to read on white, the dark ones light enough on near-black (HSL lightness 105 and
// 165 of 255 at the saturations 0.1 used, so the window looks as it did).
constexpr KnownBackend kKnown[] = {
    { "sequential", { 0x5a5a5a, 0xbebebe } },
    { "threads", { 0x1764bb, 0x5ea0ec } },
    { "qtconcurrent", { 0x17bbbb, 0x5eecec } },
    { "processes", { 0xc8630a, 0xf6a054 } },
    { "process-per-task", { 0x7e2ba7, 0xb770da } },
    { "gil-threads", { 0xbb1724, 0xec5e6a } },
    { "mpi", { 0x23af2f, 0x69e173 } },
    { "python-sequential", { 0x5a5a5a, 0xbebebe } },
    { "python-threads", { 0xc4960e, 0xf3cc57 } },
    { "python-processes", { 0xaf2380, 0xe169b9 } },
};

// For ids not in the table (a backend added later, a result from another build); ordered so neighbours
// differ strongly.
constexpr Palette::Colour kSpare[] = {
    { 0x1b90b7, 0x62c7e8 },
    { 0xb7b71b, 0xe8e862 },
    { 0xb71bb7, 0xe862e8 },
    { 0xb7421b, 0xe88362 },
    { 0x1bb769, 0x62e8a5 },
    { 0x351bb7, 0x7862e8 },
    { 0x69b71b, 0xa5e862 },
    { 0xb71b4f, 0xe8628f },
};

constexpr Palette::Colour kReference { 0x636c76, 0x8d96a0 };
// The lpt bound: near-black ink on a light background (near-white on a dark one), a hue no backend has, so the
// bound reads as a limit, not as one more backend, and stands apart from the grey of the ideal line it often meets.
constexpr Palette::Colour kBound { 0x24292f, 0xd0d7de };

constexpr Palette::Colour kRunning { 0x2ea043, 0x3fb950 };
constexpr Palette::Colour kWaiting { 0xd93a30, 0xf85149 };
constexpr Palette::Colour kReleased { 0x8c8c8c, 0x8b949e };

struct KnownPart {
    const char* key = nullptr;
    Palette::Colour colour;
};

// Useful, then the parts of lost time in Accounting::parts() order. Brown, gold, sky blue, violet, red, orange, teal:
// each far from its neighbours in a bar, and lighter or darker than the backend hue it comes nearest to (the bars are
// coloured by part, never by backend, so the two sets only have to read as different kinds of thing).
constexpr KnownPart kParts[] = {
    { "useful", kRunning },
    { "startup", { 0x8d5524, 0xc8905a } },
    { "dispatch", { 0xc9a100, 0xf2d04c } },
    { "imbalance", { 0x4c9bd6, 0x86c2f2 } },
    { "slowdown", { 0x7b5fc7, 0xab96ee } },
    { "lock_wait", kWaiting },
    { "cpu_wait", { 0xe8710a, 0xffa24f } },
    { "blocked", { 0x0f8b8d, 0x40c9cb } },
};
// What the named parts do not cover: present, but quieter than any of them.
constexpr Palette::Colour kUnexplained { 0xb3b8bd, 0x5f666e };

size_t stableHash(const QString& text)
{
    // qHash is seeded per process; a colour must not change between runs.
    quint32 hash = 2166136261u;
    for (QChar c : text) {
        hash ^= c.unicode();
        hash *= 16777619u;
    }
    return hash % std::size(kSpare);
}
} // namespace

Palette::Colour Palette::backend(const QString& backendId)
{
    for (const KnownBackend& known : kKnown) {
        if (backendId == QLatin1String(known.id))
            return known.colour;
    }
    return kSpare[stableHash(backendId)];
}

Palette::Line Palette::series(const QString& backendId)
{
    return { backend(backendId), LineStyle::Solid, 2.5 };
}

Palette::Line Palette::baseline(const QString& backendId)
{
    return { backend(backendId), LineStyle::Dashed, 2.5 };
}

Palette::Line Palette::predicted(const QString& backendId)
{
    return { backend(backendId), LineStyle::Dashed, 1.5 };
}

double Palette::whiskerWidth()
{
    return 1.5;
}

Palette::Line Palette::reference(Reference which)
{
    // Ideal and bound often coincide (equal tasks that divide evenly among the workers): the ideal is a thin solid
    // grey line, the bound a wider dashed line in another colour drawn over it, so both show where they meet (the
    // ideal in the dashes' gaps). 100% efficiency is the ideal of the efficiency chart: drawn alike.
    switch (which) {
    case Reference::Ideal:
    case Reference::FullEfficiency:
        return { kReference, LineStyle::Solid, 1.5 };
    case Reference::LptBound:
        return { kBound, LineStyle::Dashed, 2.5 };
    }
    return { kReference, LineStyle::Solid, 1.5 };
}

Palette::Colour Palette::noticeBackground(Notice notice)
{
    // The dark shades are dim enough not to glare on a dark window, bright enough to read as amber and red.
    return notice == Notice::Problem ? Colour { 0xf8d7da, 0x4a1c20 } : Colour { 0xfff3cd, 0x3d3417 };
}

Palette::Colour Palette::noticeText(Notice notice)
{
    return notice == Notice::Problem ? Colour { 0x58151c, 0xf5c2c7 } : Colour { 0x533f03, 0xffe69c };
}

Palette::Colour Palette::judgement(Judgement which)
{
    // Readable as text on white and on a dark window alike (contrast 4.5:1 or more either way).
    switch (which) {
    case Judgement::Good:
        return { 0x2e7d32, 0x81c784 };
    case Judgement::Bad:
        return { 0xc62828, 0xef9a9a };
    case Judgement::Unsure:
        return { 0x9c5d00, 0xffcc80 };
    case Judgement::UnderWay:
        return { 0x1565c0, 0x64b5f6 };
    }
    return kReference;
}

Palette::Colour Palette::referenceColour()
{
    return kReference;
}

Palette::Paper Palette::paper()
{
    return {};
}

Palette::Colour Palette::lockState(LockState state)
{
    // Mid lightness on light backgrounds, brighter on dark ones; the grey stays quieter than both.
    switch (state) {
    case LockState::Running:
        return kRunning;
    case LockState::Waiting:
        return kWaiting;
    case LockState::Released:
        return kReleased;
    }
    return kReleased;
}

Palette::Colour Palette::lossPart(const QString& key)
{
    for (const KnownPart& part : kParts) {
        if (key == QLatin1String(part.key))
            return part.colour;
    }
    return kUnexplained;
}

Palette::Colour Palette::task(bool alternate)
{
    // The alternate shade is the base 35% of the way to the background, as the window drew it before.
    return alternate ? Colour { 0x6da1d9, 0x4b78ae } : Colour { 0x1f6fc5, 0x6cb0ff };
}

QString Palette::hex(Rgb rgb)
{
    return QStringLiteral("#%1").arg(rgb & 0xffffff, 6, 16, QLatin1Char('0'));
}

QList<double> Palette::dashPattern(LineStyle style)
{
    switch (style) {
    case LineStyle::Solid:
        return {};
    case LineStyle::Dashed:
        return { 4, 2 };
    case LineStyle::Dotted:
        return { 1, 2 };
    }
    return {};
}

QString Palette::styleName(LineStyle style)
{
    switch (style) {
    case LineStyle::Solid:
        return QStringLiteral("solid");
    case LineStyle::Dashed:
        return QStringLiteral("dashed");
    case LineStyle::Dotted:
        return QStringLiteral("dotted");
    }
    return QStringLiteral("solid");
}

} // namespace parlab
