// One decoded RESP reply (or a transport failure standing in for one).
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

class RedisReply
{
public:
    enum class Type { Status, Error, Integer, Bulk, Nil, Array, Failure };

    Type type = Type::Failure;
    QByteArray str;             // Status / Error / Bulk payload, or the failure reason
    qint64 integer = 0;         // Integer replies
    QList<RedisReply> elements; // Array replies

    // A reply the server actually produced and that is not an error.
    bool isOk() const { return type != Type::Error && type != Type::Failure; }
    // The command never got an answer: not connected, connection lost or timed out.
    bool isFailure() const { return type == Type::Failure; }
    bool isNil() const { return type == Type::Nil; }

    static RedisReply failure(const QByteArray &reason)
    {
        RedisReply r;
        r.type = Type::Failure;
        r.str = reason;
        return r;
    }
};
