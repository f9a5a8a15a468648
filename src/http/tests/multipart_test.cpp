// Form bodies: the multipart boundary from Content-Type, the streaming multipart/form-data parser
// (every split of the input, delimiters across feeds, binary data, limits, malformed input) and
// urlencoded forms.
#include "http/multipart.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace baove::http {
namespace {

constexpr std::string_view kBoundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

struct Part {
  PartHeader header;
  std::string data;
  bool ended = false;
  std::size_t pieces = 0;
};

bool same(const Part& a, const Part& b) {
  return a.header.name == b.header.name && a.header.filename == b.header.filename &&
         a.header.content_type == b.header.content_type && a.data == b.data && a.ended == b.ended;
}

struct Outcome {
  std::vector<Part> parts;
  std::optional<Error> error;  // from feed() or finish(), whichever failed first
};

// Parses `body` fed in pieces cut at `cuts` (ascending offsets), then finishes.
Outcome parse(std::string_view body, const std::vector<std::size_t>& cuts = {},
              MultipartParser::Limits limits = {}, std::string boundary = std::string(kBoundary)) {
  Outcome run;
  MultipartParser::Callbacks cb;
  cb.on_part_begin = [&](const PartHeader& h) {
    if (!run.parts.empty() && !run.parts.back().ended) ADD_FAILURE() << "part begun before the last ended";
    run.parts.push_back(Part{h, {}, false, 0});
    return Status{};
  };
  cb.on_part_data = [&](std::span<const std::uint8_t> bytes) {
    if (run.parts.empty() || run.parts.back().ended) ADD_FAILURE() << "data outside a part";
    if (bytes.empty()) ADD_FAILURE() << "empty data piece";
    run.parts.back().data.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    ++run.parts.back().pieces;
    return Status{};
  };
  cb.on_part_end = [&] {
    if (run.parts.empty() || run.parts.back().ended) ADD_FAILURE() << "end outside a part";
    run.parts.back().ended = true;
    return Status{};
  };
  MultipartParser parser(std::move(boundary), cb, limits);
  std::size_t from = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(body.size());
  for (const std::size_t to : ends) {
    auto st = parser.feed(body.substr(from, to - from));
    from = to;
    if (!st) {
      run.error = st.error();
      return run;
    }
  }
  auto st = parser.finish();
  if (!st) run.error = st.error();
  return run;
}

void expect_same(const Outcome& a, const Outcome& b, const std::string& what) {
  ASSERT_EQ(a.error.has_value(), b.error.has_value()) << what;
  if (a.error) {
    EXPECT_EQ(a.error->code, b.error->code) << what;
    EXPECT_EQ(a.error->message, b.error->message) << what;
  }
  ASSERT_EQ(a.parts.size(), b.parts.size()) << what;
  for (std::size_t i = 0; i < a.parts.size(); ++i)
    EXPECT_TRUE(same(a.parts[i], b.parts[i])) << what << " part " << i;
}

std::string part(std::string_view headers, std::string_view data) {
  return "--" + std::string(kBoundary) + "\r\n" + std::string(headers) + "\r\n" + std::string(data) + "\r\n";
}
std::string closing() { return "--" + std::string(kBoundary) + "--\r\n"; }

// A form as Chrome sends it: two text fields and a file.
std::string sample_form() {
  return part("Content-Disposition: form-data; name=\"category\"\r\n", "online_abuse") +
         part("Content-Disposition: form-data; name=\"description\"\r\n",
              "Line one\r\nLine two -- with dashes\r\n") +
         part(
             "Content-Disposition: form-data; name=\"evidence\"; filename=\"photo 1.jpg\"\r\n"
             "Content-Type: image/jpeg\r\n",
             std::string("\xFF\xD8\xFF\xE0\0\x10JFIF\0\r\n\r\n--\xFF\xD9", 20)) +
         closing();
}

TEST(MultipartBoundary, ReadsTokenAndQuotedBoundaries) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=abc123").value(), "abc123");
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data;BOUNDARY=\"a b'()+_,-./:=?\"").value(),
            "a b'()+_,-./:=?");
  EXPECT_EQ(multipart_boundary("multipart/form-data; charset=utf-8; boundary=\"xyz\" ").value(), "xyz");
  EXPECT_EQ(multipart_boundary("  multipart/form-data ;boundary = q\t").value(), "q");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=" + std::string(70, 'z')).value(),
            std::string(70, 'z'));
}

