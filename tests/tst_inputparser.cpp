// Tests the input language (`N`, `a..b`, `a..b:step`, `NxK`, comma-separated) and its error messages:
// a bad item must be reported at its own column with a reason that says what to change.

#include "inputparser.h"

#include <QTest>
#include <limits>

using parlab::parseInputs;

class TestInputParser final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parsesGoodInput_data();
    void parsesGoodInput();
    void acceptsExactlyMaxCount_data();
    void acceptsExactlyMaxCount();
    void rejectsBadInput_data();
    void rejectsBadInput();
    void errorReportsFirstBadItemOnly();
    void messageNamesColumnAndFragment();
    void messageWithoutFragment();
};

namespace {
QList<qint64> repeated(qint64 value, int times)
{
    return QList<qint64>(times, value);
}
} // namespace

void TestInputParser::parsesGoodInput_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QList<qint64>>("expected");

    constexpr qint64 max = std::numeric_limits<qint64>::max();
    constexpr qint64 min = std::numeric_limits<qint64>::min();

    QTest::newRow("single") << QStringLiteral("35") << QList<qint64> { 35 };
    QTest::newRow("single, blanks around") << QStringLiteral("  7 \t") << QList<qint64> { 7 };
    QTest::newRow("zero") << QStringLiteral("0") << QList<qint64> { 0 };
    QTest::newRow("negative") << QStringLiteral("-3") << QList<qint64> { -3 };
    QTest::newRow("list") << QStringLiteral("1,2,3") << QList<qint64> { 1, 2, 3 };
    QTest::newRow("list with spaces") << QStringLiteral(" 1 , 2,  3 ") << QList<qint64> { 1, 2, 3 };
    QTest::newRow("list keeps order and duplicates") << QStringLiteral("3,1,3") << QList<qint64> { 3, 1, 3 };
    QTest::newRow("range") << QStringLiteral("30..33") << QList<qint64> { 30, 31, 32, 33 };
    QTest::newRow("range of one") << QStringLiteral("5..5") << QList<qint64> { 5 };
    QTest::newRow("descending range") << QStringLiteral("38..33") << QList<qint64> { 38, 37, 36, 35, 34, 33 };
    QTest::newRow("range across zero") << QStringLiteral("-2..2") << QList<qint64> { -2, -1, 0, 1, 2 };
    QTest::newRow("descending across zero") << QStringLiteral("1..-2") << QList<qint64> { 1, 0, -1, -2 };
    QTest::newRow("negative range") << QStringLiteral("-5..-3") << QList<qint64> { -5, -4, -3 };
    QTest::newRow("range with blanks") << QStringLiteral("1 .. 3") << QList<qint64> { 1, 2, 3 };
    // 1, 4, 7, 10: the step divides the span 9, so the end is included.
    QTest::newRow("step") << QStringLiteral("1..10:3") << QList<qint64> { 1, 4, 7, 10 };
    // 1, 5, 9; 13 would pass the end, so the list stops short of 10.
    QTest::newRow("step not dividing span") << QStringLiteral("1..10:4") << QList<qint64> { 1, 5, 9 };
    QTest::newRow("step larger than span") << QStringLiteral("1..3:10") << QList<qint64> { 1 };
    // 38, 35, 32; 29 would pass 30.
    QTest::newRow("descending step") << QStringLiteral("38..30:3") << QList<qint64> { 38, 35, 32 };
    QTest::newRow("descending step divides") << QStringLiteral("10..0:5") << QList<qint64> { 10, 5, 0 };
    QTest::newRow("step with blanks") << QStringLiteral("1 .. 5 : 2") << QList<qint64> { 1, 3, 5 };
    QTest::newRow("repeat") << QStringLiteral("35x8") << repeated(35, 8);
    QTest::newRow("repeat zero") << QStringLiteral("0x5") << repeated(0, 5);
    QTest::newRow("repeat once") << QStringLiteral("4x1") << QList<qint64> { 4 };
    QTest::newRow("repeat, capital X") << QStringLiteral("2X3") << repeated(2, 3);
    QTest::newRow("repeat with blanks") << QStringLiteral("2 x 3") << repeated(2, 3);
    QTest::newRow("repeat negative") << QStringLiteral("-5x2") << QList<qint64> { -5, -5 };
    QTest::newRow("mixed") << QStringLiteral("38,30..32,5x2") << QList<qint64> { 38, 30, 31, 32, 5, 5 };
    QTest::newRow("mixed with blanks") << QStringLiteral(" 1..5:2 , 9x2,-1 ") << QList<qint64> { 1, 3, 5, 9, 9, -1 };
    QTest::newRow("largest 64-bit") << QStringLiteral("9223372036854775807") << QList<qint64> { max };
    QTest::newRow("smallest 64-bit") << QStringLiteral("-9223372036854775808") << QList<qint64> { min };
    QTest::newRow("range ending at the 64-bit top")
        << QStringLiteral("9223372036854775806..9223372036854775807") << QList<qint64> { max - 1, max };
    QTest::newRow("range ending at the 64-bit bottom")
        << QStringLiteral("-9223372036854775807..-9223372036854775808") << QList<qint64> { min + 1, min };
    // The whole 64-bit span in three steps: min, min + (2^63 - 1) = -1, -1 + (2^63 - 1) = max - 1.
    QTest::newRow("step across the whole 64-bit span")
        << QStringLiteral("-9223372036854775808..9223372036854775807:9223372036854775807")
        << QList<qint64> { min, -1, max - 1 };
    QTest::newRow("descending step across the whole 64-bit span")
        << QStringLiteral("9223372036854775807..-9223372036854775808:9223372036854775807")
        << QList<qint64> { max, 0, min + 1 };
}

