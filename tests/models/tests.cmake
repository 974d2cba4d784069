# Item models, each run under QAbstractItemModelTester.
halab_add_test(tst_checklistmodel SOURCES models/tst_checklistmodel.cpp LIBS halab_models LABELS models)
halab_add_test(tst_servicemodel SOURCES models/tst_servicemodel.cpp LIBS halab_models LABELS models)
halab_add_test(tst_runlistmodel SOURCES models/tst_runlistmodel.cpp LIBS halab_models LABELS models)
