# The two executables as a user runs them, and the main window driven offscreen.
add_test(NAME halab_self_test COMMAND halab --self-test --store ${CMAKE_CURRENT_BINARY_DIR}/self-test-runs.sqlite)
set_tests_properties(halab_self_test PROPERTIES ENVIRONMENT "QT_QPA_PLATFORM=offscreen" TIMEOUT 60
                     PASS_REGULAR_EXPRESSION "self-test: ok")
add_test(NAME halab_version COMMAND halab --version)
set_tests_properties(halab_version PROPERTIES ENVIRONMENT "QT_QPA_PLATFORM=offscreen" PASS_REGULAR_EXPRESSION "halab 0\\.")
halab_add_test(tst_cli SOURCES app/tst_cli.cpp LIBS halab_models)
add_dependencies(tst_cli halab-cli)
halab_add_test(tst_mainwindow SOURCES app/tst_mainwindow.cpp LIBS halab_views)
add_dependencies(tst_mainwindow halab-cli) # GUI and CLI must agree on applicability
# Start Stack, kill the leader from the services table, watch the role move: real demo stack.
halab_add_test(tst_stackwindow SOURCES app/tst_stackwindow.cpp LIBS halab_views Qt6::Network)
add_dependencies(tst_stackwindow halab-demo-api)
# A bad lab: the self-test fails and says why, one file:line:column line per problem.
add_test(NAME halab_self_test_bad_lab COMMAND halab --self-test --store ${CMAKE_CURRENT_BINARY_DIR}/self-test-bad-runs.sqlite
         ${CMAKE_SOURCE_DIR}/tests/data/out-of-range.halab.yaml)
set_tests_properties(halab_self_test_bad_lab PROPERTIES ENVIRONMENT "QT_QPA_PLATFORM=offscreen" TIMEOUT 60
                     PASS_REGULAR_EXPRESSION "out-of-range\\.halab\\.yaml:17:15: .*duration '999999999999999999s' is too long.*FAILED loading")
# Service logs stored with a run (bounded, redacted) and printed by `halab-cli logs`: real processes.
halab_add_test(tst_servicelogs SOURCES app/tst_servicelogs.cpp LIBS halab_models)
add_dependencies(tst_servicelogs halab-cli)
# Readiness fails, the window offers the lab's reset, runs it without blocking, and the stack then comes up.
halab_add_test(tst_stackreset SOURCES app/tst_stackreset.cpp LIBS halab_views)
