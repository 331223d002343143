#pragma once
// The bridge between ward's opaque JsonValue storage and simdjson's DOM element.

#include "json/tape.hpp"

#include <ward/json.hpp>

#include <simdjson.h>

#include <cstring>
#include <type_traits>

namespace ward::detail {

template <class T> T from_storage(const JsonValue::Storage &storage) noexcept {
  static_assert(sizeof(T) <= sizeof(storage.bytes) && std::is_trivially_copyable_v<T>);
  T value;
  std::memcpy(static_cast<void *>(&value), storage.bytes, sizeof(T));
  return value;
}

template <class T> JsonValue::Storage to_storage(const T &value) noexcept {
  static_assert(sizeof(T) <= sizeof(JsonValue::Storage::bytes) && std::is_trivially_copyable_v<T>);
  JsonValue::Storage storage;
  std::memcpy(storage.bytes, static_cast<const void *>(&value), sizeof(T));
  return storage;
}

simdjson::dom::element null_value() noexcept; // json/document.cpp

/// A default-constructed JsonValue (no document) reads as JSON null. (Every other value points
/// at its document, so the document pointer alone tells them apart.)
inline simdjson::dom::element element_of(const JsonValue &value) noexcept {
  const auto element = from_storage<simdjson::dom::element>(value.storage());
  if (!tape_of(element).doc) return null_value();
  return element;
}

inline JsonValue make_value(simdjson::dom::element element) noexcept { return JsonValue(to_storage(element)); }

} // namespace ward::detail
