#pragma once

#include "sourcelocation.h"

#include <QString>

// "availability_pct >= 99": a bound on a metric that decides a verdict.
struct Expectation
{
    enum class Op { Less, LessEqual, Equal, NotEqual, GreaterEqual, Greater };

    QString metric;
    Op op = Op::LessEqual;
    double bound = 0;
    QString text; // as written, for reports
    SourceLocation where;

    bool holds(double value) const
    {
        switch (op) {
        case Op::Less: return value < bound;
        case Op::LessEqual: return value <= bound;
        case Op::Equal: return value == bound;
        case Op::NotEqual: return value != bound;
        case Op::GreaterEqual: return value >= bound;
        case Op::Greater: return value > bound;
        }
        return false;
    }

    static QString opText(Op op)
    {
        switch (op) {
        case Op::Less: return QStringLiteral("<");
        case Op::LessEqual: return QStringLiteral("<=");
        case Op::Equal: return QStringLiteral("==");
        case Op::NotEqual: return QStringLiteral("!=");
        case Op::GreaterEqual: return QStringLiteral(">=");
        case Op::Greater: return QStringLiteral(">");
        }
        return {};
    }
};
