/*
 * ward.h - the stable C ABI of ward.
 *
 * Conventions (read once, they hold for every declaration below):
 *
 *  - Every fallible function returns a ward_status. WARD_OK (0) is success.
 *    On failure the library records a per-thread "last error": its status and a
 *    human-readable message naming the offending field. Read it with
 *    ward_last_error_code() / ward_last_error_message() on the same thread,
 *    before the next ward call on that thread (which may overwrite it).
 *    Successful calls leave the last error untouched.
 *  - Strings are passed as (pointer, length) pairs and need not be
 *    NUL-terminated. A NULL pointer with length 0 is the empty string.
 *    Strings handed out by the library come with their length; only those
 *    documented as NUL-terminated may be read without it (views into a
 *    request, such as the arguments or labels, are not).
 *  - Handles are opaque. Whatever the library allocates for the caller has an
 *    explicit ward_*_free function; every free function accepts NULL.
 *  - Callbacks receive a `void *user_data`; where the library keeps the
 *    pointer, an optional `free_user_data` destructor is called exactly once
 *    when the library no longer needs it.
 *  - Option structs begin with `size_t struct_size`; set it to
 *    sizeof(the struct) as your header declares it. New fields are only ever
 *    appended, so an older caller keeps working with a newer library.
 *  - No exception, abort or C++ type crosses this boundary.
 *  - All functions are thread-safe unless their comment says otherwise.
 */
#ifndef WARD_H
#define WARD_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#  if defined(WARD_C_BUILDING)
#    define WARD_API __declspec(dllexport)
#  else
#    define WARD_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__)
#  define WARD_API __attribute__((visibility("default")))
#else
#  define WARD_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version of this header. Bumped on any incompatible change. */
#define WARD_ABI_VERSION 1

/* Returns the ABI version the loaded library implements. */
WARD_API uint32_t ward_abi_version(void);

/* Returns the library version as "MAJOR.MINOR.PATCH" (static storage). */
WARD_API const char *ward_version_string(void);

/* Stable status codes. Values never change meaning once released. */
typedef enum ward_status {
    WARD_OK = 0,
    WARD_ERR_INVALID_ARGUMENT = 1,   /* a C-level argument is wrong (NULL, struct_size too small, ...) */
    WARD_ERR_ABI_MISMATCH = 2,       /* options name an ABI version this library does not implement,
                                        or a struct_size larger than it knows (a newer ward.h) */
    WARD_ERR_UNKNOWN_COMMAND = 3,    /* "Command <name> not found" */
    WARD_ERR_INVALID_ARGS = 4,       /* command arguments failed to decode */
    WARD_ERR_INVALID_REQUEST = 5,    /* the IPC envelope itself is malformed */
    WARD_ERR_INVALID_INVOKE_KEY = 6, /* missing or wrong invoke key */
    WARD_ERR_LIMIT_EXCEEDED = 7,     /* a configured limit was exceeded; the message names it */
    WARD_ERR_COMMAND_REJECTED = 8,   /* the handler answered with its own error value */
    WARD_ERR_INTERNAL = 9,           /* a handler threw or failed; details only reach the log sink */
    WARD_ERR_DUPLICATE_COMMAND = 10, /* a command name was registered twice */
    WARD_ERR_STATE_NOT_MANAGED = 11, /* a command needs state that was never managed */
    WARD_ERR_STATE_ALREADY_MANAGED = 12, /* the same state was managed twice */
    WARD_ERR_INVALID_NAME = 13,      /* a command or state name breaks the naming rules */
    WARD_ERR_ALREADY_ANSWERED = 14,  /* a responder was answered twice */
    WARD_ERR_NOT_ALLOWED = 15,       /* "Command <cmd> not allowed by ACL": no capability grants it here */
    WARD_ERR_CANCELLED = 16,         /* the invoke was cancelled (page, navigation, shutdown) */
    WARD_ERR_BUSY = 17,              /* the executor queue or a channel is full */
    WARD_ERR_OUT_OF_MEMORY = 18,
    WARD_ERR_CLOSED = 19,            /* the channel, webview or app is closed */
    WARD_STATUS_MAX_ENUM = 0x7FFFFFFF /* not a status: keeps every int a valid value */
} ward_status;

/* Returns a static, stable, lower_snake_case name for a status ("unknown_command"). */
WARD_API const char *ward_status_name(ward_status status);

