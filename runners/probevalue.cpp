#include "probevalue.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace {
QString jsonText(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::String: return v.toString();
    case QJsonValue::Bool: return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Double: {
        const double d = v.toDouble();
        if (d == static_cast<double>(static_cast<qint64>(d)))
            return QString::number(static_cast<qint64>(d));
        return QString::number(d, 'g', 17);
    }
    case QJsonValue::Array:
        return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    case QJsonValue::Object:
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    case QJsonValue::Undefined: break;
    }
    return {};
}

// RFC 6901 over QJsonDocument: "/a/b/0"; "~1" is "/" and "~0" is "~".
std::optional<QJsonValue> resolvePointer(const QJsonDocument &doc, const QString &pointer)
{
    QJsonValue current = doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
    if (pointer.isEmpty())
        return current;
    if (!pointer.startsWith(QLatin1Char('/')))
        return std::nullopt;
    const QStringList tokens = pointer.mid(1).split(QLatin1Char('/'));
    for (QString token : tokens) {
        token.replace(QStringLiteral("~1"), QStringLiteral("/")).replace(QStringLiteral("~0"), QStringLiteral("~"));
        if (current.isObject()) {
            const QJsonObject o = current.toObject();
            if (!o.contains(token))
                return std::nullopt;
            current = o.value(token);
        } else if (current.isArray()) {
            bool ok = false;
            const int index = token.toInt(&ok);
            const QJsonArray a = current.toArray();
            if (!ok || index < 0 || index >= a.size())
                return std::nullopt;
            current = a.at(index);
        } else {
            return std::nullopt;
        }
    }
    return current;
}

} // namespace

namespace ProbeValue {

bool wantsValue(const ProbeSpec &spec)
{
    return !spec.jsonPointer.isEmpty() || !spec.regex.isEmpty();
}

std::optional<QString> extract(const ProbeSpec &spec, const QByteArray &text, QString *error)
{
    if (!spec.jsonPointer.isEmpty()) {
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(text, &parseError);
        if (doc.isNull()) {
            if (error)
                *error = QStringLiteral("not JSON: %1").arg(parseError.errorString());
            return std::nullopt;
        }
        const auto value = resolvePointer(doc, spec.jsonPointer);
        if (!value) {
            if (error)
                *error = QStringLiteral("%1 not found").arg(spec.jsonPointer);
            return std::nullopt;
        }
        return jsonText(*value);
    }
    if (!spec.regex.isEmpty()) {
        const QRegularExpression re(spec.regex);
        if (!re.isValid()) {
            if (error)
                *error = QStringLiteral("bad regex: %1").arg(re.errorString());
            return std::nullopt;
        }
        const QRegularExpressionMatch m = re.match(QString::fromUtf8(text));
        if (!m.hasMatch()) {
            if (error)
                *error = QStringLiteral("regex did not match");
            return std::nullopt;
        }
        return re.captureCount() >= 1 ? m.captured(1) : m.captured(0);
    }
    if (spec.kind == ProbeSpec::Kind::Sql) // rows are lines, fields are '|'-separated (psql -At)
    {
        const qsizetype end = text.indexOf('\n');
        return QString::fromUtf8(end < 0 ? text : text.left(end)).section(QLatin1Char('|'), 0, 0);
    }
    return QString::fromUtf8(text).trimmed();
}

} // namespace ProbeValue
