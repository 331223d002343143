#pragma once
// Version of the ward C++ library; the C ABI has its own version (WARD_ABI_VERSION in ward.h).

namespace ward {
inline constexpr int version_major = 0;
inline constexpr int version_minor = 1;
inline constexpr int version_patch = 0;
/// "MAJOR.MINOR.PATCH", static storage.
const char *version_string() noexcept;
} // namespace ward
