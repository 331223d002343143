/*
 * test_capi.c - the C ABI (ward.h) exercised from C99, the way a C host uses it.
 *
 * Compiled with -std=c99 -Wall -Wextra -Werror -pedantic, which also proves that ward.h is
 * clean, pedantic C99. No framework: CHECK counts failures and names file:line; the last line
 * printed is "N passed, N failed" and the exit status is nonzero if anything failed.
 */
#define _POSIX_C_SOURCE 200809L /* pthreads, nanosleep */

#include <ward.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------ */
/* Checks                                                                     */

static int checks_passed;
static int checks_failed;

#define CHECK(cond) check_((cond) ? 1 : 0, #cond, __FILE__, __LINE__)

static void check_(int ok, const char *expr, const char *file, int line) {
    if (ok) {
        ++checks_passed;
    } else {
        ++checks_failed;
        fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, expr);
    }
}

/* The body of a response equals the given text exactly (same length, same bytes). */
#define CHECK_BODY(response, text) check_body_((response), (text), __FILE__, __LINE__)

static void check_body_(const ward_response *response, const char *expected, const char *file, int line) {
    size_t len = 0;
    const uint8_t *body = response ? ward_response_body(response, &len) : NULL;
    int ok = body != NULL && len == strlen(expected) && memcmp(body, expected, len) == 0;
    if (ok) {
        ++checks_passed;
    } else {
        ++checks_failed;
        fprintf(stderr, "%s:%d: CHECK_BODY failed: expected %s, got %.*s\n", file, line, expected,
                body ? (int)len : 6, body ? (const char *)body : "(null)");
    }
}

/* The last error on this thread has this code and its message mentions `needle`. */
#define CHECK_LAST_ERROR(code, needle) check_last_error_((code), (needle), __FILE__, __LINE__)

static void check_last_error_(ward_status code, const char *needle, const char *file, int line) {
    size_t len = 0;
    const char *message = ward_last_error_message(&len);
    ward_status actual = ward_last_error_code();
    int ok = actual == code && message != NULL && len == strlen(message) && len > 0 &&
             (needle == NULL || strstr(message, needle) != NULL);
    if (ok) {
        ++checks_passed;
    } else {
        ++checks_failed;
        fprintf(stderr, "%s:%d: CHECK_LAST_ERROR failed: expected %s mentioning \"%s\", got %s \"%s\"\n",
                file, line, ward_status_name(code), needle ? needle : "", ward_status_name(actual),
                message ? message : "(null)");
    }
}

static int equals(const char *text, size_t len, const char *expected) {
    return text != NULL && len == strlen(expected) && memcmp(text, expected, len) == 0;
}

static int contains(const uint8_t *haystack, size_t len, const char *needle) {
    size_t needle_len = strlen(needle);
    size_t i;
    if (needle_len > len) return 0;
    for (i = 0; i + needle_len <= len; ++i) {
        if (memcmp(haystack + i, needle, needle_len) == 0) return 1;
    }
    return 0;
}

static void sleep_ms(long ms) {
    struct timespec pause;
    pause.tv_sec = ms / 1000;
    pause.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&pause, NULL);
}

/* A counter several threads may bump (C99 has no atomics). */
typedef struct counter {
    pthread_mutex_t mutex;
    int value;
} counter;

static void counter_init(counter *c) {
    pthread_mutex_init(&c->mutex, NULL);
    c->value = 0;
}
static void counter_bump(counter *c) {
    pthread_mutex_lock(&c->mutex);
    ++c->value;
    pthread_mutex_unlock(&c->mutex);
}
static int counter_get(counter *c) {
    int value;
    pthread_mutex_lock(&c->mutex);
    value = c->value;
    pthread_mutex_unlock(&c->mutex);
    return value;
}
static void counter_destroy(counter *c) { pthread_mutex_destroy(&c->mutex); }

/* free_user_data / free_state callbacks that only count how often they ran. */
static void bump_counter(void *user_data) { counter_bump((counter *)user_data); }

/* ------------------------------------------------------------------------ */
/* Requests as a Tauri v2 page sends them                                     */

#define ORIGIN "tauri://localhost"
#define LABEL "main"

typedef struct test_request {
    char url[256];
    char label[64];
    char callback_text[16];
    char error_text[16];
    ward_header headers[4];
    ward_request request;
} test_request;

static void set_header(ward_header *header, const char *name, const char *value, size_t value_len) {
    header->name = name;
    header->name_len = strlen(name);
    header->value = value;
    header->value_len = value_len;
}

/* Fills `t` with a custom-protocol request for `path` ("/greet") from the webview (and window)
 * `label`, with Tauri-Callback `callback` and Tauri-Error `callback + 1`. key NULL: no invoke key. */
static ward_request *make_request_from(test_request *t, const char *label, uint32_t callback, const char *path,
                                       const char *content_type, const void *body, size_t body_len, const char *key,
                                       size_t key_len) {
    size_t count = 0;
    memset(t, 0, sizeof *t);
    snprintf(t->url, sizeof t->url, "ipc://localhost%s", path);
    snprintf(t->label, sizeof t->label, "%s", label);
    snprintf(t->callback_text, sizeof t->callback_text, "%lu", (unsigned long)callback);
    snprintf(t->error_text, sizeof t->error_text, "%lu", (unsigned long)callback + 1);
    set_header(&t->headers[count++], "Content-Type", content_type, strlen(content_type));
    set_header(&t->headers[count++], "Tauri-Callback", t->callback_text, strlen(t->callback_text));
    set_header(&t->headers[count++], "Tauri-Error", t->error_text, strlen(t->error_text));
    if (key != NULL) set_header(&t->headers[count++], "Tauri-Invoke-Key", key, key_len);
    t->request.struct_size = sizeof(ward_request);
    t->request.url = t->url;
    t->request.url_len = strlen(t->url);
    t->request.origin = ORIGIN;
    t->request.origin_len = strlen(ORIGIN);
    t->request.window = t->label;
    t->request.window_len = strlen(t->label);
    t->request.webview = t->label;
    t->request.webview_len = strlen(t->label);
    t->request.headers = t->headers;
    t->request.header_count = count;
    t->request.body = (const uint8_t *)body;
    t->request.body_len = body_len;
    return &t->request;
}

/* Fills `t` with a custom-protocol request for `path` ("/greet") from webview "main", with
 * Tauri-Callback 1234 and Tauri-Error 5678. key NULL: no invoke key header. */
static ward_request *make_request(test_request *t, const char *path, const char *content_type,
                                        const void *body, size_t body_len, const char *key, size_t key_len) {
    ward_request *request = make_request_from(t, LABEL, 1234, path, content_type, body, body_len, key, key_len);
    snprintf(t->error_text, sizeof t->error_text, "5678");
    t->headers[2].value_len = 4;
    return request;
}

/* Invokes a JSON command with the app's own key and returns the response (never NULL on success). */
static ward_response *invoke_json(ward_app *app, const char *path, const char *json) {
    test_request t;
    size_t key_len = 0;
    const char *key = ward_app_invoke_key(app, &key_len);
    ward_response *response = NULL;
    ward_status status =
        ward_app_invoke(app, make_request(&t, path, "application/json", json, strlen(json), key, key_len), &response);
    CHECK(status == WARD_OK);
    CHECK(response != NULL);
    return response;
}

static char granted[4096];
static size_t granted_len;

static ward_builder *new_builder(void) {
    ward_builder *builder = NULL;
    granted_len = 0; /* a builder grants only its own commands */
    granted[0] = '\0';
    CHECK(ward_builder_new(NULL, &builder) == WARD_OK);
    CHECK(builder != NULL);
    return builder;
}

/* ward is default-deny. Most tests here exercise the invoke path, so build() grants every command
 * registered through add_command/grant to every window; test_access_control tests the policy. */

static void grant(const char *command) {
    char permission[300];
    const char *bar = strchr(command, '|');
    size_t n = 0;
    size_t i;
    if (strncmp(command, "plugin:", 7) == 0 && bar) { /* plugin:p|cmd -> p:allow-cmd */
        n = (size_t)(bar - command - 7);
        memcpy(permission, command + 7, n);
        permission[n++] = ':';
        command = bar + 1;
    }
    memcpy(permission + n, "allow-", 6);
    n += 6;
    for (i = 0; command[i] && n < sizeof permission - 1; ++i) permission[n++] = command[i] == '_' ? '-' : command[i];
    permission[n] = '\0';
    granted_len += (size_t)snprintf(granted + granted_len, sizeof granted - granted_len, "%s\"%s\"",
                                    granted_len ? "," : "", permission);
}

static ward_app *build_without_grants(ward_builder *builder) {
    ward_app *app = NULL;
    CHECK(ward_builder_build(builder, &app) == WARD_OK);
    CHECK(app != NULL);
    return app;
}

static ward_app *build(ward_builder *builder) {
    ward_app *app = NULL;
    char capability[4400];
    int length = snprintf(capability, sizeof capability,
                          "{\"identifier\":\"test-all\",\"windows\":[\"*\"],\"webviews\":[\"*\"],"
                          "\"permissions\":[\"core:default\"%s%s]}",
                          granted_len ? "," : "", granted);
    granted_len = 0;
    granted[0] = '\0';
    CHECK(ward_builder_add_capability(builder, "test.json", 9, capability, (size_t)length, WARD_ACL_JSON) == WARD_OK);
    CHECK(ward_builder_build(builder, &app) == WARD_OK);
    CHECK(app != NULL);
    return app;
}

static ward_status add_command(ward_builder *builder, const char *name, ward_command_fn handler, void *user_data,
                               void (*free_user_data)(void *)) {
    ward_status status = ward_builder_command(builder, name, strlen(name), NULL, handler, user_data, free_user_data);
    if (status == WARD_OK) grant(name);
    return status;
}

/* Reads the string value of a top-level "key" in a small JSON object without escapes (enough for
 * the args these tests send; ward has already validated the JSON). Returns 0 if not found. */
