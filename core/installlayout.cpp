#include "installlayout.h"

#include <QCoreApplication>
#include <QDir>

namespace parlab {

namespace {
struct HelperPlace {
    const char* variable;
    const char* folderFromBin; // relative to the folder parlab runs from; set by CMake from GNUInstallDirs
    const char* fileName;
};

HelperPlace place(Helper helper)
{
    switch (helper) {
    case Helper::Worker:
        return { "PARLAB_WORKER_EXECUTABLE", ".", "parlab" };
    case Helper::MpiWorker:
        return { "PARLAB_MPI_WORKER", PARLAB_LIBEXEC_FROM_BIN, "parlab-mpi-worker" };
    case Helper::KernelLibrary:
        return { "PARLAB_KERNEL_LIBRARY", PARLAB_PKGLIB_FROM_BIN, "libparlab_kernels.so" };
    case Helper::Examples:
        return { "PARLAB_EXAMPLES", PARLAB_EXAMPLES_FROM_BIN, "" };
    case Helper::ExampleLibraries:
        return { "PARLAB_EXAMPLE_LIBRARIES", PARLAB_EXAMPLELIB_FROM_BIN, "" };
    }
    Q_UNREACHABLE();
}
} // namespace

QString helperPath(Helper helper)
{
    const HelperPlace where = place(helper);
    const QString fromEnvironment = qEnvironmentVariable(where.variable);
    if (!fromEnvironment.isEmpty())
        return fromEnvironment;
    const QDir bin(QCoreApplication::applicationDirPath());
    return QDir::cleanPath(
        bin.filePath(QString::fromUtf8(where.folderFromBin) + QLatin1Char('/') + QString::fromUtf8(where.fileName)));
}

} // namespace parlab
