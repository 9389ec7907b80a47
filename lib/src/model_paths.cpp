// SPDX-License-Identifier: LGPL-2.1-or-later
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "neuralisp/model.h"

namespace neuralisp {

std::vector<std::string> model_search_path() {
  std::vector<std::string> directories;
  if (const char* env = std::getenv("NEURALISP_MODEL_PATH")) {
    std::stringstream list(env);
    std::string dir;
    while (std::getline(list, dir, ':'))
      if (!dir.empty()) directories.push_back(dir);
  }
  // An uninstalled build (GST_PLUGIN_PATH pointing into the build tree) uses the models in the
  // source tree it was built from; an installed one uses its data directory.
  directories.push_back(NEURALISP_SOURCE_MODEL_DIR);
  directories.push_back(NEURALISP_INSTALLED_MODEL_DIR);
  return directories;
}

std::string find_model(const std::string& file_name) {
  for (const std::string& dir : model_search_path()) {
    const std::string path = dir + "/" + file_name;
    if (std::ifstream(path, std::ios::binary).good()) return path;
  }
  return "";
}

}  // namespace neuralisp
