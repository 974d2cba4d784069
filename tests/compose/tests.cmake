# The compose backend against a real Docker engine the test starts itself (skips without dockerd).
halab_add_test(tst_composestack SOURCES compose/tst_composestack.cpp LIBS halab_runners)
# make-images.sh packs the demo API from the same bin folder into an image.
if(TARGET halab-demo-api)
    add_dependencies(tst_composestack halab-demo-api)
endif()
# The compose backend on an engine only the lab's `docker:` names (host and context), with the environment pointing elsewhere.
halab_add_test(tst_composeremote SOURCES compose/tst_composeremote.cpp compose/privatedockerd.h LIBS halab_runners)
if(TARGET halab-demo-api)
    add_dependencies(tst_composeremote halab-demo-api)
endif()
