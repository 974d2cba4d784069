# Lab hosts as real network namespaces: needs root (or CAP_NET_ADMIN + CAP_SYS_ADMIN), skips otherwise.
halab_add_test(tst_hostnetwork SOURCES network/tst_hostnetwork.cpp network/namespacesockets.h LIBS halab_runners)

# A stand-in console the crash test SIGKILLs with hosts and a partition in place.
qt_add_executable(network_holder network/network_holder_main.cpp)
target_link_libraries(network_holder PRIVATE halab_strict halab_runners)
add_dependencies(tst_hostnetwork network_holder)

# The issue's done-when: the example etcd lab through halab-cli, and a SIGKILL mid-partition.
halab_add_test(tst_etcdpartition SOURCES network/tst_etcdpartition.cpp LIBS halab_runners)
add_dependencies(tst_etcdpartition halab-cli)
