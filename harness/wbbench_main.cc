#include "harness/cli.h"

int main(int argc, char** argv) { return harness::WbbenchMain(argc, argv); }
