// Damage to a set of files, chosen by fuzz input: shared by the targets that
// open a damaged database (db_open) or load a damaged data set (ldbc_snb).
//
// The input's first 6 bytes choose the damage; the rest are its bytes:
//   byte 0      which file (modulo the number of files)
//   byte 1      how (modulo 10):
//               0 replace the contents with the rest of the input
//               1 overwrite at the offset
//               2 XOR at the offset
//               3 truncate at the offset
//               4 append the rest
//               5 delete the file
//               6 swap its contents with file byte 2 (another one)
//               7 rename it over file byte 2 (that one's contents are gone)
//               8 add a stray file, named by byte 2 from StrayNames(), with
//                 the rest as its contents
//               9 copy it under a stray name (byte 2), leaving it in place
//   bytes 2..5  the offset (little-endian, modulo the file's size); byte 2
//               also picks the other file or the stray name
//   the rest    the bytes written, XORed or appended

#ifndef ZVERSE_FUZZ_DAMAGE_H_
#define ZVERSE_FUZZ_DAMAGE_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zverse::fuzz {

// Name, contents.
using Files = std::vector<std::pair<std::string, std::string>>;

// Applies the damage `data` describes (see above) to `files`. Returns false
// (and leaves `files` alone) for inputs shorter than 6 bytes.
inline bool ApplyDamage(const uint8_t* data, size_t size,
                        const std::vector<std::string>& stray_names,
                        Files* files) {
  if (size < 6 || files->empty()) return false;
  const size_t index = data[0] % files->size();
  std::string& target = (*files)[index].second;
  uint32_t offset32;
  std::memcpy(&offset32, data + 2, 4);
  const size_t offset = target.empty() ? 0 : offset32 % target.size();
  const size_t other = data[2] % files->size();
  const std::string& stray =
      stray_names.empty() ? std::string("stray")
                          : stray_names[data[2] % stray_names.size()];
  const std::string_view rest(reinterpret_cast<const char*>(data) + 6,
                              size - 6);
  switch (data[1] % 10) {
    case 0:
      target.assign(rest);
      break;
    case 1:
      target.replace(offset, std::min(rest.size(), target.size() - offset),
                     rest);
      break;
    case 2:
      for (size_t i = 0; i < rest.size() && offset + i < target.size(); ++i) {
        target[offset + i] ^= rest[i];
      }
      break;
    case 3:
      target.resize(offset);
      break;
    case 4:
      target.append(rest);
      break;
    case 5:
      files->erase(files->begin() + static_cast<std::ptrdiff_t>(index));
      break;
    case 6:
      std::swap(target, (*files)[other].second);
      break;
    case 7:
      if (other != index) {
        (*files)[other].second = std::move(target);
        files->erase(files->begin() + static_cast<std::ptrdiff_t>(index));
      }
      break;
    case 8:
    case 9: {
      std::string contents = data[1] % 10 == 8 ? std::string(rest) : target;
      bool replaced = false;
      for (auto& [name, bytes] : *files) {
        if (name == stray) {
          bytes = std::move(contents);
          replaced = true;
          break;
        }
      }
      if (!replaced) files->emplace_back(stray, std::move(contents));
      break;
    }
  }
  return true;
}

}  // namespace zverse::fuzz

#endif  // ZVERSE_FUZZ_DAMAGE_H_