TEST(MultipartBoundary, RefusesOtherTypesAndBadBoundaries) {
  for (const std::string& ct : std::vector<std::string>{
           "multipart/mixed; boundary=abc", "application/x-www-form-urlencoded", "", "multipart/form-data",
           "multipart/form-data; charset=utf-8", "multipart/form-data; boundary=",
           "multipart/form-data; boundary=\"\"", "multipart/form-data; boundary=" + std::string(71, 'z'),
           "multipart/form-data; boundary=\"ends with space \"", "multipart/form-data; boundary=a\"b",
           "multipart/form-data; boundary=\"a\rb\"", "multipart/form-data; boundary=semi;colon\"",
           "multipart/form-data; boundary=\"open", "multipart/form-data; boundary=a; boundary=b",
           "multipart/form-data; boundary", "multipart/form-data; =x; boundary=a",
           "multipart/form-data; boundary=\"a\" junk"}) {
    auto b = multipart_boundary(ct);
    ASSERT_FALSE(b.ok()) << ct;
    EXPECT_EQ(b.error().code, ErrorCode::invalid_argument) << ct;
  }
}

TEST(Multipart, ParsesFieldsAndFiles) {
  const Outcome run = parse(sample_form());
  ASSERT_FALSE(run.error) << run.error->message;
  ASSERT_EQ(run.parts.size(), 3u);
  EXPECT_EQ(run.parts[0].header.name, "category");
  EXPECT_FALSE(run.parts[0].header.filename.has_value());
  EXPECT_EQ(run.parts[0].header.content_type, "");
  EXPECT_EQ(run.parts[0].data, "online_abuse");
  EXPECT_EQ(run.parts[1].data, "Line one\r\nLine two -- with dashes\r\n");
  EXPECT_EQ(run.parts[2].header.name, "evidence");
  EXPECT_EQ(run.parts[2].header.filename, "photo 1.jpg");
  EXPECT_EQ(run.parts[2].header.content_type, "image/jpeg");
  EXPECT_EQ(run.parts[2].data, std::string("\xFF\xD8\xFF\xE0\0\x10JFIF\0\r\n\r\n--\xFF\xD9", 20));
  for (const auto& p : run.parts) EXPECT_TRUE(p.ended);
}

TEST(Multipart, EverySplitGivesTheSameParts) {
  const std::string body = "preamble\r\n" + sample_form() + "epilogue";
  const Outcome whole = parse(body);
  ASSERT_FALSE(whole.error);
  ASSERT_EQ(whole.parts.size(), 3u);
  for (std::size_t i = 0; i <= body.size(); ++i) {
    expect_same(whole, parse(body, {i}), "cut at " + std::to_string(i));
  }
  for (std::size_t i = 0; i <= body.size(); i += 3) {
    for (std::size_t j = i; j <= body.size(); j += 5) {
      expect_same(whole, parse(body, {i, j}), "cuts at " + std::to_string(i) + "," + std::to_string(j));
    }
  }
  std::vector<std::size_t> bytewise;
  for (std::size_t i = 1; i < body.size(); ++i) bytewise.push_back(i);
  expect_same(whole, parse(body, bytewise), "one byte at a time");
}

TEST(Multipart, DataNeverHoldsTheCrlfBeforeTheDelimiter) {
  // Data ending in CR, in CRLF, in CRLF CRLF, and in a partial delimiter.
  const std::string b(kBoundary);
  for (const std::string& data : std::vector<std::string>{
           std::string("abc\r"), std::string("abc\r\n"), std::string("\r\n\r\n"), std::string("\r"),
           std::string("\n"), "x\r\n--" + b.substr(0, b.size() - 1), "\r\n-" + b, "\r--" + b, "\n--" + b,
           "--" + b + "--", "\r\r\n-\r\n--" + b.substr(0, 5) + "\r\n--"}) {
    const std::string body = part("Content-Disposition: form-data; name=\"f\"\r\n", data) + closing();
    for (std::size_t i = 0; i <= body.size(); ++i) {
      const Outcome run = parse(body, {i});
      ASSERT_FALSE(run.error) << run.error->message;
      ASSERT_EQ(run.parts.size(), 1u);
      EXPECT_EQ(run.parts[0].data, data) << "cut at " << i;
    }
  }
}

