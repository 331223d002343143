// The live half: event fan-out, channel throughput, async invoke throughput. See README.md, "6.".
#include "summary_reporter.hpp"

#include <ward/ward.hpp>

#include <benchmark/benchmark.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

std::span<const std::byte> bytes(std::string_view text) { return std::as_bytes(std::span(text.data(), text.size())); }

/// A custom-protocol request as a Tauri page sends it, from webview `main`.
struct PageRequest {
  PageRequest(const ward::App &app, std::string_view command, std::string body, std::uint32_t callback = 1)
      : url("ipc://localhost/" + std::string(command)), body(std::move(body)), key(app.invoke_key()),
        callback(std::to_string(callback)) {
    headers = {{"Content-Type", "application/json"}, {"Tauri-Callback", this->callback}, {"Tauri-Error", "2"},
               {"Tauri-Invoke-Key", key}};
  }
  ward::Request get() const { return ward::Request{url, "tauri://localhost", "main", "main", headers, bytes(body)}; }
  std::string url, body, key, callback;
  std::vector<ward::Header> headers;
};

ward::App build(ward::AppBuilder &builder, std::string_view permissions) {
  builder.capability(ward::acl::Source{
      "bench.json", R"({"identifier":"bench","windows":["main"],"permissions":[)" + std::string(permissions) + "]}",
      ward::acl::Format::json});
  auto built = builder.build();
  if (!built) throw std::runtime_error("cannot build the benchmark app: " + built.error().message());
  return std::move(built).assume_value();
}

/// Counts what the host's sink receives and lets a benchmark wait for a total.
struct CountingSink {
  std::atomic<std::uint64_t> received{0};
  ward::DeliverySink sink() {
    return [this](std::string_view, const ward::Delivery &delivery) {
      benchmark::DoNotOptimize(delivery.body.data());
      received.fetch_add(1, std::memory_order_release);
    };
  }
  void wait_for(std::uint64_t total) const {
    while (received.load(std::memory_order_acquire) < total) std::this_thread::yield();
  }
};

// --- events -------------------------------------------------------------------------------------

