// Runs the fuzz entry point without libFuzzer: every seed in the corpus directory, then
// deterministic mutations of each (byte flips, truncations, splices), so a plain build still
// exercises the fuzz target in CTest. Exit status 0 unless the target aborted.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size);

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [MUTATIONS_PER_SEED]\n", argv[0]);
    return 2;
  }
  const int mutations = argc > 2 ? std::stoi(argv[2]) : 2000;
  std::vector<std::string> seeds;
  for (const auto &entry : std::filesystem::directory_iterator(argv[1])) {
    std::ifstream in(entry.path(), std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::mt19937_64 random(0x77617264); // fixed: a failure reproduces
  std::size_t runs = 0;
  for (const auto &seed : seeds) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t *>(seed.data()), seed.size());
    ++runs;
    for (int i = 0; i < mutations; ++i) {
      std::string input = seed;
      const int edits = 1 + static_cast<int>(random() % 4);
      for (int e = 0; e < edits && !input.empty(); ++e) {
        const std::size_t at = random() % input.size();
        switch (random() % 5) {
        case 0: input[at] = static_cast<char>(random()); break;
        case 1: input.resize(at); break;
        case 2: input.insert(at, seeds[random() % seeds.size()].substr(1)); break;
        case 3: input.erase(at, 1 + random() % 8); break;
        default: input.insert(at, 1, "{}[]\",:\\0\xe2"[random() % 11]); break;
        }
      }
      if (input.size() > (1u << 17)) input.resize(1u << 17);
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t *>(input.data()), input.size());
      ++runs;
    }
  }
  std::printf("%zu inputs from %zu seeds: no crash\n", runs, seeds.size());
  return 0;
}
