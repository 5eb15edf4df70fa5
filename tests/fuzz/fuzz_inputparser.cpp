// Fuzzes the inputs language (core/inputparser): every text gets either values or an error whose column lies
// in the text and whose reason is said, and values written back out as a plain list parse to themselves.

#include "fuzzdriver.h"
#include "inputparser.h"

#include <QStringList>

using namespace parlab;

int main(int argc, char* argv[])
{
    fuzz::Target target;
    target.name = "fuzz_inputparser";
    // The README's and tst_inputparser's examples.
    for (const char* text : { "38,37,36,35,34,33", "30..40", "38..33", "30..40:2", "35x8", "38,30..32,5x2", " 1 , 2 ",
             "0", "1..1000", "40..30:3", "7x0", "-5..5", "1,2,,3", "10..1:-2" })
        target.corpus.append(QByteArray(text));
    target.dictionary = { ",", "..", ":", "x", " ", "-", "+", "\t", "1", "100000", "x100000", "..1000000" };
    constexpr qsizetype maxCount = 100'000;
    target.check = [](const QByteArray& bytes) -> QString {
        const QString text = QString::fromUtf8(bytes);
        const ParsedInputs parsed = parseInputs(text, maxCount);
        if (!parsed.ok()) {
            const InputError& e = *parsed.error;
            if (!parsed.values.isEmpty())
                return QStringLiteral("an error came with values");
            if (e.column < 1 || e.column > text.size() + 1)
                return QStringLiteral("error column %1 outside the text (length %2)").arg(e.column).arg(text.size());
            if (e.reason.isEmpty() || e.message().isEmpty())
                return QStringLiteral("an error without a reason");
            return {};
        }
        if (parsed.values.size() > maxCount)
            return QStringLiteral("%1 values, above the limit %2").arg(parsed.values.size()).arg(maxCount);
        if (parsed.values.isEmpty())
            return {};
        QStringList plain;
        for (const qint64 v : parsed.values)
            plain.append(QString::number(v));
        const ParsedInputs again = parseInputs(plain.join(QLatin1Char(',')), maxCount);
        if (!again.ok() || again.values != parsed.values)
            return QStringLiteral("the values written as a list do not parse to themselves: %1")
                .arg(again.ok() ? QStringLiteral("different values") : again.error->message());
        return {};
    };
    return fuzz::run(argc, argv, target);
}
