#pragma once
// Managed state: one value per type, managed on the AppBuilder, reached from handlers through a
// State<T> parameter. ward hands out T&; concurrent mutation is the value's own business (guard
// it with a mutex inside T; see examples/cpp).

namespace ward {

template <class T> class State {
public:
  explicit State(T &value) noexcept : value_(&value) {}
  [[nodiscard]] T &get() const noexcept { return *value_; }
  T &operator*() const noexcept { return *value_; }
  T *operator->() const noexcept { return value_; }

private:
  T *value_;
};

} // namespace ward