/// Baseline: calling N std::function listeners directly with the same event.
void BM_BaselineCallListeners(benchmark::State &state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  std::uint64_t heard = 0;
  std::vector<ward::EventListener> listeners(count, [&heard](const ward::Event &event) { heard += event.payload_json.size(); });
  const ward::Event event{"tick", "42", 0};
  for (auto _ : state)
    for (const auto &listener : listeners) listener(event);
  benchmark::DoNotOptimize(heard);
  state.counters["deliveries_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations() * count), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BaselineCallListeners)->Arg(1)->Arg(100)->Arg(10'000);

/// App::emit to N backend listeners (the C++ path): validation, snapshot, target match, calls.
void BM_EmitBackendListeners(benchmark::State &state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  ward::AppBuilder builder;
  auto app = build(builder, "");
  std::uint64_t heard = 0;
  const auto tick = ward::EventName::parse("tick").value();
  for (std::size_t i = 0; i < count; ++i)
    (void)app.listen(tick, [&heard](const ward::Event &event) { heard += event.payload_json.size(); });
  for (auto _ : state)
    if (!app.emit(tick, "42")) state.SkipWithError("emit failed");
  benchmark::DoNotOptimize(heard);
  state.counters["deliveries_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations() * count), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EmitBackendListeners)->Arg(1)->Arg(100)->Arg(10'000);

/// App::emit to N page listeners (registered with plugin:event|listen): each delivery is built,
/// queued and handed to the host's sink on the delivery thread. Wall time, until the sink has all.
void BM_EmitPageListeners(benchmark::State &state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  CountingSink sink;
  ward::AppBuilder builder;
  builder.delivery_sink(sink.sink());
  auto app = build(builder, R"("core:default")");
  for (std::size_t i = 0; i < count; ++i) {
    PageRequest listen(app, "plugin:event|listen",
                       R"({"event":"tick","target":{"kind":"Any"},"handler":)" + std::to_string(i) + "}");
    if (!app.invoke(listen.get()).ok()) state.SkipWithError("listen failed");
  }
  const auto tick = ward::EventName::parse("tick").value();
  for (auto _ : state)
    if (!app.emit(tick, "42")) state.SkipWithError("emit failed");
  sink.wait_for(state.iterations() * count);
  state.counters["deliveries_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations() * count), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EmitPageListeners)->Arg(1)->Arg(100)->Arg(10'000)->UseRealTime();

// --- channels -----------------------------------------------------------------------------------

/// Channel::send of JSON (a string of `size` bytes with its quotes) or raw bytes, through the
/// delivery thread to the host's sink. Wall time, until the sink has every message.
void BM_ChannelSend(benchmark::State &state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const bool raw = state.range(1) != 0;
  CountingSink sink;
  std::optional<ward::Channel> channel;
  ward::AppBuilder builder;
  builder.delivery_sink(sink.sink());
  builder.command("open", [&](ward::Channel opened) { channel = std::move(opened); }, ward::arg_names{"channel"});
  auto app = build(builder, R"("allow-open")");
  if (!app.invoke(PageRequest(app, "open", R"({"channel":"__CHANNEL__:1"})").get()).ok())
    state.SkipWithError("open failed");
  const std::string text(size - 2, 'x');
  const std::vector<std::byte> block(size, std::byte{7});
  std::uint64_t sent = 0;
  for (auto _ : state) {
    const auto outcome = raw ? channel->send_bytes(block, std::chrono::seconds(10)) : channel->send(text, std::chrono::seconds(10));
    if (!outcome) state.SkipWithError("send failed");
    ++sent;
  }
  sink.wait_for(sent);
  state.counters["messages_per_second"] = benchmark::Counter(static_cast<double>(sent), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(sent * size));
}
BENCHMARK(BM_ChannelSend)
    ->ArgsProduct({{64, 64 * 1024}, {0, 1}})
    ->ArgNames({"bytes", "raw"})
    ->UseRealTime();

// --- async invokes ------------------------------------------------------------------------------

/// The same command, invoked 64 at a time with invoke_async and waited for: on the caller's thread
/// (range 0) or on a 2-worker executor (range 1). Wall time per batch.
void BM_InvokeBatch(benchmark::State &state) {
  const bool on_executor = state.range(0) != 0;
  constexpr int batch = 64;
  ward::AppBuilder builder;
  builder.executor({.workers = 2, .queue_capacity = 1024});
  const auto add = [](std::int64_t a, std::int64_t b) { return a + b; };
  if (on_executor) builder.async_command("add", add, ward::arg_names{"a", "b"});
  else builder.command("add", add, ward::arg_names{"a", "b"});
  auto app = build(builder, R"("allow-add")");
  const PageRequest request(app, "add", R"({"a":1,"b":2})");
  std::mutex mutex;
  std::condition_variable all_done;
  int answered = 0;
  for (auto _ : state) {
    {
      std::lock_guard lock(mutex);
      answered = 0;
    }
    for (int i = 0; i < batch; ++i)
      app.invoke_async(request.get(), [&](ward::Response response) {
        benchmark::DoNotOptimize(response.body.data());
        std::lock_guard lock(mutex);
        if (++answered == batch) all_done.notify_one();
      });
    std::unique_lock lock(mutex);
    all_done.wait(lock, [&] { return answered == batch; });
  }
  state.counters["invokes_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations() * batch), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_InvokeBatch)->Arg(0)->Arg(1)->ArgNames({"executor"})->UseRealTime();

} // namespace

int main(int argc, char **argv) {
  using namespace ward_bench;
  return run_with_summary(
      argc, argv,
      {{"emit to 100 backend listeners / calling them directly", "BM_EmitBackendListeners/100",
        "BM_BaselineCallListeners/100", std::nullopt},
       {"64 async invokes on the executor / on the caller's thread", "BM_InvokeBatch/executor:1",
        "BM_InvokeBatch/executor:0", std::nullopt}},
      {{"event fan-out, 100 backend listeners", "BM_EmitBackendListeners/100", "deliveries_per_second", " /s", 5e6,
        std::nullopt},
       {"event fan-out, 1 backend listener", "BM_EmitBackendListeners/1", "deliveries_per_second", " /s", std::nullopt,
        std::nullopt},
       {"event fan-out, 10,000 backend listeners", "BM_EmitBackendListeners/10000", "deliveries_per_second", " /s",
        std::nullopt, std::nullopt},
       {"event fan-out, 100 page listeners (through the sink)", "BM_EmitPageListeners/100",
        "deliveries_per_second", " /s", std::nullopt, std::nullopt},
       {"channel, 64 B JSON", "BM_ChannelSend/bytes:64/raw:0", "messages_per_second", " /s", 1e6,
        std::nullopt},
       {"channel, 64 B raw", "BM_ChannelSend/bytes:64/raw:1", "messages_per_second", " /s", std::nullopt,
        std::nullopt},
       {"channel, 64 KiB JSON", "BM_ChannelSend/bytes:65536/raw:0", "messages_per_second", " /s",
        std::nullopt, std::nullopt},
       {"channel, 64 KiB raw", "BM_ChannelSend/bytes:65536/raw:1", "messages_per_second", " /s",
        std::nullopt, std::nullopt}});
}
