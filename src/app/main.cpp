#include "relaymetry/app/main.hpp"

#include <iostream>

namespace relaymetry::app {

int run(int, char**) {
    std::cerr << "relaymetry: not built yet\n";
    return 3;
}

}  // namespace relaymetry::app