TEST(Multipart, BinaryDataWithLookalikesAcrossFeeds) {
  // A 300 KiB file full of CR, LF and near-delimiters, fed in 64 KiB pieces with the real delimiter
  // placed so that it straddles a piece boundary at every offset in turn.
  const std::string b(kBoundary);
  const std::string d = "\r\n--" + b;
  std::mt19937 rng(7);
  std::string data;
  const std::string fragments[] = {"\r",
                                   "\n",
                                   "\r\n",
                                   "--",
                                   "\r\n--",
                                   "\r\n-",
                                   b,
                                   "--" + b,
                                   "\r\n--" + b.substr(0, 10),
                                   d.substr(0, d.size() - 1),
                                   "\r\n\r\n"};
  while (data.size() < 300 * 1024) {
    if (rng() % 4 == 0) {
      data += fragments[rng() % std::size(fragments)];
    } else {
      data += static_cast<char>(rng() & 0xFF);
    }
  }
  // Lookalikes can join into a real delimiter by chance: break any.
  for (auto at = data.find(d); at != std::string::npos; at = data.find(d)) data[at + 2] = 'x';
  const std::string head =
      "--" + b + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\n\r\n";
  const std::size_t piece = 64 * 1024;
  for (std::size_t shift = 0; shift <= d.size() + 1; ++shift) {
    const std::string file = data.substr(0, 4 * piece - head.size() - shift);
    const std::string body = head + file + d + "--\r\n";
    std::vector<std::size_t> cuts;
    for (std::size_t at = piece; at < body.size(); at += piece) cuts.push_back(at);
    const Outcome run = parse(body, cuts);
    ASSERT_FALSE(run.error) << run.error->message;
    ASSERT_EQ(run.parts.size(), 1u);
    ASSERT_EQ(run.parts[0].data.size(), file.size()) << "shift " << shift;
    EXPECT_TRUE(run.parts[0].data == file) << "shift " << shift;
  }
}

TEST(Multipart, StreamsWithoutHoldingData) {
  // After each feed, everything but a possible delimiter prefix has been delivered.
  std::size_t delivered = 0;
  MultipartParser::Callbacks cb;
  cb.on_part_data = [&](std::span<const std::uint8_t> bytes) {
    delivered += bytes.size();
    return Status{};
  };
  MultipartParser parser(std::string(kBoundary), cb);
  ASSERT_TRUE(
      parser.feed("--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=a\r\n\r\n").ok());
  std::string chunk(64 * 1024, 'a');
  for (std::size_t i = 0; i < chunk.size(); i += 97) chunk[i] = '\r';
  chunk.back() = '\r';  // may begin a delimiter: held back
  std::size_t fed = 0;
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(parser.feed(chunk).ok());
    fed += chunk.size();
    EXPECT_EQ(delivered, fed - 1);
  }
  ASSERT_TRUE(parser.feed("\r\n--" + std::string(kBoundary) + "--").ok());
  EXPECT_EQ(delivered, fed);
  EXPECT_TRUE(parser.finish().ok());
}

TEST(Multipart, ContentDispositionForms) {
  struct Case {
    std::string disposition;
    std::string name;
    std::optional<std::string> filename;
  };
  const std::vector<Case> cases = {
      {"form-data; name=\"a\"; filename=\"fallback.jpg\"; filename*=UTF-8''%E1%BA%A3nh%20m%E1%BB%9Bi.jpg",
       "a", "\xE1\xBA\xA3nh m\xE1\xBB\x9Bi.jpg"},
      {"form-data; filename*=utf-8'vi'b%C3%A9.png; name=b", "b", "b\xC3\xA9.png"},
      {"form-data; name=c; filename*=ISO-8859-1''caf%E9.txt", "c", "caf\xC3\xA9.txt"},
      {"form-data; name=d; filename=\"plain.txt\"; filename*=KOI8-R''%C1", "d", "plain.txt"},
      {"form-data; name=\"e\"; filename=\"a \\\"quoted\\\" name; with semicolon.txt\"", "e",
       "a \"quoted\" name; with semicolon.txt"},
      {"form-data; name=\"f\"; filename=\"C:\\Users\\me\\a.jpg\"", "f", "C:\\Users\\me\\a.jpg"},
      {"form-data; name=\"g\"; filename=\"../../etc/passwd\"", "g", "../../etc/passwd"},
      {"form-data; name=\"h\"; filename=\"\"", "h", ""},
      {"FORM-DATA;NAME=\"i\";FILENAME=up.txt", "i", "up.txt"},
      {"form-data; name=\"\xE1\xBA\xA3nh\"", "\xE1\xBA\xA3nh", std::nullopt},
      {"form-data; name=\"j\";", "j", std::nullopt},
  };
  for (const auto& c : cases) {
    const Outcome run = parse(part("Content-Disposition: " + c.disposition + "\r\n", "v") + closing());
    ASSERT_FALSE(run.error) << c.disposition << ": " << run.error->message;
    ASSERT_EQ(run.parts.size(), 1u);
    EXPECT_EQ(run.parts[0].header.name, c.name) << c.disposition;
    EXPECT_EQ(run.parts[0].header.filename, c.filename) << c.disposition;
  }
}