/* The status of the last failed ward call on this thread (WARD_OK if none). */
WARD_API ward_status ward_last_error_code(void);

/* The message of the last failed ward call on this thread ("" if none).
 * Owned by the library; valid until the next ward call on this thread.
 * If len is not NULL it receives the length in bytes. */
WARD_API const char *ward_last_error_message(size_t *len);

/* ------------------------------------------------------------------------ */
/* Opaque handles                                                             */

typedef struct ward_builder ward_builder;       /* collects commands and state, then builds an app */
typedef struct ward_app ward_app;               /* a built, immutable, thread-safe app */
typedef struct ward_invocation ward_invocation; /* one command call, as seen by a C handler */
typedef struct ward_responder ward_responder;   /* answers one invocation, exactly once */
typedef struct ward_response ward_response;     /* the answer to one request */
typedef struct ward_channel ward_channel;       /* a stream of messages to one page */

/* ------------------------------------------------------------------------ */
/* Limits and logging                                                         */

/* Limits applied to every request before any large allocation.
 * Zero in a field means "use the default" (given in brackets). */
typedef struct ward_limits {
    size_t struct_size;
    uint64_t max_body_bytes;    /* request body size [64 MiB] */
    uint32_t max_depth;         /* JSON nesting depth [128] */
    uint64_t max_string_bytes;  /* one JSON string, in bytes [16 MiB] */
    uint64_t max_array_length;  /* elements of one JSON array [8,388,608] */
    uint64_t max_object_keys;   /* keys of one JSON object [65,536] */
} ward_limits;

typedef enum ward_log_level {
    WARD_LOG_DEBUG = 0,
    WARD_LOG_INFO = 1,
    WARD_LOG_WARN = 2,
    WARD_LOG_ERROR = 3,
    WARD_LOG_LEVEL_MAX_ENUM = 0x7FFFFFFF /* not a level: keeps every int a valid value */
} ward_log_level;

/* Receives diagnostics, including the private details that are never sent to
 * a page (exception messages, which handler failed). May be called from any
 * thread, concurrently. The strings are valid for the call only. */
typedef void (*ward_log_fn)(ward_log_level level, ward_status code,
                            const char *message, size_t message_len,
                            const char *detail, size_t detail_len,
                            void *user_data);

/* ------------------------------------------------------------------------ */
/* Builder                                                                    */

typedef struct ward_builder_options {
    size_t struct_size;
    uint32_t abi_version;           /* must be WARD_ABI_VERSION */
    const ward_limits *limits;      /* NULL: defaults; copied, borrowed for the call only */
    ward_log_fn log;                /* NULL: diagnostics are dropped */
    void *log_user_data;
    void (*log_free_user_data)(void *user_data);
} ward_builder_options;

/* Creates a builder. options may be NULL (defaults, current ABI).
 * If this call fails, options->log_free_user_data is not called: the caller
 * still owns log_user_data. On success the builder (then the app) owns it.
 * Fails with WARD_ERR_ABI_MISMATCH if options->abi_version is not supported.
 * The caller owns *out and frees it with ward_builder_free, unless it is
 * consumed by ward_builder_build. Not thread-safe: use a builder from one
 * thread at a time. */
WARD_API ward_status ward_builder_new(const ward_builder_options *options, ward_builder **out);
WARD_API void ward_builder_free(ward_builder *builder);

/* Argument key convention of a command: the default is camelCase, as Tauri.
 * Only matters to C++ handlers' typed arguments; C handlers see the JSON as sent. */
typedef enum ward_arg_case {
    WARD_ARG_CASE_CAMEL = 0,
    WARD_ARG_CASE_SNAKE = 1,
    WARD_ARG_CASE_MAX_ENUM = 0x7FFFFFFF /* not a case: keeps every int a valid value */
} ward_arg_case;

typedef struct ward_command_options {
    size_t struct_size;
    /* Names of managed state (see ward_builder_manage) this command reads.
     * ward_builder_build fails with WARD_ERR_STATE_NOT_MANAGED if one of them
     * was never managed. Borrowed for the call. */
    const char *const *required_state;
    const size_t *required_state_lens;
    size_t required_state_count;
} ward_command_options;