void TestInputParser::parsesGoodInput()
{
    QFETCH(QString, text);
    QFETCH(QList<qint64>, expected);

    const auto parsed = parseInputs(text);
    QVERIFY2(parsed.ok(), qPrintable(parsed.error ? parsed.error->message() : QString()));
    QCOMPARE(parsed.values, expected);
}

void TestInputParser::acceptsExactlyMaxCount_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("maxCount");
    QTest::addColumn<int>("expectedCount");

    QTest::newRow("range of exactly max") << QStringLiteral("1..10") << 10 << 10;
    QTest::newRow("descending range of exactly max") << QStringLiteral("10..1") << 10 << 10;
    QTest::newRow("repeat of exactly max") << QStringLiteral("5x10") << 10 << 10;
    QTest::newRow("items adding up to max") << QStringLiteral("1..5,6x4,7") << 10 << 10;
    QTest::newRow("stepped range under max") << QStringLiteral("1..100:10") << 10 << 10;
}

void TestInputParser::acceptsExactlyMaxCount()
{
    QFETCH(QString, text);
    QFETCH(int, maxCount);
    QFETCH(int, expectedCount);

    const auto parsed = parseInputs(text, maxCount);
    QVERIFY2(parsed.ok(), qPrintable(parsed.error ? parsed.error->message() : QString()));
    QCOMPARE(parsed.values.size(), expectedCount);
}

