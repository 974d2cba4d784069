#include "clusterroledecoder.h"

#include "serviceprober.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace {
// A JSON pointer or a regex over the raw text; several capture groups are joined with ':'.
std::optional<QString> pick(const QString &where, const QByteArray &answer, QString *error)
{
    if (where.startsWith(QLatin1Char('/'))) {
        ProbeSpec spec;
        spec.jsonPointer = where;
        return ServiceProber::extract(spec, answer, error);
    }
    const QRegularExpression re(where);
    const QRegularExpressionMatch m = re.match(QString::fromUtf8(answer));
    if (!m.hasMatch()) {
        *error = QStringLiteral("/%1/ did not match").arg(where);
        return std::nullopt;
    }
    if (re.captureCount() == 0)
        return m.captured(0);
    QStringList parts;
    for (int i = 1; i <= re.captureCount(); ++i)
        parts.append(m.captured(i));
    return parts.join(QLatin1Char(':'));
}

QString fieldOf(const QJsonObject &member, const QString &field)
{
    QJsonValue v;
    if (field.startsWith(QLatin1Char('/'))) {
        ProbeSpec spec;
        spec.jsonPointer = field;
        const auto text = ServiceProber::extract(spec, QJsonDocument(member).toJson(QJsonDocument::Compact));
        return text.value_or(QString());
    }
    v = member.value(field);
    if (v.isString())
        return v.toString();
    if (v.isDouble())
        return QString::number(qint64(v.toDouble()));
    return {};
}
} // namespace

QString ClusterRoleDecoder::serviceFor(const StackRoleSourceSpec &spec, const QString &reported, const QStringList &services)
{
    if (reported.isEmpty())
        return {};
    for (const QString &service : services) {
        const auto it = spec.map.constFind(service);
        if (it == spec.map.cend())
            continue;
        const QString &m = it.value();
        if (m.size() >= 2 && m.startsWith(QLatin1Char('/')) && m.endsWith(QLatin1Char('/'))) {
            if (QRegularExpression(m.mid(1, m.size() - 2)).match(reported).hasMatch())
                return service;
        } else if (m == reported) {
            return service;
        }
    }
    // Unmapped services answer to their own name.
    for (const QString &service : services)
        if (!spec.map.contains(service) && service == reported)
            return service;
    return {};
}

ClusterRoleDecoder::Result ClusterRoleDecoder::decode(const StackRoleSourceSpec &spec, const QByteArray &answer,
                                                      const QStringList &services)
{
    Result r;
    QStringList unknown;
    if (spec.hasMembers) {
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(answer, &parseError);
        QJsonArray members;
        if (doc.isNull()) {
            r.error = QStringLiteral("not JSON: %1").arg(parseError.errorString());
            return r;
        }
        if (spec.members.isEmpty()) {
            members = doc.array();
        } else {
            ProbeSpec p;
            p.jsonPointer = spec.members;
            QString error;
            const auto text = ServiceProber::extract(p, answer, &error);
            if (!text) {
                r.error = QStringLiteral("members: %1").arg(error);
                return r;
            }
            members = QJsonDocument::fromJson(text->toUtf8()).array();
        }
        for (const QJsonValue &m : std::as_const(members)) {
            const QJsonObject member = m.toObject();
            const QString name = fieldOf(member, spec.nameField);
            const QString role = fieldOf(member, spec.roleField);
            const QString service = serviceFor(spec, name, services);
            if (service.isEmpty()) {
                if (!name.isEmpty())
                    unknown.append(name);
                continue;
            }
            r.roles.insert(service, spec.leaderRoles.contains(role) ? QStringLiteral("leader") : role);
        }
    }
    if (!spec.leader.isEmpty()) {
        QString error;
        const auto leader = pick(spec.leader, answer, &error);
        if (!leader) {
            // A source that lists members may legitimately name no leader (a leaderless cluster).
            if (!spec.hasMembers) {
                r.error = QStringLiteral("leader: %1").arg(error);
                return r;
            }
        } else if (!leader->isEmpty() && *leader != QLatin1String("null")) {
            const QString service = serviceFor(spec, *leader, services);
            if (service.isEmpty()) {
                unknown.append(*leader);
            } else {
                // The named leader wins over what a members list said of it; others are not leading.
                for (auto it = r.roles.begin(); it != r.roles.end(); ++it)
                    if (it.value() == QLatin1String("leader") && it.key() != service)
                        it.value() = QStringLiteral("replica");
                r.roles.insert(service, QStringLiteral("leader"));
            }
        }
    }
    if (!spec.term.isEmpty()) {
        QString error;
        r.term = pick(spec.term, answer, &error).value_or(QString());
    }
    if (r.roles.isEmpty() && !unknown.isEmpty())
        r.error = QStringLiteral("names no service of the stack: %1 (add them to 'map')").arg(unknown.join(QStringLiteral(", ")));
    return r;
}