/* A command handler. `invocation` is valid only during the call.
 * `responder` is owned by the handler: answer it exactly once, now or later,
 * from any thread (ward_responder_resolve_* / ward_responder_reject_*), each of
 * which also frees it; or free it unanswered with ward_responder_free, which
 * answers the page with an internal error. */
typedef void (*ward_command_fn)(const ward_invocation *invocation,
                                ward_responder *responder,
                                void *user_data);

/* Registers a command. The name is copied. options may be NULL.
 * Fails with WARD_ERR_DUPLICATE_COMMAND or WARD_ERR_INVALID_NAME.
 * On success the builder owns user_data (free_user_data runs when the app or
 * builder is freed); on failure free_user_data is NOT called. */
WARD_API ward_status ward_builder_command(ward_builder *builder,
                                          const char *name, size_t name_len,
                                          const ward_command_options *options,
                                          ward_command_fn handler,
                                          void *user_data,
                                          void (*free_user_data)(void *user_data));

/* Manages one opaque, non-NULL piece of state under a name (NULL fails with
 * WARD_ERR_INVALID_ARGUMENT). Managing a name twice fails
 * with WARD_ERR_STATE_ALREADY_MANAGED (on failure free_state is NOT called).
 * On success free_state (may be NULL) runs once when the app or builder is
 * freed. Mutation of the state is the caller's business (guard it). */
WARD_API ward_status ward_builder_manage(ward_builder *builder,
                                         const char *name, size_t name_len,
                                         void *state,
                                         void (*free_state)(void *state));

/* ------------------------------------------------------------------------ */
/* Access control (Tauri v2 capability and permission files)                  */
/*                                                                            */
/* Every command is denied unless a capability grants it: an app built       */
/* without capabilities answers every request "Command <cmd> not allowed by  */
/* ACL" (WARD_ERR_NOT_ALLOWED). Every registered command gets the permissions */
/* allow-<cmd> and deny-<cmd> (`_` written as `-`), in its plugin for         */
/* "plugin:<p>|<cmd>" commands ("p:allow-cmd"), otherwise in the app.         */

typedef enum ward_acl_format {
    WARD_ACL_TOML = 0,
    WARD_ACL_JSON = 1,
    /* Not a format: makes every int a valid value, so the library can reject a wrong one. */
    WARD_ACL_FORMAT_MAX_ENUM = 0x7FFFFFFF
} ward_acl_format;

/* Adds a capability file. `name` names the file in error messages. Parsing
 * and resolution errors are reported by ward_builder_build. All copied. */
WARD_API ward_status ward_builder_add_capability(ward_builder *builder,
                                                 const char *name, size_t name_len,
                                                 const char *text, size_t text_len,
                                                 ward_acl_format format);

/* Adds a permission manifest of `plugin` (empty: the app's own permissions). */
WARD_API ward_status ward_builder_add_permissions(ward_builder *builder,
                                                  const char *plugin, size_t plugin_len,
                                                  const char *name, size_t name_len,
                                                  const char *text, size_t text_len,
                                                  ward_acl_format format);

/* Loads DIR/capabilities/ and DIR/permissions/<plugin>/ (the app's own under
 * permissions/app/). Fails at once if the directory or a file cannot be read. */
WARD_API ward_status ward_builder_load_acl_directory(ward_builder *builder, const char *path, size_t path_len);

/* The origins that count as the app's own pages (scheme://host[:port]).
 * Default: "tauri://localhost" and "http://tauri.localhost". Copied. */
WARD_API ward_status ward_builder_set_app_origins(ward_builder *builder,
                                                  const char *const *origins,
                                                  const size_t *origin_lens,
                                                  size_t count);

/* The platform files are resolved for: "linux", "macos", "windows",
 * "android" or "ios" (default: the one the library was built for). */
WARD_API ward_status ward_builder_set_acl_platform(ward_builder *builder, const char *platform, size_t platform_len);

/* 1 (default): an unknown field in a capability or permission file is an
 * error. 0: it is ignored (as Tauri does) and logged as a warning. */
WARD_API ward_status ward_builder_set_acl_strict(ward_builder *builder, int strict);

/* Receives every denied request, on the invoking thread, before the denial is
 * answered. Strings are valid for the call only. */
typedef void (*ward_audit_fn)(const char *command, size_t command_len,
                              const char *window, size_t window_len,
                              const char *webview, size_t webview_len,
                              const char *origin, size_t origin_len,
                              uint64_t invoke_id, void *user_data);