TEST(Multipart, HeadersAreCaseInsensitiveAndMayBeFolded) {
  const Outcome run =
      parse(part("CONTENT-disposition: form-data;\r\n\tname=\"note\";\r\n filename=\"n.txt\"\r\n"
                 "X-Other: ignored\r\n"
                 "content-TYPE: Text/Plain;\r\n  Charset=UTF-8\r\n",
                 "hello") +
            closing());
  ASSERT_FALSE(run.error) << run.error->message;
  ASSERT_EQ(run.parts.size(), 1u);
  EXPECT_EQ(run.parts[0].header.name, "note");
  EXPECT_EQ(run.parts[0].header.filename, "n.txt");
  EXPECT_EQ(run.parts[0].header.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(run.parts[0].data, "hello");
}

TEST(Multipart, EmptyPartsAndEmptyFiles) {
  const Outcome run = parse(part("Content-Disposition: form-data; name=\"empty\"\r\n", "") +
                            part("Content-Disposition: form-data; name=\"file\"; filename=\"empty.txt\"\r\n"
                                 "Content-Type: text/plain\r\n",
                                 "") +
                            part("Content-Disposition: form-data; name=\"nofile\"; filename=\"\"\r\n"
                                 "Content-Type: application/octet-stream\r\n",
                                 "") +
                            closing());
  ASSERT_FALSE(run.error) << run.error->message;
  ASSERT_EQ(run.parts.size(), 3u);
  for (const auto& p : run.parts) {
    EXPECT_EQ(p.data, "");
    EXPECT_EQ(p.pieces, 0u);
    EXPECT_TRUE(p.ended);
  }
  EXPECT_EQ(run.parts[1].header.filename, "empty.txt");
  EXPECT_EQ(run.parts[2].header.filename, "");
  // A body with no part at all but the closing delimiter.
  const Outcome none = parse(closing());
  EXPECT_FALSE(none.error);
  EXPECT_TRUE(none.parts.empty());
}

TEST(Multipart, PreambleEpilogueAndPaddingAreIgnored) {
  const std::string b(kBoundary);
  const std::string body = "This is a preamble with --" + b + " inside a line\r\n--" + b.substr(0, 8) +
                           "\r\n--" + b +
                           " \t \r\nContent-Disposition: form-data; name=a\r\n\r\nvalue\r\n--" + b +
                           "--   trailing\r\n--" + b + "\r\nContent-Disposition: junk\r\n\r\n";
  const Outcome run = parse(body);
  ASSERT_FALSE(run.error) << run.error->message;
  ASSERT_EQ(run.parts.size(), 1u);
  EXPECT_EQ(run.parts[0].header.name, "a");
  EXPECT_EQ(run.parts[0].data, "value");
}

TEST(Multipart, TruncatedBodiesFailAtFinish) {
  const std::string body = sample_form();
  // Every prefix that stops short of the closing delimiter's second dash is truncated.
  const std::size_t complete = body.size() - 2;  // without the final CRLF
  for (std::size_t len = 0; len < complete; ++len) {
    const Outcome run = parse(body.substr(0, len));
    ASSERT_TRUE(run.error.has_value()) << "length " << len;
    EXPECT_EQ(run.error->code, ErrorCode::invalid_argument) << "length " << len;
  }
  EXPECT_FALSE(parse(body.substr(0, complete)).error);
  const Outcome no_delimiter = parse("just some text, no boundary at all");
  ASSERT_TRUE(no_delimiter.error);
  EXPECT_EQ(no_delimiter.error->code, ErrorCode::invalid_argument);
}

TEST(Multipart, PartLimit) {
  std::string body;
  for (int i = 0; i < 5; ++i) body += part("Content-Disposition: form-data; name=\"p\"\r\n", "x");
  MultipartParser::Limits limits;
  limits.max_parts = 5;
  const Outcome ok = parse(body + closing(), {}, limits);
  EXPECT_FALSE(ok.error);
  EXPECT_EQ(ok.parts.size(), 5u);
  limits.max_parts = 4;
  const Outcome over = parse(body + closing(), {}, limits);
  ASSERT_TRUE(over.error);
  EXPECT_EQ(over.error->code, ErrorCode::limit_exceeded);
  EXPECT_EQ(over.parts.size(), 4u);
}

TEST(Multipart, HeaderLimit) {
  const std::string line = "Content-Disposition: form-data; name=\"p\"\r\n";
  MultipartParser::Limits limits;
  limits.max_header_bytes = line.size() + 2;  // the line and the blank line
  for (std::size_t cut = 0; cut < 80; ++cut) {
    const std::string body = part(line, "x") + closing();
    const Outcome ok = parse(body, {cut}, limits);
    ASSERT_FALSE(ok.error) << ok.error->message;
    EXPECT_EQ(ok.parts.size(), 1u);
  }
  limits.max_header_bytes = line.size() + 1;
  const Outcome over = parse(part(line, "x") + closing(), {}, limits);
  ASSERT_TRUE(over.error);
  EXPECT_EQ(over.error->code, ErrorCode::limit_exceeded);
  // An endless header block fails once past the limit, whatever the size of the pieces.
  MultipartParser parser(std::string(kBoundary), {});
  ASSERT_TRUE(
      parser.feed("--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=x\r\n").ok());
  Status st;
  for (int i = 0; i < 1000 && st.ok(); ++i) st = parser.feed("X-Padding: " + std::string(100, 'a') + "\r\n");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::limit_exceeded);
  // A delimiter line padded without end.
  MultipartParser padded(std::string(kBoundary), {});
  st = padded.feed("--" + std::string(kBoundary));
  for (int i = 0; i < 1000 && st.ok(); ++i) st = padded.feed(std::string(100, ' '));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::limit_exceeded);
}

