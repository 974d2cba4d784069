# The compose backend against a real Docker engine the test starts itself (skips without dockerd).
halab_add_test(tst_composestack SOURCES compose/tst_composestack.cpp LIBS halab_runners)
# make-images.sh packs the demo API from the same bin folder into an image.
if(TARGET halab-demo-api)
    add_dependencies(tst_composestack halab-demo-api)
endif()