/* Sets the audit callback (replacing any earlier one, whose free_user_data
 * then runs). On success the builder, then the app, owns user_data. */
WARD_API ward_status ward_builder_set_audit(ward_builder *builder, ward_audit_fn audit,
                                            void *user_data, void (*free_user_data)(void *user_data));

/* ------------------------------------------------------------------------ */
/* The live half: executor, deliveries                                        */

/* The executor that runs async commands (ward_builder_async_command). Zero
 * in a field means the default (given in brackets). */
typedef struct ward_executor_options {
    size_t struct_size;
    uint32_t workers;         /* worker threads [2] */
    uint32_t queue_capacity;  /* invokes waiting for a worker; beyond it WARD_ERR_BUSY at once [1024] */
} ward_executor_options;
WARD_API ward_status ward_builder_set_executor(ward_builder *builder, const ward_executor_options *options);

/* Registers a command whose handler runs on the executor: the request is
 * copied first, and the handler may watch ward_responder_is_cancelled /
 * ward_responder_on_cancel. A full executor queue answers WARD_ERR_BUSY at
 * once. Otherwise as ward_builder_command. */
WARD_API ward_status ward_builder_async_command(ward_builder *builder,
                                                const char *name, size_t name_len,
                                                const ward_command_options *options,
                                                ward_command_fn handler,
                                                void *user_data,
                                                void (*free_user_data)(void *user_data));

typedef enum ward_delivery_kind {
    WARD_DELIVERY_REPLY = 0,    /* the reply to a posted request (ward_app_post) */
    WARD_DELIVERY_EVENT = 1,    /* an event to a page listener */
    WARD_DELIVERY_CHANNEL = 2,  /* a channel message, or its end */
    WARD_DELIVERY_KIND_MAX_ENUM = 0x7FFFFFFF
} ward_delivery_kind;

/* One delivery to a page. For a Tauri page it means
 * window.__TAURI_INTERNALS__.runCallback(callback, value) where value is:
 *   reply:   the body (JSON: the result if ok, else the rejection value);
 *            callback is the request's Tauri-Callback id if ok, else its Tauri-Error id;
 *   event:   the body, {"event":name,"payload":payload,"id":listener id};
 *   channel: {"index":index,"message":body} (body JSON, or raw bytes as an
 *            ArrayBuffer), or {"index":index,"end":true} when end is 1. */
typedef struct ward_delivery {
    size_t struct_size;
    ward_delivery_kind kind;
    uint32_t callback;
    int ok;               /* reply: 1 resolved, 0 rejected */
    int raw;              /* 1: body is raw bytes, 0: JSON text */
    const uint8_t *body;  /* borrowed for the callback */
    size_t body_len;
    uint64_t index;       /* channel message index */
    int end;              /* channel: 1 for the end message */
} ward_delivery;

/* Receives every delivery with the label of the webview it is for, on ward's
 * delivery thread, one call at a time (so deliveries to a webview keep their
 * order). It may call ward functions. Everything is borrowed for the call. */
typedef void (*ward_delivery_fn)(const char *webview, size_t webview_len,
                                 const ward_delivery *delivery, void *user_data);
WARD_API ward_status ward_builder_set_delivery(ward_builder *builder, ward_delivery_fn deliver,
                                               void *user_data, void (*free_user_data)(void *user_data));

/* Bounds on queued deliveries. Zero means the default. */
typedef struct ward_delivery_options {
    size_t struct_size;
    uint32_t channel_capacity;  /* messages one channel may have queued [1024] */
    uint32_t queue_capacity;    /* deliveries queued in all; then emit and send wait [65536] */
} ward_delivery_options;
WARD_API ward_status ward_builder_set_delivery_options(ward_builder *builder, const ward_delivery_options *options);

/* The script a Tauri page expects for a delivery (runCallback(...)), for
 * hosts that answer by evaluating script. Free *out with ward_string_free. */
WARD_API ward_status ward_delivery_render_script(const ward_delivery *delivery, char **out, size_t *out_len);

/* Builds the app. Always consumes the builder (do not free it afterwards),
 * whether it succeeds or not. The caller owns *out (ward_app_free). */
WARD_API ward_status ward_builder_build(ward_builder *builder, ward_app **out);

