# bench_probes: ProbeEngine timing accuracy and capacity against a real halab-demo-api.
# Included from bench/CMakeLists.txt; paths are relative to this file so it can be included from anywhere.
include_guard(GLOBAL)
qt_add_executable(bench_probes ${CMAKE_CURRENT_LIST_DIR}/bench_probes.cpp)
target_link_libraries(bench_probes PRIVATE halab_strict halab_runners Qt6::Network)
# Shares the redis + demo-API fixture with tests/probes.
target_include_directories(bench_probes PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../tests/probes ${CMAKE_CURRENT_LIST_DIR}/../tests/common)
target_compile_definitions(bench_probes PRIVATE HALAB_BIN_DIR="${CMAKE_BINARY_DIR}/bin")
if(TARGET halab-demo-api)
    add_dependencies(bench_probes halab-demo-api)
endif()

# bench_storeprobes: sql / redis probes vs psql / redis-cli, a 60 s soak, the loaded-host case.
qt_add_executable(bench_storeprobes ${CMAKE_CURRENT_LIST_DIR}/bench_storeprobes.cpp)
target_link_libraries(bench_storeprobes PRIVATE halab_strict halab_runners Qt6::Network Qt6::Sql)
target_include_directories(bench_storeprobes PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../tests/probes ${CMAKE_CURRENT_LIST_DIR}/../tests/common)
target_compile_definitions(bench_storeprobes PRIVATE HALAB_BIN_DIR="${CMAKE_BINARY_DIR}/bin")
if(TARGET halab-demo-api)
    add_dependencies(bench_storeprobes halab-demo-api)
endif()
