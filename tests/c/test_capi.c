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
    ward_header headers[4];
    ward_request request;
} test_request;

/* Fills `t` with a custom-protocol request for `path` ("/greet"). key NULL: no invoke key header. */
static ward_request *make_request(test_request *t, const char *path, const char *content_type,
                                        const void *body, size_t body_len, const char *key, size_t key_len) {
    size_t count = 0;
    memset(t, 0, sizeof *t);
    snprintf(t->url, sizeof t->url, "ipc://localhost%s", path);
    t->headers[count].name = "Content-Type";
    t->headers[count].name_len = strlen("Content-Type");
    t->headers[count].value = content_type;
    t->headers[count].value_len = strlen(content_type);
    ++count;
    t->headers[count].name = "Tauri-Callback";
    t->headers[count].name_len = strlen("Tauri-Callback");
    t->headers[count].value = "1234";
    t->headers[count].value_len = 4;
    ++count;
    t->headers[count].name = "Tauri-Error";
    t->headers[count].name_len = strlen("Tauri-Error");
    t->headers[count].value = "5678";
    t->headers[count].value_len = 4;
    ++count;
    if (key != NULL) {
        t->headers[count].name = "Tauri-Invoke-Key";
        t->headers[count].name_len = strlen("Tauri-Invoke-Key");
        t->headers[count].value = key;
        t->headers[count].value_len = key_len;
        ++count;
    }
    t->request.struct_size = sizeof(ward_request);
    t->request.url = t->url;
    t->request.url_len = strlen(t->url);
    t->request.origin = ORIGIN;
    t->request.origin_len = strlen(ORIGIN);
    t->request.window = LABEL;
    t->request.window_len = strlen(LABEL);
    t->request.webview = LABEL;
    t->request.webview_len = strlen(LABEL);
    t->request.headers = t->headers;
    t->request.header_count = count;
    t->request.body = (const uint8_t *)body;
    t->request.body_len = body_len;
    return &t->request;
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
                          "{\"identifier\":\"test-all\",\"windows\":[\"*\"],\"webviews\":[\"*\"],\"permissions\":[%s]}",
                          granted);
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
    const char *name = "plugin:fs|read_file";
    CHECK(add_command(builder, name, resolve_fixed, (void *)"\"listening\"", NULL) == WARD_OK);
    app = build(builder);
    response = invoke_json(app, "/plugin%3Afs%7Cread_file", "{}");
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

    printf("%d passed, %d failed\n", checks_passed, checks_failed);
    return checks_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
