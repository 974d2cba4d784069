#include "datapaths.h"

#include "labcontext.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

#include <cerrno>

#include <sys/stat.h>
#include <unistd.h>

namespace DataPaths {

QString dataDir()
{
    const QString fromEnv = qEnvironmentVariable("HALAB_DATA_DIR");
    if (!fromEnv.isEmpty())
        return fromEnv;
    const QString installed = QDir(binDir()).absoluteFilePath(QStringLiteral("../") + QStringLiteral(HALAB_INSTALL_DATA_DIR));
    if (QFileInfo::exists(installed + QStringLiteral("/resources/labs")))
        return QDir::cleanPath(installed);
    return QStringLiteral(HALAB_SOURCE_DATA_DIR);
}

QString demoLabPath()
{
    return dataDir() + QStringLiteral("/resources/labs/demo.halab.yaml");
}

QString binDir()
{
    return QCoreApplication::applicationDirPath();
}

QString runDir(const Lab &lab, const QMap<QString, QString> &overrides)
{
    if (!lab.stack.runDir.path.isEmpty()) {
        // RUN_DIR itself is what is being decided: the path may use the other built-ins only.
        const LabContext context(lab, {{QStringLiteral("LAB_DIR"), QFileInfo(lab.filePath).absolutePath()},
                                       {QStringLiteral("BIN_DIR"), binDir()}}, overrides);
        const QString dir = QDir::cleanPath(context.resolve(lab.stack.runDir.path));
        QDir().mkpath(dir);
        return dir;
    }
    QString base = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation);
    if (base.isEmpty())
        base = QDir::tempPath() + QStringLiteral("/halab");
    const QString dir = base + QStringLiteral("/stacks/") + (lab.id.isEmpty() ? QStringLiteral("lab") : lab.id);
    QDir().mkpath(dir);
    return dir;
}

QMap<QString, QString> builtins(const Lab &lab, const QMap<QString, QString> &overrides)
{
    return {{QStringLiteral("LAB_DIR"), QFileInfo(lab.filePath).absolutePath()},
            {QStringLiteral("RUN_DIR"), runDir(lab, overrides)},
            {QStringLiteral("BIN_DIR"), binDir()}};
}

void chooseRuntimeDirIfUnset()
{
    if (!qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR"))
        return;
    const QByteArray dir = QDir::tempPath().toLocal8Bit() + "/runtime-" + QByteArray::number(::geteuid());
    if (::mkdir(dir.constData(), 0700) == 0 || errno == EEXIST)
        qputenv("XDG_RUNTIME_DIR", dir);
}

} // namespace DataPaths
