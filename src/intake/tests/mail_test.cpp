// E-mail parsing with hand-written messages shaped like what real mail clients send.
#include "intake/mail.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace baove::intake {
namespace {

// Mail on the wire has CRLF line ends; Maildir files often have LF only. Tests use both.
std::string crlf(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

bool has_defect(const MailMessage& m, std::string_view what) {
  for (const auto& d : m.defects) {
    if (d.find(what) != std::string::npos) return true;
  }
  return false;
}

const char* kGmail = R"(Delivered-To: hotline@baove.example
Received: from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41])
        by mx.baove.example with SMTPS id abc
        for <hotline@baove.example>; Tue, 04 Jun 2024 02:05:01 -0000
MIME-Version: 1.0
From: "=?UTF-8?B?Tmd1eeG7hW4gVsSDbiBB?=" <Nguyen.Van.A@Gmail.COM>
Date: Tue, 4 Jun 2024 09:05:00 +0700
Message-ID: <CAF=abc123+x@mail.gmail.com>
Subject: =?UTF-8?B?QsOhbyBjw6FvOiBjbGlwIHjDom0gaOG6oWkgdHLhursgZW0=?=
To: hotline@baove.example
Content-Type: multipart/mixed; boundary="000000000000a1b2c3"

--000000000000a1b2c3
Content-Type: multipart/alternative; boundary="000000000000d4e5f6"

--000000000000d4e5f6
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

K=C3=ADnh g=E1=BB=ADi =C4=91=C6=B0=E1=BB=9Dng d=C3=A2y 111,
T=C3=B4i th=E1=BA=A5y clip n=C3=A0y tr=C3=AAn https://www.tiktok.com/@xau/v=
ideo/123
Xin c=E1=BA=A3m =C6=A1n.

--000000000000d4e5f6
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">K=C3=ADnh g=E1=BB=ADi,<br>Xem <a href=3D"https://www.tik=
tok.com/@xau/video/123">clip</a> v=C3=A0 <a href=3D"https://mirror.example/=
v/9">b=E1=BA=A3n sao</a></div>

--000000000000d4e5f6--
--000000000000a1b2c3
Content-Type: image/png; name="anh chup.png"
Content-Disposition: attachment; filename="anh chup.png"
Content-Transfer-Encoding: base64
Content-ID: <f_lx1>
X-Attachment-Id: f_lx1

AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4
OTo7
--000000000000a1b2c3--
)";

TEST(Mail, GmailMultipartMixedWithAlternativeAndImage) {
  const std::string raw = crlf(kGmail);
  auto r = parse_mail(raw);
  ASSERT_TRUE(r) << r.error().message;
  const MailMessage& m = *r;
  EXPECT_EQ(m.message_id, "CAF=abc123+x@mail.gmail.com");
  EXPECT_EQ(m.from_address, "nguyen.van.a@gmail.com");
  EXPECT_EQ(m.subject, "Báo cáo: clip xâm hại trẻ em");
  EXPECT_EQ(m.sent_at_ms, 1717466700000);  // 2024-06-04T02:05:00Z
  // The plain alternative wins; its soft line break joins the link again.
  EXPECT_EQ(
      m.text,
      "Kính gửi đường dây 111,\nTôi thấy clip này trên https://www.tiktok.com/@xau/video/123\nXin cảm ơn.");
  // Links from the text, then the HTML version's hrefs that the text lacks.
  EXPECT_EQ(m.links, (std::vector<std::string>{"https://www.tiktok.com/@xau/video/123",
                                               "https://mirror.example/v/9"}));
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_EQ(m.attachments[0].name, "anh chup.png");
  EXPECT_EQ(m.attachments[0].content_type, "image/png");
  std::string want;
  for (int i = 0; i < 60; ++i) want += static_cast<char>(i);
  EXPECT_EQ(m.attachments[0].bytes, want);
  EXPECT_TRUE(m.defects.empty()) << m.defects.front();

  const ChannelMessage c = to_channel_message(m);
  EXPECT_EQ(c.channel, "email");
  EXPECT_EQ(c.external_id.substr(0, 5), "mail:");
  EXPECT_EQ(c.external_id.size(), 5u + 64u);
  EXPECT_EQ(to_channel_message(m).external_id, c.external_id) << "the same message, the same key";
  MailMessage forged = m;
  forged.from_address = "someone.else@example.com";
  EXPECT_NE(to_channel_message(forged).external_id, c.external_id)
      << "another sender's message is another report";
  EXPECT_EQ(c.sender_id, "nguyen.van.a@gmail.com");
  EXPECT_EQ(c.sent_at_ms, m.sent_at_ms);
  EXPECT_EQ(c.text, m.subject + "\n\n" + m.text);
  ASSERT_EQ(c.attachments.size(), 1u);
  EXPECT_EQ(c.attachments[0].type, "image");
  EXPECT_EQ(c.attachments[0].name, "anh chup.png");
  EXPECT_TRUE(c.attachments[0].url.empty());
  EXPECT_EQ(c.links, m.links);
}