TEST(Multipart, MalformedInputIsRefusedWithoutQuotingIt) {
  const std::string b(kBoundary);
  const std::string secret = "SECRET-0912345678";
  const std::vector<std::string> bodies = {
      part("Content-Disposition: attachment; name=\"" + secret + "\"\r\n", "x") + closing(),
      part("Content-Disposition: form-data; filename=\"" + secret + "\"\r\n", "x") + closing(),
      part("Content-Type: text/plain\r\n", secret) + closing(),
      part("", secret) + closing(),
      part(secret + "\r\n", "x") + closing(),
      part("Content-Disposition: form-data; name=\"a\"\r\n " + secret + "\r\n", "x") + closing(),
      part(" folded: first\r\nContent-Disposition: form-data; name=a\r\n", "x") + closing(),
      part("Content-Disposition: form-data; name=\"" + secret + "\r\n", "x") + closing(),
      part("Content-Disposition: form-data; name=a; name=b\r\n", "x") + closing(),
      part("Content-Disposition: form-data; name=a\r\nContent-Disposition: form-data; name=b\r\n", "x") +
          closing(),
      part("Content-Disposition: form-data; name=a\r\nContent-Type: a\r\nContent-Type: b\r\n", "x") +
          closing(),
      part("Content-Disposition: form-data; name=a; filename*=UTF-8''%ZZ" + secret + "\r\n", "x") + closing(),
      part("Content-Disposition: form-data; name=a; filename*=" + secret + "\r\n", "x") + closing(),
      part(std::string("Content-Disposition: form-data; name=\"a\0b\"\r\n", 44), "x") + closing(),
      part("Content-Disposition: form-data; name=a\rX-Bad: 1\r\n", "x") + closing(),
      part("Bad Name: 1\r\nContent-Disposition: form-data; name=a\r\n", "x") + closing(),
      "--" + b + "X\r\nContent-Disposition: form-data; name=a\r\n\r\n" + secret + "\r\n" + closing(),
      "--" + b + "-\r\n",
      "--" + b + " x\r\n",
      "--" + b + "\rx",
      part("Content-Disposition: form-data; name=a\r\n", secret + "\r\n--" + b + "suffix") + closing(),
  };
  for (const auto& body : bodies) {
    const Outcome run = parse(body);
    ASSERT_TRUE(run.error.has_value()) << body;
    EXPECT_EQ(run.error->code, ErrorCode::invalid_argument) << body;
    EXPECT_EQ(run.error->message.find(secret), std::string::npos) << run.error->message;
    EXPECT_EQ(run.error->message.find(b), std::string::npos) << run.error->message;
  }
}

