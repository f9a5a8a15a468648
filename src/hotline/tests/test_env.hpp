// Shared by the hotline tests: a database on each engine (SQLite file, throw-away PostgreSQL) with
// the audit, auth and hotline schemas, units made through auth::Service, principals, and a small
// RFC 4180 CSV reader.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "auth/auth.hpp"
#include "hotline/hotline.hpp"
#include "store/store.hpp"

namespace baove::hotline::testing {

std::string engine_name(const ::testing::TestParamInfo<store::Engine>& param);

// A fresh database per test, migrated; PostgreSQL's schema is emptied first.
class DbTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A unit under `parent` ("" for a root).
  std::string unit(const std::string& name, const std::string& parent = "");
  // A principal with one grant in `unit`.
  auth::Principal principal(const std::string& user_id, const std::string& unit_id, auth::Role role,
                            auth::Scope scope);
  // auth::sql_filter for listing contacts.
  static auth::SqlFilter contacts_of(const auth::Principal& p);

  std::filesystem::path dir_;
  std::unique_ptr<store::Connection> db_;
  audit::Log log_{audit::SigningKey::generate(), audit::LogOptions{}};
  std::optional<auth::Service> auth_;
  Keys keys_;
};

// Random 32-byte keys.
Keys random_keys();

// RFC 4180: fields split on commas, quoted fields with doubled quotes, CRLF or LF line ends.
std::vector<std::vector<std::string>> parse_csv(std::string_view text);

// The shared statistics table: ../shared/domain/hotline111_statistics_2020_2023.csv.
std::string read_shared_csv();

}  // namespace baove::hotline::testing
