// microscalectl: the command-line client of the Microscale controller.
#include <iostream>

#include "cli/run.h"

int main(int argc, char** argv) {
  return microscale::cli::RunCli(argc, argv, std::cout, std::cerr);
}
