# ScenarioRunner headless against a fake backend (the backend is not under test).
halab_add_test(tst_scenariorunner SOURCES scenario/tst_scenariorunner.cpp scenario/fakestackbackend.h LIBS halab_runners)
target_include_directories(tst_scenariorunner PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/scenario)
# RunRecorder against a real SQLite run store that refuses writes for a while.
halab_add_test(tst_runrecorder SOURCES scenario/tst_runrecorder.cpp LIBS halab_runners Qt6::Sql)
