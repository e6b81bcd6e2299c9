#ifndef EMQXCTL_CFUZZER_DRIVER_H
#define EMQXCTL_CFUZZER_DRIVER_H

#include <stddef.h>
#include <stdint.h>

// libFuzzer's documented driver entry (LLVM 11+). SwiftPM links executables with
// `--defsym main=<Module>_main`, which `-parse-as-library` never emits; so each fuzz target
// defines `<Module>_main` itself and hands control to libFuzzer through this call.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
