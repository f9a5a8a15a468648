// The `baove` command.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Baove: child online protection platform"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("baove 0.1.0"));
  baove::cli::Registry registry;
  baove::cli::register_hash(app, registry);
#ifdef BAOVE_HAVE_BANK
  baove::cli::register_bank(app, registry);
  baove::cli::register_match(app, registry);
#endif
  baove::cli::register_audit(app, registry);
  baove::cli::register_admin(app, registry);
  baove::cli::register_serve(app, registry);
  baove::cli::register_vault(app, registry);
  baove::cli::register_ingest_mail(app, registry);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "baove: %s\nRun 'baove --help' or 'baove COMMAND --help' for usage.\n", e.what());
    return 2;
  }
  return registry.exit_code;
}