TEST(Mail, QuotedPrintableVietnameseSinglePartWithLfLineEnds) {
  const std::string raw =
      "From: Me Be <me.be@yahoo.com.vn>\n"
      "Subject: =?utf-8?q?Xin_ch=C3=A0o?= =?utf-8?Q?_hotline?=\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      "Con t=C3=B4i b=E1=BB=8B ng=C6=B0=E1=BB=9Di l=E1=BA=A1 nh=E1=BA=AFn tin =C4=\n"
      "=91e do=E1=BA=A1. =C4=90=E1=BB=8Ba ch=E1=BB=89 trang: https://facebook.com/=\n"
      "trang.xau   \n";
  auto r = parse_mail(raw);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->subject, "Xin chào hotline");
  EXPECT_EQ(r->text, "Con tôi bị người lạ nhắn tin đe doạ. Địa chỉ trang: https://facebook.com/trang.xau");
  EXPECT_EQ(r->links, std::vector<std::string>{"https://facebook.com/trang.xau"});
  EXPECT_EQ(r->from_address, "me.be@yahoo.com.vn");
  EXPECT_EQ(r->sent_at_ms, 0);
  EXPECT_TRUE(r->defects.empty());
  // No Message-ID: the SHA-256 of the raw message stands in, so a second delivery is recognised.
  EXPECT_EQ(r->message_id.substr(0, 7), "sha256:");
  EXPECT_EQ(r->message_id.size(), 7u + 64u);
  auto again = parse_mail(raw);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->message_id, r->message_id);
  auto other = parse_mail(raw + "x");
  ASSERT_TRUE(other);
  EXPECT_NE(other->message_id, r->message_id);
}

TEST(Mail, BrokenBase64IsDecodedAsFarAsItGoes) {
  const std::string raw = crlf(
      "From: a@b.example\n"
      "Message-ID: <1@b.example>\n"
      "Content-Type: multipart/mixed; boundary=XYZ\n"
      "\n"
      "--XYZ\n"
      "Content-Type: text/plain\n"
      "\n"
      "xem tep\n"
      "--XYZ\n"
      "Content-Type: application/octet-stream\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "AAEC*AwQF\n"
      "Bgc\n"
      "--XYZ--\n");
  auto r = parse_mail(raw);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "xem tep");
  ASSERT_EQ(r->attachments.size(), 1u);
  EXPECT_EQ(r->attachments[0].bytes, std::string("\x00\x01\x02\x03\x04\x05\x06\x07", 8));
  EXPECT_EQ(r->attachments[0].name, "");
  EXPECT_TRUE(has_defect(*r, "invalid base64"));
  // A group cut after one character is a defect too.
  auto cut = parse_mail("Content-Transfer-Encoding: base64\nContent-Type: image/gif\n\nR0lGODlhA");
  ASSERT_TRUE(cut);
  EXPECT_EQ(cut->attachments.at(0).bytes, "GIF89a");
  EXPECT_TRUE(has_defect(*cut, "invalid base64"));
}

TEST(Mail, MissingClosingBoundaryKeepsTheLastPart) {
  const std::string raw = crlf(
      "From: a@b.example\n"
      "Content-Type: multipart/mixed; boundary=\"b1\"\n"
      "\n"
      "This is a multi-part message in MIME format.\n"
      "--b1\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "\n"
      "Phần một\n"
      "--b1 \n"
      "Content-Type: text/csv; name=\"danh sach.csv\"\n"
      "\n"
      "a,b\n"
      "1,2\n");
  auto r = parse_mail(raw);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "Phần một");
  ASSERT_EQ(r->attachments.size(), 1u);
  EXPECT_EQ(r->attachments[0].name, "danh sach.csv");
  EXPECT_EQ(r->attachments[0].content_type, "text/csv");
  EXPECT_EQ(r->attachments[0].bytes, "a,b\r\n1,2\r\n");
  EXPECT_TRUE(has_defect(*r, "closing boundary"));
}

