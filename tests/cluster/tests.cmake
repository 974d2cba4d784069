# Example labs of real clusters, run end to end with halab-cli (ctest -L cluster).
foreach(lab etcdraftlab sentinellab patronilab reusestack)
    halab_add_test(tst_${lab} SOURCES cluster/tst_${lab}.cpp cluster/clusterlabrun.h LIBS Qt6::Network LABELS cluster)
    target_include_directories(tst_${lab} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/cluster)
    add_dependencies(tst_${lab} halab-cli)
    set_tests_properties(tst_${lab} PROPERTIES TIMEOUT 600 RUN_SERIAL TRUE)
endforeach()