static int json_string_field(const char *json, size_t len, const char *key, char *out, size_t out_size) {
    char quoted_key[64];
    const char *end = json + len;
    const char *p;
    size_t n = 0;
    snprintf(quoted_key, sizeof quoted_key, "\"%s\"", key);
    for (p = json; p + strlen(quoted_key) <= end; ++p) {
        if (memcmp(p, quoted_key, strlen(quoted_key)) == 0) break;
    }
    if (p + strlen(quoted_key) > end) return 0;
    p += strlen(quoted_key);
    while (p < end && (*p == ' ' || *p == ':' || *p == '\n' || *p == '\t' || *p == '\r')) ++p;
    if (p >= end || *p != '"') return 0;
    ++p;
    while (p < end && *p != '"' && *p != '\\' && n + 1 < out_size) out[n++] = *p++;
    if (p >= end || *p != '"') return 0;
    out[n] = '\0';
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Handlers                                                                   */

/* greet: {"name": "..."} -> "Hello, <name>!"; also records what the invocation looked like. */
typedef struct greet_seen {
    int calls;
    int command_ok, window_ok, webview_ok, origin_ok, header_ok, raw_flag;
    uint64_t id;
} greet_seen;

static void greet(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    greet_seen *seen = (greet_seen *)user_data;
    size_t len = 0;
    const char *args;
    char name[64];
    char answer[128];
    const char *text;

    ++seen->calls;
    text = ward_invocation_command(inv, &len);
    seen->command_ok = equals(text, len, "greet");
    text = ward_invocation_window(inv, &len);
    seen->window_ok = equals(text, len, LABEL);
    text = ward_invocation_webview(inv, &len);
    seen->webview_ok = equals(text, len, LABEL);
    text = ward_invocation_origin(inv, &len);
    seen->origin_ok = equals(text, len, ORIGIN);
    text = ward_invocation_header(inv, "content-type", strlen("content-type"), &len); /* case-insensitive */
    seen->header_ok = equals(text, len, "application/json") &&
                      ward_invocation_header(inv, "X-Absent", strlen("X-Absent"), &len) == NULL;
    seen->raw_flag = ward_invocation_is_raw(inv);
    seen->id = ward_invocation_id(inv);

    args = ward_invocation_args_json(inv, &len);
    if (!json_string_field(args, len, "name", name, sizeof name)) {
        ward_responder_reject_message(responder, "missing name", strlen("missing name"));
        return;
    }
    snprintf(answer, sizeof answer, "\"Hello, %s!\"", name);
    ward_responder_resolve_json(responder, answer, strlen(answer));
}

/* deferred: answers "42" from another thread, only after the handler itself has returned. */
typedef struct deferred_call {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    int handler_returned;
    int answered_after_return;
    int thread_started;
    pthread_t thread;
    ward_responder *responder;
} deferred_call;

static void *deferred_answer(void *arg) {
    deferred_call *call = (deferred_call *)arg;
    pthread_mutex_lock(&call->mutex);
    while (!call->handler_returned) pthread_cond_wait(&call->cond, &call->mutex);
    pthread_mutex_unlock(&call->mutex);
    sleep_ms(20); /* make "ward_app_invoke waits" observable, not a coincidence of scheduling */
    call->answered_after_return = 1;
    ward_responder_resolve_json(call->responder, "42", 2);
    return NULL;
}

static void deferred(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    deferred_call *call = (deferred_call *)user_data;
    (void)inv;
    call->responder = responder;
    call->handler_returned = 0;
    call->answered_after_return = 0;
    call->thread_started = pthread_create(&call->thread, NULL, deferred_answer, call) == 0;
    if (!call->thread_started) {
        ward_responder_reject_message(responder, "no thread", strlen("no thread"));
        return;
    }
    pthread_mutex_lock(&call->mutex);
    call->handler_returned = 1;
    pthread_cond_signal(&call->cond);
    pthread_mutex_unlock(&call->mutex);
}

static void deferred_call_init(deferred_call *call) {
    memset(call, 0, sizeof *call);
    pthread_mutex_init(&call->mutex, NULL);
    pthread_cond_init(&call->cond, NULL);
}

static void deferred_call_join(deferred_call *call) {
    if (call->thread_started) {
        pthread_join(call->thread, NULL);
        call->thread_started = 0;
    }
}

static void deferred_call_destroy(deferred_call *call) {
    deferred_call_join(call);
    pthread_cond_destroy(&call->cond);
    pthread_mutex_destroy(&call->mutex);
}

/* echo_bytes: raw body in, the same bytes reversed out; checks the body is the caller's buffer. */
typedef struct raw_seen {
    const uint8_t *expected_body;
    size_t expected_len;
    int zero_copy, raw_flag, args_empty, calls;
} raw_seen;

static void echo_bytes(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    raw_seen *seen = (raw_seen *)user_data;
    size_t len = 0, args_len = 0, i;
    const uint8_t *body = ward_invocation_body(inv, &len);
    const char *args = ward_invocation_args_json(inv, &args_len);
    uint8_t reversed[64];
    ++seen->calls;
    seen->zero_copy = body == seen->expected_body && len == seen->expected_len;
    seen->raw_flag = ward_invocation_is_raw(inv);
    seen->args_empty = equals(args, args_len, "{}");
    if (len > sizeof reversed) len = sizeof reversed;
    for (i = 0; i < len; ++i) reversed[i] = body[len - 1 - i];
    ward_responder_resolve_bytes(responder, reversed, len);
}

/* count: increments the managed "counter" state and answers its new value. */
typedef struct counter_state {
    int value;
    int destroyed;
} counter_state;

static counter state_frees;

static void free_counter_state(void *state) {
    ((counter_state *)state)->destroyed += 1;
    counter_bump(&state_frees);
}

static void count(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    void *state = NULL;
    void *missing = (void *)&state;
    char answer[32];
    (void)user_data;
    if (ward_invocation_state(inv, "counter", strlen("counter"), &state) != WARD_OK) {
        ward_responder_reject_message(responder, "no state", strlen("no state"));
        return;
    }
    /* A name that was never managed is an error, not a NULL state. */
    if (ward_invocation_state(inv, "nothing", strlen("nothing"), &missing) != WARD_ERR_STATE_NOT_MANAGED) {
        ward_responder_reject_message(responder, "unmanaged state found", strlen("unmanaged state found"));
        return;
    }
    snprintf(answer, sizeof answer, "%d", ++((counter_state *)state)->value);
    ward_responder_resolve_json(responder, answer, strlen(answer));
}

/* A handler that answers with a fixed JSON value / rejection, passed as user_data. */
static void resolve_fixed(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    const char *json = (const char *)user_data;
    (void)inv;
    ward_responder_resolve_json(responder, json, strlen(json));
}

static void reject_fixed(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    const char *json = (const char *)user_data;
    (void)inv;
    ward_responder_reject_json(responder, json, strlen(json));
}

static void reject_with_message(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    const char *message = (const char *)user_data;
    (void)inv;
    ward_responder_reject_message(responder, message, strlen(message));
}

/* Answers with invalid JSON; records what resolve_json returned. */
static ward_status bad_json_status = WARD_OK;
static void resolve_invalid_json(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    (void)inv;
    (void)user_data;
    bad_json_status = ward_responder_resolve_json(responder, "{\"oops\":", strlen("{\"oops\":"));
}

/* Drops its responder without answering. */
static void forget_to_answer(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    (void)inv;
    (void)user_data;
    ward_responder_free(responder);
}

static counter noop_calls;
static void noop(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    (void)inv;
    (void)user_data;
    counter_bump(&noop_calls);
    ward_responder_resolve_json(responder, "null", 4);
}

/* ------------------------------------------------------------------------ */
/* Log sink                                                                   */

typedef struct log_record {
    pthread_mutex_t mutex;
    int entries;
    int internal_entries;
    int mentions_secret; /* some message or detail named the failing command */
} log_record;

#define SECRET_COMMAND "secret_handler_7f3a"

static void record_log(ward_log_level level, ward_status code, const char *message, size_t message_len,
                       const char *detail, size_t detail_len, void *user_data) {
    log_record *log = (log_record *)user_data;
    (void)level;
    pthread_mutex_lock(&log->mutex);
    ++log->entries;
    if (code == WARD_ERR_INTERNAL) ++log->internal_entries;
    if (contains((const uint8_t *)message, message_len, SECRET_COMMAND) ||
        contains((const uint8_t *)detail, detail_len, SECRET_COMMAND))
        log->mentions_secret = 1;
    pthread_mutex_unlock(&log->mutex);
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                      */

static void test_versions(void) {
    const char *version = ward_version_string();
    unsigned major = 0, minor = 0, patch = 0;
    CHECK(ward_abi_version() == WARD_ABI_VERSION);
    CHECK(version != NULL);
    CHECK(version != NULL && sscanf(version, "%u.%u.%u", &major, &minor, &patch) == 3);
    CHECK(strcmp(ward_status_name(WARD_OK), "ok") == 0);
    CHECK(strcmp(ward_status_name(WARD_ERR_UNKNOWN_COMMAND), "unknown_command") == 0);
    CHECK(strcmp(ward_status_name(WARD_ERR_LIMIT_EXCEEDED), "limit_exceeded") == 0);
}

static void test_abi_mismatch(void) {
    ward_builder_options options;
    ward_builder *builder = NULL;
    memset(&options, 0, sizeof options);
    options.struct_size = sizeof options;
    options.abi_version = 999;
    CHECK(ward_builder_new(&options, &builder) == WARD_ERR_ABI_MISMATCH);
    CHECK(builder == NULL);
    CHECK_LAST_ERROR(WARD_ERR_ABI_MISMATCH, "abi_version");

    /* The current version works with explicit options, too. */
    options.abi_version = WARD_ABI_VERSION;
    CHECK(ward_builder_new(&options, &builder) == WARD_OK);
    CHECK(builder != NULL);
    ward_builder_free(builder);
}

static void test_immediate_command(void) {
    greet_seen seen;
    ward_builder *builder = new_builder();
    ward_app *app;
    ward_response *response;
    uint64_t first_id;
    memset(&seen, 0, sizeof seen);
    CHECK(add_command(builder, "greet", greet, &seen, NULL) == WARD_OK);
    app = build(builder);

    response = invoke_json(app, "/greet", "{\"name\":\"World\"}");
    CHECK(ward_response_is_ok(response) == 1);
    CHECK(ward_response_code(response) == WARD_OK);
    CHECK(ward_response_is_raw(response) == 0);
    CHECK(strcmp(ward_response_content_type(response), "application/json") == 0);
    CHECK_BODY(response, "\"Hello, World!\"");
    CHECK(ward_response_callback_id(response) == 1234);
    CHECK(ward_response_error_id(response) == 5678);
    ward_response_free(response);

    CHECK(seen.calls == 1);
    CHECK(seen.command_ok);
    CHECK(seen.window_ok);
    CHECK(seen.webview_ok);
    CHECK(seen.origin_ok);
    CHECK(seen.header_ok);
    CHECK(seen.raw_flag == 0);
    CHECK(seen.id != 0);
    first_id = seen.id;

    /* Whitespace in the args, and a second invoke gets a different id. */
    response = invoke_json(app, "/greet", "{ \"name\" : \"C99\" }");
    CHECK_BODY(response, "\"Hello, C99!\"");
    ward_response_free(response);
    CHECK(seen.calls == 2);
    CHECK(seen.id != 0 && seen.id != first_id);

    /* The url may be the bare path. */
    {
        test_request t;
        size_t key_len = 0;
        const char *key = ward_app_invoke_key(app, &key_len);
        const char *json = "{\"name\":\"path\"}";
        ward_request *request =
            make_request(&t, "/greet", "application/json", json, strlen(json), key, key_len);
        request->url = "/greet";
        request->url_len = strlen("/greet");
        response = NULL;
        CHECK(ward_app_invoke(app, request, &response) == WARD_OK);
        CHECK_BODY(response, "\"Hello, path!\"");
        ward_response_free(response);
    }
    ward_app_free(app);
}

static void test_percent_decoded_command(void) {
    ward_builder *builder = new_builder();
    ward_app *app;
    ward_response *response;
    const char *name = "plugin:demo|do_thing";
    CHECK(add_command(builder, name, resolve_fixed, (void *)"\"listening\"", NULL) == WARD_OK);
    app = build(builder);
    response = invoke_json(app, "/plugin%3Ademo%7Cdo_thing", "{}");
    CHECK(ward_response_is_ok(response) == 1);
    CHECK_BODY(response, "\"listening\"");
    ward_response_free(response);
    ward_app_free(app);
}

static void test_deferred_command(void) {
    deferred_call call;
    ward_builder *builder = new_builder();
    ward_app *app;
    ward_response *response;
    deferred_call_init(&call);
    CHECK(add_command(builder, "later", deferred, &call, NULL) == WARD_OK);
    app = build(builder);

    response = invoke_json(app, "/later", "{}");
    CHECK(call.thread_started);
    CHECK(call.answered_after_return); /* the answer came from the other thread, after the handler returned */
    CHECK(ward_response_is_ok(response) == 1);
    CHECK_BODY(response, "42");
    ward_response_free(response);
    deferred_call_join(&call);

    ward_app_free(app);
    deferred_call_destroy(&call);
}

static void test_raw_bytes(void) {
    static const uint8_t payload[] = {0x00, 0xff, 0x10, 0x80, 0x7f, 0x00, 0x01};
    static const uint8_t reversed[] = {0x01, 0x00, 0x7f, 0x80, 0x10, 0xff, 0x00};
    raw_seen seen;
    test_request t;
    ward_builder *builder = new_builder();
    ward_app *app;
    ward_response *response = NULL;
    size_t key_len = 0, body_len = 0;
    const char *key;
    const uint8_t *body;

    memset(&seen, 0, sizeof seen);
    seen.expected_body = payload;
    seen.expected_len = sizeof payload;
    CHECK(add_command(builder, "echo_bytes", echo_bytes, &seen, NULL) == WARD_OK);
    app = build(builder);
    key = ward_app_invoke_key(app, &key_len);

    CHECK(ward_app_invoke(app, make_request(&t, "/echo_bytes", "application/octet-stream", payload, sizeof payload,
                                            key, key_len),
                          &response) == WARD_OK);
    CHECK(seen.calls == 1);
    CHECK(seen.zero_copy);
    CHECK(seen.raw_flag == 1);
    CHECK(seen.args_empty);
    CHECK(response != NULL && ward_response_is_ok(response) == 1);
    CHECK(response != NULL && ward_response_is_raw(response) == 1);
    CHECK(response != NULL && strcmp(ward_response_content_type(response), "application/octet-stream") == 0);
    body = response ? ward_response_body(response, &body_len) : NULL;
    CHECK(body != NULL && body_len == sizeof reversed && memcmp(body, reversed, sizeof reversed) == 0);
    ward_response_free(response);
    ward_app_free(app);
}

static void test_managed_state(void) {
    counter_state *state = (counter_state *)calloc(1, sizeof(counter_state));
    counter_state *other = (counter_state *)calloc(1, sizeof(counter_state));
    const char *needs[] = {"counter"};
    size_t need_lens[] = {7};
    ward_command_options options;
    ward_builder *builder = new_builder();
    ward_app *app;
    ward_response *response;

    counter_init(&state_frees);
    memset(&options, 0, sizeof options);
    options.struct_size = sizeof options;
    options.required_state = needs;
    options.required_state_lens = need_lens;
    options.required_state_count = 1;

    /* NULL is refused: it would read as "never managed" later. */
    CHECK(ward_builder_manage(builder, "counter", 7, NULL, NULL) == WARD_ERR_INVALID_ARGUMENT);
    CHECK_LAST_ERROR(WARD_ERR_INVALID_ARGUMENT, "state is NULL");
    CHECK(ward_builder_manage(builder, "counter", 7, state, free_counter_state) == WARD_OK);
    /* Managing the same name again fails and does not take ownership of the second pointer. */
    CHECK(ward_builder_manage(builder, "counter", 7, other, free_counter_state) == WARD_ERR_STATE_ALREADY_MANAGED);
    CHECK_LAST_ERROR(WARD_ERR_STATE_ALREADY_MANAGED, "counter");
    CHECK(ward_builder_command(builder, "count", 5, &options, count, NULL, NULL) == WARD_OK);
    grant("count");
    app = build(builder);

    response = invoke_json(app, "/count", "{}");
    CHECK(ward_response_is_ok(response) == 1);
    CHECK_BODY(response, "1");
    ward_response_free(response);
    response = invoke_json(app, "/count", "{}");
    CHECK_BODY(response, "2");
    ward_response_free(response);
    CHECK(state->value == 2);

    CHECK(counter_get(&state_frees) == 0);
    ward_app_free(app);
    CHECK(counter_get(&state_frees) == 1);
    CHECK(state->destroyed == 1);
    CHECK(other->destroyed == 0);
    free(state);
    free(other);
    counter_destroy(&state_frees);
}

static void test_state_not_managed(void) {
    const char *needs[] = {"missing_state"};
    size_t need_lens[] = {13};
    ward_command_options options;
    ward_builder *builder = new_builder();
    ward_app *app = NULL;
    counter frees;
    counter_init(&frees);
    memset(&options, 0, sizeof options);
    options.struct_size = sizeof options;
    options.required_state = needs;
    options.required_state_lens = need_lens;
    options.required_state_count = 1;
    CHECK(ward_builder_command(builder, "needs_state", 11, &options, noop, &frees, bump_counter) == WARD_OK);
    CHECK(ward_builder_build(builder, &app) == WARD_ERR_STATE_NOT_MANAGED); /* consumes the builder */
    CHECK(app == NULL);
    CHECK_LAST_ERROR(WARD_ERR_STATE_NOT_MANAGED, "missing_state");
    /* The consumed builder released what it owned. */
    CHECK(counter_get(&frees) == 1);
    counter_destroy(&frees);
}

static void test_duplicate_and_invalid_names(void) {
    counter first_frees, second_frees;
    ward_builder *builder = new_builder();
    counter_init(&first_frees);
    counter_init(&second_frees);
    CHECK(add_command(builder, "same", noop, &first_frees, bump_counter) == WARD_OK);
    CHECK(add_command(builder, "same", noop, &second_frees, bump_counter) == WARD_ERR_DUPLICATE_COMMAND);
    CHECK_LAST_ERROR(WARD_ERR_DUPLICATE_COMMAND, "same");
    CHECK(counter_get(&second_frees) == 0); /* failure: not owned, not freed */
    CHECK(add_command(builder, "", noop, NULL, NULL) == WARD_ERR_INVALID_NAME);
    CHECK(ward_last_error_code() == WARD_ERR_INVALID_NAME);
    CHECK(counter_get(&first_frees) == 0);
    ward_builder_free(builder);
    CHECK(counter_get(&first_frees) == 1);
    CHECK(counter_get(&second_frees) == 0);
    counter_destroy(&first_frees);
    counter_destroy(&second_frees);
}

static void test_unknown_command_and_invoke_key(void) {
    ward_builder *builder = new_builder();
    ward_app *app;
    ward_response *response;
    test_request t;
    const char *key;
    size_t key_len = 0;
    char wrong_key[256];

    counter_init(&noop_calls);
    CHECK(add_command(builder, "noop", noop, NULL, NULL) == WARD_OK);
    app = build(builder);
    key = ward_app_invoke_key(app, &key_len);
    CHECK(key != NULL && key_len >= 16 && key_len < sizeof wrong_key && strlen(key) == key_len);

    response = invoke_json(app, "/nope", "{}");
    CHECK(ward_response_is_ok(response) == 0);
    CHECK(ward_response_code(response) == WARD_ERR_UNKNOWN_COMMAND);
    CHECK(strcmp(ward_response_content_type(response), "application/json") == 0);
    CHECK_BODY(response, "\"Command nope not found\"");
    ward_response_free(response);

    /* Missing key. */
    response = NULL;
    CHECK(ward_app_invoke(app, make_request(&t, "/noop", "application/json", "{}", 2, NULL, 0), &response) == WARD_OK);
    CHECK(response != NULL && ward_response_is_ok(response) == 0);
    CHECK(response != NULL && ward_response_code(response) == WARD_ERR_INVALID_INVOKE_KEY);
    ward_response_free(response);

    /* Wrong key of the right length (last character changed). */
    memcpy(wrong_key, key, key_len);
    wrong_key[key_len - 1] = wrong_key[key_len - 1] == 'x' ? 'y' : 'x';
    response = NULL;
    CHECK(ward_app_invoke(app, make_request(&t, "/noop", "application/json", "{}", 2, wrong_key, key_len), &response) ==
          WARD_OK);
    CHECK(response != NULL && ward_response_code(response) == WARD_ERR_INVALID_INVOKE_KEY);
    ward_response_free(response);

    /* A prefix of the right key. */
    response = NULL;
    CHECK(ward_app_invoke(app, make_request(&t, "/noop", "application/json", "{}", 2, key, key_len - 1), &response) ==
          WARD_OK);
    CHECK(response != NULL && ward_response_code(response) == WARD_ERR_INVALID_INVOKE_KEY);
    ward_response_free(response);

    CHECK(counter_get(&noop_calls) == 0); /* the handler never ran */

    response = invoke_json(app, "/noop", "{}");
    CHECK(ward_response_is_ok(response) == 1);
    CHECK_BODY(response, "null");
    ward_response_free(response);
    CHECK(counter_get(&noop_calls) == 1);
    ward_app_free(app);
    counter_destroy(&noop_calls);
}

static void test_limits(void) {
    ward_limits limits;
    ward_builder_options options;
    ward_builder *builder = NULL;
    ward_app *app;
    ward_response *response;
    memset(&limits, 0, sizeof limits);
    limits.struct_size = sizeof limits;
    limits.max_body_bytes = 16;
    memset(&options, 0, sizeof options);
    options.struct_size = sizeof options;
    options.abi_version = WARD_ABI_VERSION;
    options.limits = &limits;
    counter_init(&noop_calls);
    CHECK(ward_builder_new(&options, &builder) == WARD_OK);
    CHECK(add_command(builder, "noop", noop, NULL, NULL) == WARD_OK);
    app = build(builder);

    response = invoke_json(app, "/noop", "{\"text\":\"far more than sixteen bytes of body\"}");
    CHECK(ward_response_is_ok(response) == 0);
    CHECK(ward_response_code(response) == WARD_ERR_LIMIT_EXCEEDED);
    {
        size_t len = 0;
        const uint8_t *body = ward_response_body(response, &len);
        CHECK(body != NULL && contains(body, len, "max_body_bytes"));
        CHECK(body != NULL && len > 0 && body[0] == '"'); /* a JSON string */
    }
    ward_response_free(response);
    CHECK(counter_get(&noop_calls) == 0);

    response = invoke_json(app, "/noop", "{\"a\":1}"); /* under the limit */
    CHECK(ward_response_is_ok(response) == 1);
    ward_response_free(response);
    CHECK(counter_get(&noop_calls) == 1);
    ward_app_free(app);
    counter_destroy(&noop_calls);
}

static void test_internal_errors_and_log(void) {
    log_record log;
    ward_builder_options options;
    ward_builder *builder = NULL;
    ward_app *app;
    ward_response *response;
    size_t len = 0;
    const uint8_t *body;

    memset(&log, 0, sizeof log);
    pthread_mutex_init(&log.mutex, NULL);
    memset(&options, 0, sizeof options);
    options.struct_size = sizeof options;
    options.abi_version = WARD_ABI_VERSION;
    options.log = record_log;
    options.log_user_data = &log;
    options.log_free_user_data = NULL;
    CHECK(ward_builder_new(&options, &builder) == WARD_OK);
    CHECK(add_command(builder, SECRET_COMMAND, forget_to_answer, NULL, NULL) == WARD_OK);
    CHECK(add_command(builder, "bad_json", resolve_invalid_json, NULL, NULL) == WARD_OK);
    app = build(builder);

    /* A responder freed unanswered answers an internal error that reveals nothing... */
    response = invoke_json(app, "/" SECRET_COMMAND, "{}");
    CHECK(ward_response_is_ok(response) == 0);
    CHECK(ward_response_code(response) == WARD_ERR_INTERNAL);
    body = ward_response_body(response, &len);
    CHECK(body != NULL && len > 0 && body[0] == '"');
    CHECK(body != NULL && !contains(body, len, SECRET_COMMAND));
    ward_response_free(response);
    /* ...while the log sink hears which handler failed. */
    pthread_mutex_lock(&log.mutex);
    CHECK(log.internal_entries >= 1);
    CHECK(log.mentions_secret);
    pthread_mutex_unlock(&log.mutex);

    /* Invalid JSON from a handler: the call reports it, the page gets an internal error. */
    response = invoke_json(app, "/bad_json", "{}");
    CHECK(bad_json_status == WARD_ERR_INVALID_ARGUMENT);
    CHECK(ward_response_code(response) == WARD_ERR_INTERNAL);
    body = ward_response_body(response, &len);
    CHECK(body != NULL && !contains(body, len, "oops"));
    ward_response_free(response);

    ward_app_free(app);
    pthread_mutex_destroy(&log.mutex);
}

static void ignore_log(ward_log_level level, ward_status code, const char *message, size_t message_len,
                       const char *detail, size_t detail_len, void *user_data) {
    (void)level, (void)code, (void)message, (void)message_len, (void)detail, (void)detail_len, (void)user_data;
}

static void test_log_user_data_freed_once(void) {
    counter log_frees;
    ward_builder_options options;
    ward_builder *builder = NULL;

    counter_init(&log_frees);
    memset(&options, 0, sizeof options);
    options.struct_size = sizeof options;
    options.abi_version = WARD_ABI_VERSION;
    options.log = ignore_log;
    options.log_user_data = &log_frees;
    options.log_free_user_data = bump_counter;

    /* Freed with the app... */
    CHECK(ward_builder_new(&options, &builder) == WARD_OK);
    {
        ward_app *app = build(builder);
        CHECK(counter_get(&log_frees) == 0);
        ward_app_free(app);
    }
    CHECK(counter_get(&log_frees) == 1);

    /* ...or with a builder that never became an app. */
    builder = NULL;
    CHECK(ward_builder_new(&options, &builder) == WARD_OK);
    ward_builder_free(builder);
    CHECK(counter_get(&log_frees) == 2);

    counter_destroy(&log_frees);
}

static void test_rejections_and_escaping(void) {
    ward_builder *builder = new_builder();
    ward_app *app;
    ward_response *response;
    const char *rejection = "{\"code\":42,\"reason\":\"no\"}";
    CHECK(add_command(builder, "reject", reject_fixed, (void *)rejection, NULL) == WARD_OK);
    CHECK(add_command(builder, "reject_message", reject_with_message, (void *)"not today", NULL) == WARD_OK);
    CHECK(add_command(builder, "separators", resolve_fixed, (void *)"\"a\xe2\x80\xa8" "b\xe2\x80\xa9" "c\"", NULL) ==
          WARD_OK);
    app = build(builder);

    response = invoke_json(app, "/reject", "{}");
    CHECK(ward_response_is_ok(response) == 0);
    CHECK(ward_response_code(response) == WARD_ERR_COMMAND_REJECTED);
    CHECK_BODY(response, rejection);
    ward_response_free(response);

    response = invoke_json(app, "/reject_message", "{}");
    CHECK(ward_response_is_ok(response) == 0);
    CHECK(ward_response_code(response) == WARD_ERR_COMMAND_REJECTED);
    CHECK_BODY(response, "\"not today\"");
    ward_response_free(response);

    /* U+2028 / U+2029 would end a line in a page script: ward escapes them. */
    response = invoke_json(app, "/separators", "{}");
    CHECK(ward_response_is_ok(response) == 1);
    CHECK_BODY(response, "\"a\\u2028b\\u2029c\"");
    ward_response_free(response);
    ward_app_free(app);
}

static void test_post_message(void) {
    greet_seen seen;
    ward_builder *builder = new_builder();
    ward_app *app;
    ward_response *response = NULL;
    ward_message_request request;
    char message[512];
    const char *key;
    size_t key_len = 0;

    memset(&seen, 0, sizeof seen);
    CHECK(add_command(builder, "greet", greet, &seen, NULL) == WARD_OK);
    app = build(builder);
    key = ward_app_invoke_key(app, &key_len);
    snprintf(message, sizeof message,
             "{\"cmd\":\"greet\",\"callback\":11,\"error\":12,\"payload\":{\"name\":\"Post\"},\"options\":{},"
             "\"__TAURI_INVOKE_KEY__\":\"%.*s\"}",
             (int)key_len, key);

    memset(&request, 0, sizeof request);
    request.struct_size = sizeof request;
    request.origin = ORIGIN;
    request.origin_len = strlen(ORIGIN);
    request.window = LABEL;
    request.window_len = strlen(LABEL);
    request.webview = LABEL;
    request.webview_len = strlen(LABEL);
    request.message = message;
    request.message_len = strlen(message);
    CHECK(ward_app_invoke_message(app, &request, &response) == WARD_OK);
    CHECK(response != NULL && ward_response_is_ok(response) == 1);
    CHECK_BODY(response, "\"Hello, Post!\"");
    CHECK(response != NULL && ward_response_callback_id(response) == 11);
    CHECK(response != NULL && ward_response_error_id(response) == 12);
    ward_response_free(response);
    CHECK(seen.calls == 1 && seen.command_ok && seen.origin_ok && seen.window_ok);

    /* Without the key the message is refused before the handler runs. */
    snprintf(message, sizeof message,
             "{\"cmd\":\"greet\",\"callback\":11,\"error\":12,\"payload\":{\"name\":\"Post\"},\"options\":{}}");
    request.message_len = strlen(message);
    response = NULL;
    CHECK(ward_app_invoke_message(app, &request, &response) == WARD_OK);
    CHECK(response != NULL && ward_response_code(response) == WARD_ERR_INVALID_INVOKE_KEY);
    ward_response_free(response);
    CHECK(seen.calls == 1);

    /* A message that is not JSON is a malformed envelope. */
    request.message = "not json";
    request.message_len = strlen("not json");
    response = NULL;
    CHECK(ward_app_invoke_message(app, &request, &response) == WARD_OK);
    CHECK(response != NULL && ward_response_code(response) == WARD_ERR_INVALID_REQUEST);
    ward_response_free(response);
    ward_app_free(app);
}

/* invoke_async: the done callback receives the response exactly once; user_data is freed once. */
typedef struct async_result {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    int done_calls;
    int freed;
    ward_response *response;
} async_result;

static void async_done(ward_response *response, void *user_data) {
    async_result *result = (async_result *)user_data;
    pthread_mutex_lock(&result->mutex);
    ++result->done_calls;
    if (result->response == NULL) {
        result->response = response;
    } else {
        ward_response_free(response);
    }
    pthread_cond_broadcast(&result->cond);
    pthread_mutex_unlock(&result->mutex);
}

static void async_free(void *user_data) {
    async_result *result = (async_result *)user_data;
    pthread_mutex_lock(&result->mutex);
    ++result->freed;
    pthread_cond_broadcast(&result->cond);
    pthread_mutex_unlock(&result->mutex);
}

static void async_result_init(async_result *result) {
    memset(result, 0, sizeof *result);
    pthread_mutex_init(&result->mutex, NULL);
    pthread_cond_init(&result->cond, NULL);
}

static void async_result_wait(async_result *result) {
    pthread_mutex_lock(&result->mutex);
    while (result->done_calls == 0) pthread_cond_wait(&result->cond, &result->mutex);
    pthread_mutex_unlock(&result->mutex);
}

static void async_result_destroy(async_result *result) {
    ward_response_free(result->response);
    pthread_cond_destroy(&result->cond);
    pthread_mutex_destroy(&result->mutex);
}

static void test_invoke_async(void) {
    deferred_call call;
    async_result later, now;
    ward_builder *builder = new_builder();
    ward_app *app;
    test_request t;
    const char *key;
    size_t key_len = 0;

    deferred_call_init(&call);
    async_result_init(&later);
    async_result_init(&now);
    CHECK(add_command(builder, "later", deferred, &call, NULL) == WARD_OK);
    CHECK(add_command(builder, "now", resolve_fixed, (void *)"\"now\"", NULL) == WARD_OK);
    app = build(builder);
    key = ward_app_invoke_key(app, &key_len);

    CHECK(ward_app_invoke_async(app, make_request(&t, "/later", "application/json", "{}", 2, key, key_len), async_done,
                                &later, async_free) == WARD_OK);
    async_result_wait(&later);
    deferred_call_join(&call);
    CHECK(later.response != NULL && ward_response_is_ok(later.response) == 1);
    CHECK_BODY(later.response, "42");

    CHECK(ward_app_invoke_async(app, make_request(&t, "/now", "application/json", "{}", 2, key, key_len), async_done,
                                &now, async_free) == WARD_OK);
    async_result_wait(&now);
    CHECK_BODY(now.response, "\"now\"");

    /* An unknown command also arrives through the callback, as an error response. */
    {
        async_result unknown;
        async_result_init(&unknown);
        CHECK(ward_app_invoke_async(app, make_request(&t, "/nope", "application/json", "{}", 2, key, key_len),
                                    async_done, &unknown, async_free) == WARD_OK);
        async_result_wait(&unknown);
        CHECK(unknown.response != NULL && ward_response_code(unknown.response) == WARD_ERR_UNKNOWN_COMMAND);
        ward_app_free(app); /* everything has settled once the app is gone */
        app = NULL;
        CHECK(unknown.done_calls == 1);
        CHECK(unknown.freed == 1);
        async_result_destroy(&unknown);
    }
    sleep_ms(20); /* a second, wrong, delivery would have had time to arrive */
    CHECK(later.done_calls == 1);
    CHECK(later.freed == 1);
    CHECK(now.done_calls == 1);
    CHECK(now.freed == 1);

    async_result_destroy(&later);
    async_result_destroy(&now);
    deferred_call_destroy(&call);
}

static void test_command_user_data_freed_once(void) {
    counter frees;
    ward_builder *builder = new_builder();
    ward_app *app;
    ward_response *response;
    counter_init(&frees);
    counter_init(&noop_calls);
    CHECK(add_command(builder, "noop", noop, &frees, bump_counter) == WARD_OK);
    app = build(builder);
    response = invoke_json(app, "/noop", "{}");
    ward_response_free(response);
    CHECK(counter_get(&frees) == 0); /* still in use by the app */
    ward_app_free(app);
    CHECK(counter_get(&frees) == 1);
    counter_destroy(&frees);
    counter_destroy(&noop_calls);
}

static void test_null_arguments(void) {
    ward_builder *builder = NULL;
    ward_app *app;
    ward_response *response = NULL;
    test_request t;
    counter frees;
    size_t key_len = 0;
    const char *key;

    counter_init(&frees);
    CHECK(ward_builder_new(NULL, NULL) == WARD_ERR_INVALID_ARGUMENT);
    CHECK_LAST_ERROR(WARD_ERR_INVALID_ARGUMENT, NULL);
    CHECK(ward_builder_command(NULL, "x", 1, NULL, noop, &frees, bump_counter) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(ward_builder_manage(NULL, "x", 1, NULL, NULL) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(ward_builder_build(NULL, &app) == WARD_ERR_INVALID_ARGUMENT);

    builder = new_builder();
    CHECK(ward_builder_command(builder, "x", 1, NULL, NULL, &frees, bump_counter) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(ward_builder_command(builder, NULL, 3, NULL, noop, &frees, bump_counter) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(counter_get(&frees) == 0); /* failed registrations do not free user_data */
    CHECK(add_command(builder, "noop", noop, NULL, NULL) == WARD_OK);
    CHECK(ward_builder_build(builder, NULL) == WARD_ERR_INVALID_ARGUMENT); /* still consumes the builder */
    builder = new_builder();
    CHECK(add_command(builder, "noop", noop, NULL, NULL) == WARD_OK);
    app = build(builder);
    key = ward_app_invoke_key(app, &key_len);

    CHECK(ward_app_invoke(NULL, make_request(&t, "/noop", "application/json", "{}", 2, key, key_len), &response) ==
          WARD_ERR_INVALID_ARGUMENT);
    CHECK(ward_app_invoke(app, NULL, &response) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(ward_app_invoke(app, make_request(&t, "/noop", "application/json", "{}", 2, key, key_len), NULL) ==
          WARD_ERR_INVALID_ARGUMENT);
    CHECK(response == NULL);
    {
        /* A NULL string with a nonzero length. */
        ward_request *request =
            make_request(&t, "/noop", "application/json", "{}", 2, key, key_len);
        request->body = NULL;
        CHECK(ward_app_invoke(app, request, &response) == WARD_ERR_INVALID_ARGUMENT);
        request = make_request(&t, "/noop", "application/json", "{}", 2, key, key_len);
        request->url = NULL;
        CHECK(ward_app_invoke(app, request, &response) == WARD_ERR_INVALID_ARGUMENT);
        request = make_request(&t, "/noop", "application/json", "{}", 2, key, key_len);
        request->headers = NULL;
        CHECK(ward_app_invoke(app, request, &response) == WARD_ERR_INVALID_ARGUMENT);
        CHECK(response == NULL);
    }
    CHECK(ward_app_invoke_async(app, make_request(&t, "/noop", "application/json", "{}", 2, key, key_len), NULL,
                                &frees, bump_counter) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(ward_app_invoke_async(NULL, make_request(&t, "/noop", "application/json", "{}", 2, key, key_len), async_done,
                                &frees, bump_counter) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(counter_get(&frees) == 0); /* a failed call never calls free_user_data */
    CHECK(ward_app_invoke_message(app, NULL, &response) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(ward_app_invoke_message_async(app, NULL, async_done, &frees, bump_counter) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(counter_get(&frees) == 0);
    CHECK(ward_app_invoke_key(NULL, &key_len) == NULL || key_len == 0);

    /* Every free function accepts NULL. */
    ward_builder_free(NULL);
    ward_app_free(NULL);
    ward_response_free(NULL);
    ward_responder_free(NULL);
    CHECK(ward_responder_resolve_json(NULL, "1", 1) == WARD_ERR_INVALID_ARGUMENT);

    ward_app_free(app);
    counter_destroy(&frees);
}

static void test_struct_size(void) {
    /* A caller compiled against a future header passes a bigger struct than this library knows.
     * (The library cannot honour fields it does not know, so it refuses rather than ignore them.) */
    struct future_builder_options {
        ward_builder_options known;
        unsigned char appended_fields[64];
    } future_options;
    struct future_request {
        ward_request known;
        unsigned char appended_fields[64];
    } future_request;
    ward_builder *builder = NULL;
    ward_app *app;
    ward_response *response = NULL;
    test_request t;
    size_t key_len = 0;
    const char *key;

    memset(&future_options, 0, sizeof future_options);
    future_options.known.struct_size = sizeof future_options;
    future_options.known.abi_version = WARD_ABI_VERSION;
    /* Newer than this library: an ABI mismatch, named as such. */
    CHECK(ward_builder_new(&future_options.known, &builder) == WARD_ERR_ABI_MISMATCH);
    CHECK(builder == NULL);
    CHECK_LAST_ERROR(WARD_ERR_ABI_MISMATCH, "ward_builder_options.struct_size");

    /* Smaller than any version of the struct: simply a wrong argument. */
    future_options.known.struct_size = 0;
    CHECK(ward_builder_new(&future_options.known, &builder) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(builder == NULL);
    CHECK_LAST_ERROR(WARD_ERR_INVALID_ARGUMENT, "struct_size");

    /* The same holds for structs nested in the options. */
    {
        struct future_limits {
            ward_limits known;
            unsigned char appended_fields[64];
        } future_limits;
        ward_builder_options options;
        memset(&future_limits, 0, sizeof future_limits);
        future_limits.known.struct_size = sizeof future_limits;
        memset(&options, 0, sizeof options);
        options.struct_size = sizeof options;
        options.abi_version = WARD_ABI_VERSION;
        options.limits = &future_limits.known;
        CHECK(ward_builder_new(&options, &builder) == WARD_ERR_ABI_MISMATCH);
        CHECK(builder == NULL);
        CHECK_LAST_ERROR(WARD_ERR_ABI_MISMATCH, "ward_limits.struct_size");
    }

    builder = new_builder();
    CHECK(add_command(builder, "noop", noop, NULL, NULL) == WARD_OK);
    app = build(builder);
    key = ward_app_invoke_key(app, &key_len);
    memset(&future_request, 0, sizeof future_request);
    future_request.known = *make_request(&t, "/noop", "application/json", "{}", 2, key, key_len);
    future_request.known.struct_size = sizeof future_request;
    CHECK(ward_app_invoke(app, &future_request.known, &response) == WARD_ERR_ABI_MISMATCH);
    CHECK(response == NULL);
    CHECK_LAST_ERROR(WARD_ERR_ABI_MISMATCH, "ward_request.struct_size");
    ward_app_free(app);
}


/* ------------------------------------------------------------------------ */
/* Access control through the C ABI                                          */

typedef struct audit_seen {
    int calls;
    char command[64];
    char window[64];
    uint64_t invoke_id;
} audit_seen;

static void record_audit(const char *command, size_t command_len, const char *window, size_t window_len,
                         const char *webview, size_t webview_len, const char *origin, size_t origin_len,
                         uint64_t invoke_id, void *user_data) {
    audit_seen *seen = (audit_seen *)user_data;
    (void)webview;
    (void)webview_len;
    (void)origin;
    (void)origin_len;
    ++seen->calls;
    snprintf(seen->command, sizeof seen->command, "%.*s", (int)command_len, command);
    snprintf(seen->window, sizeof seen->window, "%.*s", (int)window_len, window);
    seen->invoke_id = invoke_id;
}

static void answer_scopes(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    size_t len = 0;
    const char *scopes = ward_invocation_scopes_json(inv, &len);
    (void)user_data;
    ward_responder_resolve_json(responder, scopes, len);
}

static ward_response *invoke_from(ward_app *app, const char *path, const char *window, const char *origin) {
    test_request t;
    size_t key_len = 0;
    const char *key = ward_app_invoke_key(app, &key_len);
    ward_response *response = NULL;
    ward_request *request = make_request(&t, path, "application/json", "{}", 2, key, key_len);
    request->window = window;
    request->window_len = strlen(window);
    request->webview = window;
    request->webview_len = strlen(window);
    request->origin = origin;
    request->origin_len = strlen(origin);
    CHECK(ward_app_invoke(app, request, &response) == WARD_OK);
    return response;
}

static void test_access_control(void) {
    static const char fs_manifest[] =
        "[[permission]]\n"
        "identifier = \"read-scoped\"\n"
        "commands.allow = [\"read_file\"]\n"
        "[[permission.scope.allow]]\n"
        "path = \"$APPDATA/*\"\n";
    static const char capability[] =
        "{\"identifier\":\"main\",\"windows\":[\"main\"],\"permissions\":[\"allow-greet\","
        "{\"identifier\":\"fs:read-scoped\",\"allow\":[{\"path\":\"$DOCS/*\"}]}]}";
    static const char late[] = "{\"identifier\":\"late\",\"windows\":[\"settings\"],\"permissions\":[\"allow-greet\"]}";
    static const char broken[] = "{\"identifier\":\"broken\",\"windows\":[\"main\"],\"permissions\":[\"nope\"]}";
    const char *origins[] = {"tauri://localhost", "app://main"};
    const size_t origin_lens[] = {17, 10};
    audit_seen seen;
    ward_builder *builder;
    ward_app *app = NULL;
    ward_response *response;
    char *json = NULL;
    size_t json_len = 0;

    /* Default deny: no capability, no call. */
    builder = new_builder();
    CHECK(ward_builder_command(builder, "greet", 5, NULL, resolve_fixed, (void *)"1", NULL) == WARD_OK);
    CHECK(ward_builder_build(builder, &app) == WARD_OK);
    response = invoke_from(app, "/greet", "main", "tauri://localhost");
    CHECK(ward_response_code(response) == WARD_ERR_NOT_ALLOWED);
    CHECK_BODY(response, "\"Command greet not allowed by ACL\"");
    ward_response_free(response);
    ward_app_free(app);

    memset(&seen, 0, sizeof seen);
    builder = new_builder();
    CHECK(ward_builder_command(builder, "greet", 5, NULL, resolve_fixed, (void *)"\"hi\"", NULL) == WARD_OK);
    CHECK(ward_builder_command(builder, "plugin:fs|read_file", 19, NULL, answer_scopes, NULL, NULL) == WARD_OK);
    CHECK(ward_builder_add_permissions(builder, "fs", 2, "fs.toml", 7, fs_manifest, strlen(fs_manifest), WARD_ACL_TOML) ==
          WARD_OK);
    CHECK(ward_builder_add_capability(builder, "main.json", 9, capability, strlen(capability), WARD_ACL_JSON) == WARD_OK);
    CHECK(ward_builder_set_app_origins(builder, origins, origin_lens, 2) == WARD_OK);
    CHECK(ward_builder_set_acl_platform(builder, "linux", 5) == WARD_OK);
    CHECK(ward_builder_set_acl_platform(builder, "beos", 4) == WARD_ERR_INVALID_ARGUMENT);
    CHECK_LAST_ERROR(WARD_ERR_INVALID_ARGUMENT, "beos");
    CHECK(ward_builder_set_acl_strict(builder, 1) == WARD_OK);
    CHECK(ward_builder_set_audit(builder, record_audit, &seen, NULL) == WARD_OK);
    CHECK(ward_builder_add_capability(builder, "x.json", 6, "{}", 2, (ward_acl_format)7) == WARD_ERR_INVALID_ARGUMENT);
    app = build_without_grants(builder);

    response = invoke_from(app, "/greet", "main", "app://main/index.html");
    CHECK_BODY(response, "\"hi\"");
    ward_response_free(response);
    response = invoke_from(app, "/greet", "settings", "tauri://localhost");
    CHECK(ward_response_code(response) == WARD_ERR_NOT_ALLOWED);
    ward_response_free(response);
    CHECK(seen.calls == 1);
    CHECK(strcmp(seen.command, "greet") == 0);
    CHECK(strcmp(seen.window, "settings") == 0);
    CHECK(seen.invoke_id != 0);
    response = invoke_from(app, "/greet", "main", "http://tauri.localhost.evil.com");
    CHECK(ward_response_code(response) == WARD_ERR_NOT_ALLOWED); /* not an app origin */
    ward_response_free(response);

    /* Scopes reach a C handler as JSON: the entry's extra scope first, then the permission's. */
    response = invoke_from(app, "/plugin%3Afs%7Cread_file", "main", "tauri://localhost");
    CHECK_BODY(response, "{\"allow\":[{\"path\":\"$DOCS/*\"},{\"path\":\"$APPDATA/*\"}],\"deny\":[],"
                         "\"global_allow\":[],\"global_deny\":[]}");
    ward_response_free(response);

    /* explain, in any build. */
    CHECK(ward_app_explain(app, "greet", 5, "settings", 8, "settings", 8, "tauri://localhost", 17, &json, &json_len) ==
          WARD_OK);
    CHECK(json != NULL && strlen(json) == json_len);
    CHECK(json && strstr(json, "\"decision\":\"denied\"") != NULL);
    CHECK(json && strstr(json, "add window `settings`") != NULL);
    ward_string_free(json);
    CHECK(ward_app_resolved_acl(app, &json, &json_len) == WARD_OK);
    CHECK(json && strstr(json, "\"plugin:fs|read_file\"") != NULL);
    ward_string_free(json);

    /* Capabilities added at run time; a broken one changes nothing and says why. */
    CHECK(ward_app_add_capability(app, "broken.json", 11, broken, strlen(broken), WARD_ACL_JSON) == WARD_ERR_INVALID_ARGUMENT);
    CHECK_LAST_ERROR(WARD_ERR_INVALID_ARGUMENT, "broken.json: /permissions/0: unknown permission `nope`");
    CHECK(ward_app_add_capability(app, "late.json", 9, late, strlen(late), WARD_ACL_JSON) == WARD_OK);
    response = invoke_from(app, "/greet", "settings", "tauri://localhost");
    CHECK_BODY(response, "\"hi\"");
    ward_response_free(response);
    ward_app_free(app);

    /* A broken capability fails the build, naming the file and position. */
    builder = new_builder();
    CHECK(ward_builder_add_capability(builder, "broken.json", 11, broken, strlen(broken), WARD_ACL_JSON) == WARD_OK);
    CHECK(ward_builder_build(builder, &app) == WARD_ERR_INVALID_ARGUMENT);
    CHECK_LAST_ERROR(WARD_ERR_INVALID_ARGUMENT, "broken.json: /permissions/0");
}

/* ------------------------------------------------------------------------ */
/* The live half: executor, cancellation, shutdown, events, channels, resources */

/* A place several threads report to: a few integer fields under one mutex, with waits that
 * give up after a while (so a broken library fails a check instead of hanging the test). */
typedef struct probe {
    pthread_mutex_t mutex;
    pthread_cond_t changed;
    int entered;         /* handlers that started */
    int finished;        /* handlers that got to their end */
    int release;         /* 1: blocked handlers may go on */
    int on_thread_other; /* the handler ran on a thread other than the invoking one */
    int saw_cancelled;   /* ward_responder_wait_cancelled returned 1 */
    int is_cancelled;    /* ward_responder_is_cancelled afterwards */
    int cancel_runs;     /* on_cancel callbacks that ran */
    int cancel_frees;    /* their free_user_data calls */
    int cancel_runs_at_free; /* cancel_runs when free_user_data ran (it must run after the callback) */
    ward_status late_answer; /* what an answer after cancellation returned */
    int cancelled_at_start;  /* ward_responder_is_cancelled when the handler began */
    ward_status registered;  /* what ward_responder_on_cancel returned in the handler */
    ward_responder *kept;    /* a responder a handler kept to answer later */
    pthread_t invoking_thread;
} probe;

static void probe_init(probe *p) {
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->mutex, NULL);
    pthread_cond_init(&p->changed, NULL);
    p->late_answer = WARD_OK;
    p->invoking_thread = pthread_self();
}
static void probe_destroy(probe *p) {
    pthread_cond_destroy(&p->changed);
    pthread_mutex_destroy(&p->mutex);
}
static void probe_add(probe *p, int *field, int delta) {
    pthread_mutex_lock(&p->mutex);
    *field += delta;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->mutex);
}
static int probe_get(probe *p, const int *field) {
    int value;
    pthread_mutex_lock(&p->mutex);
    value = *field;
    pthread_mutex_unlock(&p->mutex);
    return value;
}

static void deadline_after(struct timespec *deadline, long ms) {
    clock_gettime(CLOCK_REALTIME, deadline);
    deadline->tv_sec += ms / 1000;
    deadline->tv_nsec += (ms % 1000) * 1000000L;
    if (deadline->tv_nsec >= 1000000000L) {
        deadline->tv_sec += 1;
        deadline->tv_nsec -= 1000000000L;
    }
}

/* Waits until *field >= value; 1 if it got there within ms. */
static int probe_wait(probe *p, const int *field, int value, long ms) {
    struct timespec deadline;
    int reached;
    deadline_after(&deadline, ms);
    pthread_mutex_lock(&p->mutex);
    while (*field < value) {
        if (pthread_cond_timedwait(&p->changed, &p->mutex, &deadline) != 0) break;
    }
    reached = *field >= value;
    pthread_mutex_unlock(&p->mutex);
    return reached;
}

static int async_result_wait_ms(async_result *result, long ms) {
    struct timespec deadline;
    int done;
    deadline_after(&deadline, ms);
    pthread_mutex_lock(&result->mutex);
    while (result->done_calls == 0) {
        if (pthread_cond_timedwait(&result->cond, &result->mutex, &deadline) != 0) break;
    }
    done = result->done_calls > 0;
    pthread_mutex_unlock(&result->mutex);
    return done;
}

/* Everything the delivery callback received, in order. */
typedef struct recorded_delivery {
    char webview[64];
    ward_delivery_kind kind;
    uint32_t callback;
    int ok, raw, end;
    uint64_t index;
    char *body; /* NUL-terminated copy */
    size_t body_len;
} recorded_delivery;

typedef struct delivery_log {
    pthread_mutex_t mutex;
    pthread_cond_t changed;
    recorded_delivery *items;
    size_t count, capacity;
    int hold_channels; /* 1: the callback blocks on a channel delivery until this is 0 again */
    int holding;       /* the callback is blocked now */
    int frees;         /* free_user_data calls */
    int bad_struct;    /* a delivery arrived with a wrong struct_size */
} delivery_log;

static void delivery_log_init(delivery_log *log) {
    memset(log, 0, sizeof *log);
    pthread_mutex_init(&log->mutex, NULL);
    pthread_cond_init(&log->changed, NULL);
}
static void delivery_log_destroy(delivery_log *log) {
    size_t i;
    for (i = 0; i < log->count; ++i) free(log->items[i].body);
    free(log->items);
    pthread_cond_destroy(&log->changed);
    pthread_mutex_destroy(&log->mutex);
}

static void record_delivery(const char *webview, size_t webview_len, const ward_delivery *delivery, void *user_data) {
    delivery_log *log = (delivery_log *)user_data;
    recorded_delivery *item;
    pthread_mutex_lock(&log->mutex);
    while (log->hold_channels && delivery->kind == WARD_DELIVERY_CHANNEL) {
        log->holding = 1;
        pthread_cond_broadcast(&log->changed);
        pthread_cond_wait(&log->changed, &log->mutex);
    }
    log->holding = 0;
    if (delivery->struct_size != sizeof(ward_delivery)) log->bad_struct = 1;
    if (log->count == log->capacity) {
        size_t capacity = log->capacity ? log->capacity * 2 : 64;
        recorded_delivery *grown = (recorded_delivery *)realloc(log->items, capacity * sizeof *grown);
        if (grown == NULL) abort();
        log->items = grown;
        log->capacity = capacity;
    }
    item = &log->items[log->count];
    memset(item, 0, sizeof *item);
    snprintf(item->webview, sizeof item->webview, "%.*s", (int)webview_len, webview);
    item->kind = delivery->kind;
    item->callback = delivery->callback;
    item->ok = delivery->ok;
    item->raw = delivery->raw;
    item->end = delivery->end;
    item->index = delivery->index;
    item->body = (char *)malloc(delivery->body_len + 1);
    if (item->body == NULL) abort();
    if (delivery->body_len) memcpy(item->body, delivery->body, delivery->body_len);
    item->body[delivery->body_len] = '\0';
    item->body_len = delivery->body_len;
    ++log->count;
    pthread_cond_broadcast(&log->changed);
    pthread_mutex_unlock(&log->mutex);
}

static void count_delivery_free(void *user_data) {
    delivery_log *log = (delivery_log *)user_data;
    pthread_mutex_lock(&log->mutex);
    ++log->frees;
    pthread_mutex_unlock(&log->mutex);
}

/* Waits until the log holds `count` deliveries; 1 if it got there within ms. */
static int delivery_log_wait(delivery_log *log, size_t count, long ms) {
    struct timespec deadline;
    int reached;
    deadline_after(&deadline, ms);
    pthread_mutex_lock(&log->mutex);
    while (log->count < count) {
        if (pthread_cond_timedwait(&log->changed, &log->mutex, &deadline) != 0) break;
    }
    reached = log->count >= count;
    pthread_mutex_unlock(&log->mutex);
    return reached;
}

static size_t delivery_log_count(delivery_log *log) {
    size_t count;
    pthread_mutex_lock(&log->mutex);
    count = log->count;
    pthread_mutex_unlock(&log->mutex);
    return count;
}

static void delivery_log_hold(delivery_log *log, int hold) {
    pthread_mutex_lock(&log->mutex);
    log->hold_channels = hold;
    pthread_cond_broadcast(&log->changed);
    pthread_mutex_unlock(&log->mutex);
}

/* Waits until the callback is blocked on a held channel delivery. */
static int delivery_log_wait_holding(delivery_log *log, long ms) {
    struct timespec deadline;
    int holding;
    deadline_after(&deadline, ms);
    pthread_mutex_lock(&log->mutex);
    while (!log->holding) {
        if (pthread_cond_timedwait(&log->changed, &log->mutex, &deadline) != 0) break;
    }
    holding = log->holding;
    pthread_mutex_unlock(&log->mutex);
    return holding;
}

/* The n-th delivery to `webview` (0-based) among the first log->count, or NULL. */
static const recorded_delivery *delivery_to(delivery_log *log, const char *webview, size_t n) {
    size_t i;
    const recorded_delivery *found = NULL;
    pthread_mutex_lock(&log->mutex);
    for (i = 0; i < log->count; ++i) {
        if (strcmp(log->items[i].webview, webview) == 0 && n-- == 0) {
            found = &log->items[i];
            break;
        }
    }
    pthread_mutex_unlock(&log->mutex);
    return found; /* items only move while the log grows: read it once the test stopped emitting */
}

static size_t deliveries_to(delivery_log *log, const char *webview) {
    size_t i, n = 0;
    pthread_mutex_lock(&log->mutex);
    for (i = 0; i < log->count; ++i) n += strcmp(log->items[i].webview, webview) == 0;
    pthread_mutex_unlock(&log->mutex);
    return n;
}

/* free_user_data of commands whose user_data is something else (a probe). */
static counter command_frees;
static void count_command_free(void *user_data) {
    (void)user_data;
    counter_bump(&command_frees);
}

static ward_builder *new_live_builder(delivery_log *log, uint32_t workers, uint32_t queue_capacity) {
    ward_builder *builder = new_builder();
    ward_executor_options executor;
    memset(&executor, 0, sizeof executor);
    executor.struct_size = sizeof executor;
    executor.workers = workers;
    executor.queue_capacity = queue_capacity;
    CHECK(ward_builder_set_executor(builder, &executor) == WARD_OK);
    if (log != NULL) CHECK(ward_builder_set_delivery(builder, record_delivery, log, count_delivery_free) == WARD_OK);
    return builder;
}

static ward_status add_async_command(ward_builder *builder, const char *name, ward_command_fn handler, void *user_data,
                                     void (*free_user_data)(void *)) {
    ward_status status =
        ward_builder_async_command(builder, name, strlen(name), NULL, handler, user_data, free_user_data);
    if (status == WARD_OK) grant(name);
    return status;
}

/* Invokes `path` from webview `label` with Tauri-Callback `callback` (JSON body) and waits. */
static ward_response *invoke_from_webview(ward_app *app, const char *label, uint32_t callback, const char *path,
                                          const char *json) {
    test_request t;
    size_t key_len = 0;
    const char *key = ward_app_invoke_key(app, &key_len);
    ward_response *response = NULL;
    CHECK(ward_app_invoke(app,
                          make_request_from(&t, label, callback, path, "application/json", json, strlen(json), key,
                                            key_len),
                          &response) == WARD_OK);
    CHECK(response != NULL);
    return response;
}

/* The same, answered through `result` (ward_app_invoke_async). */
static void invoke_async_from_webview(ward_app *app, const char *label, uint32_t callback, const char *path,
                                      const char *json, async_result *result) {
    test_request t;
    size_t key_len = 0;
    const char *key = ward_app_invoke_key(app, &key_len);
    CHECK(ward_app_invoke_async(app,
                                make_request_from(&t, label, callback, path, "application/json", json, strlen(json),
                                                  key, key_len),
                                async_done, result, async_free) == WARD_OK);
}

/* The response is ok and its body an unsigned integer. */
static int response_is_number(const ward_response *response) {
    size_t len = 0, i;
    const uint8_t *body = ward_response_body(response, &len);
    if (body == NULL || len == 0 || !ward_response_is_ok(response)) return 0;
    for (i = 0; i < len; ++i) {
        if (body[i] < '0' || body[i] > '9') return 0;
    }
    return 1;
}

/* A response body as an unsigned number (a listener or resource id), 0 if it is not one. */
static uint64_t response_number(const ward_response *response) {
    size_t len = 0;
    const uint8_t *body = ward_response_body(response, &len);
    uint64_t value = 0;
    size_t i;
    if (body == NULL || len == 0 || !ward_response_is_ok(response)) return 0;
    for (i = 0; i < len; ++i) {
        if (body[i] < '0' || body[i] > '9') return 0;
        value = value * 10 + (uint64_t)(body[i] - '0');
    }
    return value;
}

/* The unsigned number after "key": in a small JSON object, 0 if absent. */
static uint64_t json_number_field(const char *json, size_t len, const char *key) {
    char quoted_key[64];
    const char *end = json + len;
    const char *p;
    uint64_t value = 0;
    snprintf(quoted_key, sizeof quoted_key, "\"%s\"", key);
    for (p = json; p + strlen(quoted_key) <= end; ++p) {
        if (memcmp(p, quoted_key, strlen(quoted_key)) == 0) break;
    }
    if (p + strlen(quoted_key) > end) return 0;
    p += strlen(quoted_key);
    while (p < end && (*p == ' ' || *p == ':')) ++p;
    while (p < end && *p >= '0' && *p <= '9') value = value * 10 + (uint64_t)(*p++ - '0');
    return value;
}

/* --- executor ----------------------------------------------------------------------------- */

/* Echoes its arguments, noting whether it ran off the invoking thread. */
static void async_echo(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    probe *p = (probe *)user_data;
    size_t len = 0;
    const char *args = ward_invocation_args_json(inv, &len);
    if (!pthread_equal(pthread_self(), p->invoking_thread)) probe_add(p, &p->on_thread_other, 1);
    ward_responder_resolve_json(responder, args, len);
}

/* Blocks until the probe releases it, then answers "done". */
static void blocking(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    probe *p = (probe *)user_data;
    (void)inv;
    probe_add(p, &p->entered, 1);
    probe_wait(p, &p->release, 1, 20000);
    ward_responder_resolve_json(responder, "\"done\"", 6);
    probe_add(p, &p->finished, 1);
}

static void test_async_command(void) {
    probe p;
    ward_builder *builder;
    ward_app *app;
    ward_response *response;

    probe_init(&p);
    counter_init(&command_frees);
    builder = new_live_builder(NULL, 2, 0);
    CHECK(add_async_command(builder, "async_echo", async_echo, &p, count_command_free) == WARD_OK);
    CHECK(add_async_command(builder, "async_echo", async_echo, &p, count_command_free) == WARD_ERR_DUPLICATE_COMMAND);
    CHECK(ward_builder_async_command(builder, "bad name", 8, NULL, async_echo, &p, count_command_free) ==
          WARD_ERR_INVALID_NAME);
    CHECK(counter_get(&command_frees) == 0); /* failed registrations leave user_data to the caller */
    app = build(builder);

    response = invoke_json(app, "/async_echo", "{\"x\":[1,2]}");
    CHECK(ward_response_code(response) == WARD_OK);
    CHECK_BODY(response, "{\"x\":[1,2]}");
    ward_response_free(response);
    CHECK(probe_get(&p, &p.on_thread_other) == 1); /* the handler ran on an executor thread */
    ward_app_free(app);
    CHECK(counter_get(&command_frees) == 1);

    counter_destroy(&command_frees);
    probe_destroy(&p);
}

static void test_executor_busy(void) {
    probe p;
    ward_builder *builder;
    ward_app *app;
    ward_response *response;
    async_result first, second;
    size_t len = 0;
    const uint8_t *body;

    probe_init(&p);
    async_result_init(&first);
    async_result_init(&second);
    builder = new_live_builder(NULL, 1, 1);
    CHECK(add_async_command(builder, "block", blocking, &p, NULL) == WARD_OK);
    app = build(builder);

    invoke_async_from_webview(app, LABEL, 1, "/block", "{}", &first); /* takes the only worker */
    CHECK(probe_wait(&p, &p.entered, 1, 5000));
    invoke_async_from_webview(app, LABEL, 3, "/block", "{}", &second); /* fills the queue */
    response = invoke_from_webview(app, LABEL, 5, "/block", "{}");     /* finds it full */
    CHECK(ward_response_code(response) == WARD_ERR_BUSY);
    body = ward_response_body(response, &len);
    CHECK(body != NULL && len > 0 && body[0] == '"'); /* a JSON string */
    ward_response_free(response);
    CHECK(probe_get(&p, &p.entered) == 1);

    probe_add(&p, &p.release, 1);
    CHECK(async_result_wait_ms(&first, 5000));
    CHECK(async_result_wait_ms(&second, 5000));
    CHECK(first.response && ward_response_code(first.response) == WARD_OK);
    CHECK(second.response && ward_response_code(second.response) == WARD_OK);
    CHECK(probe_wait(&p, &p.finished, 2, 5000));
    CHECK(probe_get(&p, &p.entered) == 2); /* the rejected invoke never ran */
    ward_app_free(app);
    CHECK(first.freed == 1 && second.freed == 1);

    async_result_destroy(&first);
    async_result_destroy(&second);
    probe_destroy(&p);
}

/* --- cancellation ------------------------------------------------------------------------- */

static void count_cancel(void *user_data) {
    probe *p = (probe *)user_data;
    probe_add(p, &p->cancel_runs, 1);
}
static void count_cancel_free(void *user_data) {
    probe *p = (probe *)user_data;
    pthread_mutex_lock(&p->mutex);
    p->cancel_runs_at_free = p->cancel_runs;
    ++p->cancel_frees;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->mutex);
}

/* Waits to be cancelled, then tries to answer anyway. */
static void wait_for_cancel(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    probe *p = (probe *)user_data;
    int cancelled;
    (void)inv;
    pthread_mutex_lock(&p->mutex);
    p->cancelled_at_start = ward_responder_is_cancelled(responder);
    pthread_mutex_unlock(&p->mutex);
    p->registered = ward_responder_on_cancel(responder, count_cancel, p, count_cancel_free);
    probe_add(p, &p->entered, 1);
    cancelled = ward_responder_wait_cancelled(responder, 10000);
    pthread_mutex_lock(&p->mutex);
    p->saw_cancelled = cancelled;
    p->is_cancelled = ward_responder_is_cancelled(responder);
    pthread_mutex_unlock(&p->mutex);
    p->late_answer = ward_responder_resolve_json(responder, "\"late\"", 6);
    probe_add(p, &p->finished, 1);
}

/* A synchronous command that keeps its responder to answer later. */
static void keep_responder(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    probe *p = (probe *)user_data;
    (void)inv;
    pthread_mutex_lock(&p->mutex);
    p->kept = responder;
    pthread_mutex_unlock(&p->mutex);
    probe_add(p, &p->entered, 1);
}

static void check_cancelled_response(const ward_response *response) {
    size_t len = 0;
    const uint8_t *body = response ? ward_response_body(response, &len) : NULL;
    CHECK(response != NULL && ward_response_code(response) == WARD_ERR_CANCELLED);
    CHECK(body != NULL && len > 0 && body[0] == '"'); /* a JSON string message */
}

static void test_cancel_request(void) {
    probe p;
    ward_builder *builder;
    ward_app *app;
    ward_response *response;
    async_result pending;

    probe_init(&p);
    async_result_init(&pending);
    builder = new_live_builder(NULL, 2, 0);
    CHECK(add_async_command(builder, "wait_cancel", wait_for_cancel, &p, NULL) == WARD_OK);
    app = build(builder);

    invoke_async_from_webview(app, LABEL, 41, "/wait_cancel", "{}", &pending);
    CHECK(probe_wait(&p, &p.entered, 1, 5000));

    /* Another webview cannot cancel it, nor can a wrong callback id. */
    response = invoke_from_webview(app, "side", 90, "/plugin%3Award%7Ccancel", "{\"callback\":41}");
    CHECK_BODY(response, "false");
    ward_response_free(response);
    response = invoke_from_webview(app, LABEL, 92, "/plugin%3Award%7Ccancel", "{\"callback\":40}");
    CHECK_BODY(response, "false");
    ward_response_free(response);
    CHECK(pending.done_calls == 0);

    response = invoke_from_webview(app, LABEL, 94, "/plugin%3Award%7Ccancel", "{\"callback\":41}");
    CHECK_BODY(response, "true");
    ward_response_free(response);
    CHECK(async_result_wait_ms(&pending, 5000));
    check_cancelled_response(pending.response);
    CHECK(probe_wait(&p, &p.finished, 1, 5000));
    CHECK(p.cancelled_at_start == 0 && p.registered == WARD_OK);
    CHECK(p.saw_cancelled == 1);
    CHECK(p.is_cancelled == 1);
    CHECK(p.late_answer == WARD_ERR_ALREADY_ANSWERED);
    CHECK(p.cancel_runs == 1);
    CHECK(p.cancel_frees == 1 && p.cancel_runs_at_free == 1); /* freed once, after the callback ran */
    CHECK(pending.done_calls == 1);                           /* the late answer went nowhere */

    /* Cancelling it again finds nothing in flight. */
    response = invoke_from_webview(app, LABEL, 96, "/plugin%3Award%7Ccancel", "{\"callback\":41}");
    CHECK_BODY(response, "false");
    ward_response_free(response);

    ward_app_free(app);
    async_result_destroy(&pending);
    probe_destroy(&p);
}

static void test_cancel_by_navigation(void) {
    probe p, answered;
    ward_builder *builder;
    ward_app *app;
    async_result kept, waiting, other;
    ward_responder *responder, *main_kept;

    probe_init(&p);
    probe_init(&answered);
    async_result_init(&kept);
    async_result_init(&waiting);
    async_result_init(&other);
    builder = new_live_builder(NULL, 2, 0);
    CHECK(add_command(builder, "keep", keep_responder, &p, NULL) == WARD_OK);
    CHECK(add_async_command(builder, "wait_cancel", wait_for_cancel, &p, NULL) == WARD_OK);
    app = build(builder);

    /* A synchronous handler that keeps its responder, an async one waiting, and one of another webview. */
    invoke_async_from_webview(app, LABEL, 11, "/keep", "{}", &kept);
    CHECK(probe_wait(&p, &p.entered, 1, 5000));
    main_kept = p.kept;
    invoke_async_from_webview(app, LABEL, 13, "/wait_cancel", "{}", &waiting);
    CHECK(probe_wait(&p, &p.entered, 2, 5000));
    invoke_async_from_webview(app, "side", 15, "/keep", "{}", &other);
    CHECK(probe_wait(&p, &p.entered, 3, 5000));
    responder = p.kept; /* the "side" one */
    CHECK(kept.done_calls == 0 && waiting.done_calls == 0 && other.done_calls == 0);

    CHECK(ward_app_webview_navigated(app, LABEL, strlen(LABEL)) == WARD_OK);
    CHECK(async_result_wait_ms(&kept, 5000));
    CHECK(async_result_wait_ms(&waiting, 5000));
    check_cancelled_response(kept.response);
    check_cancelled_response(waiting.response);
    CHECK(probe_wait(&p, &p.finished, 1, 5000));
    CHECK(p.saw_cancelled == 1 && p.late_answer == WARD_ERR_ALREADY_ANSWERED);
    CHECK(ward_responder_is_cancelled(main_kept) == 1);
    CHECK(ward_responder_resolve_json(main_kept, "1", 1) == WARD_ERR_ALREADY_ANSWERED); /* consumed all the same */
    CHECK(kept.done_calls == 1);

    /* The other webview's invoke is untouched... */
    CHECK(other.done_calls == 0);
    CHECK(ward_responder_is_cancelled(responder) == 0);
    CHECK(ward_responder_wait_cancelled(responder, 20) == 0);
    /* ...an on_cancel callback that never runs is released when the responder answers... */
    CHECK(ward_responder_on_cancel(responder, count_cancel, &answered, count_cancel_free) == WARD_OK);
    CHECK(probe_get(&answered, &answered.cancel_frees) == 0);
    CHECK(ward_responder_resolve_json(responder, "7", 1) == WARD_OK);
    CHECK(probe_get(&answered, &answered.cancel_runs) == 0);
    CHECK(probe_get(&answered, &answered.cancel_frees) == 1);
    CHECK(async_result_wait_ms(&other, 5000));
    CHECK(other.response && ward_response_code(other.response) == WARD_OK);
    CHECK_BODY(other.response, "7");

    /* ...and its destruction cancels a kept responder too; on_cancel then runs at once. */
    {
        async_result last;
        probe late;
        probe_init(&late);
        async_result_init(&last);
        invoke_async_from_webview(app, "side", 17, "/keep", "{}", &last);
        CHECK(probe_wait(&p, &p.entered, 4, 5000));
        responder = p.kept;
        CHECK(ward_app_webview_destroyed(app, "side", 4) == WARD_OK);
        CHECK(async_result_wait_ms(&last, 5000));
        check_cancelled_response(last.response);
        CHECK(ward_responder_is_cancelled(responder) == 1);
        CHECK(ward_responder_wait_cancelled(responder, 10000) == 1);
        CHECK(ward_responder_on_cancel(responder, count_cancel, &late, count_cancel_free) == WARD_OK);
        CHECK(late.cancel_runs == 1 && late.cancel_frees == 1 && late.cancel_runs_at_free == 1);
        CHECK(ward_responder_reject_message(responder, "late", 4) == WARD_ERR_ALREADY_ANSWERED);
        CHECK(last.done_calls == 1);
        async_result_destroy(&last);
        probe_destroy(&late);
    }

    CHECK(ward_app_webview_navigated(app, "bad label!", 10) == WARD_ERR_INVALID_NAME);
    CHECK_LAST_ERROR(WARD_ERR_INVALID_NAME, "webview");
    CHECK(ward_app_webview_destroyed(app, "", 0) == WARD_ERR_INVALID_NAME);
    CHECK(ward_app_webview_created(app, "bad label!", 10, LABEL, 4) == WARD_ERR_INVALID_NAME);
    CHECK(ward_app_webview_navigated(NULL, LABEL, 4) == WARD_ERR_INVALID_ARGUMENT);
    ward_app_free(app);
    async_result_destroy(&kept);
    async_result_destroy(&waiting);
    async_result_destroy(&other);
    probe_destroy(&answered);
    probe_destroy(&p);
}

/* --- a synchronous command blocked in its call -------------------------------------------- */

/* ward_app_invoke on a thread of its own, for a synchronous command that blocks in its call. No
 * CHECK here (the counters are not thread-safe): the test checks what it recorded. */
typedef struct invoke_thread {
    ward_app *app;
    const char *label;
    uint32_t callback;
    const char *path;
    ward_status status;
    ward_response *response;
    pthread_t thread;
    int started;
} invoke_thread;

static void *invoke_thread_run(void *arg) {
    invoke_thread *call = (invoke_thread *)arg;
    test_request t;
    size_t key_len = 0;
    const char *key = ward_app_invoke_key(call->app, &key_len);
    call->status = ward_app_invoke(
        call->app, make_request_from(&t, call->label, call->callback, call->path, "application/json", "{}", 2, key, key_len),
        &call->response);
    return NULL;
}

static void invoke_thread_start(invoke_thread *call, ward_app *app, const char *label, uint32_t callback,
                                const char *path) {
    memset(call, 0, sizeof *call);
    call->app = app;
    call->label = label;
    call->callback = callback;
    call->path = path;
    call->status = WARD_ERR_INTERNAL;
    call->started = pthread_create(&call->thread, NULL, invoke_thread_run, call) == 0;
    CHECK(call->started);
}

static void invoke_thread_join(invoke_thread *call) {
    if (call->started) pthread_join(call->thread, NULL);
    call->started = 0;
    CHECK(call->status == WARD_OK);
}

/* Answers on a thread of its own and waits for it: the answer arrives while the handler runs. */
static void *answer_forty_two(void *arg) {
    ((probe *)arg)->late_answer = ward_responder_resolve_json(((probe *)arg)->kept, "42", 2);
    return NULL;
}
static void answer_from_other_thread(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    probe *p = (probe *)user_data;
    pthread_t thread;
    (void)inv;
    p->kept = responder;
    if (pthread_create(&thread, NULL, answer_forty_two, p) != 0) {
        ward_responder_reject_message(responder, "no thread", strlen("no thread"));
        return;
    }
    pthread_join(thread, NULL);
    probe_add(p, &p->finished, 1);
}

static void test_blocked_sync_command(void) {
    probe p, other;
    ward_builder *builder;
    ward_app *app;
    ward_response *response;
    invoke_thread call;

    probe_init(&p);
    probe_init(&other);
    builder = new_builder();
    CHECK(add_command(builder, "wait_cancel", wait_for_cancel, &p, NULL) == WARD_OK);
    CHECK(add_command(builder, "elsewhere", answer_from_other_thread, &other, NULL) == WARD_OK);
    app = build(builder);

    /* Answered on another thread while the handler still runs: that answer is the response. */
    response = invoke_from_webview(app, LABEL, 51, "/elsewhere", "{}");
    CHECK(other.finished == 1 && other.late_answer == WARD_OK);
    CHECK(ward_response_code(response) == WARD_OK);
    CHECK(ward_response_callback_id(response) == 51 && ward_response_error_id(response) == 52);
    CHECK_BODY(response, "42");
    ward_response_free(response);

    /* The page cancels a synchronous handler blocked in its call; ward_app_invoke returns. */
    invoke_thread_start(&call, app, LABEL, 61, "/wait_cancel");
    CHECK(probe_wait(&p, &p.entered, 1, 5000));
    response = invoke_from_webview(app, "side", 70, "/plugin%3Award%7Ccancel", "{\"callback\":61}");
    CHECK_BODY(response, "false");
    ward_response_free(response);
    response = invoke_from_webview(app, LABEL, 72, "/plugin%3Award%7Ccancel", "{\"callback\":61}");
    CHECK_BODY(response, "true");
    ward_response_free(response);
    invoke_thread_join(&call);
    check_cancelled_response(call.response);
    CHECK(call.response != NULL && ward_response_error_id(call.response) == 62);
    ward_response_free(call.response);
    CHECK(probe_get(&p, &p.finished) == 1);
    CHECK(p.cancelled_at_start == 0 && p.registered == WARD_OK);
    CHECK(p.saw_cancelled == 1 && p.is_cancelled == 1);
    CHECK(p.late_answer == WARD_ERR_ALREADY_ANSWERED); /* exactly one answer: the cancellation */
    CHECK(p.cancel_runs == 1 && p.cancel_frees == 1 && p.cancel_runs_at_free == 1);
    response = invoke_from_webview(app, LABEL, 74, "/plugin%3Award%7Ccancel", "{\"callback\":61}");
    CHECK_BODY(response, "false"); /* nothing left in flight */
    ward_response_free(response);

    /* Shutdown cancels one too. */
    invoke_thread_start(&call, app, LABEL, 63, "/wait_cancel");
    CHECK(probe_wait(&p, &p.entered, 2, 5000));
    ward_app_shutdown(app);
    invoke_thread_join(&call);
    check_cancelled_response(call.response);
    ward_response_free(call.response);
    CHECK(probe_get(&p, &p.finished) == 2);
    CHECK(p.saw_cancelled == 1 && p.late_answer == WARD_ERR_ALREADY_ANSWERED);
    CHECK(p.cancel_runs == 2 && p.cancel_frees == 2);

    ward_app_free(app);
    probe_destroy(&other);
    probe_destroy(&p);
}

/* Responses and responders are freed on threads other than the ones that made them, and
 * threads that made or freed some exit (ward keeps a freed one per thread for reuse). */
typedef struct freeing_thread {
    ward_app *app;
    ward_response *to_free;  /* freed on the thread */
    ward_response *made;     /* invoked on the thread, freed by the caller */
    ward_status status;
    int body_ok;
} freeing_thread;

static void *free_and_invoke(void *arg) {
    freeing_thread *t = (freeing_thread *)arg;
    test_request request;
    size_t key_len = 0, len = 0;
    const char *key = ward_app_invoke_key(t->app, &key_len);
    const uint8_t *body;
    ward_response_free(t->to_free);
    t->status = ward_app_invoke(t->app,
                                make_request_from(&request, LABEL, 7, "/greet", "application/json",
                                                  "{\"name\":\"thread\"}", 17, key, key_len),
                                &t->made);
    body = t->status == WARD_OK ? ward_response_body(t->made, &len) : NULL;
    t->body_ok = body != NULL && len == 16 && memcmp(body, "\"Hello, thread!\"", 16) == 0;
    return NULL;
}

static void test_objects_across_threads(void) {
    deferred_call call;
    greet_seen seen;
    ward_builder *builder = new_builder();
    ward_app *app;
    int round;
    deferred_call_init(&call);
    memset(&seen, 0, sizeof seen);
    CHECK(add_command(builder, "greet", greet, &seen, NULL) == WARD_OK);
    CHECK(add_command(builder, "later", deferred, &call, NULL) == WARD_OK);
    app = build(builder);
    for (round = 0; round < 4; ++round) {
        freeing_thread t;
        pthread_t thread;
        ward_response *response;
        memset(&t, 0, sizeof t);
        t.app = app;
        t.to_free = invoke_json(app, "/greet", "{\"name\":\"main\"}");
        CHECK(pthread_create(&thread, NULL, free_and_invoke, &t) == 0);
        pthread_join(thread, NULL); /* the thread exits holding a freed response */
        CHECK(t.status == WARD_OK && t.body_ok);
        CHECK_BODY(t.made, "\"Hello, thread!\"");
        ward_response_free(t.made);
        /* a responder made here, answered and freed on another thread */
        response = invoke_json(app, "/later", "{}");
        CHECK_BODY(response, "42");
        ward_response_free(response);
        deferred_call_join(&call);
    }
    ward_app_free(app);
    deferred_call_destroy(&call);
}

/* --- shutdown ----------------------------------------------------------------------------- */

/* Works for a while whatever happens, then answers. */
static void slow_work(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    probe *p = (probe *)user_data;
    (void)inv;
    probe_add(p, &p->entered, 1);
    sleep_ms(300);
    probe_add(p, &p->finished, 1);
    p->late_answer = ward_responder_resolve_json(responder, "\"slow\"", 6);
}

static void test_shutdown_in_flight(void) {
    probe p;
    ward_builder *builder;
    ward_app *app;
    ward_response *response;
    async_result pending, kept;

    probe_init(&p);
    counter_init(&command_frees);
    async_result_init(&pending);
    async_result_init(&kept);
    builder = new_live_builder(NULL, 2, 0);
    CHECK(add_async_command(builder, "slow", slow_work, &p, count_command_free) == WARD_OK);
    app = build(builder);

    invoke_async_from_webview(app, LABEL, 21, "/slow", "{}", &pending);
    CHECK(probe_wait(&p, &p.entered, 1, 5000));
    ward_app_free(app); /* cancels the invoke, then waits for the handler */
    CHECK(probe_get(&p, &p.finished) == 1);
    CHECK(pending.done_calls == 1);
    check_cancelled_response(pending.response);
    CHECK(pending.freed == 1);
    CHECK(p.late_answer == WARD_ERR_ALREADY_ANSWERED);
    CHECK(counter_get(&command_frees) == 1); /* nothing of the app left behind */

    /* ward_app_shutdown: later requests are answered WARD_ERR_CLOSED; it is idempotent. */
    builder = new_live_builder(NULL, 1, 0);
    CHECK(add_command(builder, "keep", keep_responder, &p, count_command_free) == WARD_OK);
    app = build(builder);
    invoke_async_from_webview(app, LABEL, 23, "/keep", "{}", &kept);
    CHECK(probe_wait(&p, &p.entered, 2, 5000));
    ward_app_shutdown(app);
    CHECK(async_result_wait_ms(&kept, 5000));
    check_cancelled_response(kept.response);
    CHECK(ward_responder_is_cancelled(p.kept) == 1);
    ward_app_shutdown(app);
    response = invoke_json(app, "/keep", "{}");
    CHECK(ward_response_code(response) == WARD_ERR_CLOSED);
    ward_response_free(response);
    CHECK(probe_get(&p, &p.entered) == 2);
    ward_app_free(app);
    /* A responder kept past the app's end is still safe to answer (the answer is dropped). */
    CHECK(ward_responder_resolve_json(p.kept, "1", 1) == WARD_ERR_ALREADY_ANSWERED);
    CHECK(counter_get(&command_frees) == 2);

    async_result_destroy(&pending);
    async_result_destroy(&kept);
    counter_destroy(&command_frees);
    probe_destroy(&p);
}

/* --- events ------------------------------------------------------------------------------- */

/* Registers a page listener the way @tauri-apps/api does; returns its id. */
static uint64_t page_listen(ward_app *app, const char *webview, const char *event, const char *target_json,
                            uint32_t handler) {
    char body[512];
    ward_response *response;
    uint64_t id;
    snprintf(body, sizeof body, "{\"event\":\"%s\",\"target\":%s,\"handler\":%lu}", event, target_json,
             (unsigned long)handler);
    response = invoke_from_webview(app, webview, 100 + handler, "/plugin%3Aevent%7Clisten", body);
    CHECK(ward_response_code(response) == WARD_OK);
    id = response_number(response);
    CHECK(response_is_number(response));
    ward_response_free(response);
    return id;
}

/* The delivery is this event, to this webview, for this page handler. */
#define CHECK_EVENT(d, webview_, handler_, name_, id_, payload_) \
    check_event_((d), (webview_), (handler_), (name_), (id_), (payload_), __FILE__, __LINE__)

/* `member` ("key":value) is a whole member of the flat object `json`: after { or , and before , or }. */
static int json_member_(const char *json, const char *member) {
    const char *at = strstr(json, member);
    size_t len = strlen(member);
    while (at != NULL) {
        if ((at[-1] == '{' || at[-1] == ',') && (at[len] == ',' || at[len] == '}')) return 1;
        at = strstr(at + 1, member);
    }
    return 0;
}

static void check_event_(const recorded_delivery *d, const char *webview, uint32_t handler, const char *name,
                         uint64_t id, const char *payload, const char *file, int line) {
    /* {"event":name,"id":id,"payload":payload}, its three members in any order (JSON objects are unordered). */
    char expected[512], event_member[128], id_member[64], payload_member[256];
    int ok;
    snprintf(expected, sizeof expected, "{\"event\":\"%s\",\"id\":%llu,\"payload\":%s}", name, (unsigned long long)id,
             payload);
    snprintf(event_member, sizeof event_member, "\"event\":\"%s\"", name);
    snprintf(id_member, sizeof id_member, "\"id\":%llu", (unsigned long long)id);
    snprintf(payload_member, sizeof payload_member, "\"payload\":%s", payload);
    ok = d != NULL && strcmp(d->webview, webview) == 0 && d->kind == WARD_DELIVERY_EVENT && d->callback == handler &&
         d->raw == 0 && d->body_len == strlen(expected) && d->body[0] == '{' && d->body[d->body_len - 1] == '}' &&
         json_member_(d->body, event_member) && json_member_(d->body, id_member) && json_member_(d->body, payload_member);
    check_(ok, "delivery is the expected event", file, line);
    if (!ok) {
        fprintf(stderr, "  expected %s <- %lu %s\n", webview, (unsigned long)handler, expected);
        if (d) fprintf(stderr, "  got      %s <- %lu kind %d %s\n", d->webview, (unsigned long)d->callback, (int)d->kind, d->body);
        else fprintf(stderr, "  got      nothing\n");
    }
}

static void test_events_to_page(void) {
    delivery_log log;
    ward_builder *builder;
    ward_app *app;
    ward_response *response;
    uint64_t progress, other;
    char body[256];

    delivery_log_init(&log);
    builder = new_live_builder(&log, 1, 0);
    app = build(builder);
    CHECK(ward_app_webview_created(app, LABEL, 4, LABEL, 4) == WARD_OK);

    progress = page_listen(app, LABEL, "progress", "{\"kind\":\"Any\"}", 77);
    CHECK(ward_app_emit(app, "progress", 8, "1", 1) == WARD_OK);
    CHECK(ward_app_emit(app, "progress", 8, "{\"step\":2}", 10) == WARD_OK);
    CHECK(ward_app_emit(app, "progress", 8, "\"three\"", 7) == WARD_OK);
    CHECK(delivery_log_wait(&log, 3, 5000));
    CHECK_EVENT(delivery_to(&log, LABEL, 0), LABEL, 77, "progress", progress, "1");
    CHECK_EVENT(delivery_to(&log, LABEL, 1), LABEL, 77, "progress", progress, "{\"step\":2}");
    CHECK_EVENT(delivery_to(&log, LABEL, 2), LABEL, 77, "progress", progress, "\"three\"");

    /* A page emit (plugin:event|emit) reaches the page listeners too. */
    response = invoke_from_webview(app, LABEL, 30, "/plugin%3Aevent%7Cemit", "{\"event\":\"progress\",\"payload\":4}");
    CHECK(ward_response_code(response) == WARD_OK);
    ward_response_free(response);
    CHECK(delivery_log_wait(&log, 4, 5000));
    CHECK_EVENT(delivery_to(&log, LABEL, 3), LABEL, 77, "progress", progress, "4");

    /* Unlistened: the next emit delivers nothing, which a later event to another listener shows. */
    snprintf(body, sizeof body, "{\"event\":\"progress\",\"eventId\":%llu}", (unsigned long long)progress);
    response = invoke_from_webview(app, LABEL, 32, "/plugin%3Aevent%7Cunlisten", body);
    CHECK(ward_response_code(response) == WARD_OK);
    ward_response_free(response);
    other = page_listen(app, LABEL, "other", "{\"kind\":\"Any\"}", 78);
    CHECK(ward_app_emit(app, "progress", 8, "5", 1) == WARD_OK);
    CHECK(ward_app_emit(app, "other", 5, "null", 4) == WARD_OK);
    CHECK(delivery_log_wait(&log, 5, 5000));
    CHECK_EVENT(delivery_to(&log, LABEL, 4), LABEL, 78, "other", other, "null");

    /* ward_app_unlisten removes page listeners as well. */
    CHECK(ward_app_unlisten(app, other) == WARD_OK);
    CHECK(ward_app_unlisten(app, other) == WARD_ERR_INVALID_ARGUMENT);
    CHECK_LAST_ERROR(WARD_ERR_INVALID_ARGUMENT, NULL);

    /* A navigation removes the page's listeners. */
    other = page_listen(app, LABEL, "other", "{\"kind\":\"Any\"}", 79);
    CHECK(ward_app_webview_navigated(app, LABEL, 4) == WARD_OK);
    CHECK(ward_app_unlisten(app, other) == WARD_ERR_INVALID_ARGUMENT);
    other = page_listen(app, LABEL, "other", "{\"kind\":\"Any\"}", 80);
    CHECK(ward_app_emit(app, "other", 5, "6", 1) == WARD_OK);
    CHECK(delivery_log_wait(&log, 6, 5000));
    CHECK_EVENT(delivery_to(&log, LABEL, 5), LABEL, 80, "other", other, "6");

    /* Bad names and payloads. */
    CHECK(ward_app_emit(app, "bad name!", 9, "1", 1) == WARD_ERR_INVALID_NAME);
    CHECK_LAST_ERROR(WARD_ERR_INVALID_NAME, NULL);
    CHECK(ward_app_emit(app, "", 0, "1", 1) == WARD_ERR_INVALID_NAME);
    CHECK(ward_app_emit(app, "other", 5, "{oops", 5) != WARD_OK);
    CHECK(ward_app_emit(app, NULL, 3, "1", 1) == WARD_ERR_INVALID_ARGUMENT);
    response = invoke_from_webview(app, LABEL, 34, "/plugin%3Aevent%7Clisten",
                                   "{\"event\":\"no spaces\",\"target\":{\"kind\":\"Any\"},\"handler\":1}");
    CHECK(ward_response_code(response) != WARD_OK);
    ward_response_free(response);
    sleep_ms(50);
    CHECK(delivery_log_count(&log) == 6);

    ward_app_free(app);
    CHECK(log.frees == 1);
    CHECK(log.bad_struct == 0);
    delivery_log_destroy(&log);
}

/* emit_filter's filter: accepts targets labelled as user_data says, and counts what it saw. */
typedef struct filter_seen {
    int calls;
    int webview_targets;
    const char *label;
} filter_seen;

static int accept_label(const ward_event_target *target, void *user_data) {
    filter_seen *seen = (filter_seen *)user_data;
    ++seen->calls;
    if (target->struct_size == sizeof *target && target->kind == WARD_TARGET_WEBVIEW) ++seen->webview_targets;
    return equals(target->label, target->label_len, seen->label);
}

static void test_emit_to_targets(void) {
    delivery_log log;
    ward_builder *builder;
    ward_app *app;
    ward_event_target target;
    filter_seen seen;
    uint64_t on_main, on_side;

    delivery_log_init(&log);
    builder = new_live_builder(&log, 1, 0);
    app = build(builder);
    CHECK(ward_app_webview_created(app, "main", 4, "main", 4) == WARD_OK);
    CHECK(ward_app_webview_created(app, "side", 4, "side", 4) == WARD_OK);
    on_main = page_listen(app, "main", "ping", "{\"kind\":\"Webview\",\"label\":\"main\"}", 1);
    on_side = page_listen(app, "side", "ping", "{\"kind\":\"Webview\",\"label\":\"side\"}", 2);

    memset(&target, 0, sizeof target);
    target.struct_size = sizeof target;
    target.kind = WARD_TARGET_WEBVIEW;
    target.label = "side";
    target.label_len = 4;
    CHECK(ward_app_emit_to(app, &target, "ping", 4, "\"to side\"", 9) == WARD_OK);
    target.kind = WARD_TARGET_ANY_LABEL;
    target.label = "main";
    CHECK(ward_app_emit_to(app, &target, "ping", 4, "\"any label main\"", 16) == WARD_OK);
    target.kind = WARD_TARGET_WINDOW; /* no listener listens on a window target */
    CHECK(ward_app_emit_to(app, &target, "ping", 4, "\"window\"", 8) == WARD_OK);
    memset(&seen, 0, sizeof seen);
    seen.label = "main";
    CHECK(ward_app_emit_filter(app, "ping", 4, "\"filtered\"", 10, accept_label, &seen) == WARD_OK);
    CHECK(seen.calls >= 2 && seen.webview_targets == seen.calls);
    CHECK(ward_app_emit(app, "ping", 4, "\"all\"", 5) == WARD_OK);

    CHECK(delivery_log_wait(&log, 5, 5000));
    sleep_ms(50);
    CHECK(deliveries_to(&log, "main") == 3);
    CHECK(deliveries_to(&log, "side") == 2);
    CHECK_EVENT(delivery_to(&log, "main", 0), "main", 1, "ping", on_main, "\"any label main\"");
    CHECK_EVENT(delivery_to(&log, "main", 1), "main", 1, "ping", on_main, "\"filtered\"");
    CHECK_EVENT(delivery_to(&log, "main", 2), "main", 1, "ping", on_main, "\"all\"");
    CHECK_EVENT(delivery_to(&log, "side", 0), "side", 2, "ping", on_side, "\"to side\"");
    CHECK_EVENT(delivery_to(&log, "side", 1), "side", 2, "ping", on_side, "\"all\"");

    /* Bad targets. */
    target.kind = (ward_event_target_kind)99;
    CHECK(ward_app_emit_to(app, &target, "ping", 4, "1", 1) == WARD_ERR_INVALID_ARGUMENT);
    CHECK_LAST_ERROR(WARD_ERR_INVALID_ARGUMENT, "kind");
    target.kind = WARD_TARGET_ANY;
    target.struct_size = sizeof target + 8;
    CHECK(ward_app_emit_to(app, &target, "ping", 4, "1", 1) == WARD_ERR_ABI_MISMATCH);
    CHECK(ward_app_emit_to(app, NULL, "ping", 4, "1", 1) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(ward_app_emit_filter(app, "ping", 4, "1", 1, NULL, NULL) == WARD_ERR_INVALID_ARGUMENT);

    ward_app_free(app);
    delivery_log_destroy(&log);
}

/* A backend listener: records the events it heard. */
typedef struct heard {
    pthread_mutex_t mutex;
    int calls;
    int frees;
    uint64_t last_listener;
    char last_name[64];
    char last_payload[128];
} heard;

static void heard_init(heard *h) {
    memset(h, 0, sizeof *h);
    pthread_mutex_init(&h->mutex, NULL);
}
static void heard_destroy(heard *h) { pthread_mutex_destroy(&h->mutex); }
static void hear(const ward_event *event, void *user_data) {
    heard *h = (heard *)user_data;
    pthread_mutex_lock(&h->mutex);
    ++h->calls;
    h->last_listener = event->listener;
    snprintf(h->last_name, sizeof h->last_name, "%.*s", (int)event->name_len, event->name);
    snprintf(h->last_payload, sizeof h->last_payload, "%.*s", (int)event->payload_len, event->payload_json);
    pthread_mutex_unlock(&h->mutex);
}
static void heard_free(void *user_data) {
    heard *h = (heard *)user_data;
    pthread_mutex_lock(&h->mutex);
    ++h->frees;
    pthread_mutex_unlock(&h->mutex);
}

static void test_backend_listeners(void) {
    ward_builder *builder;
    ward_app *app;
    heard always, once, windowed, never, kept;
    uint64_t always_id = 7, once_id = 7, windowed_id = 7, never_id = 7, kept_id = 7;
    ward_event_target target;
    char long_name[300];

    heard_init(&always);
    heard_init(&once);
    heard_init(&windowed);
    heard_init(&never);
    heard_init(&kept);
    builder = new_live_builder(NULL, 1, 0);
    app = build(builder);

    CHECK(ward_app_listen(app, "tick", 4, NULL, 0, hear, &always, heard_free, &always_id) == WARD_OK);
    CHECK(ward_app_listen(app, "tick", 4, NULL, 1, hear, &once, heard_free, &once_id) == WARD_OK);
    memset(&target, 0, sizeof target);
    target.struct_size = sizeof target;
    target.kind = WARD_TARGET_WINDOW;
    target.label = "main";
    target.label_len = 4;
    CHECK(ward_app_listen(app, "tick", 4, &target, 0, hear, &windowed, heard_free, &windowed_id) == WARD_OK);
    CHECK(ward_app_listen(app, "tock", 4, NULL, 0, hear, &kept, heard_free, &kept_id) == WARD_OK);
    CHECK(always_id != once_id && once_id != windowed_id && always_id != windowed_id && windowed_id != kept_id);

    CHECK(ward_app_emit(app, "tick", 4, "{\"n\":1}", 7) == WARD_OK);
    CHECK(always.calls == 1 && always.last_listener == always_id);
    CHECK(strcmp(always.last_name, "tick") == 0 && strcmp(always.last_payload, "{\"n\":1}") == 0);
    CHECK(once.calls == 1 && once.last_listener == once_id);
    CHECK(once.frees == 1); /* removed after its first event */
    CHECK(windowed.calls == 1); /* an emit to every target reaches a listener on a window too */
    CHECK(ward_app_emit(app, "tick", 4, "2", 1) == WARD_OK);
    CHECK(always.calls == 2 && once.calls == 1 && once.frees == 1);
    CHECK(ward_app_unlisten(app, once_id) == WARD_ERR_INVALID_ARGUMENT);

    target.label = "other";
    target.label_len = 5;
    CHECK(ward_app_emit_to(app, &target, "tick", 4, "3", 1) == WARD_OK);
    CHECK(windowed.calls == 2 && always.calls == 3); /* Any hears every emit; the window listener not this one */
    target.label = "main";
    target.label_len = 4;
    CHECK(ward_app_emit_to(app, &target, "tick", 4, "4", 1) == WARD_OK);
    CHECK(windowed.calls == 3 && strcmp(windowed.last_payload, "4") == 0 && always.calls == 4);

    CHECK(ward_app_unlisten(app, always_id) == WARD_OK);
    CHECK(always.frees == 1);
    CHECK(ward_app_unlisten(app, always_id) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(ward_app_emit(app, "tick", 4, "5", 1) == WARD_OK);
    CHECK(always.calls == 4 && always.frees == 1 && windowed.calls == 4);

    /* Failures leave user_data to the caller. */
    CHECK(ward_app_listen(app, "no spaces", 9, NULL, 0, hear, &never, heard_free, &never_id) == WARD_ERR_INVALID_NAME);
    CHECK_LAST_ERROR(WARD_ERR_INVALID_NAME, NULL);
    CHECK(never_id == 7); /* untouched on failure */
    memset(long_name, 'a', sizeof long_name);
    CHECK(ward_app_listen(app, long_name, 257, NULL, 0, hear, &never, heard_free, NULL) == WARD_ERR_INVALID_NAME);
    CHECK(ward_app_listen(app, long_name, 256, NULL, 0, hear, &never, heard_free, NULL) == WARD_OK);
    CHECK(ward_app_listen(app, "tick", 4, NULL, 0, NULL, &never, heard_free, NULL) == WARD_ERR_INVALID_ARGUMENT);
    target.kind = (ward_event_target_kind)-1;
    CHECK(ward_app_listen(app, "tick", 4, &target, 0, hear, &never, heard_free, NULL) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(never.frees == 0);

    /* The app's end removes what is left, freeing each user_data once. */
    ward_app_free(app);
    CHECK(windowed.frees == 1 && kept.frees == 1 && never.frees == 1);
    CHECK(always.frees == 1 && once.frees == 1);
    CHECK(kept.calls == 0);
    heard_destroy(&always);
    heard_destroy(&once);
    heard_destroy(&windowed);
    heard_destroy(&never);
    heard_destroy(&kept);
}

/* --- posting ------------------------------------------------------------------------------ */

static ward_app *posting_app; /* for handlers that emit */

/* Emits "progress" to the app, then answers: the event must reach the page first. */
static void emit_then_answer(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    (void)inv, (void)user_data;
    CHECK(ward_app_emit(posting_app, "progress", 8, "\"half\"", 6) == WARD_OK);
    ward_responder_resolve_json(responder, "\"whole\"", 7);
}

static void test_post(void) {
    delivery_log log;
    ward_builder *builder;
    ward_app *app;
    test_request t;
    size_t key_len = 0;
    const char *key;
    const recorded_delivery *d;
    uint64_t listener;
    char message[512];
    ward_message_request message_request;

    delivery_log_init(&log);
    builder = new_live_builder(&log, 1, 0);
    CHECK(add_command(builder, "emit_then_answer", emit_then_answer, NULL, NULL) == WARD_OK);
    CHECK(add_command(builder, "reject", reject_fixed, (void *)"{\"code\":1}", NULL) == WARD_OK);
    app = build(builder);
    posting_app = app;
    key = ward_app_invoke_key(app, &key_len);
    listener = page_listen(app, LABEL, "progress", "{\"kind\":\"Any\"}", 9);

    CHECK(ward_app_post(app, make_request_from(&t, LABEL, 300, "/emit_then_answer", "application/json", "{}", 2, key,
                                               key_len)) == WARD_OK);
    CHECK(delivery_log_wait(&log, 2, 5000));
    CHECK(ward_app_post(app, make_request_from(&t, LABEL, 302, "/reject", "application/json", "{}", 2, key, key_len)) ==
          WARD_OK);
    CHECK(delivery_log_wait(&log, 3, 5000));
    CHECK(ward_app_post(app, make_request_from(&t, LABEL, 304, "/nope", "application/json", "{}", 2, key, key_len)) ==
          WARD_OK);
    CHECK(delivery_log_wait(&log, 4, 5000));
    CHECK(ward_app_post(app, make_request_from(&t, LABEL, 306, "/reject", "application/json", "{}", 2, "bad", 3)) ==
          WARD_OK);
    CHECK(delivery_log_wait(&log, 5, 5000));
    CHECK_EVENT(delivery_to(&log, LABEL, 0), LABEL, 9, "progress", listener, "\"half\"");
    d = delivery_to(&log, LABEL, 1);
    CHECK(d && d->kind == WARD_DELIVERY_REPLY && d->callback == 300 && d->ok == 1 && d->raw == 0 &&
          strcmp(d->body, "\"whole\"") == 0);
    d = delivery_to(&log, LABEL, 2);
    CHECK(d && d->kind == WARD_DELIVERY_REPLY && d->callback == 303 && d->ok == 0 && strcmp(d->body, "{\"code\":1}") == 0);
    d = delivery_to(&log, LABEL, 3);
    CHECK(d && d->kind == WARD_DELIVERY_REPLY && d->callback == 305 && d->ok == 0 &&
          strcmp(d->body, "\"Command nope not found\"") == 0);
    d = delivery_to(&log, LABEL, 4);
    CHECK(d && d->kind == WARD_DELIVERY_REPLY && d->callback == 307 && d->ok == 0);

    /* The postMessage form. */
    snprintf(message, sizeof message,
             "{\"cmd\":\"reject\",\"callback\":310,\"error\":311,\"payload\":{},\"__TAURI_INVOKE_KEY__\":\"%.*s\"}",
             (int)key_len, key);
    memset(&message_request, 0, sizeof message_request);
    message_request.struct_size = sizeof message_request;
    message_request.origin = ORIGIN;
    message_request.origin_len = strlen(ORIGIN);
    message_request.window = LABEL;
    message_request.window_len = 4;
    message_request.webview = LABEL;
    message_request.webview_len = 4;
    message_request.message = message;
    message_request.message_len = strlen(message);
    CHECK(ward_app_post_message(app, &message_request) == WARD_OK);
    CHECK(delivery_log_wait(&log, 6, 5000));
    d = delivery_to(&log, LABEL, 5);
    CHECK(d && d->kind == WARD_DELIVERY_REPLY && d->callback == 311 && d->ok == 0 && strcmp(d->body, "{\"code\":1}") == 0);
    CHECK(ward_app_post(app, NULL) == WARD_ERR_INVALID_ARGUMENT);
    ward_app_free(app);
    posting_app = NULL;
    CHECK(log.frees == 1);
    delivery_log_destroy(&log);

    /* Without a delivery callback there is nowhere to post to. */
    builder = new_live_builder(NULL, 1, 0);
    CHECK(add_command(builder, "reject", reject_fixed, (void *)"{\"code\":1}", NULL) == WARD_OK);
    app = build(builder);
    key = ward_app_invoke_key(app, &key_len);
    CHECK(ward_app_post(app, make_request_from(&t, LABEL, 300, "/reject", "application/json", "{}", 2, key, key_len)) ==
          WARD_ERR_INVALID_ARGUMENT);
    CHECK_LAST_ERROR(WARD_ERR_INVALID_ARGUMENT, NULL);
    ward_app_free(app);
}

/* --- channels ----------------------------------------------------------------------------- */

#define STREAM_MESSAGES 1000

typedef struct stream_outcome {
    uint32_t channel_id;
    ward_status sends;        /* the first failed send, or WARD_OK */
    ward_status missing;      /* ward_invocation_channel of an absent key */
    ward_status not_channel;  /* ... of a key that is no channel */
    char missing_message[256];
    ward_status after_close;  /* a send after ward_channel_close */
    ward_channel *kept;       /* a channel kept after the handler returned */
} stream_outcome;

static stream_outcome the_stream;

/* Sends STREAM_MESSAGES JSON messages {"i":k}, then raw bytes 1 2 3, then releases the channel. */
static void stream(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    stream_outcome *out = (stream_outcome *)user_data;
    ward_channel *channel = NULL;
    ward_channel *unused = NULL;
    static const uint8_t raw[3] = {1, 2, 3};
    char message[32];
    int i;

    out->missing = ward_invocation_channel(inv, "absent", 6, &unused);
    snprintf(out->missing_message, sizeof out->missing_message, "%s", ward_last_error_message(NULL));
    out->not_channel = ward_invocation_channel(inv, "label", 5, &unused);
    if (ward_invocation_channel(inv, "onEvent", 7, &channel) != WARD_OK) {
        ward_responder_reject_message(responder, "no channel", 10);
        return;
    }
    out->channel_id = ward_channel_id(channel);
    out->sends = WARD_OK;
    for (i = 0; i < STREAM_MESSAGES && out->sends == WARD_OK; ++i) {
        snprintf(message, sizeof message, "{\"i\":%d}", i);
        out->sends = ward_channel_send_json(channel, message, strlen(message), UINT64_MAX);
    }
    if (out->sends == WARD_OK) out->sends = ward_channel_send_bytes(channel, raw, sizeof raw, UINT64_MAX);
    if (out->sends == WARD_OK && ward_channel_send_json(channel, "{nope", 5, UINT64_MAX) == WARD_OK) out->sends = WARD_ERR_INTERNAL;
    ward_channel_free(channel);
    ward_responder_resolve_json(responder, "null", 4);
}

/* Keeps the channel for the test to use after the handler returned. */
static void keep_channel(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    stream_outcome *out = (stream_outcome *)user_data;
    out->kept = NULL;
    if (ward_invocation_channel(inv, "onEvent", 7, &out->kept) != WARD_OK) {
        ward_responder_reject_message(responder, "no channel", 10);
        return;
    }
    ward_responder_resolve_json(responder, "null", 4);
}

static void test_channels(void) {
    delivery_log log;
    ward_builder *builder;
    ward_app *app;
    ward_response *response;
    size_t i;
    int in_order = 1;
    const recorded_delivery *d;
    char expected[32];

    delivery_log_init(&log);
    memset(&the_stream, 0, sizeof the_stream);
    builder = new_live_builder(&log, 1, 0);
    CHECK(add_command(builder, "stream", stream, &the_stream, NULL) == WARD_OK);
    CHECK(add_command(builder, "keep_channel", keep_channel, &the_stream, NULL) == WARD_OK);
    app = build(builder);

    response = invoke_json(app, "/stream", "{\"onEvent\":\"__CHANNEL__:7\",\"label\":\"hello\"}");
    CHECK(ward_response_code(response) == WARD_OK);
    ward_response_free(response);
    CHECK(the_stream.channel_id == 7);
    CHECK(the_stream.sends == WARD_OK);
    CHECK(the_stream.missing == WARD_ERR_INVALID_ARGS && strstr(the_stream.missing_message, "absent") != NULL);
    CHECK(the_stream.not_channel == WARD_ERR_INVALID_ARGS);

    CHECK(delivery_log_wait(&log, STREAM_MESSAGES + 2, 10000));
    for (i = 0; i < STREAM_MESSAGES && in_order; ++i) {
        d = delivery_to(&log, LABEL, i);
        snprintf(expected, sizeof expected, "{\"i\":%d}", (int)i);
        in_order = d && d->kind == WARD_DELIVERY_CHANNEL && d->callback == 7 && d->index == i && d->end == 0 &&
                   d->raw == 0 && strcmp(d->body, expected) == 0;
        if (!in_order) fprintf(stderr, "channel message %d is wrong: %s\n", (int)i, d ? d->body : "(none)");
    }
    CHECK(in_order);
    d = delivery_to(&log, LABEL, STREAM_MESSAGES);
    CHECK(d && d->kind == WARD_DELIVERY_CHANNEL && d->index == STREAM_MESSAGES && d->raw == 1 && d->end == 0 &&
          d->body_len == 3 && memcmp(d->body, "\x01\x02\x03", 3) == 0);
    d = delivery_to(&log, LABEL, STREAM_MESSAGES + 1);
    CHECK(d && d->kind == WARD_DELIVERY_CHANNEL && d->callback == 7 && d->end == 1 && d->index == STREAM_MESSAGES + 1);
    sleep_ms(50);
    CHECK(delivery_log_count(&log) == STREAM_MESSAGES + 2); /* one end message, nothing after it */

    /* A channel kept past the handler: close sends the end at once, later sends fail. */
    response = invoke_json(app, "/keep_channel", "{\"onEvent\":\"__CHANNEL__:8\"}");
    CHECK(ward_response_code(response) == WARD_OK);
    ward_response_free(response);
    CHECK(the_stream.kept != NULL);
    CHECK(ward_channel_send_json(the_stream.kept, "\"later\"", 7, 0) == WARD_OK);
    ward_channel_close(the_stream.kept);
    CHECK(ward_channel_send_json(the_stream.kept, "\"closed\"", 8, 0) == WARD_ERR_CLOSED);
    CHECK_LAST_ERROR(WARD_ERR_CLOSED, NULL);
    CHECK(delivery_log_wait(&log, STREAM_MESSAGES + 4, 5000));
    d = delivery_to(&log, LABEL, STREAM_MESSAGES + 2);
    CHECK(d && d->callback == 8 && d->index == 0 && strcmp(d->body, "\"later\"") == 0);
    d = delivery_to(&log, LABEL, STREAM_MESSAGES + 3);
    CHECK(d && d->callback == 8 && d->end == 1 && d->index == 1);
    ward_channel_free(the_stream.kept);
    sleep_ms(50);
    CHECK(delivery_log_count(&log) == STREAM_MESSAGES + 4); /* no second end message */

    /* A navigation closes the page's channels. */
    response = invoke_json(app, "/keep_channel", "{\"onEvent\":\"__CHANNEL__:9\"}");
    ward_response_free(response);
    CHECK(ward_app_webview_navigated(app, LABEL, 4) == WARD_OK);
    CHECK(ward_channel_send_json(the_stream.kept, "1", 1, 0) == WARD_ERR_CLOSED);
    ward_channel_free(the_stream.kept);

    CHECK(ward_channel_send_json(NULL, "1", 1, 0) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(ward_channel_queued(NULL) == 0);
    ward_channel_close(NULL);
    ward_channel_free(NULL);
    ward_app_free(app);
    delivery_log_destroy(&log);
}

static void test_channel_backpressure(void) {
    delivery_log log;
    ward_builder *builder;
    ward_app *app;
    ward_response *response;
    ward_delivery_options options;
    ward_status status = WARD_OK;
    int sent = 0;
    struct timespec before, after;
    long waited_ms;

    delivery_log_init(&log);
    memset(&the_stream, 0, sizeof the_stream);
    builder = new_live_builder(&log, 1, 0);
    memset(&options, 0, sizeof options);
    options.struct_size = sizeof options;
    options.channel_capacity = 2;
    CHECK(ward_builder_set_delivery_options(builder, &options) == WARD_OK);
    CHECK(add_command(builder, "keep_channel", keep_channel, &the_stream, NULL) == WARD_OK);
    app = build(builder);
    response = invoke_json(app, "/keep_channel", "{\"onEvent\":\"__CHANNEL__:3\"}");
    CHECK(ward_response_code(response) == WARD_OK);
    ward_response_free(response);
    CHECK(the_stream.kept != NULL);

    /* The host's callback is stuck on the first message: the channel fills up. (Whether the message
     * inside the callback still counts against the capacity is the library's choice: 1 or 2 fit.) */
    delivery_log_hold(&log, 1);
    CHECK(ward_channel_send_json(the_stream.kept, "0", 1, 0) == WARD_OK);
    CHECK(delivery_log_wait_holding(&log, 5000));
    while (sent < 10 && (status = ward_channel_send_json(the_stream.kept, "1", 1, 0)) == WARD_OK) ++sent;
    CHECK(status == WARD_ERR_BUSY);
    CHECK_LAST_ERROR(WARD_ERR_BUSY, NULL);
    CHECK(sent == 1 || sent == 2);
    CHECK(ward_channel_queued(the_stream.kept) == 2); /* full: exactly the capacity, never more */
    CHECK(ward_channel_send_bytes(the_stream.kept, (const uint8_t *)"x", 1, 0) == WARD_ERR_BUSY);
    clock_gettime(CLOCK_MONOTONIC, &before);
    CHECK(ward_channel_send_json(the_stream.kept, "2", 1, 100) == WARD_ERR_BUSY); /* waits, then gives up */
    clock_gettime(CLOCK_MONOTONIC, &after);
    waited_ms = (after.tv_sec - before.tv_sec) * 1000L + (after.tv_nsec - before.tv_nsec) / 1000000L;
    CHECK(waited_ms >= 90);

    /* Once the consumer catches up, a waiting send goes through. */
    delivery_log_hold(&log, 0);
    CHECK(ward_channel_send_json(the_stream.kept, "3", 1, UINT64_MAX) == WARD_OK);
    ward_channel_free(the_stream.kept);
    /* 0, `sent` times 1, 3, end: nothing lost, nothing doubled, in order. */
    CHECK(delivery_log_wait(&log, (size_t)sent + 3, 5000));
    sleep_ms(50);
    CHECK(delivery_log_count(&log) == (size_t)sent + 3);
    CHECK(strcmp(log.items[0].body, "0") == 0 && log.items[0].index == 0);
    CHECK(strcmp(log.items[sent].body, "1") == 0 && log.items[sent].index == (uint64_t)sent);
    CHECK(strcmp(log.items[sent + 1].body, "3") == 0 && log.items[sent + 1].index == (uint64_t)sent + 1);
    CHECK(log.items[sent + 2].end == 1 && log.items[sent + 2].index == (uint64_t)sent + 2);
    ward_app_free(app);
    delivery_log_destroy(&log);
}

/* --- resources ---------------------------------------------------------------------------- */

typedef struct c_resource {
    int value;
    counter *frees;
} c_resource;

static void free_c_resource(void *resource) {
    c_resource *r = (c_resource *)resource;
    counter_bump(r->frees);
    free(r);
}

static counter resource_frees;

/* Adds a resource {value: args.value} and answers its id. */
static void add_resource(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    size_t len = 0;
    const char *args = ward_invocation_args_json(inv, &len);
    c_resource *r = (c_resource *)malloc(sizeof *r);
    uint64_t rid = 0;
    char answer[32];
    (void)user_data;
    r->value = (int)json_number_field(args, len, "value");
    r->frees = &resource_frees;
    if (ward_invocation_add_resource(inv, r, free_c_resource, &rid) != WARD_OK) {
        free(r);
        ward_responder_reject_message(responder, "add failed", 10);
        return;
    }
    snprintf(answer, sizeof answer, "%llu", (unsigned long long)rid);
    ward_responder_resolve_json(responder, answer, strlen(answer));
}

/* Answers the value of resource args.rid; with args.close, closes it first and reads it after. */
static void get_resource(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    size_t len = 0;
    const char *args = ward_invocation_args_json(inv, &len);
    uint64_t rid = json_number_field(args, len, "rid");
    void *found = NULL;
    char answer[64];
    (void)user_data;
    if (ward_invocation_resource(inv, rid, &found) != WARD_OK) {
        ward_responder_reject_message(responder, ward_status_name(ward_last_error_code()),
                                      strlen(ward_status_name(ward_last_error_code())));
        return;
    }
    if (json_number_field(args, len, "close") == 1) {
        CHECK(ward_invocation_close_resource(inv, rid) == WARD_OK);
        CHECK(ward_invocation_close_resource(inv, rid) == WARD_ERR_INVALID_ARGUMENT);
    }
    snprintf(answer, sizeof answer, "%d", ((c_resource *)found)->value); /* still valid after a close */
    ward_responder_resolve_json(responder, answer, strlen(answer));
}

static void close_resource(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    size_t len = 0;
    const char *args = ward_invocation_args_json(inv, &len);
    (void)user_data;
    if (ward_invocation_close_resource(inv, json_number_field(args, len, "rid")) != WARD_OK) {
        ward_responder_reject_message(responder, ward_status_name(ward_last_error_code()),
                                      strlen(ward_status_name(ward_last_error_code())));
        return;
    }
    ward_responder_resolve_json(responder, "null", 4);
}

static uint64_t add_from(ward_app *app, const char *webview, int value) {
    char body[64];
    ward_response *response;
    uint64_t rid;
    snprintf(body, sizeof body, "{\"value\":%d}", value);
    response = invoke_from_webview(app, webview, 50, "/add_resource", body);
    rid = response_number(response);
    CHECK(rid != 0 && rid < ((uint64_t)1 << 53));
    ward_response_free(response);
    return rid;
}

static ward_response *with_rid(ward_app *app, const char *webview, const char *path, uint64_t rid, int close) {
    char body[96];
    snprintf(body, sizeof body, "{\"rid\":%llu,\"close\":%d}", (unsigned long long)rid, close);
    return invoke_from_webview(app, webview, 60, path, body);
}

static void null_answer(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    int x = 1;
    uint64_t rid = 5;
    void *out = &x;
    (void)user_data;
    CHECK(ward_invocation_add_resource(inv, NULL, free_c_resource, &rid) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(rid == 0);
    CHECK(ward_invocation_add_resource(inv, &x, NULL, NULL) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(ward_invocation_resource(inv, 12345, &out) == WARD_ERR_INVALID_ARGUMENT);
    CHECK_LAST_ERROR(WARD_ERR_INVALID_ARGUMENT, "12345");
    CHECK(out == NULL);
    ward_responder_resolve_json(responder, "null", 4);
}

static void test_resources(void) {
    ward_builder *builder;
    ward_app *app;
    ward_response *response;
    uint64_t first, second, third, fourth;

    counter_init(&resource_frees);
    builder = new_live_builder(NULL, 1, 0);
    CHECK(add_command(builder, "add_resource", add_resource, NULL, NULL) == WARD_OK);
    CHECK(add_command(builder, "get_resource", get_resource, NULL, NULL) == WARD_OK);
    CHECK(add_command(builder, "close_resource", close_resource, NULL, NULL) == WARD_OK);
    CHECK(add_command(builder, "null_answer", null_answer, NULL, NULL) == WARD_OK);
    app = build(builder);

    first = add_from(app, LABEL, 42);
    response = with_rid(app, LABEL, "/get_resource", first, 0);
    CHECK_BODY(response, "42");
    ward_response_free(response);
    /* Another webview sees no such resource and cannot close it. */
    response = with_rid(app, "side", "/get_resource", first, 0);
    CHECK_BODY(response, "\"invalid_argument\"");
    ward_response_free(response);
    response = with_rid(app, "side", "/plugin%3Aresources%7Cclose", first, 0);
    CHECK(ward_response_code(response) != WARD_OK);
    ward_response_free(response);
    CHECK(counter_get(&resource_frees) == 0);
    /* Its owner can. */
    response = with_rid(app, LABEL, "/plugin%3Aresources%7Cclose", first, 0);
    CHECK(ward_response_code(response) == WARD_OK);
    CHECK_BODY(response, "null");
    ward_response_free(response);
    CHECK(counter_get(&resource_frees) == 1);
    response = with_rid(app, LABEL, "/get_resource", first, 0);
    CHECK_BODY(response, "\"invalid_argument\"");
    ward_response_free(response);

    /* Closed from C while the handler still reads it: freed after the handler. */
    second = add_from(app, LABEL, 43);
    CHECK(second != first);
    response = with_rid(app, LABEL, "/get_resource", second, 1);
    CHECK_BODY(response, "43");
    ward_response_free(response);
    CHECK(counter_get(&resource_frees) == 2);

    /* Destroying a webview closes its resources, and only its. */
    third = add_from(app, "side", 44);
    fourth = add_from(app, LABEL, 45);
    response = with_rid(app, "side", "/close_resource", fourth, 0);
    CHECK_BODY(response, "\"invalid_argument\"");
    ward_response_free(response);
    response = with_rid(app, "side", "/get_resource", third, 0);
    CHECK_BODY(response, "44");
    ward_response_free(response);
    CHECK(counter_get(&resource_frees) == 2);
    CHECK(ward_app_webview_destroyed(app, "side", 4) == WARD_OK);
    CHECK(counter_get(&resource_frees) == 3);
    response = with_rid(app, LABEL, "/get_resource", fourth, 0);
    CHECK_BODY(response, "45");
    ward_response_free(response);
    (void)third;

    response = invoke_json(app, "/null_answer", "{}");
    CHECK(ward_response_code(response) == WARD_OK);
    ward_response_free(response);

    /* The app's end closes the rest. */
    ward_app_free(app);
    CHECK(counter_get(&resource_frees) == 4);
    counter_destroy(&resource_frees);
}

/* --- render_script ------------------------------------------------------------------------ */

/* Equal, except that the space after runCallback's first comma is optional. */
static int same_script(const char *script, const char *expected) {
    const char *comma = strstr(expected, ", ");
    size_t head;
    if (strcmp(script, expected) == 0) return 1;
    if (comma == NULL) return 0;
    head = (size_t)(comma - expected) + 1;
    return strncmp(script, expected, head) == 0 && strcmp(script + head, comma + 2) == 0;
}

#define CHECK_SCRIPT(delivery, expected) check_script_((delivery), (expected), __FILE__, __LINE__)

static void check_script_(const ward_delivery *delivery, const char *expected, const char *file, int line) {
    char *script = NULL;
    size_t len = 0;
    ward_status status = ward_delivery_render_script(delivery, &script, &len);
    int ok = status == WARD_OK && script != NULL && len == strlen(script) && same_script(script, expected);
    check_(ok, "rendered script", file, line);
    if (!ok) fprintf(stderr, "  expected %s\n  got      %s (%s)\n", expected, script ? script : "(null)", ward_status_name(status));
    ward_string_free(script);
}

static void test_render_script(void) {
    ward_delivery d;
    char *script = (char *)"untouched";
    size_t len = 0;

    memset(&d, 0, sizeof d);
    d.struct_size = sizeof d;
    d.kind = WARD_DELIVERY_REPLY;
    d.callback = 1234;
    d.ok = 1;
    d.body = (const uint8_t *)"{\"a\":1}";
    d.body_len = 7;
    CHECK_SCRIPT(&d, "window.__TAURI_INTERNALS__.runCallback(1234, {\"a\":1})");

    d.kind = WARD_DELIVERY_EVENT;
    d.callback = 77;
    d.body = (const uint8_t *)"{\"event\":\"progress\",\"id\":3,\"payload\":1}";
    d.body_len = strlen((const char *)d.body);
    CHECK_SCRIPT(&d, "window.__TAURI_INTERNALS__.runCallback(77, {\"event\":\"progress\",\"id\":3,\"payload\":1})");

    d.kind = WARD_DELIVERY_CHANNEL;
    d.callback = 7;
    d.index = 5;
    d.body = (const uint8_t *)"{\"i\":5}";
    d.body_len = 7;
    CHECK_SCRIPT(&d, "window.__TAURI_INTERNALS__.runCallback(7, {\"index\":5,\"message\":{\"i\":5}})");

    d.end = 1;
    d.index = 6;
    d.body = NULL;
    d.body_len = 0;
    CHECK_SCRIPT(&d, "window.__TAURI_INTERNALS__.runCallback(7, {\"index\":6,\"end\":true})");

    /* Raw bytes become an ArrayBuffer holding exactly those bytes. */
    d.end = 0;
    d.raw = 1;
    d.index = 0;
    d.body = (const uint8_t *)"\x01\xff";
    d.body_len = 2;
    CHECK(ward_delivery_render_script(&d, &script, &len) == WARD_OK);
    CHECK(script != NULL && (strstr(script, "window.__TAURI_INTERNALS__.runCallback(7, {\"index\":0,\"message\":") == script ||
                             strstr(script, "window.__TAURI_INTERNALS__.runCallback(7,{\"index\":0,\"message\":") == script));
    /* The bytes 01 FF, as a byte list or as base64. */
    CHECK(script != NULL && (strstr(script, "1,255") != NULL || strstr(script, "\"Af8=\"") != NULL));
    CHECK(script != NULL && (strstr(script, "ArrayBuffer") != NULL || strstr(script, ".buffer") != NULL));
    ward_string_free(script);

    /* Bad deliveries. */
    script = (char *)"untouched";
    CHECK(ward_delivery_render_script(NULL, &script, &len) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(script == NULL);
    d.kind = (ward_delivery_kind)9;
    CHECK(ward_delivery_render_script(&d, &script, &len) == WARD_ERR_INVALID_ARGUMENT);
    CHECK_LAST_ERROR(WARD_ERR_INVALID_ARGUMENT, "kind");
    d.kind = WARD_DELIVERY_REPLY;
    d.struct_size = sizeof d + 8;
    CHECK(ward_delivery_render_script(&d, &script, &len) == WARD_ERR_ABI_MISMATCH);
    d.struct_size = sizeof d;
    CHECK(ward_delivery_render_script(&d, NULL, &len) == WARD_ERR_INVALID_ARGUMENT);
}

/* Deliveries reach the callback with the right struct; the ward_status of the new codes. */
static void test_live_options_and_names(void) {
    ward_builder *builder = new_builder();
    ward_executor_options executor;
    ward_delivery_options delivery;
    counter frees;

    counter_init(&frees);
    CHECK(strcmp(ward_status_name(WARD_ERR_CLOSED), "closed") == 0);
    CHECK(strcmp(ward_status_name(WARD_ERR_CANCELLED), "cancelled") == 0);
    CHECK(strcmp(ward_status_name(WARD_ERR_BUSY), "busy") == 0);

    memset(&executor, 0, sizeof executor);
    executor.struct_size = sizeof executor + 4;
    CHECK(ward_builder_set_executor(builder, &executor) == WARD_ERR_ABI_MISMATCH);
    CHECK_LAST_ERROR(WARD_ERR_ABI_MISMATCH, "ward_executor_options");
    executor.struct_size = 4;
    CHECK(ward_builder_set_executor(builder, &executor) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(ward_builder_set_executor(builder, NULL) == WARD_OK); /* defaults */
    memset(&delivery, 0, sizeof delivery);
    delivery.struct_size = sizeof delivery + 4;
    CHECK(ward_builder_set_delivery_options(builder, &delivery) == WARD_ERR_ABI_MISMATCH);
    CHECK_LAST_ERROR(WARD_ERR_ABI_MISMATCH, "ward_delivery_options");
    CHECK(ward_builder_set_delivery(builder, NULL, &frees, bump_counter) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(ward_builder_set_delivery(NULL, record_delivery, &frees, bump_counter) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(counter_get(&frees) == 0);
    /* A replaced delivery callback releases its user_data; the one in force goes with the builder. */
    CHECK(ward_builder_set_delivery(builder, record_delivery, &frees, bump_counter) == WARD_OK);
    CHECK(ward_builder_set_delivery(builder, record_delivery, &frees, bump_counter) == WARD_OK);
    CHECK(counter_get(&frees) == 1);
    CHECK(ward_builder_async_command(builder, "x", 1, NULL, NULL, NULL, NULL) == WARD_ERR_INVALID_ARGUMENT);
    ward_builder_free(builder);
    CHECK(counter_get(&frees) == 2);

    CHECK(ward_responder_is_cancelled(NULL) == 0);
    CHECK(ward_responder_wait_cancelled(NULL, 0) == 0);
    CHECK(ward_responder_on_cancel(NULL, count_cancel, NULL, NULL) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(ward_app_emit(NULL, "a", 1, "1", 1) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(ward_app_listen(NULL, "a", 1, NULL, 0, hear, NULL, NULL, NULL) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(ward_app_unlisten(NULL, 1) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(ward_app_post(NULL, NULL) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(ward_app_webview_created(NULL, "a", 1, "a", 1) == WARD_ERR_INVALID_ARGUMENT);
    CHECK(ward_app_webview_destroyed(NULL, "a", 1) == WARD_ERR_INVALID_ARGUMENT);
    ward_app_shutdown(NULL);
    counter_destroy(&frees);
}

int main(void) {
    test_versions();
    test_abi_mismatch();
    test_immediate_command();
    test_percent_decoded_command();
    test_deferred_command();
    test_raw_bytes();
    test_managed_state();
    test_state_not_managed();
    test_duplicate_and_invalid_names();
    test_unknown_command_and_invoke_key();
    test_limits();
    test_internal_errors_and_log();
    test_log_user_data_freed_once();
    test_rejections_and_escaping();
    test_post_message();
    test_invoke_async();
    test_command_user_data_freed_once();
    test_null_arguments();
    test_struct_size();
    test_access_control();
    test_live_options_and_names();
    test_async_command();
    test_executor_busy();
    test_cancel_request();
    test_cancel_by_navigation();
    test_blocked_sync_command();
    test_objects_across_threads();
    test_shutdown_in_flight();
    test_events_to_page();
    test_emit_to_targets();
    test_backend_listeners();
    test_post();
    test_channels();
    test_channel_backpressure();
    test_resources();
    test_render_script();

    printf("%d passed, %d failed\n", checks_passed, checks_failed);
    return checks_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
