#include "logging.h"

Q_LOGGING_CATEGORY(lcLab, "halab.models.lab", QtInfoMsg)
Q_LOGGING_CATEGORY(lcMetrics, "halab.models.metrics", QtInfoMsg)
