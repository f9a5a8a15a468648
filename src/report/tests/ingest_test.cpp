// Evidence intake against a real vault, real banks and real images; custody events on both engines.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>

#include "bank/matcher.hpp"
#include "hash/hasher.hpp"
#include "report/ingest.hpp"
#include "test_support.hpp"

namespace baove::report {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// Hands out `bytes` at most `step` bytes per call, as a network reader would.
vault::Source chunked(const std::vector<std::uint8_t>& bytes, std::size_t step = 777) {
  auto offset = std::make_shared<std::size_t>(0);
  return [&bytes, offset, step](std::span<std::uint8_t> out) -> Result<std::size_t> {
    const std::size_t n = std::min({out.size(), step, bytes.size() - *offset});
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(*offset), n, out.begin());
    *offset += n;
    return n;
  };
}

std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

std::vector<std::uint8_t> noise(std::size_t n, std::uint64_t seed) {
  std::vector<std::uint8_t> out(n);
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (auto& b : out) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b = static_cast<std::uint8_t>(x >> 32);
  }
  return out;
}

std::vector<std::uint8_t> shared_jpeg() {
  return testing::read_bytes(fs::path(BAOVE_SHARED_DIR) / "pdq-vectors/images/bridge-mods/aaa-orig.jpg");
}

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto v = vault::Vault::open(dir_ / "vault", vault::MasterKey::generate());
    ASSERT_TRUE(v.ok()) << v.error().message;
    vault_ = std::make_unique<vault::Vault>(std::move(*v));
  }

  // Decrypts an object of the vault.
  std::vector<std::uint8_t> read(const std::string& id) {
    std::vector<std::uint8_t> out;
    auto n = vault_->get(id, [&](std::span<const std::uint8_t> b) -> Status {
      out.insert(out.end(), b.begin(), b.end());
      return {};
    });
    EXPECT_TRUE(n.ok()) << id;
    return out;
  }

  std::size_t objects() {
    auto ids = vault_->list();
    EXPECT_TRUE(ids.ok());
    return ids.ok() ? ids->size() : 0;
  }

  bool tmp_empty() { return fs::is_empty(dir_ / "vault" / "tmp"); }

  // What the file's digests and PDQ must be, computed without the ingest.
  void expect_hashes_of(const IngestedFile& f, const std::vector<std::uint8_t>& bytes, bool image) {
    EXPECT_EQ(f.size, bytes.size());
    EXPECT_EQ(f.md5, testing::openssl_digest("MD5", bytes));
    EXPECT_EQ(f.sha1, testing::openssl_digest("SHA1", bytes));
    EXPECT_EQ(f.sha256, testing::openssl_digest("SHA256", bytes));
    if (image) {
      auto h = hash::hash_bytes(bytes, hash::HashOptions{});
      ASSERT_TRUE(h.ok()) << h.error().message;
      EXPECT_EQ(f.pdq, h->pdq.hash.to_hex());
      EXPECT_EQ(f.pdq_quality, h->pdq.quality);
    } else {
      EXPECT_EQ(f.pdq, "");
      EXPECT_EQ(f.pdq_quality, -1);
    }
  }

  // A preview: a greyscale PNG no larger than 256 pixels a side, stored encrypted.
  std::vector<std::uint8_t> expect_preview(const std::string& id) {
    EXPECT_TRUE(vault::valid_id(id)) << id;
    const auto png = read(id);
    auto image = hash::decode_image(png);
    EXPECT_TRUE(image.ok());
    if (image.ok()) {
      EXPECT_EQ(image->info.format, hash::ImageFormat::png);
      EXPECT_EQ(image->info.channels, 1);
      EXPECT_LE(std::max(image->info.width, image->info.height), 256u);
      EXPECT_GT(image->info.width, 0u);
    }
    return png;
  }

  TempDir dir_;
  std::unique_ptr<vault::Vault> vault_;
};

