# Live chart: the sample store (headless) and the chart widget (offscreen).
halab_add_test(tst_sampletimeline SOURCES views/tst_sampletimeline.cpp LIBS halab_models LABELS views)
halab_add_test(tst_livechartview SOURCES views/tst_livechartview.cpp LIBS halab_views LABELS views)
# The window's panes against a real demo API and redis-server (check pane, runs, readiness, export).
halab_add_test(tst_panes SOURCES views/tst_panes.cpp LIBS halab_views LABELS views)
add_dependencies(tst_panes halab-demo-api)
# Drives the window through a demo-stack sitting for the docs screenshots; skipped unless HALAB_SCREENSHOT_DIR is set.
halab_add_test(tst_panes_screens SOURCES views/tst_panes_screens.cpp LIBS halab_views LABELS views)
halab_add_test(tst_failovertrend SOURCES views/tst_failovertrend.cpp LIBS halab_views LABELS views)
halab_add_test(tst_servicelogpane SOURCES views/tst_servicelogpane.cpp LIBS halab_views LABELS views)
