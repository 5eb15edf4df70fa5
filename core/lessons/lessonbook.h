#pragma once

#include "lesson.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace parlab {

struct RunResult;
struct SweepResult;

// The shipped lessons (resources/lessons/ID.json, compiled in as :/lessons/ID.json), each with its verdict
// rule attached.
namespace Lessons {

// Every lesson that loads, by number; a broken file is skipped with a warning (tst_lessons loads each).
const QList<Lesson>& all();

// The lesson `id`, or nullptr.
const Lesson* find(const QString& id);

// The lesson whose experiment `result` is, or nullptr: the same work (Lesson::otherWork is empty) and every
// required backend run, with the lesson's inputs; or, with other inputs (a teacher tuned them), exactly the
// lesson's backends. So lesson 1's run (fib 34x8 on sequential, threads, gil-threads) is lesson 1's, not lesson
// 6's, whose rule could judge its threads too.
const Lesson* matching(const RunResult& result);

// The ids of the lesson files shipped, sorted.
QStringList ids();

// Loads lesson `id` from its file, rule attached; an error names the file and field.
Result<Lesson> load(const QString& id);

// Parses one lesson file's text and attaches the rule for its id; an id without a rule is an error.
Result<Lesson> fromJson(const QString& id, const QByteArray& json);

// The verdict rule of lesson `id` in words, with its thresholds; empty for an unknown id.
QString ruleText(const QString& id);

// The verdict of lesson `lessonId` on `result` as one paragraph, for a terminal or a report:
// "Lesson 1, CPU-bound threads under the GIL do not scale: holds. gil-threads: 0.97x at 2 workers ..."
QString verdictText(const QString& lessonId, const RunResult& result);
// The same for a lesson judged on a sweep (Lesson::isSweep), and the paragraph of any verdict.
QString verdictText(const Lesson& lesson, const SweepResult& sweep);
QString verdictParagraph(const Lesson& lesson, const LessonVerdict& verdict);

// The sweep lesson whose experiment `sweep` is (the same work, every required backend swept), or nullptr. A run
// lesson never matches a sweep, nor a sweep lesson a run (matching above).
const Lesson* matching(const SweepResult& sweep);

} // namespace Lessons

} // namespace parlab
