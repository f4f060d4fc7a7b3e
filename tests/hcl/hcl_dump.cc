// hcl_dump: this product's HCL reader (engine/hcl) on each file, for the differential test
// against HashiCorp's parser (differential.py). One JSON object per line: {"file",
// "document"} or {"file", "error": "LINE:COL: reason"} (the first error).
#include <fstream>
#include <iostream>
#include <sstream>

#include "engine/hcl/hcl.h"

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::cerr << argv[i] << ": cannot open\n";
      return 2;
    }
    std::stringstream text;
    text << in.rdbuf();
    ha::hcl::ParseResult r = ha::hcl::parse(text.str(), false);
    nlohmann::json out = {{"file", argv[i]}};
    if (r.document) {
      out["document"] = r.document->value;
    } else {
      const auto& e = r.errors.front();
      out["error"] =
          std::to_string(e.at.line) + ":" + std::to_string(e.at.column) + ": " + e.reason;
    }
    std::cout << out.dump() << "\n";
  }
  return 0;
}
