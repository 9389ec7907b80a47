// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "neuralisp/model.h"

namespace neuralisp {
namespace {

// The directory holding this library's file ("" if unknown).
std::string library_directory() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&find_model), &info) == 0 || info.dli_fname == nullptr) return "";
  const std::string file = info.dli_fname;
  const auto slash = file.rfind('/');
  return slash == std::string::npos ? std::string(".") : file.substr(0, slash);
}

}  // namespace

std::vector<std::string> model_search_path() noexcept {
  try {
    std::vector<std::string> directories;
    if (const char* env = std::getenv("NEURALISP_MODEL_PATH")) {
      std::stringstream list(env);
      std::string dir;
      while (std::getline(list, dir, ':'))
        if (!dir.empty()) directories.push_back(dir);
    }
    // An uninstalled build copies the models into its build tree beside lib/; an installed library
    // finds its data directory by the path from its libdir (NEURALISP_MODEL_DIR_FROM_LIBDIR is
    // relative unless the installation's datadir was configured as an absolute path elsewhere).
    const std::string here = library_directory();
    if (!here.empty()) directories.push_back(here + "/../models");
    const std::string installed = NEURALISP_MODEL_DIR_FROM_LIBDIR;
    directories.push_back(installed.front() == '/' || here.empty() ? installed : here + "/" + installed);
    return directories;
  } catch (...) {
    return {};
  }
}

std::string find_model(const std::string& file_name) noexcept {
  try {
    for (const std::string& dir : model_search_path()) {
      const std::string path = dir + "/" + file_name;
      std::error_code error;
      if (std::filesystem::is_regular_file(path, error)) return path;
    }
  } catch (...) {
  }
  return "";
}

}  // namespace neuralisp
