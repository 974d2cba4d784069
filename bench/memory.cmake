# Memory of a long run through CheckMetrics, SampleTimeline and the run store (docs/benchmarks.md, "Memory").
include_guard(GLOBAL)
qt_add_executable(bench_memory ${CMAKE_CURRENT_LIST_DIR}/bench_memory.cpp)
target_link_libraries(bench_memory PRIVATE halab_strict halab_models)
# Opening that long run again (the Runs tab, HTML/PDF): samples streamed vs read as one list.
qt_add_executable(bench_storedread ${CMAKE_CURRENT_LIST_DIR}/bench_storedread.cpp)
target_link_libraries(bench_storedread PRIVATE halab_strict halab_report)
# A stalled store commit: the recording thread's event loop with the writes on it vs on RunStoreWriter's thread.
qt_add_executable(bench_storestall ${CMAKE_CURRENT_LIST_DIR}/bench_storestall.cpp)
target_link_libraries(bench_storestall PRIVATE halab_strict halab_runners Qt6::Sql)
