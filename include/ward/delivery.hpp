#pragma once
// Deliveries: everything the core sends to pages (replies to posted requests, events, channel
// messages) reaches the host through one callback as structured data. Deliveries to one webview
// keep their order: the host's callback runs on one ward thread at a time.

#include <ward/host.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ward {

enum class DeliveryKind : std::uint8_t { reply, event, channel };

/// In Tauri terms every delivery is `window.__TAURI_INTERNALS__.runCallback(callback, value)`:
///  - reply:   value = the reply's JSON (ok: the result, error: the rejection value); callback is the
///             request's Tauri-Callback id when ok, its Tauri-Error id otherwise;
///  - event:   value = `{"event":name,"payload":payload,"id":listener id}` (body), callback = the
///             listener's handler id;
///  - channel: value = `{"index":index,"message":body}`, or `{"index":index,"end":true}` when `end`;
///             callback = the channel id; a raw message's body is bytes (an ArrayBuffer in the page).
struct Delivery {
  DeliveryKind kind = DeliveryKind::reply;
  std::uint32_t callback = 0;
  bool ok = true;                 ///< reply: resolved (true) or rejected
  BodyKind body_kind = BodyKind::json;
  std::string_view body;          ///< JSON text or raw bytes; empty for a channel's end
  std::uint64_t index = 0;        ///< channel: the message index (0, 1, 2, ...)
  bool end = false;               ///< channel: the backend dropped the channel
};

/// Receives every delivery, with the label of the webview it is for. Runs on ward's delivery
/// thread, one call at a time; it may call back into the app (emit, send) but should return
/// promptly: while it runs, deliveries queue up and senders feel the backpressure.
using DeliverySink = std::function<void(std::string_view webview, const Delivery &)>;

/// The script a Tauri page expects for a delivery, for hosts that answer by evaluating script:
/// `window.__TAURI_INTERNALS__.runCallback(<callback>, <value>)`, raw bytes rebuilt as an ArrayBuffer.
[[nodiscard]] std::string render_script(const Delivery &delivery);

} // namespace ward
