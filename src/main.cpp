#include "relaymetry/app/main.hpp"

int main(int argc, char** argv) {
    return relaymetry::app::run(argc, argv);
}