TEST_F(IngestTest, AJpegIsHashedAsBaoveHashDoesAndPreviewed) {
  const auto jpeg = shared_jpeg();
  ASSERT_GT(jpeg.size(), 1000u);
  EvidenceIngest ingest(*vault_, nullptr);
  auto f = ingest.ingest(chunked(jpeg), "C:\\Photos\\bridge.JPG", "image/jpeg");
  ASSERT_TRUE(f.ok()) << f.error().message;
  expect_hashes_of(*f, jpeg, true);
  EXPECT_FALSE(f->pdq.empty());
  EXPECT_EQ(f->media_type, "image/jpeg");
  EXPECT_EQ(f->kind, MediaKind::image);
  EXPECT_EQ(f->original_name, "bridge.JPG");
  EXPECT_EQ(f->declared_type, "image/jpeg");
  EXPECT_FALSE(f->type_mismatch);
  EXPECT_FALSE(f->known);
  EXPECT_TRUE(f->problem.empty()) << f->problem;
  EXPECT_TRUE(f->stored_new);
  EXPECT_EQ(read(f->sha256), jpeg);
  const auto blurred = expect_preview(f->preview_blurred);
  const auto clear = expect_preview(f->preview_clear);
  EXPECT_NE(blurred, clear);
  EXPECT_EQ(objects(), 3u);

  // The same upload again is stored once.
  auto again = ingest.ingest(chunked(jpeg, 65536), "bridge.jpg", "");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->stored_new);
  EXPECT_EQ(again->sha256, f->sha256);
  EXPECT_EQ(again->preview_blurred, f->preview_blurred);
  EXPECT_EQ(objects(), 3u);
}

TEST_F(IngestTest, APngMadeHereIsHashedAndPreviewed) {
  const auto png = testing::make_png(640, 480, 3);
  EvidenceIngest ingest(*vault_, nullptr, IngestOptions{.preview_max_side = 128});
  auto f = ingest.ingest(chunked(png, 4096), "screen.png", "image/png; charset=binary");
  ASSERT_TRUE(f.ok()) << f.error().message;
  expect_hashes_of(*f, png, true);
  EXPECT_EQ(f->media_type, "image/png");
  EXPECT_EQ(f->declared_type, "image/png");
  auto image = hash::decode_image(read(f->preview_blurred));
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->info.width, 128u);
  EXPECT_EQ(image->info.height, 96u);
}

TEST_F(IngestTest, KnownMaterialIsMarkedAndNeverPreviewed) {
  const auto jpeg = testing::make_jpeg(400, 300, 11);
  auto hashes = hash::hash_bytes(jpeg, hash::HashOptions{});
  ASSERT_TRUE(hashes.ok());
  ASSERT_GE(hashes->pdq.quality, hash::kPdqMinQuality);
  auto store = bank::open_sqlite_store(dir_ / "bank.db");
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto bank = (*store)->create_bank({"national-confirmed", "analysts", "", true});
  ASSERT_TRUE(bank.ok());
  // The bank holds the picture's PDQ with 3 bits changed (a re-encoded copy).
  hash::PdqHash near = hashes->pdq.hash;
  near.w[0] ^= 0b101;
  near.w[2] ^= 1;
  ASSERT_EQ(hash::hamming(near, hashes->pdq.hash), 3);
  bank::NewEntry entry;
  entry.type = bank::SignalType::pdq;
  entry.value = near.to_hex();
  entry.classification = {"inhope", "baseline"};
  auto added = (*store)->add_entry(bank->id, entry);
  ASSERT_TRUE(added.ok());
  // And the SHA-256 of a video.
  const auto video = [] {
    auto v = noise(50'000, 5);
    const std::string head(
        "\0\0\0\x18"
        "ftypisom\0\0\0\0isomiso2",
        24);
    std::copy(head.begin(), head.end(), v.begin());
    return v;
  }();
  bank::NewEntry digest;
  digest.type = bank::SignalType::sha256;
  digest.value = testing::openssl_digest("SHA256", video);
  auto added_digest = (*store)->add_entry(bank->id, digest);
  ASSERT_TRUE(added_digest.ok());
  auto matcher = bank::Matcher::load(**store);
  ASSERT_TRUE(matcher.ok()) << matcher.error().message;

  EvidenceIngest ingest(*vault_, matcher->get());
  auto f = ingest.ingest(chunked(jpeg), "img.jpg", "image/jpeg");
  ASSERT_TRUE(f.ok()) << f.error().message;
  expect_hashes_of(*f, jpeg, true);
  EXPECT_TRUE(f->known);
  ASSERT_TRUE(f->match.has_value());
  EXPECT_EQ(f->match->bank, "national-confirmed");
  EXPECT_EQ(f->match->entry_id, added->id);
  EXPECT_EQ(f->match->distance, 3);
  EXPECT_EQ(f->match->signal, "pdq");
  EXPECT_EQ(f->match->classification, "inhope:baseline");
  ASSERT_FALSE(f->matches.empty());
  EXPECT_TRUE(f->preview_blurred.empty());
  EXPECT_TRUE(f->preview_clear.empty());
  EXPECT_EQ(objects(), 1u) << "only the original is stored: no preview was made";

  auto v = ingest.ingest(chunked(video), "clip.mp4", "video/mp4");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->media_type, "video/mp4");
  EXPECT_FALSE(v->type_mismatch);
  EXPECT_TRUE(v->known);
  EXPECT_EQ(v->match->signal, "sha256");
  EXPECT_EQ(v->match->distance, 0);

  // Another picture is not known and gets its previews.
  const auto other = testing::make_jpeg(400, 300, 12);
  auto o = ingest.ingest(chunked(other), "other.jpg", "image/jpeg");
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->known);
  EXPECT_FALSE(o->preview_blurred.empty());
}

