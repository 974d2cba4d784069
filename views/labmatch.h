#pragma once

#include "lab.h"
#include "run.h"

// The open lab, when a stored run was made with it (same file, or same lab moved): then its
// step and expectation specs can explain the run's evidence. Null otherwise.
inline const Lab *labOfRun(const Run &run, const Lab &openLab)
{
    if (openLab.name.isEmpty())
        return nullptr;
    if ((!run.labPath.isEmpty() && run.labPath == openLab.filePath) || run.labName == openLab.name)
        return &openLab;
    return nullptr;
}
