#pragma once

#include "result.h"

#include <QStringList>

namespace parlab {

// What ParLab reads from a shared library's own ELF file, without loading it: whether this machine can load it at
// all, so that the error names the architecture ("built for ARM aarch64, this machine is x86-64") instead of
// dlopen's "wrong ELF class", and which functions it exports (for "did you mean" and the window's function chooser).
namespace ElfFile {
// Why `path` cannot be loaded here as a shared library, naming the file: it is missing or unreadable, not an ELF
// file, a program or an object file rather than a shared library, or built for another architecture, word size or
// byte order than this program's.
Result<void> checkLoadable(const QString& path);
// The names of the functions `path` exports (.dynsym: defined, global or weak, default or protected visibility,
// not _init/_fini), sorted; C++ names mangled as the linker sees them.
Result<QStringList> exportedFunctions(const QString& path);
// "x86-64", "ARM aarch64", "32-bit x86 (i386)", ...; "ELF machine 1234" for one it does not know.
QString machineName(int machine, bool is64Bit);
} // namespace ElfFile

} // namespace parlab
