#pragma once

#include <QString>
#include <QStringList>

// Suggests the closest known word for a typo: "chekcs" -> "checks".
namespace DidYouMean {
// The closest candidate within a small edit distance, or an empty string.
QString closest(const QString &word, const QStringList &candidates);
// " (did you mean 'checks'?)" or empty, ready to append to a message.
QString hint(const QString &word, const QStringList &candidates);
} // namespace DidYouMean
