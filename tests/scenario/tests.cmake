# ScenarioRunner headless against a fake backend (the backend is not under test).
halab_add_test(tst_scenariorunner SOURCES scenario/tst_scenariorunner.cpp scenario/fakestackbackend.h LIBS halab_runners)
target_include_directories(tst_scenariorunner PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/scenario)
# RunRecorder against a real SQLite run store that refuses writes for a while.
halab_add_test(tst_runrecorder SOURCES scenario/tst_runrecorder.cpp LIBS halab_runners Qt6::Sql)
# Failover intervals against the demo API's own lease-acquired instants, every fault kind at
# 10 ms and 100 ms (a few minutes: label 'timing').
# It reads the failover interval from CheckMetrics::intervals() (models/metricinterval.h).
if(EXISTS ${CMAKE_SOURCE_DIR}/models/metricinterval.h)
    # 20 failovers per row can take longer than QTest's 5-minute function limit on a loaded host.
    halab_add_test(tst_timingtruth SOURCES scenario/tst_timingtruth.cpp scenario/demolab.h LIBS halab_runners LABELS timing
                   ENV QTEST_FUNCTION_TIMEOUT=900000)
    target_include_directories(tst_timingtruth PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/scenario)
    set_tests_properties(tst_timingtruth PROPERTIES TIMEOUT 900)
    if(TARGET halab-demo-api)
        add_dependencies(tst_timingtruth halab-demo-api)
    endif()
else()
    message(STATUS "tst_timingtruth needs the metric intervals (models/metricinterval.h): not built")
endif()
# halab-cli on the real demo stack: forced leader regression and split brain in the run's JSON.
halab_add_test(tst_clusteranomalies SOURCES scenario/tst_clusteranomalies.cpp scenario/demolab.h LIBS Qt6::Core Qt6::Network)
target_include_directories(tst_clusteranomalies PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/scenario)
foreach(dep halab-demo-api halab-cli)
    if(TARGET ${dep})
        add_dependencies(tst_clusteranomalies ${dep})
    endif()
endforeach()
# The stack-level role source: lab key and the answers of Patroni, Sentinel and etcd.
halab_add_test(tst_clusterroledecoder SOURCES scenario/tst_clusterroledecoder.cpp LIBS halab_runners)
