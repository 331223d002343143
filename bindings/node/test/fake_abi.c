/* A library that claims to be ward but implements another ABI version: the binding must
 * refuse it at load time. Built by CMake (target ward_node_fake_abi) or by the test itself. */
#if defined(_WIN32)
#  define EXPORT __declspec(dllexport)
#else
#  define EXPORT __attribute__((visibility("default")))
#endif

EXPORT unsigned ward_abi_version(void) { return 2; }
