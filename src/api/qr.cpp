// The TOTP enrolment QR code as SVG (libqrencode), drawn as one path of dark modules.
#include <qrencode.h>

#include <memory>

#include "api/internal.hpp"

namespace baove::api {

std::string qr_svg(const std::string& text) {
  std::unique_ptr<QRcode, void (*)(QRcode*)> code(QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M),
                                                  QRcode_free);
  if (!code) return {};
  const int n = code->width;
  const int quiet = 4;
  const int size = n + 2 * quiet;
  std::string path;
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      if (code->data[y * n + x] & 1) {
        path += "M" + std::to_string(x + quiet) + " " + std::to_string(y + quiet) + "h1v1h-1z";
      }
    }
  }
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(size) + " " +
         std::to_string(size) + "\" width=\"" + std::to_string(size * 6) + "\" height=\"" +
         std::to_string(size * 6) +
         "\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path "
         "fill=\"#000\" d=\"" +
         path + "\"/></svg>";
}

}  // namespace baove::api
