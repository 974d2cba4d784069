# Demo stack test: real redis-server + two real halab-demo-api replicas + real nginx (fixed LB config).
halab_add_test(tst_demoapi SOURCES demo/tst_demoapi.cpp LIBS Qt6::Network)
# The test launches the service binary from HALAB_BIN_DIR, so build it first.
add_dependencies(tst_demoapi halab-demo-api)
set_tests_properties(tst_demoapi PROPERTIES LABELS "demo;integration" RUN_SERIAL TRUE)
