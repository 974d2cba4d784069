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
