#include "dockerengine.h"

#include "didyoumean.h"

#include <QRegularExpression>
#include <QUrl>

QString DockerEngine::describe() const
{
    if (!host.isEmpty())
        return host;
    if (!context.isEmpty())
        return QStringLiteral("context '%1'").arg(context);
    return {};
}

QString DockerEngine::hostProblem(const QString &host)
{
    static const QRegularExpression blank(QStringLiteral("[\\s\\x00-\\x1f\\x7f]"));
    if (host.contains(blank))
        return QStringLiteral("must not hold spaces or control characters, got '%1'").arg(host);
    const qsizetype sep = host.indexOf(QStringLiteral("://"));
    if (sep <= 0)
        return QStringLiteral("must be an engine address with a scheme, like ssh://user@host, tcp://host:2376 or "
                              "unix:///var/run/docker.sock, got '%1'").arg(host);
    const QString scheme = host.left(sep);
    const QString rest = host.mid(sep + 3);
    if (scheme == QLatin1String("unix")) {
        if (!rest.startsWith(QLatin1Char('/')) || rest.size() < 2)
            return QStringLiteral("needs an absolute socket path after unix:// (three slashes in all, e.g. "
                                  "unix:///var/run/docker.sock), got '%1'").arg(host);
        return {};
    }
    if (const QString problem = schemeProblem(scheme); !problem.isEmpty())
        return problem;
    // user@host:port, the host maybe in [] (IPv6): the port is checked here, QUrl's words are vague.
    static const QRegularExpression authority(QStringLiteral("^(?:[^@/]*@)?(\\[[^\\]]*\\]|[^:/]*)(?::([^/]*))?"));
    const QRegularExpressionMatch parts = authority.match(rest);
    if (parts.captured(1).isEmpty())
        return QStringLiteral("names no host: write %1://%2, got '%3'")
            .arg(scheme, scheme == QLatin1String("ssh") ? QStringLiteral("user@host") : QStringLiteral("host:2376"), host);
    if (parts.hasCaptured(2)) {
        bool ok = false;
        const int port = parts.captured(2).toInt(&ok);
        if (!ok || port < 1 || port > 65535)
            return QStringLiteral("has port '%1': give a port from 1 to 65535 (or none), got '%2'").arg(parts.captured(2), host);
    }
    const QUrl url(host, QUrl::StrictMode);
    if (!url.isValid())
        return QStringLiteral("is not a valid URL, got '%1'").arg(host);
    if (url.hasQuery() || url.hasFragment())
        return QStringLiteral("must not have a query or fragment, got '%1'").arg(host);
    // The docker CLI refuses a path after an ssh host ("extra path after the host").
    if (scheme == QLatin1String("ssh") && !url.path().isEmpty())
        return QStringLiteral("has a path after the host ('%1'): ssh:// takes user@host[:port] only").arg(url.path());
    if (scheme == QLatin1String("tcp") && !url.userName().isEmpty())
        return QStringLiteral("has a user name: tcp:// logs in with TLS certificates, not a user (use ssh://user@host), got '%1'").arg(host);
    return {};
}

QString DockerEngine::schemeProblem(const QString &scheme)
{
    if (scheme == QLatin1String("npipe"))
        return QStringLiteral("names a Windows named pipe; this console runs on Linux: use ssh://, tcp:// or unix://");
    if (scheme == QLatin1String("fd"))
        return QStringLiteral("names a socket dockerd itself listens on (fd://), not one a client dials: use ssh://, tcp:// or unix://");
    const QStringList schemes = {QStringLiteral("ssh"), QStringLiteral("tcp"), QStringLiteral("unix")};
    if (!schemes.contains(scheme))
        return QStringLiteral("has unknown scheme '%1://': use ssh://user@host, tcp://host:port or unix:///path%2")
            .arg(scheme, DidYouMean::hint(scheme, schemes));
    return {};
}

QString DockerEngine::contextProblem(const QString &name)
{
    // docker/cli's restrictedNamePattern for context names.
    static const QRegularExpression valid(QStringLiteral("^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$"));
    if (valid.match(name).hasMatch())
        return {};
    return QStringLiteral("must be a docker context name (letters, digits, '_', '.', '+' and '-', starting with a "
                          "letter or digit, at least 2 characters), got '%1'").arg(name);
}
