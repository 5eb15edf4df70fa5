#pragma once

#include <QByteArray>
#include <QString>
#include <mutex>
#include <sys/types.h>

// No process outlives ParLab. Every program ParLab starts (ChildProcess: workers, command shells, Python, mpirun)
// carries the entry PARLAB_OWNER=<token> in its environment, and every program those start inherits it, wherever
// it is reparented to. The token names the ParLab process that owns them by pid and start time, so it never
// matches another ParLab's. Three layers end them:
//  - ChildProcess::stop() ends a child's process group, then endStrays() kills whatever carries the token and
//    belongs to no child still in use (a background grandchild, the shell of a worker that was killed);
//  - every child gets PR_SET_PDEATHSIG(SIGKILL); a worker is a child subreaper that, told to stop or orphaned,
//    kills its own descendants first;
//  - install() forks a watchdog that outlives ParLab by milliseconds: however ParLab ends, SIGKILL included, it
//    kills every process carrying the token and removes ParLab's private temporary folders.
// Why a marker and a watchdog rather than making ParLab a child subreaper: a subreaper's orphans are found only
// while it lives, which is no help after kill -9, and the window would adopt (and have to reap) unrelated programs
// it opens, such as a browser started through xdg-open. The marker finds a run's processes wherever they went.
namespace parlab::ProcessGuard {

inline constexpr char kOwnerVariable[] = "PARLAB_OWNER";

// First thing in main() of the window and of the commands that start a run's processes (run, overhead), while the
// process has a single thread: forks the watchdog, and removes the temporary folders of ParLab processes that were
// killed while no watchdog ran. Not for `parlab worker`, which passes on its ParLab's token instead, nor for
// commands that start nothing (list, history, --version): they would pay a fork for no process to end.
void install();

// This process's own token: "<pid>.<start time in clock ticks>".
QByteArray ownToken();
// The token this process's children carry: its own after install() or when it was given none, else the one it
// inherited (a worker passes its ParLab's token on, so the watchdog finds the worker's children too).
QByteArray ownerToken();
// "PARLAB_OWNER=<ownerToken()>": the entry ChildProcess adds to every child's environment.
QByteArray ownerEntry();

// The children ChildProcess objects hold: they and their descendants are theirs to stop, not strays. Hold the
// lock from before fork() until adopt(), so endStrays() never sees a child that is not registered yet.
std::unique_lock<std::mutex> lockRegistry();
void adopt(pid_t pid); // with the lock held
void release(pid_t pid); // takes the lock

// Kills (SIGKILL) every live process that carries ownerEntry() and is neither a registered child nor below one,
// waits (up to a second) until each is gone, and reaps those that were this process's children. Where the token is
// inherited (a worker), only this process's descendants count: its sibling workers carry the same token. Returns how
// many it killed.
int endStrays();

// Kills every descendant of this process and reaps its children: for a worker that must stop now.
void endDescendants();

// A QTemporaryDir template for a private folder, "<temp>/parlab-<purpose>-<ownToken>-XXXXXX", which the
// watchdog removes when its owner dies, and removeStaleTempFolders() when no watchdog did.
QString tempFolderTemplate(const QString& purpose);
// Removes every folder named by tempFolderTemplate() whose owner process is gone; returns how many.
int removeStaleTempFolders();

} // namespace parlab::ProcessGuard