TEST(Mail, ForwardedMessageIsAnAttachmentNotOpened) {
  const std::string inner =
      "From: ke.xau@example.net\r\nSubject: inner\r\nContent-Type: text/plain\r\n\r\nInner body "
      "https://inner.example/";
  const std::string raw = crlf(
                              "From: Phu huynh <ph@example.org>\n"
                              "Subject: Fwd: tin nhan la\n"
                              "Content-Type: multipart/mixed; boundary=\"outer\"\n"
                              "\n"
                              "--outer\n"
                              "Content-Type: text/plain; charset=utf-8\n"
                              "\n"
                              "Chuyển tiếp thư bên dưới.\n"
                              "--outer\n"
                              "Content-Type: message/rfc822\n"
                              "Content-Disposition: attachment; filename=\"thu goc.eml\"\n"
                              "\n") +
                          inner + crlf("\n--outer--\n");
  auto r = parse_mail(raw);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "Chuyển tiếp thư bên dưới.");
  ASSERT_EQ(r->attachments.size(), 1u);
  EXPECT_EQ(r->attachments[0].content_type, "message/rfc822");
  EXPECT_EQ(r->attachments[0].name, "thu goc.eml");
  EXPECT_EQ(r->attachments[0].bytes, inner);
  EXPECT_TRUE(r->links.empty());  // the forwarded message's link is inside the attachment
  EXPECT_EQ(to_channel_message(*r).attachments.at(0).type, "email");
}

TEST(Mail, FileNamesInEveryEncodingAreDecodedAndMadeSafe) {
  const std::string raw = crlf(
      "From: a@b.example\n"
      "Content-Type: multipart/mixed; boundary=B\n"
      "\n"
      "--B\n"
      "Content-Type: image/jpeg\n"
      "Content-Disposition: attachment;\n"
      " filename*=UTF-8''%E1%BA%A2nh%20b%E1%BA%B1ng%20ch%E1%BB%A9ng.jpg\n"
      "\n"
      "x\n"
      "--B\n"
      "Content-Type: image/jpeg\n"
      "Content-Disposition: attachment; filename*0*=UTF-8''%E1%BA%A2nh%20;\n"
      "\tfilename*1=\"bang.jpg\"\n"
      "\n"
      "x\n"
      "--B\n"
      "Content-Type: image/jpeg; name=\"=?UTF-8?B?4bqibmggYuG6sW5nIGNo4bupbmcuanBn?=\"\n"
      "\n"
      "x\n"
      "--B\n"
      "Content-Type: application/pdf\n"
      "Content-Disposition: attachment; filename=\"../../etc/passwd\"\n"
      "\n"
      "x\n"
      "--B\n"
      "Content-Type: application/pdf\n"
      "Content-Disposition: attachment; filename*=iso-8859-1'vi'Caf%E9.pdf\n"
      "\n"
      "x\n"
      "--B--\n");
  auto r = parse_mail(raw);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->attachments.size(), 5u);
  EXPECT_EQ(r->attachments[0].name, "Ảnh bằng chứng.jpg");
  EXPECT_EQ(r->attachments[1].name, "Ảnh bang.jpg");
  EXPECT_EQ(r->attachments[2].name, "Ảnh bằng chứng.jpg");
  EXPECT_EQ(r->attachments[3].name.find('/'), std::string::npos);
  EXPECT_FALSE(r->attachments[3].name.starts_with("."));
  EXPECT_EQ(r->attachments[4].name, "Café.pdf");
}

