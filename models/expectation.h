#pragma once

#include "sourcelocation.h"

#include <QString>

// "availability_pct >= 99", "ckquorum == \"NOQUORUM\"", "master_after == master_before": a bound on
// a metric or saved value that decides a verdict. The left side names a metric or a value a step
// saved; the right side is a number, a quoted text or another name.
struct Expectation
{
    enum class Op { Less, LessEqual, Equal, NotEqual, GreaterEqual, Greater };
    enum class Operand { Number, Text, Name };

    QString metric;
    Op op = Op::LessEqual;
    double bound = 0;                 // the right side when it is a number
    Operand right = Operand::Number;
    QString rightText;                // the quoted text, or the metric / saved value named on the right
    QString text; // as written, for reports
    SourceLocation where;

    // Numbers only (the right side is a number).
    bool holds(double value) const { return holds(value, bound); }

    bool holds(double value, double against) const
    {
        switch (op) {
        case Op::Less: return value < against;
        case Op::LessEqual: return value <= against;
        case Op::Equal: return value == against;
        case Op::NotEqual: return value != against;
        case Op::GreaterEqual: return value >= against;
        case Op::Greater: return value > against;
        }
        return false;
    }

    static bool isOrdering(Op op) { return op != Op::Equal && op != Op::NotEqual; }

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

    // What holds when `op` does not: a failed "x >= 99" reads "x 41.4 < 99".
    static Op negated(Op op)
    {
        switch (op) {
        case Op::Less: return Op::GreaterEqual;
        case Op::LessEqual: return Op::Greater;
        case Op::Equal: return Op::NotEqual;
        case Op::NotEqual: return Op::Equal;
        case Op::GreaterEqual: return Op::Less;
        case Op::Greater: return Op::LessEqual;
        }
        return op;
    }
};
