#pragma once
// What a Channel's copies share: where its messages go, its next index and how many of its
// messages wait for the host.

#include "live/deliverer.hpp"

#include <ward/channel.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

namespace ward::detail {

struct ChannelState : std::enable_shared_from_this<ChannelState> {
  ChannelState(std::shared_ptr<Deliverer> deliverer, std::string webview, std::uint32_t id, std::uint32_t capacity,
               PageGenerations::Stamp page)
      : deliverer(std::move(deliverer)), webview(std::move(webview)), id(id), capacity(capacity), page(page) {}

  /// Queues one message (or the end) with the next index.
  result<void> send(BodyKind kind, String body, std::chrono::nanoseconds timeout);
  /// Sends the end message unless the channel is closed already.
  void finish();
  /// The page is gone (navigation, destruction, shutdown): later sends fail, no end is sent.
  void abandon();
  /// The sink took one of this channel's messages.
  void taken() noexcept;

  std::shared_ptr<Deliverer> deliverer; ///< null when the app has no delivery sink
  const std::string webview;
  const std::uint32_t id;
  const std::uint32_t capacity;
  const PageGenerations::Stamp page; ///< the page that opened it
  std::mutex mutex;
  std::condition_variable room;
  std::uint64_t next_index = 0;
  bool closed = false;
  std::atomic<std::size_t> queued{0};
  std::atomic<int> senders_waiting{0}; ///< taken() notifies only when someone waits for room
};

} // namespace ward::detail
