#pragma once

// Bounds on the service log lines one run keeps: a chatty service cannot crowd out the others, and a
// run stays a few MB. Lines past a cap are counted (ServiceLogTally::dropped), not stored.
struct ServiceLogCaps
{
    static constexpr int DefaultPerService = 5'000;
    static constexpr int DefaultPerRun = 20'000;
    int perService = DefaultPerService;
    int perRun = DefaultPerRun;
};
