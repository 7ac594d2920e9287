// Must not compile: rules/ may use core/ only (docs/ARCHITECTURE.md), so a probe/ header is out of
// its reach. The test `layering.wrong-way` builds this file with the rules stage's include path and
// passes only when the compiler cannot find the header.
#include "relaymetry/probe/tls.hpp"
#include "relaymetry/rules/rules.hpp"