/* Frees an app handle: shuts the app down (see ward_app_shutdown) and releases
 * it. Must not race with calls on the same handle. Responders still
 * unanswered keep the app's memory alive until they are answered (or freed),
 * so a late reply is always safe (it is dropped). */
WARD_API void ward_app_free(ward_app *app);

/* Shuts the app down: new requests are answered WARD_ERR_CLOSED, in-flight
 * invokes are cancelled and answered WARD_ERR_CANCELLED, running handlers are
 * waited for, queued deliveries reach the delivery callback, channels and
 * resources are closed. Idempotent. A handler or the delivery callback may
 * call it: on one of ward's threads it does not wait for itself, and if
 * another shutdown is already running it returns at once. */
WARD_API void ward_app_shutdown(ward_app *app);

/* The host reports the life of its webviews (labels as in requests). A
 * navigation cancels the webview's in-flight invokes, removes its page
 * listeners and closes its channels, and what the old page's work queued for
 * delivery is dropped rather than delivered to the new page; destruction also
 * closes its resources, and a handler still running for the destroyed
 * webview can add none (WARD_ERR_CLOSED) nor reach a new webview's. */
WARD_API ward_status ward_app_webview_created(ward_app *app, const char *webview, size_t webview_len,
                                              const char *window, size_t window_len);
WARD_API ward_status ward_app_webview_navigated(ward_app *app, const char *webview, size_t webview_len);
WARD_API ward_status ward_app_webview_destroyed(ward_app *app, const char *webview, size_t webview_len);

/* ------------------------------------------------------------------------ */
/* Events                                                                     */
/* Event names: 1..256 bytes of letters, digits and - / : _ (else            */
/* WARD_ERR_INVALID_NAME). Payloads are JSON text (validated).               */

typedef enum ward_event_target_kind {
    WARD_TARGET_ANY = 0,
    WARD_TARGET_ANY_LABEL = 1,
    WARD_TARGET_APP = 2,
    WARD_TARGET_WINDOW = 3,
    WARD_TARGET_WEBVIEW = 4,
    WARD_TARGET_WEBVIEW_WINDOW = 5,
    WARD_TARGET_KIND_MAX_ENUM = 0x7FFFFFFF
} ward_event_target_kind;

typedef struct ward_event_target {
    size_t struct_size;
    ward_event_target_kind kind;
    const char *label;    /* for ANY_LABEL, WINDOW, WEBVIEW, WEBVIEW_WINDOW */
    size_t label_len;
} ward_event_target;

/* An event as a backend listener receives it; borrowed for the call. */
typedef struct ward_event {
    size_t struct_size;
    const char *name;
    size_t name_len;
    const char *payload_json;
    size_t payload_len;
    uint64_t listener;    /* the id ward_app_listen returned */
} ward_event;
typedef void (*ward_event_fn)(const ward_event *event, void *user_data);
/* emit_filter's filter: nonzero to deliver to listeners on `target`. */
typedef int (*ward_event_filter_fn)(const ward_event_target *target, void *user_data);

/* Emits to every listener (backend and pages). The payload must be JSON:
 * pass "null" for none. */
WARD_API ward_status ward_app_emit(ward_app *app, const char *event, size_t event_len,
                                   const char *payload_json, size_t payload_len);
/* Emits to the listeners whose target matches (Tauri's rules). */
WARD_API ward_status ward_app_emit_to(ward_app *app, const ward_event_target *target,
                                      const char *event, size_t event_len,
                                      const char *payload_json, size_t payload_len);
/* Emits to the listeners whose target `filter` accepts (called during the call only). */
WARD_API ward_status ward_app_emit_filter(ward_app *app, const char *event, size_t event_len,
                                          const char *payload_json, size_t payload_len,
                                          ward_event_filter_fn filter, void *user_data);
/* Adds a backend listener, called on the emitting thread. Listener ids count
 * from 0 (as Tauri's), shared with page listeners. After ward_app_shutdown a
 * listener is dropped at once (free_user_data runs before this returns). target may be NULL
 * (listens on ANY). If `once` is nonzero it is removed after the first event.
 * free_user_data runs when the listener is removed (unlisten, once, app
 * shutdown); on failure it is not called. */
WARD_API ward_status ward_app_listen(ward_app *app, const char *event, size_t event_len,
                                     const ward_event_target *target, int once,
                                     ward_event_fn listener, void *user_data,
                                     void (*free_user_data)(void *user_data),
                                     uint64_t *out_id);
