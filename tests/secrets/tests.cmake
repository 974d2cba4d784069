# Secrets: the redactor (pure), the keychain paths against a real Secret Service (inside
# with-keyring.sh: private D-Bus session + gnome-keyring, throwaway HOME), and with no Secret Service.
halab_add_test(tst_secretredactor SOURCES secrets/tst_secretredactor.cpp LIBS halab_models)

# halab-cli's `secrets` dispatch alone, as cli_main.cpp wires it (see secretscli_harness.cpp).
qt_add_executable(halab-cli-secrets-harness
    secrets/secretscli_harness.cpp
    ${CMAKE_SOURCE_DIR}/app/secretscommands.h ${CMAKE_SOURCE_DIR}/app/secretscommands.cpp)
target_include_directories(halab-cli-secrets-harness PRIVATE ${CMAKE_SOURCE_DIR}/app)
target_link_libraries(halab-cli-secrets-harness PRIVATE halab_strict halab_runners)

# Like halab_add_test, but the test runs inside with-keyring.sh.
function(halab_add_keyring_test name)
    halab_add_test(${name} ${ARGN} RUN_WITH ${CMAKE_CURRENT_SOURCE_DIR}/secrets/with-keyring.sh LABELS "secrets;keyring")
endfunction()

halab_add_keyring_test(tst_keychain SOURCES secrets/tst_keychain.cpp secrets/secretstesthelpers.h LIBS halab_runners)
halab_add_keyring_test(tst_secretsdialog SOURCES secrets/tst_secretsdialog.cpp secrets/secretstesthelpers.h LIBS halab_views)
halab_add_keyring_test(tst_secretscli SOURCES secrets/tst_secretscli.cpp secrets/secretstesthelpers.h LIBS halab_runners)
add_dependencies(tst_secretscli halab-cli halab-cli-secrets-harness)

# No Secret Service at all: its main() points the session bus at /nonexistent and HOME at a temp dir.
halab_add_test(tst_keychain_nobackend SOURCES secrets/tst_keychain_nobackend.cpp secrets/secretstesthelpers.h
               LIBS halab_views LABELS secrets)
add_dependencies(tst_keychain_nobackend halab-cli halab-cli-secrets-harness)

# The canary: a secret from the keychain sent by a real check on real services, then searched
# for in the store, every export, the CLI's output and every process's command line.
halab_add_keyring_test(tst_canary SOURCES secrets/tst_canary.cpp LIBS Qt6::Network)
add_dependencies(tst_canary halab-cli halab-demo-api)

# A secret given to halab-cli reaches its children (a service, a command step) by environment only.
halab_add_test(tst_childargv SOURCES secrets/tst_childargv.cpp LIBS Qt6::Core LABELS secrets)
add_dependencies(tst_childargv halab-cli)
