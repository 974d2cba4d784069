#pragma once

#include "lab.h"

#include <QMap>
#include <QString>

// Where the console finds its bundled files and keeps its own, in a build tree or installed.
namespace DataPaths {
// The folder holding resources/labs and demo/: $HALAB_DATA_DIR, share/halab beside the binary, or the source tree.
QString dataDir();
QString demoLabPath();
// Folder of the running executables (halab-demo-api sits beside halab and halab-cli).
QString binDir();
// A per-lab folder for rendered configs, pid files and service data; created on demand.
// The lab's `stack: run_dir: path:` when set (resolved with its variables and overrides),
// else <AppLocalDataLocation>/stacks/<lab id>.
QString runDir(const Lab &lab, const QMap<QString, QString> &overrides = {});
// The built-in ${NAME}s every lab may use: LAB_DIR, RUN_DIR, BIN_DIR.
QMap<QString, QString> builtins(const Lab &lab, const QMap<QString, QString> &overrides = {});
// Call before the Q(Gui)Application: without a login session (CI, cron, sudo, xvfb-run) QtGui
// warns that XDG_RUNTIME_DIR is not set and then uses a private /tmp/runtime-* folder; this
// chooses such a folder (0700) quietly. Does nothing when the variable is set.
void chooseRuntimeDirIfUnset();
} // namespace DataPaths