/* Removes a backend or page listener. WARD_ERR_INVALID_ARGUMENT if there is none.
 * (A page registers listeners with plugin:event|listen; one webview may hold
 * at most 4096, then WARD_ERR_LIMIT_EXCEEDED.) */
WARD_API ward_status ward_app_unlisten(ward_app *app, uint64_t listener);

/* The app's invoke key (a per-app secret drawn from the OS CSPRNG), which a
 * host injects into its pages. Owned by the app, NUL-terminated; *len (if
 * not NULL) receives its length. */
WARD_API const char *ward_app_invoke_key(const ward_app *app, size_t *len);

/* Adds a capability to a running app. The new policy is resolved aside and
 * swapped in at once: a decision in flight sees the old policy or the new one,
 * never part of it. On failure the policy in force is unchanged. */
WARD_API ward_status ward_app_add_capability(ward_app *app,
                                             const char *name, size_t name_len,
                                             const char *text, size_t text_len,
                                             ward_acl_format format);

/* Why a request would be allowed or denied, as JSON (documented in
 * README.md, "Explaining a decision"). *out_json is NUL-terminated; free it with ward_string_free. */
WARD_API ward_status ward_app_explain(ward_app *app,
                                      const char *command, size_t command_len,
                                      const char *window, size_t window_len,
                                      const char *webview, size_t webview_len,
                                      const char *origin, size_t origin_len,
                                      char **out_json, size_t *out_len);

/* The resolved policy in the neutral JSON of Tauri's ACL conformance suite.
 * Free *out_json with ward_string_free. */
WARD_API ward_status ward_app_resolved_acl(ward_app *app, char **out_json, size_t *out_len);

/* Frees a string the library returned. Accepts NULL. */
WARD_API void ward_string_free(char *string);

/* ------------------------------------------------------------------------ */
/* Requests and responses                                                     */

typedef struct ward_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} ward_header;

/* A request as the custom-protocol path of a Tauri v2 page sends it.
 * Everything is borrowed for the duration of the call that takes it. */
typedef struct ward_request {
    size_t struct_size;
    const char *url;          /* the IPC request URL ("ipc://localhost/greet") or its path ("/greet");
                                 the command is the URL-decoded path */
    size_t url_len;
    const char *origin;       /* URL of the page that sent the request */
    size_t origin_len;
    const char *window;       /* window label: 1..256 bytes of letters, digits, - / : _ (required) */
    size_t window_len;
    const char *webview;      /* webview label: same rules (required) */
    size_t webview_len;
    const ward_header *headers; /* Content-Type, Tauri-Callback, Tauri-Error, Tauri-Invoke-Key ... */
    size_t header_count;
    const uint8_t *body;      /* JSON text or raw bytes, per Content-Type */
    size_t body_len;
} ward_request;

/* The postMessage form: the whole message is one JSON string
 * {"cmd","callback","error","payload","options","__TAURI_INVOKE_KEY__"}. */
typedef struct ward_message_request {
    size_t struct_size;
    const char *origin;
    size_t origin_len;
    const char *window;
    size_t window_len;
    const char *webview;
    size_t webview_len;
    const char *message;
    size_t message_len;
} ward_message_request;

/* Receives the response of an asynchronous invoke, exactly once, on any
 * thread (possibly before ward_app_invoke_async returns). Ownership of
 * `response` passes to the callback: free it with ward_response_free. */
typedef void (*ward_response_fn)(ward_response *response, void *user_data);

/* Handles one request and waits for its response, even if the handler answers
 * later from another thread. Every failure of the request itself (unknown
 * command, bad arguments, wrong invoke key, ...) is an error *response*, not a
 * failed call: the call fails only for bad C arguments. The caller owns *out. */
WARD_API ward_status ward_app_invoke(ward_app *app, const ward_request *request, ward_response **out);

/* Handles one request; `done` receives the response exactly once. On a failed
 * call `done` is never called and free_user_data is not called either.
 * free_user_data runs once, after `done` returned, on the thread that ran it. */
WARD_API ward_status ward_app_invoke_async(ward_app *app, const ward_request *request,
                                           ward_response_fn done, void *user_data,
                                           void (*free_user_data)(void *user_data));

/* The postMessage counterparts of the two functions above. */
WARD_API ward_status ward_app_invoke_message(ward_app *app, const ward_message_request *request,
                                             ward_response **out);
