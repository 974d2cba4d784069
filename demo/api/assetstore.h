// Assets as files in a directory every replica shares (stands in for a shared object store).
#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

class AssetStore
{
public:
    struct Stored
    {
        QString id;
        qint64 size = 0;
        QString sha256;
        QString name;
    };

    explicit AssetStore(const QString &dir);

    bool ensureDir(QString *error) const;
    QString dir() const { return m_dir; }
    std::optional<Stored> put(const QByteArray &data, const QString &name, const QString &nodeId,
                              QString *error) const;
    // Returns nullopt when the id is invalid or unknown.
    std::optional<QByteArray> get(const QString &id, QString *name = nullptr) const;

    static bool isValidId(const QString &id);
    // First file part of a multipart/form-data body (or nullopt when not multipart).
    static std::optional<QByteArray> extractMultipartFile(const QByteArray &body,
                                                          const QByteArray &contentType,
                                                          QString *fileName);

private:
    QString dataPath(const QString &id) const;
    QString metaPath(const QString &id) const;

    QString m_dir;
};
