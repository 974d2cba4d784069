halab_add_test(tst_labparser SOURCES lab/tst_labparser.cpp LIBS halab_models)
halab_add_test(tst_substitution SOURCES lab/tst_substitution.cpp LIBS halab_models)
# Mutated demo labs through the parser and the real `halab-cli validate` (seed printed; HALAB_FUZZ_SEED replays).
halab_add_test(tst_labfuzz SOURCES lab/tst_labfuzz.cpp LIBS halab_models)
add_dependencies(tst_labfuzz halab-cli)
halab_add_test(tst_realclusterkeys SOURCES lab/tst_realclusterkeys.cpp LIBS halab_models)
halab_add_test(tst_labhosts SOURCES lab/tst_labhosts.cpp LIBS halab_models)
# The lab's `docker:` engine: parser errors, ${NAME} values checked when the stack is prepared, the documented example through `halab-cli validate`.
halab_add_test(tst_labdocker SOURCES lab/tst_labdocker.cpp LIBS halab_runners)
add_dependencies(tst_labdocker halab-cli)
halab_add_test(tst_labswarm SOURCES lab/tst_labswarm.cpp LIBS halab_models)