WARD_API ward_status ward_app_invoke_message_async(ward_app *app, const ward_message_request *request,
                                                   ward_response_fn done, void *user_data,
                                                   void (*free_user_data)(void *user_data));

/* ------------------------------------------------------------------------ */
/* Posting requests (replies through the delivery callback)                   */
/* Handles a request; its reply is a WARD_DELIVERY_REPLY delivery to the
 * request's webview, ordered with its events and channel messages. Fails
 * with WARD_ERR_INVALID_ARGUMENT if no delivery callback was set. */
WARD_API ward_status ward_app_post(ward_app *app, const ward_request *request);
WARD_API ward_status ward_app_post_message(ward_app *app, const ward_message_request *request);

/* Response accessors. Pointers stay valid until ward_response_free. */
WARD_API int ward_response_is_ok(const ward_response *response);           /* 1 ok, 0 error */
WARD_API ward_status ward_response_code(const ward_response *response);    /* WARD_OK or the error */
WARD_API int ward_response_is_raw(const ward_response *response);          /* 1: body is raw bytes */
/* "application/json" or "application/octet-stream" (NUL-terminated, static). */
WARD_API const char *ward_response_content_type(const ward_response *response);
/* The body: JSON text (the value or the rejection value) or raw bytes.
 * NUL-terminated after len bytes for convenience. */
WARD_API const uint8_t *ward_response_body(const ward_response *response, size_t *len);
/* The Tauri callback/error ids of the request (0 if absent), for hosts that
 * answer by evaluating script. */
WARD_API uint32_t ward_response_callback_id(const ward_response *response);
WARD_API uint32_t ward_response_error_id(const ward_response *response);
WARD_API void ward_response_free(ward_response *response);

/* ------------------------------------------------------------------------ */
/* Inside a C handler                                                         */

/* Command name, window label, webview label, origin URL: borrowed, valid
 * during the handler call. */
WARD_API const char *ward_invocation_command(const ward_invocation *inv, size_t *len);
WARD_API const char *ward_invocation_window(const ward_invocation *inv, size_t *len);
WARD_API const char *ward_invocation_webview(const ward_invocation *inv, size_t *len);
WARD_API const char *ward_invocation_origin(const ward_invocation *inv, size_t *len);
/* A per-app unique id of this invoke (never 0). */
WARD_API uint64_t ward_invocation_id(const ward_invocation *inv);
/* 1 if the body is raw bytes (application/octet-stream), 0 if JSON. */
WARD_API int ward_invocation_is_raw(const ward_invocation *inv);
/* The arguments as JSON text (an object, "{}" when the body was empty), already
 * validated against the limits. Borrowed for the call. For a raw body, "{}". */
WARD_API const char *ward_invocation_args_json(const ward_invocation *inv, size_t *len);
/* The raw body bytes (zero-copy view of the request body); for a JSON body,
 * the JSON text. Borrowed for the call. */
WARD_API const uint8_t *ward_invocation_body(const ward_invocation *inv, size_t *len);
/* The value of a request header (case-insensitive name), or NULL if absent. */
WARD_API const char *ward_invocation_header(const ward_invocation *inv,
                                            const char *name, size_t name_len, size_t *len);
/* The access-control scopes that let this request in, as JSON:
 * {"allow":[...],"deny":[...],"global_allow":[...],"global_deny":[...]}: the
 * command scope of the grants that matched and the plugin's global scope
 * from capabilities matching the request. Borrowed for the handler call. */
WARD_API const char *ward_invocation_scopes_json(const ward_invocation *inv, size_t *len);

/* Looks up managed state by name. Fails with WARD_ERR_STATE_NOT_MANAGED. */
WARD_API ward_status ward_invocation_state(const ward_invocation *inv,
                                           const char *name, size_t name_len, void **out);

/* Answers with a JSON value. The JSON is validated (and its strings' U+2028 /
 * U+2029 escaped); invalid JSON answers an internal error instead and the
 * call returns WARD_ERR_INVALID_ARGUMENT. Each of these consumes the
 * responder, whatever the status. */