TEST(Multipart, BareLineFeedsAreNotLineEnds) {
  // CRLF is required: a body written with bare LF has no delimiter after its preamble.
  const std::string b(kBoundary);
  const Outcome run = parse("--" + b + "\nContent-Disposition: form-data; name=a\n\nvalue\n--" + b + "--\n");
  ASSERT_TRUE(run.error);
  EXPECT_EQ(run.error->code, ErrorCode::invalid_argument);
  EXPECT_TRUE(run.parts.empty());
}

TEST(Multipart, GarbageNeverCrashes) {
  std::mt19937 rng(11);
  for (int i = 0; i < 300; ++i) {
    std::string body(rng() % 600, '\0');
    for (auto& c : body) c = static_cast<char>(rng() & 0xFF);
    if (i % 2 == 0) body = "--" + std::string(kBoundary) + (i % 4 == 0 ? "\r\n" : "") + body;
    const Outcome run = parse(body, {rng() % (body.size() + 1)});
    EXPECT_TRUE(run.error.has_value());
  }
}

TEST(Multipart, CallbackErrorsStopParsing) {
  int parts = 0;
  MultipartParser::Callbacks cb;
  cb.on_part_begin = [&](const PartHeader& h) -> Status {
    ++parts;
    if (h.name == "description") return make_error(ErrorCode::conflict, "stop here");
    return {};
  };
  MultipartParser parser(std::string(kBoundary), cb);
  auto st = parser.feed(sample_form());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::conflict);
  EXPECT_EQ(st.error().message, "stop here");
  EXPECT_EQ(parts, 2);
  auto again = parser.feed(closing());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().message, "stop here");
  EXPECT_FALSE(parser.finish().ok());
  EXPECT_EQ(parts, 2);

  MultipartParser::Callbacks data_cb;
  data_cb.on_part_data = [](std::span<const std::uint8_t>) -> Status {
    return make_error(ErrorCode::limit_exceeded, "file too large");
  };
  MultipartParser p2(std::string(kBoundary), data_cb);
  st = p2.feed(sample_form());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "file too large");

  int ends = 0;
  MultipartParser::Callbacks end_cb;
  end_cb.on_part_end = [&]() -> Status {
    ++ends;
    return make_error(ErrorCode::io, "disk full");
  };
  MultipartParser p3(std::string(kBoundary), end_cb);
  st = p3.feed(sample_form());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::io);
  EXPECT_EQ(ends, 1);
}

TEST(Multipart, InvalidBoundaryFailsEveryFeed) {
  MultipartParser parser(std::string(71, 'a'), {});
  auto st = parser.feed("--" + std::string(71, 'a') + "--");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::invalid_argument);
  EXPECT_FALSE(parser.finish().ok());
}

