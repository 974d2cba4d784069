#pragma once

#include "sourcelocation.h"

#include <QString>

// A named host of the lab (`hosts: {n1: {}}`): for the processes backend a network namespace
// the console makes, with an address of its own that ${n1} gives.
struct HostSpec
{
    QString name;
    SourceLocation where;
};