void TestInputParser::rejectsBadInput_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("maxCount");
    QTest::addColumn<int>("column"); // 1-based, the first character of the bad item
    QTest::addColumn<QString>("fragment"); // the bad item as written (empty when there is none)
    QTest::addColumn<QString>("reasonPart"); // what the reason must say

    auto row
        = [](const char* tag, const QString& text, int column, const QString& fragment, const QString& reasonPart,
              int maxCount = 1'000'000) { QTest::newRow(tag) << text << maxCount << column << fragment << reasonPart; };

    row("empty", QString(), 1, QString(), QStringLiteral("empty"));
    row("blanks only", QStringLiteral("   \t "), 1, QString(), QStringLiteral("empty"));
    row("lone comma", QStringLiteral(","), 1, QString(), QStringLiteral("missing"));
    // The gap is between the commas at columns 2 and 3; the parser points at the second one.
    row("double comma", QStringLiteral("1,,2"), 3, QString(), QStringLiteral("missing"));
    // Likewise for a blank item: the comma that closes it, at column 4.
    row("blank item", QStringLiteral("1, ,2"), 4, QString(), QStringLiteral("missing"));
    // A trailing comma: reported at the comma itself.
    row("trailing comma", QStringLiteral("1,2,"), 4, QString(), QStringLiteral("ends with a comma"));
    row("word", QStringLiteral("abc"), 1, QStringLiteral("abc"), QStringLiteral("not a number"));
    row("word after a good item", QStringLiteral("1, abc"), 4, QStringLiteral("abc"), QStringLiteral("not a number"));
    row("range without end", QStringLiteral("1.."), 1, QStringLiteral("1.."), QStringLiteral("no end"));
    row("range without start", QStringLiteral("..5"), 1, QStringLiteral("..5"), QStringLiteral("no start"));
    row("step missing", QStringLiteral("1..5:"), 1, QStringLiteral("1..5:"),
        QStringLiteral("step after ':' is missing"));
    row("step zero", QStringLiteral("1..5:0"), 1, QStringLiteral("1..5:0"), QStringLiteral("positive"));
    row("step negative", QStringLiteral("1..5:-1"), 1, QStringLiteral("1..5:-1"), QStringLiteral("positive"));
    row("step twice", QStringLiteral("1..5:2:3"), 1, QStringLiteral("1..5:2:3"), QStringLiteral("a..b:step"));
    row("repeat count missing", QStringLiteral("5x"), 1, QStringLiteral("5x"),
        QStringLiteral("repeat count after 'x' is missing"));
    row("repeat value missing", QStringLiteral("x5"), 1, QStringLiteral("x5"), QStringLiteral("NxK"));
    row("repeat zero times", QStringLiteral("5x0"), 1, QStringLiteral("5x0"), QStringLiteral("positive"));
    row("repeat negative times", QStringLiteral("5x-1"), 1, QStringLiteral("5x-1"), QStringLiteral("positive"));
    row("repeat twice", QStringLiteral("3x2x2"), 1, QStringLiteral("3x2x2"), QStringLiteral("NxK"));
    row("fraction", QStringLiteral("1.5"), 1, QStringLiteral("1.5"), QStringLiteral("whole numbers"));
    row("two ranges in one", QStringLiteral("1..5..7"), 1, QStringLiteral("1..5..7"), QStringLiteral("one '..'"));
    row("too big", QStringLiteral("99999999999999999999"), 1, QStringLiteral("99999999999999999999"),
        QStringLiteral("64 bits"));
    row("one past the 64-bit top", QStringLiteral("9223372036854775808"), 1, QStringLiteral("9223372036854775808"),
        QStringLiteral("64 bits"));
    row("range end too big", QStringLiteral("1..99999999999999999999"), 1, QStringLiteral("1..99999999999999999999"),
        QStringLiteral("64 bits"));
    row("repeated value too big", QStringLiteral("99999999999999999999x2"), 1, QStringLiteral("99999999999999999999x2"),
        QStringLiteral("64 bits"));
    row("semicolon", QStringLiteral("1;2"), 1, QStringLiteral("1;2"), QStringLiteral("separate inputs with commas"));
    row("space instead of comma", QStringLiteral("1 2"), 1, QStringLiteral("1 2"), QStringLiteral("commas"));
    row("exponent", QStringLiteral("1e3"), 1, QStringLiteral("1e3"), QStringLiteral("not a number"));
    row("double minus", QStringLiteral("--1"), 1, QStringLiteral("--1"), QStringLiteral("not a number"));
    row("lone minus", QStringLiteral("-"), 1, QStringLiteral("-"), QStringLiteral("not a number"));
    row("dash range", QStringLiteral("1-2"), 1, QStringLiteral("1-2"), QStringLiteral("not a number"));
    row("plus sign", QStringLiteral("+5"), 1, QStringLiteral("+5"), QStringLiteral("not a number"));
    row("range over max", QStringLiteral("1..100"), 1, QStringLiteral("1..100"), QStringLiteral("more than 10 values"),
        10);
    row("range one over max", QStringLiteral("1..11"), 1, QStringLiteral("1..11"),
        QStringLiteral("more than 10 values"), 10);
    row("repeat over max", QStringLiteral("5x11"), 1, QStringLiteral("5x11"), QStringLiteral("more than 10 values"),
        10);
    row("single number over max", QStringLiteral("1,2,3"), 5, QStringLiteral("3"), QStringLiteral("more than 2 values"),
        2);
    // The first range fits (5 values); the second pushes the total to 11, so the second is at fault.
    row("second range over max", QStringLiteral("1..5,1..6"), 6, QStringLiteral("1..6"),
        QStringLiteral("more than 10 values"), 10);
    row("huge range over default max", QStringLiteral("1..9223372036854775807"), 1,
        QStringLiteral("1..9223372036854775807"), QStringLiteral("more than 1000000 values"));
    row("whole 64-bit span", QStringLiteral("-9223372036854775808..9223372036854775807"), 1,
        QStringLiteral("-9223372036854775808..9223372036854775807"), QStringLiteral("more than 1000000 values"));
    row("bad item after blanks", QStringLiteral("1,2,   ab"), 8, QStringLiteral("ab"), QStringLiteral("not a number"));
}