TEST(Mail, HtmlOnlyAndOtherCharsets) {
  const std::string html = crlf(
      "From: <x@y.example>\n"
      "Content-Type: text/html; charset=windows-1258\n"
      "\n"
      "<p>Vi\xEA\xF2t Nam</p><p><a href=\"https://bad.example/p\">trang</a></p>\n");
  auto r = parse_mail(html);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "Vi\xE1\xBB\x87t Nam\ntrang");  // composed U+1EC7
  EXPECT_EQ(r->links, std::vector<std::string>{"https://bad.example/p"});

  auto latin = parse_mail(
      "From: x@y.example\nContent-Type: text/plain; charset=\"ISO-8859-1\"\n\nCaf\xE9 \x93quoted\x94\n");
  ASSERT_TRUE(latin);
  EXPECT_EQ(latin->text, "Café “quoted”");

  // Undeclared 8-bit text is read as UTF-8, with U+FFFD for what is not.
  auto raw8 = parse_mail("From: x@y.example\nSubject: Tr\xE1\xBA\xBB em \xFF\n\nn\xE1\xBB\x99i dung \xC3\n");
  ASSERT_TRUE(raw8);
  EXPECT_EQ(raw8->subject, "Trẻ em \xEF\xBF\xBD");
  EXPECT_EQ(raw8->text, "nội dung \xEF\xBF\xBD");
}

TEST(Mail, AppleStyleAlternativeKeepsInlineImagesOfTheHtmlVersion) {
  const std::string raw = crlf(
      "From: a@icloud.example\n"
      "Content-Type: multipart/alternative; boundary=\"Apple-Mail-1\"\n"
      "\n"
      "--Apple-Mail-1\n"
      "Content-Type: text/plain; charset=us-ascii\n"
      "\n"
      "See picture\n"
      "--Apple-Mail-1\n"
      "Content-Type: multipart/related; type=\"text/html\"; boundary=\"Apple-Mail-2\"\n"
      "\n"
      "--Apple-Mail-2\n"
      "Content-Type: text/html; charset=us-ascii\n"
      "\n"
      "<html><body>See <img src=\"cid:img1\"></body></html>\n"
      "--Apple-Mail-2\n"
      "Content-Type: image/jpeg; name=\"IMG_0001.jpeg\"\n"
      "Content-Disposition: inline; filename=\"IMG_0001.jpeg\"\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "/9j/4A==\n"
      "--Apple-Mail-2--\n"
      "\n"
      "--Apple-Mail-1--\n");
  auto r = parse_mail(raw);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "See picture");
  ASSERT_EQ(r->attachments.size(), 1u);
  EXPECT_EQ(r->attachments[0].name, "IMG_0001.jpeg");
  EXPECT_EQ(r->attachments[0].bytes, "\xFF\xD8\xFF\xE0");
}

TEST(Mail, EncodedWordsJoinCharactersSplitAcrossWords) {
  EXPECT_EQ(decode_header_words("=?UTF-8?Q?=E1=BA?= =?UTF-8?Q?=A1b?="), "ạb");
  EXPECT_EQ(decode_header_words("Re: =?UTF-8?B?w6A=?= tail"), "Re: à tail");
  EXPECT_EQ(decode_header_words("=?UTF-8?B?w6A=?=  x  =?UTF-8?B?w6A=?="), "à  x  à");
  EXPECT_EQ(decode_header_words("=?iso-8859-1?q?caf=E9?="), "café");
  EXPECT_EQ(decode_header_words("=?bogus"), "=?bogus");
  EXPECT_EQ(decode_header_words("=?UTF-8?X?abc?="), "=?UTF-8?X?abc?=");
}

TEST(Mail, Dates) {
  EXPECT_EQ(parse_mail_date("Tue, 4 Jun 2024 09:05:00 +0700"), 1717466700000);
  EXPECT_EQ(parse_mail_date("4 Jun 24 02:05 GMT"), 1717466700000);
  EXPECT_EQ(parse_mail_date("Mon, 03 Jun 2024 19:05:00 -0700 (PDT)"), 1717466700000);
  EXPECT_EQ(parse_mail_date("Mon, 3 Jun 2024 22:05:00 EDT"), 1717466700000);
  EXPECT_EQ(parse_mail_date("Fri, 31 Dec 1999 23:59:59 +0000"), 946684799000);
  EXPECT_EQ(parse_mail_date("yesterday"), std::nullopt);
  EXPECT_EQ(parse_mail_date("32 Jan 2024 00:00 +0000"), std::nullopt);
  EXPECT_EQ(parse_mail_date("4 Foo 2024 10:00 +0000"), std::nullopt);
  EXPECT_EQ(parse_mail_date("4 Jun 2024 25:00 +0000"), std::nullopt);
  auto r = parse_mail("From: a@b.example\nDate: someday\n\nx");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->sent_at_ms, 0);
  EXPECT_TRUE(has_defect(*r, "Date"));
}

