#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QtGlobal>
#include <optional>

namespace parlab::procfs {

// Linux's /proc, read in one place: the per-process figures ParLab needs to tell a live process from a
// gone one and to count CPU time a child has used before it is reaped.

// A file under /proc, whole: /proc files report size 0, so they cannot be read by size or line by line until
// atEnd(). Empty when it cannot be read (the process is gone).
QByteArray readFile(const QString& path);

// The fields of /proc/PID/stat that ParLab uses (proc(5) numbers them from 1).
struct ProcessStat {
    qint64 pid = 0;
    char state = '?'; // field 3: R, S, D, Z (zombie: exited, not yet reaped), X, ...
    qint64 parent = 0; // field 4
    qint64 group = 0; // field 5, the process group
    quint64 flags = 0; // field 9, the kernel's PF_* flags
    qint64 userTicks = 0; // field 14, utime
    qint64 systemTicks = 0; // field 15, stime
    qint64 childUserTicks = 0; // field 16, cutime: children it waited for
    qint64 childSystemTicks = 0; // field 17, cstime
    qint64 startTicks = 0; // field 22, starttime: clock ticks after boot

    bool gone() const { return state == 'Z' || state == 'X'; }
    bool kernelThread() const { return flags & 0x00200000; } // PF_KTHREAD: no environment, ever
    // CPU seconds of the process and of the children it already reaped.
    double cpuSeconds() const;
};

// Parses the text of a /proc/PID/stat file; nullopt when it is not one. The command name (field 2) is in
// parentheses and may itself hold spaces and parentheses, so fields are counted after its last ')'.
std::optional<ProcessStat> parseStat(const QByteArray& text);

// The state letter (field 3) of a /proc/PID/stat or /proc/PID/task/TID/stat text, without the other fields: what a
// sampler reading a thread's state a thousand times a second needs. 0 when the text is not one.
char parseState(QByteArrayView text);

// /proc/PID/stat of a running process; nullopt when there is no such process.
std::optional<ProcessStat> stat(qint64 pid);

// Every process there is now; zombies included (see ProcessStat::gone).
QList<ProcessStat> processes();

// Every process now in process group `group`.
QList<ProcessStat> processesInGroup(qint64 group);

// Every live (not zombie) process descended from `ancestor`, at any depth, parents before their children.
QList<qint64> descendants(qint64 ancestor);

// The environment process `pid` started with (/proc/PID/environ: NUL-separated NAME=value entries); empty when
// it is gone, a zombie, a kernel thread, or not ours to read. A process in the middle of exec reads as empty for a
// moment (the file opens on the memory exec is replacing), so an empty read of a live process is read again for up
// to 10 ms: a scan for marked processes must not miss one that is just starting a program.
QByteArray environment(qint64 pid);

// Whether `environment` (as environment() returns it) holds exactly the entry `entry` ("NAME=value").
bool carries(const QByteArray& environment, const QByteArray& entry);

// Every live process descended from `ancestor` in the snapshot `all`, at any depth, parents before children.
QList<qint64> descendantsIn(const QList<ProcessStat>& all, qint64 ancestor);

// A /proc file held open and read again from its start at each read(): one system call per reading, for files
// read often (a thread's stat and wchan, a thousand times a second). The kernel makes the text afresh at each
// read from offset 0. Move-only; closes the file when it goes.
class OpenFile final {
public:
    OpenFile() = default;
    explicit OpenFile(const QString& path);
    OpenFile(OpenFile&& other) noexcept;
    OpenFile& operator=(OpenFile&& other) noexcept;
    OpenFile(const OpenFile&) = delete;
    OpenFile& operator=(const OpenFile&) = delete;
    ~OpenFile();

    bool isOpen() const noexcept { return m_fd >= 0; }
    // The file's text now, at most `size` bytes of it, into `buffer`; empty when it cannot be read (the process or
    // thread is gone, or the file was not opened).
    QByteArrayView read(char* buffer, qsizetype size) const noexcept;

private:
    int m_fd = -1;
};

// This boot's id (/proc/sys/kernel/random/boot_id), or an empty string where the kernel has none.
QString bootId();

} // namespace parlab::procfs
