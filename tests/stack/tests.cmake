# Stack backends against real processes (redis-server, nginx, the demo API, sh).
halab_add_test(tst_processstack SOURCES stack/tst_processstack.cpp LIBS halab_runners)

# A stand-in console the test SIGKILLs to check that services die with it (PR_SET_PDEATHSIG).
qt_add_executable(stack_holder stack/stack_holder_main.cpp)
target_link_libraries(stack_holder PRIVATE halab_strict halab_runners)
add_dependencies(tst_processstack stack_holder)
# The HA role test runs the demo API from the same bin folder (it skips when it is absent).
if(TARGET halab-demo-api)
    add_dependencies(tst_processstack halab-demo-api)
endif()

# A service is a whole node and nothing outlives the console: cgroup v2 (skips, saying why, where
# none is writable) and, as tst_cgroups_treewalk, the process-tree fallback (always runs).
halab_add_test(tst_cgroups SOURCES stack/tst_cgroups.cpp LIBS halab_runners)
add_test(NAME tst_cgroups_treewalk COMMAND tst_cgroups)
set_tests_properties(tst_cgroups_treewalk PROPERTIES
    ENVIRONMENT "QT_QPA_PLATFORM=offscreen;HALAB_NO_CGROUPS=1" TIMEOUT 300)
add_dependencies(tst_cgroups stack_holder halab-cli)
if(TARGET halab-demo-api)
    add_dependencies(tst_cgroups halab-demo-api)
endif()
# What labs of real clusters need (issue 11): once services, user/group, run_dir wipe, readiness failures.
halab_add_test(tst_realclusterservices SOURCES stack/tst_realclusterservices.cpp LIBS halab_runners Qt6::Network)
# A stack shared on its control socket (halab-cli stack up + halab-cli run).
halab_add_test(tst_remotestack SOURCES stack/tst_remotestack.cpp LIBS halab_runners Qt6::Network)
