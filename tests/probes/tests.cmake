# ProbeEngine against real servers (halab-demo-api + redis-server, blackholed ports, sh).
halab_add_test(tst_probeengine SOURCES probes/tst_probeengine.cpp probes/demostack.h LIBS halab_runners Qt6::Network)
target_include_directories(tst_probeengine PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/probes)
# The tests start the demo API from the same bin folder.
if(TARGET halab-demo-api)
    add_dependencies(tst_probeengine halab-demo-api)
endif()
# sql / redis probes against a real PostgreSQL 15 and redis-server; command timeouts and skipped slots.
halab_add_test(tst_storeprobes SOURCES probes/tst_storeprobes.cpp probes/storestack.h probes/demostack.h
               LIBS halab_runners Qt6::Network Qt6::Sql)
target_include_directories(tst_storeprobes PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/probes)
