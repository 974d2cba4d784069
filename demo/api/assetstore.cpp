#include "assetstore.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSaveFile>
#include <QUuid>

AssetStore::AssetStore(const QString &dir) : m_dir(dir) {}

bool AssetStore::ensureDir(QString *error) const
{
    if (QDir().mkpath(m_dir))
        return true;
    *error = QStringLiteral("cannot create asset dir ") + m_dir;
    return false;
}

bool AssetStore::isValidId(const QString &id)
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9_-]{1,128}$"));
    return re.match(id).hasMatch();
}

QString AssetStore::dataPath(const QString &id) const
{
    return m_dir + QLatin1Char('/') + id + QStringLiteral(".bin");
}

QString AssetStore::metaPath(const QString &id) const
{
    return m_dir + QLatin1Char('/') + id + QStringLiteral(".meta.json");
}

std::optional<AssetStore::Stored> AssetStore::put(const QByteArray &data, const QString &name,
                                                  const QString &nodeId, QString *error) const
{
    if (!ensureDir(error))
        return std::nullopt;
    Stored s;
    s.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    s.size = data.size();
    s.sha256 = QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
    s.name = name;
    // Data first, metadata second, each via QSaveFile (atomic rename): a reader on another
    // replica either sees the whole asset or nothing.
    QSaveFile f(dataPath(s.id));
    if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size() || !f.commit()) {
        *error = QStringLiteral("asset write failed: ") + f.errorString();
        return std::nullopt;
    }
    const QJsonObject meta{{QStringLiteral("id"), s.id},
                           {QStringLiteral("name"), name},
                           {QStringLiteral("size"), double(s.size)},
                           {QStringLiteral("sha256"), s.sha256},
                           {QStringLiteral("node_id"), nodeId},
                           {QStringLiteral("created_ms"), double(QDateTime::currentMSecsSinceEpoch())}};
    QSaveFile m(metaPath(s.id));
    if (!m.open(QIODevice::WriteOnly) || m.write(QJsonDocument(meta).toJson(QJsonDocument::Compact)) < 0
        || !m.commit()) {
        *error = QStringLiteral("asset metadata write failed: ") + m.errorString();
        return std::nullopt;
    }
    return s;
}

std::optional<QByteArray> AssetStore::get(const QString &id, QString *name) const
{
    if (!isValidId(id))
        return std::nullopt;
    QFile f(dataPath(id));
    if (!f.open(QIODevice::ReadOnly))
        return std::nullopt;
    if (name) {
        QFile m(metaPath(id));
        if (m.open(QIODevice::ReadOnly))
            *name = QJsonDocument::fromJson(m.readAll()).object().value(QStringLiteral("name")).toString();
    }
    return f.readAll();
}

std::optional<QByteArray> AssetStore::extractMultipartFile(const QByteArray &body,
                                                           const QByteArray &contentType,
                                                           QString *fileName)
{
    if (!contentType.toLower().startsWith("multipart/form-data"))
        return std::nullopt;
    const qsizetype b = contentType.indexOf("boundary=");
    if (b < 0)
        return std::nullopt;
    QByteArray boundary = contentType.mid(b + 9);
    if (const qsizetype semi = boundary.indexOf(';'); semi >= 0)
        boundary.truncate(semi);
    boundary = boundary.trimmed();
    if (boundary.startsWith('"') && boundary.endsWith('"') && boundary.size() >= 2)
        boundary = boundary.mid(1, boundary.size() - 2);
    const QByteArray delim = "--" + boundary;
    const QByteArray partEnd = "\r\n" + delim;
    qsizetype pos = body.indexOf(delim);
    while (pos >= 0) {
        const qsizetype headStart = pos + delim.size() + 2; // skip delimiter + CRLF
        const qsizetype headEnd = body.indexOf("\r\n\r\n", headStart);
        if (headEnd < 0)
            return std::nullopt;
        const QByteArray headers = body.mid(headStart, headEnd - headStart);
        const qsizetype next = body.indexOf(partEnd, headEnd + 4);
        if (next < 0)
            return std::nullopt;
        const qsizetype fn = headers.indexOf("filename=\"");
        if (fn >= 0) {
            const qsizetype fnEnd = headers.indexOf('"', fn + 10);
            if (fileName && fnEnd > fn)
                *fileName = QString::fromUtf8(headers.mid(fn + 10, fnEnd - fn - 10));
            return body.mid(headEnd + 4, next - headEnd - 4);
        }
        pos = next + 2;
    }
    return std::nullopt;
}
