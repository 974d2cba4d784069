halab_add_test(tst_labparser SOURCES lab/tst_labparser.cpp LIBS halab_models)
halab_add_test(tst_substitution SOURCES lab/tst_substitution.cpp LIBS halab_models)