TEST_F(IngestTest, ALargeStreamUsesConstantMemory) {
  constexpr std::uint64_t kTotal = 300ull * 1000 * 1000;
  std::uint64_t sent = 0;
  std::uint64_t x = 0x2545F4914F6CDD1Dull;
  EVP_MD_CTX* sha = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestInit_ex(sha, EVP_sha256(), nullptr), 1);
  vault::Source source = [&](std::span<std::uint8_t> out) -> Result<std::size_t> {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), kTotal - sent));
    for (std::size_t i = 0; i < n; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      out[i] = static_cast<std::uint8_t>(x);
    }
    EVP_DigestUpdate(sha, out.data(), n);
    sent += n;
    return n;
  };
  EvidenceIngest ingest(*vault_, nullptr);
  ASSERT_TRUE(testing::reset_peak_memory()) << "the kernel refuses to reset VmHWM";
  const std::uint64_t before = testing::peak_memory();
  auto f = ingest.ingest(source, "backup.bin", "application/octet-stream");
  const std::uint64_t after = testing::peak_memory();
  ASSERT_TRUE(f.ok()) << f.error().message;
  unsigned char md[32];
  unsigned int len = 0;
  EVP_DigestFinal_ex(sha, md, &len);
  EVP_MD_CTX_free(sha);
  std::string expected;
  for (unsigned char c : md) {
    expected.push_back("0123456789abcdef"[c >> 4]);
    expected.push_back("0123456789abcdef"[c & 15]);
  }
  EXPECT_EQ(f->sha256, expected);
  EXPECT_EQ(f->size, kTotal);
  EXPECT_EQ(f->media_type, "application/octet-stream");
  EXPECT_TRUE(f->pdq.empty());
  EXPECT_TRUE(f->preview_blurred.empty());
  EXPECT_LT(after - before, 4u << 20) << "peak memory grew by " << (after - before) << " bytes";
  EXPECT_GT(fs::file_size(vault_->object_path(f->sha256)), kTotal);
}