// Random forms built from known parts: the parser gives back those parts, in one piece or in
// random pieces.
TEST(Multipart, RandomFormsAndRandomSplits) {
  std::mt19937 rng(2024);
  const std::string alphabet = "\r\n-ab" + std::string(kBoundary.substr(0, 6));
  for (int round = 0; round < 400; ++round) {
    const std::string boundary = std::string(rng() % 2 ? "b" : "") + std::to_string(rng());
    const std::string d = "\r\n--" + boundary;
    std::vector<Part> expected;
    std::string body = rng() % 2 ? "preamble " + std::to_string(round) + "\r\n" : "";
    const int count = static_cast<int>(rng() % 5);
    for (int i = 0; i < count; ++i) {
      Part p;
      p.header.name = "field" + std::to_string(i);
      if (rng() % 2) p.header.filename = "file" + std::to_string(rng() % 100) + ".bin";
      if (rng() % 2) p.header.content_type = "application/octet-stream";
      const std::size_t len = rng() % 200;
      for (std::size_t k = 0; k < len; ++k) {
        switch (rng() % 4) {
          case 0:
            p.data += alphabet[rng() % alphabet.size()];
            break;
          case 1:
            p.data += static_cast<char>(rng() & 0xFF);
            break;
          case 2:
            p.data += d.substr(0, rng() % d.size());
            break;
          default:
            p.data += "--" + boundary;
            break;
        }
      }
      for (auto at = p.data.find(d); at != std::string::npos; at = p.data.find(d)) {
        p.data.erase(at, 1);  // a delimiter cannot be data
      }
      p.ended = true;
      std::string headers = "Content-Disposition: form-data; name=\"" + p.header.name + "\"";
      if (p.header.filename) headers += "; filename=\"" + *p.header.filename + "\"";
      headers += "\r\n";
      if (!p.header.content_type.empty()) headers += "Content-Type: " + p.header.content_type + "\r\n";
      body += "--" + boundary + "\r\n" + headers + "\r\n" + p.data + "\r\n";
      expected.push_back(std::move(p));
    }
    body += "--" + boundary + "--" + (rng() % 2 ? "\r\nepilogue\r\n--" + boundary + "\r\n" : "");
    Outcome want{expected, std::nullopt};
    const Outcome whole = parse(body, {}, {}, boundary);
    expect_same(want, whole, "round " + std::to_string(round) + " whole");
    for (int s = 0; s < 4; ++s) {
      std::vector<std::size_t> cuts;
      for (std::size_t at = rng() % 16; at < body.size(); at += 1 + rng() % (s == 0 ? 4 : 64))
        cuts.push_back(at);
      expect_same(whole, parse(body, cuts, {}, boundary), "round " + std::to_string(round));
    }
  }
}

TEST(Multipart, Throughput) {
  // A 100 MiB file in 64 KiB pieces. Random bytes put a CR every 256 bytes on average.
  std::mt19937_64 rng(5);
  std::vector<std::uint8_t> block(1 << 20);
  for (auto& v : block) v = static_cast<std::uint8_t>(rng());
  std::uint64_t delivered = 0;
  MultipartParser::Callbacks cb;
  cb.on_part_data = [&](std::span<const std::uint8_t> bytes) {
    delivered += bytes.size();
    return Status{};
  };
  MultipartParser parser(std::string(kBoundary), cb);
  ASSERT_TRUE(parser
                  .feed("--" + std::string(kBoundary) +
                        "\r\nContent-Disposition: form-data; name=f; filename=big.bin\r\n\r\n")
                  .ok());
  constexpr std::size_t kPiece = 64 * 1024;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) {
    for (std::size_t at = 0; at < block.size(); at += kPiece) {
      ASSERT_TRUE(parser.feed(std::span(block).subspan(at, kPiece)).ok());
    }
  }
  ASSERT_TRUE(parser.feed("\r\n--" + std::string(kBoundary) + "--\r\n").ok());
  ASSERT_TRUE(parser.finish().ok());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(delivered, 100u * block.size());
  const double gbps = static_cast<double>(delivered) / seconds / 1e9;
  std::printf("multipart: %.2f GB/s\n", gbps);
#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__)
  EXPECT_GT(gbps, 0.5);  // a loose floor for a shared machine; typically several GB/s
#endif
}

TEST(Urlencoded, DecodesPairsInOrder) {
  auto pairs = parse_urlencoded("a=1&b=hello+world&c=%C3%A9%2B&d&&e=&=x&a=2&f=a=b");
  ASSERT_TRUE(pairs.ok()) << pairs.error().message;
  const std::vector<std::pair<std::string, std::string>> want = {
      {"a", "1"}, {"b", "hello world"}, {"c", "\xC3\xA9+"}, {"d", ""}, {"e", ""},
      {"", "x"},  {"a", "2"},           {"f", "a=b"}};
  EXPECT_EQ(*pairs, want);
  EXPECT_TRUE(parse_urlencoded("").value().empty());
  EXPECT_TRUE(parse_urlencoded("&&").value().empty());
}

TEST(Urlencoded, RefusesBadEscapesWithoutQuotingThem) {
  for (const std::string& body :
       std::vector<std::string>{"a=%zzSECRET", "a=1&b=%4", "%G0SECRET=1", "a=%", "x=1&y=%%41SECRET"}) {
    auto pairs = parse_urlencoded(body);
    ASSERT_FALSE(pairs.ok()) << body;
    EXPECT_EQ(pairs.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(pairs.error().message.find("SECRET"), std::string::npos);
  }
}

}  // namespace
}  // namespace baove::http
