#pragma once
// The per-app invoke key: drawn from the OS CSPRNG, compared in constant time.

#include <ward/error.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace ward::detail {

/// 32 random bytes as 64 lowercase hex digits.
result<std::string> generate_invoke_key();

/// 64 random bits from the OS CSPRNG (resource ids).
result<std::uint64_t> random_u64();

/// Compares without an early exit, so the time taken does not reveal how much of a guess matched.
bool invoke_key_matches(std::string_view expected, std::string_view provided) noexcept;

} // namespace ward::detail