TEST_F(IngestTest, TheContentDecidesTheTypeNotTheClaim) {
  EvidenceIngest ingest(*vault_, nullptr);
  // A program named and declared as a photo.
  auto exe = noise(3000, 1);
  exe[0] = 'M';
  exe[1] = 'Z';
  auto f = ingest.ingest(chunked(exe), "holiday.jpg", "image/jpeg");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->media_type, "application/vnd.microsoft.portable-executable");
  EXPECT_TRUE(f->executable);
  EXPECT_TRUE(f->type_mismatch);
  EXPECT_EQ(f->declared_type, "image/jpeg");
  EXPECT_TRUE(f->pdq.empty());
  EXPECT_TRUE(f->preview_blurred.empty());
  expect_hashes_of(*f, exe, false);

  // The name alone can lie too.
  f = ingest.ingest(chunked(exe), "invoice.pdf", "");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->type_mismatch);

  // A real JPEG declared as a PDF: still hashed and previewed as the image it is.
  const auto jpeg = testing::make_jpeg(200, 200, 4);
  f = ingest.ingest(chunked(jpeg), "scan.pdf", "application/pdf");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->type_mismatch);
  EXPECT_EQ(f->media_type, "image/jpeg");
  EXPECT_FALSE(f->pdq.empty());
  EXPECT_FALSE(f->preview_blurred.empty());

  // Honest claims, and claims nothing can check.
  for (const auto& [name, type] :
       std::vector<std::pair<std::string, std::string>>{{"a.jpg", "image/jpeg"},
                                                        {"a.jpeg", "image/jpg"},
                                                        {"a", ""},
                                                        {"a.bin", "application/octet-stream"},
                                                        {"a.JPG", "IMAGE/JPEG"},
                                                        {"a.weird", "application/x-something"}}) {
    auto honest = ingest.ingest(chunked(jpeg), name, type);
    ASSERT_TRUE(honest.ok());
    EXPECT_FALSE(honest->type_mismatch) << name << " " << type;
  }

  // Archives are stored and flagged, never previewed.
  auto zip = noise(4000, 2);
  const std::string zip_head("PK\x03\x04\x14\x00\x00\x00", 8);
  std::copy(zip_head.begin(), zip_head.end(), zip.begin());
  f = ingest.ingest(chunked(zip), "photos.zip", "application/x-zip-compressed");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->media_type, "application/zip");
  EXPECT_TRUE(f->archive);
  EXPECT_FALSE(f->type_mismatch);
  EXPECT_TRUE(f->preview_blurred.empty());
  EXPECT_TRUE(vault_->contains(f->sha256).value());
  // A zip named as a video.
  f = ingest.ingest(chunked(zip), "clip.mp4", "video/mp4");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->type_mismatch);

  // Text is text.
  const auto text = bytes_of("Tin nhắn: gặp nhau lúc 8 giờ.\n");
  f = ingest.ingest(chunked(text), "chat.txt", "text/plain");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->media_type, "text/plain");
  EXPECT_FALSE(f->type_mismatch);
}

TEST_F(IngestTest, SniffingRecognisesCommonFormats) {
  auto with = [](std::string_view head) {
    std::vector<std::uint8_t> b(600, 0x01);
    std::copy(head.begin(), head.end(), b.begin());
    return sniff_media(b).media_type;
  };
  EXPECT_EQ(with(std::string_view("Rar!\x1A\x07\x01\x00", 8)), "application/vnd.rar");
  EXPECT_EQ(with(std::string_view("7z\xBC\xAF\x27\x1C", 6)), "application/x-7z-compressed");
  EXPECT_EQ(with("\x1F\x8B\x08"), "application/gzip");
  EXPECT_EQ(with("\x7F"
                 "ELF\x02\x01"),
            "application/x-executable");
  EXPECT_EQ(with("#!/bin/sh\n"), "text/x-shellscript");
  EXPECT_EQ(with("%PDF-1.7\n"), "application/pdf");
  EXPECT_EQ(with(std::string_view("\x1A\x45\xDF\xA3\x01webm", 9)), "video/webm");
  EXPECT_EQ(with(std::string_view("\0\0\0\x14"
                                  "ftypqt  ",
                                  12)),
            "video/quicktime");
  EXPECT_EQ(with(std::string_view("RIFF\x10\x00\x00\x00WAVEfmt ", 16)), "audio/wav");
  EXPECT_EQ(with("GIF89a"), "image/gif");
  EXPECT_EQ(sniff_media(bytes_of("plain words\n")).media_type, "text/plain");
  EXPECT_EQ(sniff_media(std::vector<std::uint8_t>{0, 1, 2, 3}).media_type, "application/octet-stream");
  EXPECT_EQ(sniff_media({}).kind, MediaKind::other);
}

TEST_F(IngestTest, ACorruptImageIsKeptWithItsDigests) {
  EvidenceIngest ingest(*vault_, nullptr);
  auto bad = noise(5000, 3);
  const std::string jpeg_head("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00", 11);
  std::copy(jpeg_head.begin(), jpeg_head.end(), bad.begin());
  auto f = ingest.ingest(chunked(bad), "broken.jpg", "image/jpeg");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->media_type, "image/jpeg");
  EXPECT_EQ(f->problem, "corrupt_image");
  expect_hashes_of(*f, bad, false);
  EXPECT_TRUE(f->preview_blurred.empty());
  EXPECT_EQ(read(f->sha256), bad);

  // A PNG cut short.
  auto png = testing::make_png(300, 300, 1);
  png.resize(png.size() / 2);
  f = ingest.ingest(chunked(png), "cut.png", "image/png");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->problem, "corrupt_image");
  EXPECT_TRUE(f->pdq.empty());
  EXPECT_EQ(f->pdq_quality, -1);
}

