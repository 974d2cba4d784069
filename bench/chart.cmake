# Live chart cost: repaint time and memory (docs/benchmarks.md, "Chart cost"). Never run by CTest.
qt_add_executable(bench_chart ${CMAKE_CURRENT_LIST_DIR}/bench_chart.cpp)
target_link_libraries(bench_chart PRIVATE halab_strict halab_views)
