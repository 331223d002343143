#pragma once
// Early-return helpers for result<T>. Boost 1.74's BOOST_OUTCOME_TRY can only declare a new
// variable and expands to several statements; these work as single statements and can assign.

#include <utility>

#define WARD_TRY(expression)                                                                       \
  do {                                                                                             \
    auto &&ward_try_result_ = (expression);                                                        \
    if (!ward_try_result_) return std::move(ward_try_result_).assume_error();                      \
  } while (false)

#define WARD_TRY_ASSIGN(target, expression)                                                        \
  do {                                                                                             \
    auto &&ward_try_result_ = (expression);                                                        \
    if (!ward_try_result_) return std::move(ward_try_result_).assume_error();                      \
    (target) = std::move(ward_try_result_).assume_value();                                         \
  } while (false)