TEST(Mail, Addresses) {
  const auto from = [](const std::string& header) {
    auto r = parse_mail("From: " + header + "\n\nx");
    return r ? r->from_address : std::string("<error>");
  };
  EXPECT_EQ(from("\"Trần, B\" <B.Tran@Example.VN>"), "b.tran@example.vn");
  EXPECT_EQ(from("b@example.vn (Trần B)"), "b@example.vn");
  EXPECT_EQ(from("b@example.vn"), "b@example.vn");
  EXPECT_EQ(from("first@a.example, second@b.example"), "first@a.example");
  EXPECT_EQ(from("undisclosed-recipients:;"), "");
  EXPECT_EQ(from("\"no address\""), "");
}

TEST(Mail, LongMessageIdIsHashed) {
  const std::string id(300, 'a');
  auto r = parse_mail("Message-ID: <" + id + "@x>\nFrom: a@b.example\n\nx");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message_id.substr(0, 7), "sha256:");
  EXPECT_LE(r->message_id.size(), kMaxExternalIdBytes);
}

TEST(Mail, LimitsAndGarbage) {
  EXPECT_EQ(parse_mail("").error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(parse_mail("\x89PNG\r\n\x1a\n binary").error().code, ErrorCode::corrupt);
  EXPECT_EQ(parse_mail(std::string(kMaxMailBytes + 1, 'a')).error().code, ErrorCode::limit_exceeded);

  // Nesting: kMaxMimeDepth levels of multipart are fine, one more is not.
  const auto nested = [](int levels) {
    std::string head = "From: a@b.example\n", tail;
    for (int i = 0; i < levels; ++i) {
      head += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\n\n--b" +
              std::to_string(i) + "\n";
      tail = "\n--b" + std::to_string(i) + "--\n" + tail;
    }
    return head + "Content-Type: text/plain\n\ndeep" + tail;
  };
  auto ok = parse_mail(nested(kMaxMimeDepth));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->text, "deep");
  auto deep = parse_mail(nested(kMaxMimeDepth + 1));
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().code, ErrorCode::limit_exceeded);

  // Parts: the message itself counts as one.
  const auto parts = [](std::size_t n) {
    std::string s = "From: a@b.example\nContent-Type: multipart/mixed; boundary=p\n\n";
    for (std::size_t i = 0; i < n; ++i) s += "--p\nContent-Type: text/plain\n\nx\n";
    return s + "--p--\n";
  };
  EXPECT_TRUE(parse_mail(parts(kMaxMimeParts - 1)).ok());
  auto many = parse_mail(parts(kMaxMimeParts));
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.error().code, ErrorCode::limit_exceeded);
}

TEST(Mail, HeaderOnlyAndMissingSeparator) {
  auto h = parse_mail("From: a@b.example\r\nSubject: only headers\r\n");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->subject, "only headers");
  EXPECT_EQ(h->text, "");
  auto s = parse_mail("From: a@b.example\nthis line starts the body\nsecond line\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->text, "this line starts the body\nsecond line");
  EXPECT_TRUE(has_defect(*s, "blank line"));
  auto mbox =
      parse_mail("From a@b.example Tue Jun  4 02:05:00 2024\nFrom: a@b.example\nSubject: s\n\nbody\n");
  ASSERT_TRUE(mbox);
  EXPECT_EQ(mbox->subject, "s");
  EXPECT_EQ(mbox->text, "body");
}

TEST(Mail, ChannelMessageTextIsCutAtACharacterBoundary) {
  MailMessage m;
  m.message_id = "id";
  m.subject = "s";
  for (std::size_t i = 0; i < kMaxTextBytes; ++i) m.text += "ă";
  const ChannelMessage c = to_channel_message(m);
  EXPECT_LE(c.text.size(), kMaxTextBytes);
  EXPECT_GE(c.text.size(), kMaxTextBytes - 1);
  EXPECT_EQ(c.text.substr(0, 3), "s\n\n");
  EXPECT_NE(static_cast<unsigned char>(c.text.back()), 0xC4u);  // no half character at the end
}

}  // namespace
}  // namespace baove::intake
