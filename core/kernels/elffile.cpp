#include "elffile.h"

#include <QFile>
#include <QFileInfo>
#include <cstring>
#include <elf.h>
#include <optional>

namespace parlab {

namespace {
// The first bytes of an ELF file that say what it is, in the file's own byte order.
struct Identity {
    bool is64Bit = false;
    bool littleEndian = true;
    int type = 0;
    int machine = 0;
};

quint16 read16(const uchar* p, bool littleEndian)
{
    return littleEndian ? quint16(p[0] | p[1] << 8) : quint16(p[0] << 8 | p[1]);
}

// e_type and e_machine sit at the same offsets (16 and 18) in 32- and 64-bit headers.
constexpr int kHeaderPrefix = 20;

std::optional<Identity> identify(const QByteArray& head)
{
    if (head.size() < kHeaderPrefix || std::memcmp(head.constData(), ELFMAG, SELFMAG) != 0)
        return std::nullopt;
    const auto* p = reinterpret_cast<const uchar*>(head.constData());
    Identity id;
    id.is64Bit = p[EI_CLASS] == ELFCLASS64;
    id.littleEndian = p[EI_DATA] == ELFDATA2LSB;
    id.type = read16(p + 16, id.littleEndian);
    id.machine = read16(p + 18, id.littleEndian);
    return id;
}

// This program's own identity: what the machine runs, read once from its own file.
const Identity& self()
{
    static const Identity identity = [] {
        QFile exe(QStringLiteral("/proc/self/exe"));
        if (exe.open(QIODevice::ReadOnly)) {
            if (const std::optional<Identity> id = identify(exe.read(kHeaderPrefix)))
                return *id;
        }
        Identity fallback; // where /proc is missing: what this code was compiled for
        fallback.is64Bit = sizeof(void*) == 8;
        fallback.littleEndian = Q_BYTE_ORDER == Q_LITTLE_ENDIAN;
        fallback.type = ET_EXEC;
#if defined(__x86_64__)
        fallback.machine = EM_X86_64;
#elif defined(__aarch64__)
        fallback.machine = EM_AARCH64;
#endif
        return fallback;
    }();
    return identity;
}

QString quoted(const QString& path)
{
    return QStringLiteral("'%1'").arg(path);
}

// The defined functions of a .dynsym, in one ELF class's layout; the caller checked the byte order.
template<typename Ehdr, typename Shdr, typename Sym>
Result<QStringList> dynamicFunctions(const uchar* data, qint64 size, const QString& path)
{
    const QString broken = QStringLiteral("%1 is a damaged ELF file (%2)").arg(quoted(path));
    if (size < qint64(sizeof(Ehdr)))
        return fail(broken.arg(QStringLiteral("its header is cut short")));
    Ehdr header {};
    std::memcpy(&header, data, sizeof header);
    if (header.e_shoff == 0 || header.e_shnum == 0)
        return fail(QStringLiteral("%1 has no section table, so its functions cannot be listed").arg(quoted(path)));
    if (header.e_shentsize != sizeof(Shdr) || header.e_shoff > quint64(size)
        || (quint64(size) - header.e_shoff) / sizeof(Shdr) < header.e_shnum)
        return fail(broken.arg(QStringLiteral("its section table lies outside the file")));
    auto section = [&](size_t index) {
        Shdr s {};
        std::memcpy(&s, data + header.e_shoff + index * sizeof(Shdr), sizeof s);
        return s;
    };
    auto inFile
        = [&](const Shdr& s) { return s.sh_offset <= quint64(size) && s.sh_size <= quint64(size) - s.sh_offset; };
    QStringList names;
    for (size_t i = 0; i < header.e_shnum; ++i) {
        const Shdr symbols = section(i);
        if (symbols.sh_type != SHT_DYNSYM)
            continue;
        if (symbols.sh_link >= header.e_shnum || !inFile(symbols))
            return fail(broken.arg(QStringLiteral("its dynamic symbol table lies outside the file")));
        const Shdr strings = section(symbols.sh_link);
        if (!inFile(strings))
            return fail(broken.arg(QStringLiteral("its symbol names lie outside the file")));
        const auto* text = reinterpret_cast<const char*>(data + strings.sh_offset);
        for (quint64 k = 0; k < symbols.sh_size / sizeof(Sym); ++k) {
            Sym symbol {};
            std::memcpy(&symbol, data + symbols.sh_offset + k * sizeof(Sym), sizeof symbol);
            const int type = symbol.st_info & 0xf;
            const int binding = symbol.st_info >> 4;
            const int visibility = symbol.st_other & 0x3;
            if ((type != STT_FUNC && type != STT_GNU_IFUNC) || symbol.st_shndx == SHN_UNDEF
                || (binding != STB_GLOBAL && binding != STB_WEAK && binding != STB_GNU_UNIQUE)
                || (visibility != STV_DEFAULT && visibility != STV_PROTECTED) || symbol.st_name >= strings.sh_size)
                continue;
            const char* name = text + symbol.st_name;
            const QString function
                = QString::fromUtf8(name, qsizetype(::strnlen(name, size_t(strings.sh_size - symbol.st_name))));
            // The loader's own entry points are in every library and are never a kernel.
            if (!function.isEmpty() && function != QLatin1String("_init") && function != QLatin1String("_fini"))
                names.append(function);
        }
    }
    names.sort();
    names.removeDuplicates();
    return names;
}
} // namespace

QString ElfFile::machineName(int machine, bool is64Bit)
{
    switch (machine) {
    case EM_X86_64:
        return is64Bit ? QStringLiteral("x86-64") : QStringLiteral("x86-64 with 32-bit pointers (x32)");
    case EM_386:
        return QStringLiteral("32-bit x86 (i386)");
    case EM_AARCH64:
        return QStringLiteral("ARM aarch64");
    case EM_ARM:
        return QStringLiteral("32-bit ARM");
    case EM_RISCV:
        return is64Bit ? QStringLiteral("RISC-V 64-bit") : QStringLiteral("RISC-V 32-bit");
    case EM_PPC64:
        return QStringLiteral("PowerPC 64-bit");
    case EM_PPC:
        return QStringLiteral("PowerPC 32-bit");
    case EM_S390:
        return is64Bit ? QStringLiteral("IBM Z (s390x)") : QStringLiteral("IBM S/390");
    case EM_MIPS:
        return is64Bit ? QStringLiteral("MIPS 64-bit") : QStringLiteral("MIPS 32-bit");
    case EM_SPARCV9:
        return QStringLiteral("SPARC 64-bit");
    case 258: // EM_LOONGARCH, newer than some elf.h
        return QStringLiteral("LoongArch");
    default:
        return QStringLiteral("ELF machine %1%2")
            .arg(machine)
            .arg(is64Bit ? QStringLiteral(" (64-bit)") : QStringLiteral(" (32-bit)"));
    }
}

Result<void> ElfFile::checkLoadable(const QString& path)
{
    const QFileInfo info(path);
    if (!info.exists())
        return fail(QStringLiteral("%1 does not exist").arg(quoted(path)));
    if (info.isDir())
        return fail(QStringLiteral("%1 is a folder, not a shared library").arg(quoted(path)));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("%1 cannot be read: %2").arg(quoted(path), file.errorString()));
    const QByteArray head = file.read(kHeaderPrefix);
    const std::optional<Identity> id = identify(head);
    if (!id) {
        QString what = QStringLiteral("it is not an ELF file");
        if (head.startsWith("#!"))
            what = QStringLiteral("it is a script");
        else if (head.startsWith("!<arch>"))
            what = QStringLiteral("it is a static library (.a): build a shared one with -shared -fPIC");
        return fail(QStringLiteral("%1 is not a shared library: %2").arg(quoted(path), what));
    }
    const Identity& here = self();
    if (id->machine != here.machine || id->is64Bit != here.is64Bit)
        return fail(
            QStringLiteral("%1 was built for %2, this machine is %3")
                .arg(quoted(path), machineName(id->machine, id->is64Bit), machineName(here.machine, here.is64Bit)));
    if (id->littleEndian != here.littleEndian)
        return fail(QStringLiteral("%1 was built for %2-endian %3, this machine is %4-endian")
                        .arg(quoted(path), id->littleEndian ? QStringLiteral("little") : QStringLiteral("big"),
                            machineName(id->machine, id->is64Bit),
                            here.littleEndian ? QStringLiteral("little") : QStringLiteral("big")));
    switch (id->type) {
    case ET_DYN:
        return {};
    case ET_EXEC:
        return fail(
            QStringLiteral("%1 is a program, not a shared library: build it with -shared -fPIC").arg(quoted(path)));
    case ET_REL:
        return fail(
            QStringLiteral("%1 is an object file, not a shared library: link it with -shared").arg(quoted(path)));
    case ET_CORE:
        return fail(QStringLiteral("%1 is a core dump, not a shared library").arg(quoted(path)));
    default:
        return fail(QStringLiteral("%1 is not a shared library (ELF type %2)").arg(quoted(path)).arg(id->type));
    }
}

Result<QStringList> ElfFile::exportedFunctions(const QString& path)
{
    if (Result<void> loadable = checkLoadable(path); !loadable)
        return fail(loadable.error());
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("%1 cannot be read: %2").arg(quoted(path), file.errorString()));
    const qint64 size = file.size();
    const uchar* data = file.map(0, size);
    if (!data)
        return fail(QStringLiteral("%1 cannot be read: %2").arg(quoted(path), file.errorString()));
    return self().is64Bit ? dynamicFunctions<Elf64_Ehdr, Elf64_Shdr, Elf64_Sym>(data, size, path)
                          : dynamicFunctions<Elf32_Ehdr, Elf32_Shdr, Elf32_Sym>(data, size, path);
}

} // namespace parlab
