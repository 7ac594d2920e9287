// Must compile: the control for rules_includes_probe.cpp, with the same include path and only the
// headers the rules stage may use.
#include "relaymetry/core/facts.hpp"
#include "relaymetry/rules/rules.hpp"
