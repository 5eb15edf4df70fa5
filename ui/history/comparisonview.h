#pragma once

#include "history/comparison.h"
#include "result.h"
#include "runresult.h"

#include <QDialog>
#include <QString>

class QBarCategoryAxis;
class QChart;
class QChartView;
class QLabel;
class QTableWidget;
class QValueAxis;

namespace parlab {

// Run B against run A, combination by combination: a table (backend, workers, both medians, the ratio of
// medians B/A, the Mann-Whitney U p-value and the verdict), the overall sentence, and a bar chart of the
// ratios with the 1.0 line and the ±1% noise band, so "did my change make it faster?" has an answer that
// accounts for noise. Non-modal; the table exports as CSV or Markdown, the chart as PNG, SVG or PDF.
class ComparisonView final : public QDialog {
    Q_OBJECT
public:
    // Medians within this fraction of each other count as "no change" (the band drawn around 1.0).
    static constexpr double kNoise = 0.01;

    enum Column { Backend, Workers, MedianA, MedianB, Ratio, PValue, VerdictColumn, ColumnCount };

    // `labelA` / `labelB` name the runs in the heading ("#3 “before” (fib 38..33, 2024-05-01 10:22)").
    ComparisonView(const RunResult& a, const QString& labelA, const RunResult& b, const QString& labelB,
        QWidget* parent = nullptr);
    ~ComparisonView() override;

    const Comparison& comparison() const { return m_comparison; }
    QString labelA() const { return m_labelA; }
    QString labelB() const { return m_labelB; }

    // Makes B the reference and A the candidate, and recomputes everything.
    void swapRuns();

    // The table as CSV (raw numbers: seconds, ratio, p) or as a Markdown table (the figures as shown).
    QString tableAsCsv() const;
    QString tableAsMarkdown() const;
    // Writes the table in the format the path's suffix names (.csv, .md); on failure, why not.
    Result<void> saveTable(const QString& path) const;
    // Writes the chart (.png, .svg, .pdf) through ChartExport; on failure, why not.
    Result<void> saveChart(const QString& path) const;

    // The figures as shown, for formatting tables elsewhere the same way.
    static QString ratioText(double ratio);
    static QString pValueText(const ComparisonRow& row);

    QTableWidget* table() const { return m_table; }
    QChartView* chartView() const { return m_chartView; }
    QLabel* summaryLabel() const { return m_summary; }
    QLabel* headingLabel() const { return m_heading; }

protected:
    void changeEvent(QEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void recompute();
    void fillTable();
    void fillChart();
    void restyle();
    // The chart's colours, for its view's palette (an export sets the paper's on the view alone).
    void restyleChart();
    void exportTableInteractively();
    void saveChartInteractively();
    QStringList rowCells(const ComparisonRow& row) const;
    QStringList headers() const;

    RunResult m_a;
    RunResult m_b;
    QString m_labelA;
    QString m_labelB;
    Comparison m_comparison;

    QLabel* m_heading = nullptr;
    QLabel* m_summary = nullptr;
    QTableWidget* m_table = nullptr;
    QChartView* m_chartView = nullptr;
    QChart* m_chart = nullptr;
    QBarCategoryAxis* m_x = nullptr;
    QValueAxis* m_y = nullptr;
};

} // namespace parlab