WARD_API ward_status ward_responder_resolve_json(ward_responder *responder, const char *json, size_t len);
/* Answers with raw bytes, sent as application/octet-stream without encoding. */
WARD_API ward_status ward_responder_resolve_bytes(ward_responder *responder, const uint8_t *data, size_t len);
/* Rejects with the handler's own error value as JSON (the page's rejection value). */
WARD_API ward_status ward_responder_reject_json(ward_responder *responder, const char *json, size_t len);
/* Rejects with a message (sent to the page as a JSON string). */
WARD_API ward_status ward_responder_reject_message(ward_responder *responder, const char *message, size_t len);
/* Frees a responder; if it was never answered the page gets an internal error. */
WARD_API void ward_responder_free(ward_responder *responder);

/* Cancellation of the invoke a responder answers. Once cancelled, the page
 * has already been answered WARD_ERR_CANCELLED: a later answer returns
 * WARD_ERR_ALREADY_ANSWERED (and still consumes the responder). */
WARD_API int ward_responder_is_cancelled(const ward_responder *responder);
/* Runs `on_cancel` once when the invoke is cancelled (on the cancelling
 * thread; at once on this thread if already cancelled). free_user_data runs
 * when the callback can no longer run (after it ran, or when the invoke is
 * answered). */
WARD_API ward_status ward_responder_on_cancel(ward_responder *responder,
                                              void (*on_cancel)(void *user_data),
                                              void *user_data, void (*free_user_data)(void *user_data));
/* Sleeps up to timeout_ms; returns 1 at once if the invoke is (or gets) cancelled, else 0. */
WARD_API int ward_responder_wait_cancelled(const ward_responder *responder, uint64_t timeout_ms);

/* ------------------------------------------------------------------------ */
/* Channels                                                                   */

/* The channel an argument names: args[key] must be "__CHANNEL__:<id>" (what a
 * @tauri-apps/api Channel serializes to), else WARD_ERR_INVALID_ARGS naming
 * the key. The caller owns *out (it may outlive the handler call; freeing the
 * last handle of a channel sends the page its end message). */
WARD_API ward_status ward_invocation_channel(const ward_invocation *inv, const char *key, size_t key_len,
                                             ward_channel **out);
/* The page's id of the channel. */
WARD_API uint32_t ward_channel_id(const ward_channel *channel);
/* Sends a JSON message (validated) / raw bytes. timeout_ms: 0 never waits
 * (WARD_ERR_BUSY when the channel is full: a slow consumer), otherwise waits
 * for room up to that long (then WARD_ERR_BUSY); UINT64_MAX waits as long
 * as needed. WARD_ERR_CLOSED once the channel or its webview is closed. */
WARD_API ward_status ward_channel_send_json(ward_channel *channel, const char *json, size_t len, uint64_t timeout_ms);
WARD_API ward_status ward_channel_send_bytes(ward_channel *channel, const uint8_t *data, size_t len, uint64_t timeout_ms);
/* Messages the delivery callback has not finished with (queued or being delivered). */
WARD_API size_t ward_channel_queued(const ward_channel *channel);
/* Sends the end message now; later sends fail with WARD_ERR_CLOSED. */
WARD_API void ward_channel_close(ward_channel *channel);
/* Releases a handle (the end message goes out when the last is released). */
WARD_API void ward_channel_free(ward_channel *channel);

/* ------------------------------------------------------------------------ */
/* Resources                                                                  */
/* A resource belongs to the webview of the invocation that adds it; ids are  */
/* random, nonzero and below 2^53. The page closes one with                  */
/* plugin:resources|close {rid}; destroying its webview closes it too.        */

/* Stores `resource` (non-NULL); free_resource (may be NULL) runs once when
 * it is closed. On failure free_resource is not called: the caller still
 * owns `resource`. WARD_ERR_CLOSED once the app is shut down or the
 * invocation's webview has been destroyed. */
WARD_API ward_status ward_invocation_add_resource(const ward_invocation *inv, void *resource,
                                                  void (*free_resource)(void *resource), uint64_t *out_rid);
/* The resource `rid` of the invoking webview added from C, or
 * WARD_ERR_INVALID_ARGUMENT. The pointer stays valid while the invocation's
 * handler runs, even if the resource is closed meanwhile. */
WARD_API ward_status ward_invocation_resource(const ward_invocation *inv, uint64_t rid, void **out);
/* Closes a resource of the invoking webview. */
WARD_API ward_status ward_invocation_close_resource(const ward_invocation *inv, uint64_t rid);

#ifdef __cplusplus
}
#endif

#endif /* WARD_H */