TEST_F(IngestTest, AnImageTooLargeToHoldIsStoredUnhashed) {
  const auto png = testing::make_png(300, 300, 2);
  EvidenceIngest ingest(*vault_, nullptr, IngestOptions{.max_image_bytes_in_memory = 2000});
  ASSERT_GT(png.size(), 2000u);
  auto f = ingest.ingest(chunked(png), "big.png", "image/png");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->problem, "image_too_large");
  EXPECT_TRUE(f->pdq.empty());
  EXPECT_EQ(f->sha256, testing::openssl_digest("SHA256", png));
  EXPECT_TRUE(f->preview_blurred.empty());
}

TEST_F(IngestTest, EmptyOversizedAndFailingUploadsStoreNothing) {
  EvidenceIngest ingest(*vault_, nullptr, IngestOptions{.max_file_bytes = 10'000});
  const std::vector<std::uint8_t> empty;
  auto f = ingest.ingest(chunked(empty), "empty.jpg", "image/jpeg");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, ErrorCode::invalid_argument);

  const auto big = noise(10'001, 4);
  f = ingest.ingest(chunked(big, 65536), "big.bin", "");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, ErrorCode::limit_exceeded);

  std::size_t calls = 0;
  vault::Source failing = [&](std::span<std::uint8_t> out) -> Result<std::size_t> {
    if (++calls > 3) return make_error(ErrorCode::io, "connection reset");
    std::fill_n(out.begin(), 100, std::uint8_t{7});
    return std::size_t{100};
  };
  f = ingest.ingest(failing, "partial.bin", "");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, ErrorCode::io);

  EXPECT_EQ(objects(), 0u);
  EXPECT_TRUE(tmp_empty());

  // Exactly at the limit is fine.
  const auto at_limit = noise(10'000, 5);
  f = ingest.ingest(chunked(at_limit), "ok.bin", "");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(objects(), 1u);
}

TEST_F(IngestTest, TheVaultHoldsNoPlaintext) {
  EvidenceIngest ingest(*vault_, nullptr);
  std::vector<std::vector<std::uint8_t>> uploads = {shared_jpeg(), testing::make_png(320, 240, 9)};
  std::string message;
  for (int i = 0; i < 200; ++i) message += "Bé Lan, 0912 345 678, trường THCS Nguyễn Du. ";
  uploads.push_back(bytes_of(message));
  std::vector<std::vector<std::uint8_t>> stored = uploads;
  for (const auto& bytes : uploads) {
    auto f = ingest.ingest(chunked(bytes), "x", "");
    ASSERT_TRUE(f.ok());
    if (!f->preview_blurred.empty()) {
      stored.push_back(read(f->preview_blurred));
      stored.push_back(read(f->preview_clear));
    }
  }
  ASSERT_EQ(stored.size(), 7u);
  const fs::path root = dir_ / "vault";
  for (const auto& bytes : stored) {
    ASSERT_GT(bytes.size(), 64u);
    for (std::size_t offset : {std::size_t{0}, bytes.size() / 2, bytes.size() - 24}) {
      const std::span<const std::uint8_t> window(bytes.data() + offset, 24);
      EXPECT_FALSE(testing::any_file_contains(root, window)) << "plaintext at offset " << offset;
    }
  }
  EXPECT_FALSE(testing::any_file_contains(root, bytes_of("\x89PNG")));
  EXPECT_FALSE(testing::any_file_contains(root, bytes_of("0912 345 678")));
  // The scan itself finds what is there.
  const auto key_magic = bytes_of("BAOVEVK1");
  EXPECT_TRUE(testing::any_file_contains(root, key_magic));
}

TEST_F(IngestTest, ManyThreadsIngestAtOnce) {
  auto store = bank::open_sqlite_store(dir_ / "bank.db");
  ASSERT_TRUE(store.ok());
  auto matcher = bank::Matcher::load(**store);
  ASSERT_TRUE(matcher.ok());
  EvidenceIngest ingest(*vault_, matcher->get());
  constexpr int kThreads = 4, kPerThread = 6;
  std::vector<std::vector<std::uint8_t>> images;
  for (int i = 0; i < kThreads * kPerThread; ++i)
    images.push_back(
        testing::make_png(180 + static_cast<std::uint32_t>(i), 140, 100 + static_cast<std::uint32_t>(i)));
  const auto common = testing::make_jpeg(256, 256, 77);
  std::vector<Result<IngestedFile>> results(images.size(), make_error(ErrorCode::internal, "not run"));
  std::vector<Result<IngestedFile>> common_results(kThreads, make_error(ErrorCode::internal, "not run"));
  std::atomic<int> go{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      go.fetch_add(1);
      while (go.load() < kThreads) std::this_thread::yield();
      common_results[static_cast<std::size_t>(t)] =
          ingest.ingest(chunked(common, 1000), "same.jpg", "image/jpeg");
      for (int i = 0; i < kPerThread; ++i) {
        const auto k = static_cast<std::size_t>(t * kPerThread + i);
        results[k] = ingest.ingest(chunked(images[k], 3000), "p.png", "image/png");
      }
    });
  }
  for (auto& th : threads) th.join();
  for (std::size_t k = 0; k < images.size(); ++k) {
    ASSERT_TRUE(results[k].ok()) << results[k].error().message;
    expect_hashes_of(*results[k], images[k], true);
    EXPECT_TRUE(vault_->contains(results[k]->preview_blurred).value());
    EXPECT_EQ(read(results[k]->sha256), images[k]);
  }
  int stored_new = 0;
  for (const auto& r : common_results) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    expect_hashes_of(*r, common, true);
    EXPECT_EQ(r->preview_blurred, common_results[0]->preview_blurred);
    stored_new += r->stored_new ? 1 : 0;
  }
  EXPECT_EQ(stored_new, 1) << "the same content is stored once";
  EXPECT_EQ(vault_->verify(common_results[0]->sha256).ok(), true);
}

