#pragma once

namespace relaymetry::app {

// The whole program: parses the command line, runs the command, returns the exit code (ExitCode).
int run(int argc, char** argv);

}  // namespace relaymetry::app