void TestInputParser::rejectsBadInput()
{
    QFETCH(QString, text);
    QFETCH(int, maxCount);
    QFETCH(int, column);
    QFETCH(QString, fragment);
    QFETCH(QString, reasonPart);

    const auto parsed = parseInputs(text, maxCount);
    QVERIFY(!parsed.ok());
    QVERIFY2(parsed.values.isEmpty(), "nothing is returned with an error");
    const auto& error = *parsed.error;
    QCOMPARE(error.column, column);
    QCOMPARE(error.fragment, fragment);
    QVERIFY2(error.reason.contains(reasonPart, Qt::CaseInsensitive),
        qPrintable(QStringLiteral("reason '%1' should mention '%2'").arg(error.reason, reasonPart)));
}

void TestInputParser::errorReportsFirstBadItemOnly()
{
    // Good items before the error must not leak into the result, and the first bad item is the one named.
    const auto parsed = parseInputs(QStringLiteral("1..3, 4, abc, 1.5"));
    QVERIFY(!parsed.ok());
    QVERIFY(parsed.values.isEmpty());
    QCOMPARE(parsed.error->column, 10);
    QCOMPARE(parsed.error->fragment, QStringLiteral("abc"));
}

void TestInputParser::messageNamesColumnAndFragment()
{
    const auto parsed = parseInputs(QStringLiteral("38, 30..32, 5x0"));
    QVERIFY(!parsed.ok());
    const QString message = parsed.error->message();
    QVERIFY2(message.contains(QStringLiteral("13")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("column")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("'5x0'")), qPrintable(message));
    QVERIFY2(message.contains(parsed.error->reason), qPrintable(message));
}

void TestInputParser::messageWithoutFragment()
{
    const auto parsed = parseInputs(QStringLiteral("1,,2"));
    QVERIFY(!parsed.ok());
    const QString message = parsed.error->message();
    QVERIFY2(message.contains(QStringLiteral("column 3")), qPrintable(message));
    QVERIFY2(message.contains(parsed.error->reason), qPrintable(message));
    QVERIFY2(!message.contains(QStringLiteral("''")), qPrintable(message)); // no empty quoted fragment
}

QTEST_APPLESS_MAIN(TestInputParser)
#include "tst_inputparser.moc"
