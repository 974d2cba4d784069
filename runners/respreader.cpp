#include "respreader.h"

namespace {
constexpr int MaxDepth = 16;
constexpr qint64 MaxBulkBytes = 64 << 20;
} // namespace

QByteArray RespReader::encode(const QList<QByteArray> &argv)
{
    QByteArray out;
    out.reserve(16 + argv.size() * 16);
    out += '*';
    out += QByteArray::number(argv.size());
    out += "\r\n";
    for (const QByteArray &a : argv) {
        out += '$';
        out += QByteArray::number(a.size());
        out += "\r\n";
        out += a;
        out += "\r\n";
    }
    return out;
}

void RespReader::clear()
{
    m_buffer.clear();
    m_pos = 0;
}

bool RespReader::line(qsizetype at, QByteArray *text, qsizetype *next) const
{
    const qsizetype end = m_buffer.indexOf("\r\n", at);
    if (end < 0)
        return false;
    *text = m_buffer.mid(at, end - at);
    *next = end + 2;
    return true;
}

bool RespReader::parse(qsizetype *offset, Reply *reply, int depth, bool *broken) const
{
    const qsizetype at = m_pos + *offset;
    if (at >= m_buffer.size())
        return false;
    const char type = m_buffer.at(at);
    QByteArray head;
    qsizetype next = 0;
    if (!line(at + 1, &head, &next))
        return false;
    switch (type) {
    case '+': case ':': case ',': case '#': case '(':
        reply->text = head;
        break;
    case '-': case '!':
        reply->error = true;
        reply->text = head;
        if (type == '!') { // RESP3 blob error: length, then the message
            bool ok = false;
            const qint64 n = head.toLongLong(&ok);
            if (!ok || n < 0 || n > MaxBulkBytes) { *broken = true; return false; }
            if (m_buffer.size() < next + n + 2)
                return false;
            reply->text = m_buffer.mid(next, n);
            next += n + 2;
        }
        break;
    case '_':
        reply->null = true;
        break;
    case '$': case '=': {
        bool ok = false;
        const qint64 n = head.toLongLong(&ok);
        if (!ok || n < -1 || n > MaxBulkBytes) { *broken = true; return false; }
        if (n == -1) {
            reply->null = true;
            break;
        }
        if (m_buffer.size() < next + n + 2)
            return false;
        reply->text = m_buffer.mid(next, n);
        next += n + 2;
        break;
    }
    case '*': case '~': case '>': case '%': case '|': {
        bool ok = false;
        qint64 n = head.toLongLong(&ok);
        if (!ok || n < -1 || depth >= MaxDepth) { *broken = true; return false; }
        if (n == -1) {
            reply->null = true;
            break;
        }
        if (type == '%' || type == '|')
            n *= 2; // maps: key and value
        qsizetype inner = next - m_pos;
        QList<QByteArray> parts;
        for (qint64 i = 0; i < n; ++i) {
            Reply element;
            if (!parse(&inner, &element, depth + 1, broken))
                return false;
            parts.append(element.text);
        }
        if (type == '|') { // attributes precede the real reply
            Reply real;
            if (!parse(&inner, &real, depth + 1, broken))
                return false;
            *reply = real;
            *offset = inner;
            return true;
        }
        reply->text = parts.join('\n');
        next = m_pos + inner;
        break;
    }
    default:
        *broken = true;
        return false;
    }
    *offset = next - m_pos;
    return true;
}

std::optional<RespReader::Reply> RespReader::next(bool *broken)
{
    *broken = false;
    qsizetype offset = 0;
    Reply reply;
    if (!parse(&offset, &reply, 0, broken))
        return std::nullopt;
    m_pos += offset;
    // Compact now and then, not per reply: a pipeline's replies arrive in one read.
    if (m_pos == m_buffer.size()) {
        m_buffer.clear();
        m_pos = 0;
    } else if (m_pos > 4096 && m_pos > m_buffer.size() / 2) {
        m_buffer.remove(0, m_pos);
        m_pos = 0;
    }
    return reply;
}
