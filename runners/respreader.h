#pragma once

#include <QByteArray>
#include <QList>

#include <optional>

// Incremental reader of Redis replies (RESP2, and the RESP3 scalars Redis 6+ may send).
class RespReader
{
public:
    struct Reply
    {
        bool error = false; // "-ERR …": text holds the message
        bool null = false;  // nil bulk string / nil array
        QByteArray text;    // simple / bulk string, integer, error message; arrays: elements joined by '\n'
    };

    void feed(const QByteArray &bytes) { m_buffer.append(bytes); }
    // The next complete reply, or nullopt until more bytes arrive. Sets *broken on a protocol error.
    std::optional<Reply> next(bool *broken);
    void clear();

    // One command in RESP: an array of bulk strings.
    static QByteArray encode(const QList<QByteArray> &argv);

private:
    // Parses one value at m_pos + *offset; false when incomplete.
    bool parse(qsizetype *offset, Reply *reply, int depth, bool *broken) const;
    bool line(qsizetype at, QByteArray *text, qsizetype *next) const;

    QByteArray m_buffer;
    qsizetype m_pos = 0;
};
