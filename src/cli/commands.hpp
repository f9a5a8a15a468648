// Registration of the `baove` subcommands. Each register_* adds its subcommand to the app and
// stores the code it wants `baove` to exit with in the registry when its callback runs.
#pragma once

#include <CLI/CLI.hpp>

namespace baove::cli {

struct Registry {
  int exit_code = 0;
};

void register_hash(CLI::App& app, Registry& registry);
void register_bank(CLI::App& app, Registry& registry);
void register_match(CLI::App& app, Registry& registry);
void register_audit(CLI::App& app, Registry& registry);
void register_admin(CLI::App& app, Registry& registry);
void register_serve(CLI::App& app, Registry& registry);
void register_vault(CLI::App& app, Registry& registry);
void register_ingest_mail(CLI::App& app, Registry& registry);

}  // namespace baove::cli
