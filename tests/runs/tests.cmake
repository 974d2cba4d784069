# Runs: the store (and its crash safety against a SIGKILLed writer), the exports, readiness, the report.

# A writer the crash test SIGKILLs mid-run: appends evidence, prints each committed sequence number.
qt_add_executable(run_writer runs/run_writer_main.cpp)
target_link_libraries(run_writer PRIVATE halab_strict halab_models)

halab_add_test(tst_runstore SOURCES runs/tst_runstore.cpp runs/samplerun.h LIBS halab_models LABELS runs)
halab_add_test(tst_runstore_crash SOURCES runs/tst_runstore_crash.cpp LIBS halab_models LABELS runs)
add_dependencies(tst_runstore_crash run_writer)
halab_add_test(tst_runexporter SOURCES runs/tst_runexporter.cpp runs/samplerun.h LIBS halab_models LABELS runs)
halab_add_test(tst_readiness SOURCES runs/tst_readiness.cpp LIBS halab_models LABELS runs)
# The report library is QtGui only, so this test does not need Widgets.
halab_add_test(tst_reportrenderer SOURCES runs/tst_reportrenderer.cpp runs/samplerun.h LIBS halab_report LABELS runs)
# Metrics: time order, truth intervals, failover, the cluster timeline, text expectations, INCONCLUSIVE.
halab_add_test(tst_checkmetrics SOURCES runs/tst_checkmetrics.cpp LIBS halab_models LABELS runs)
# 2 million samples: bounded retained elements and the same figures as a reference over every sample.
halab_add_test(tst_boundedmetrics SOURCES runs/tst_boundedmetrics.cpp LIBS halab_models LABELS runs)
halab_add_test(tst_clustertimeline SOURCES runs/tst_clustertimeline.cpp LIBS halab_models LABELS runs)
halab_add_test(tst_checkjudgement SOURCES runs/tst_checkjudgement.cpp LIBS halab_models LABELS runs)
halab_add_test(tst_metrictext SOURCES runs/tst_metrictext.cpp LIBS halab_models LABELS runs)
halab_add_test(tst_stoppedcheck SOURCES runs/tst_stoppedcheck.cpp LIBS halab_runners Qt6::Network LABELS runs)
# Charts of stored runs read in batches (bounded memory) draw what the whole-list path drew.
halab_add_test(tst_checkchartdata SOURCES runs/tst_checkchartdata.cpp LIBS halab_report LABELS runs)