// ---- custody, with a database on both engines ----

class CustodyTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  void SetUp() override {
    auto c = testing::fresh_database(GetParam(), dir_.path());
    ASSERT_TRUE(c.ok()) << c.error().message;
    db_ = std::move(*c);
    ASSERT_TRUE(audit::migrate(*db_).ok());
    ASSERT_TRUE(migrate(*db_).ok());
    auto v = vault::Vault::open(dir_ / "vault", vault::MasterKey::generate());
    ASSERT_TRUE(v.ok());
    vault_ = std::make_unique<vault::Vault>(std::move(*v));
  }

  std::vector<audit::StoredEvent> events_of(const std::string& evidence_id) {
    audit::Query q;
    q.object_type = "evidence";
    q.object_id = evidence_id;
    q.newest_first = false;
    auto page = audit::query(*db_, q);
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->events : std::vector<audit::StoredEvent>{};
  }

  TempDir dir_;
  std::unique_ptr<store::Connection> db_;
  std::unique_ptr<vault::Vault> vault_;
  audit::Log log_{audit::SigningKey::generate(), audit::LogOptions{}};
  Keys keys_ = Keys::generate();
};

TEST_P(CustodyTest, EveryStepIsAnAuditEventCarryingTheSha256) {
  const auto jpeg = testing::make_jpeg(300, 200, 21);
  auto store = bank::open_sqlite_store(dir_ / "bank.db");
  ASSERT_TRUE(store.ok());
  auto bank = (*store)->create_bank({"b", "u", "", true});
  ASSERT_TRUE(bank.ok());
  const auto video = noise(70'000, 9);
  ASSERT_TRUE((*store)
                  ->add_entry(bank->id,
                              {bank::SignalType::md5, testing::openssl_digest("MD5", video), {}, {}, "", ""})
                  .ok());
  auto matcher = bank::Matcher::load(**store);
  ASSERT_TRUE(matcher.ok());
  EvidenceIngest ingest(*vault_, matcher->get());
  auto photo = ingest.ingest(chunked(jpeg), "a.jpg", "image/jpeg");
  auto known = ingest.ingest(chunked(video), "v.bin", "");
  ASSERT_TRUE(photo.ok() && known.ok());
  ASSERT_TRUE(known->known);
  ASSERT_EQ(known->match->signal, "md5");

  const Timestamp now(std::chrono::seconds(1'790'000'000));
  NewReport r;
  r.channel = "web";
  r.category = "images_dignity";
  r.unit = "hotline";
  audit::Event base;
  base.address = "203.0.113.7";
  Evidence e1, e2;
  std::string report_id;
  {
    store::Transaction tx(*db_);
    auto rc = create(*db_, keys_, r, now);
    ASSERT_TRUE(rc.ok());
    report_id = rc->report_id;
    auto a = record_evidence(*db_, log_, rc->report_id, *photo, now, base);
    ASSERT_TRUE(a.ok()) << a.error().message;
    auto b = record_evidence(*db_, log_, rc->report_id, *known, now, base);
    ASSERT_TRUE(b.ok()) << b.error().message;
    e1 = *a;
    e2 = *b;
    ASSERT_TRUE(tx.commit().ok());
  }
  EXPECT_EQ(get(*db_, keys_, report_id)->priority, Priority::high);
  auto ev = events_of(e1.id);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].event.reason, "received sha256:" + testing::openssl_digest("SHA256", jpeg));
  EXPECT_EQ(ev[0].event.action, audit::Action::create);
  EXPECT_EQ(ev[0].event.address, "203.0.113.7");
  EXPECT_EQ(ev[0].event.actor, "");
  EXPECT_EQ(ev[0].event.time, now);
  EXPECT_EQ(ev[1].event.reason, "hashed sha256:" + e1.sha256);
  ev = events_of(e2.id);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[2].event.reason, "matched sha256:" + testing::openssl_digest("SHA256", video));

  // An analyst views, unblurs and exports after re-verifying; then the evidence is destroyed.
  audit::Event analyst;
  analyst.actor = "user-9";
  analyst.unit = "analysts";
  analyst.roles = {"analyst"};
  analyst.time = now + std::chrono::minutes(5);
  ASSERT_TRUE(reverify(*vault_, e1).ok());
  {
    store::Transaction tx(*db_);
    for (auto step : {CustodyStep::viewed, CustodyStep::unblurred, CustodyStep::exported})
      ASSERT_TRUE(record_custody(*db_, log_, analyst, step, e1).ok());
    auto freed = mark_destroyed(*db_, e1.id, analyst.time);
    ASSERT_TRUE(freed.ok());
    EXPECT_EQ(freed->size(), 3u) << "the content and both previews";
    ASSERT_TRUE(record_custody(*db_, log_, analyst, CustodyStep::destroyed, e1).ok());
    ASSERT_TRUE(tx.commit().ok());
    for (const auto& id : *freed) ASSERT_TRUE(vault_->destroy(id).ok());
  }
  ev = events_of(e1.id);
  ASSERT_EQ(ev.size(), 6u);
  const std::vector<std::pair<std::string, audit::Action>> expected = {
      {"viewed", audit::Action::read},
      {"unblurred", audit::Action::read},
      {"exported", audit::Action::export_data},
      {"destroyed", audit::Action::remove}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(ev[2 + i].event.reason, expected[i].first + " sha256:" + e1.sha256);
    EXPECT_EQ(ev[2 + i].event.action, expected[i].second);
    EXPECT_EQ(ev[2 + i].event.actor, "user-9");
    EXPECT_EQ(ev[2 + i].event.object_type, "evidence");
  }
  auto gone = get_evidence(*db_, e1.id);
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(reverify(*vault_, *gone).error().code, ErrorCode::not_found);
  EXPECT_EQ(vault_->contains(e1.sha256).value(), false);

  // A changed byte in the vault is caught before anyone is shown the file.
  ASSERT_TRUE(reverify(*vault_, e2).ok());
  {
    std::fstream f(vault_->object_path(e2.sha256), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    char c = 0;
    f.seekg(100);
    f.get(c);
    f.seekp(100);
    f.put(static_cast<char>(c ^ 1));
  }
  auto damaged = reverify(*vault_, e2);
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.error().code, ErrorCode::corrupt);
  EXPECT_NE(damaged.error().message.find(e2.sha256), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Engines, CustodyTest,
                         ::testing::Values(store::Engine::sqlite, store::Engine::postgresql),
                         [](const ::testing::TestParamInfo<store::Engine>& p) {
                           return std::string(p.param == store::Engine::sqlite ? "sqlite" : "postgresql");
                         });

}  // namespace
}  // namespace baove::report
