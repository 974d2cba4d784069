#include "logging.h"

Q_LOGGING_CATEGORY(lcLab, "halab.models.lab", QtInfoMsg)
