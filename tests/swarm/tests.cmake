# The swarm backend against real swarms this test starts: private dockerds in network
# namespaces the tests make (skip without root / dockerd). ctest -L swarm.
foreach(t swarmdemo swarmnodes)
    halab_add_test(tst_${t} SOURCES swarm/tst_${t}.cpp swarm/testswarm.h LABELS swarm)
    target_include_directories(tst_${t} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/swarm)
    add_dependencies(tst_${t} halab-cli)
    if(TARGET halab-demo-api)
        add_dependencies(tst_${t} halab-demo-api)
    endif()
    set_tests_properties(tst_${t} PROPERTIES TIMEOUT 400 RUN_SERIAL TRUE)
endforeach()
