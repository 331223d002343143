/*
 * app.c - ward's example app, in C.
 *
 * What the backend of a webview app looks like when written against libward.so; the same app as
 * examples/cpp, examples/python and examples/node:
 *
 *   greet      {"name": "..."}  -> "Hello, <name>!"
 *   add        {"a": 2, "b": 3} -> 5                      (64-bit integers)
 *   increment  {}               -> 1, 2, ...              (managed state: a mutex-guarded counter)
 *   checksum   raw bytes        -> CRC-32, 4 raw bytes    (application/octet-stream both ways)
 *
 * A real host (a webview shell) receives requests from its page and hands them to
 * ward_app_invoke; here main() builds the requests itself, shaped exactly as a Tauri v2 page
 * sends them over the ipc:// custom protocol, and prints the responses.
 */
#define _POSIX_C_SOURCE 200809L /* pthreads */

#include <ward.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Reading the arguments                                                      */
/*
 * ward hands a C handler the args object as JSON text, already validated against the app's
 * limits. C has no JSON library to lean on, so this example reads just what it needs by hand:
 * the value of a top-level member. Because the text is known to be valid JSON, skipping a value
 * only has to track strings (with their escapes) and bracket depth. A larger C app would use a
 * JSON library instead.
 */

static const char *skip_space(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
    return p;
}

/* p is at the opening quote; returns the position after the closing quote. */
static const char *skip_string(const char *p, const char *end) {
    for (++p; p < end && *p != '"'; ++p) {
        if (*p == '\\') ++p; /* the escaped character cannot end the string */
    }
    return p < end ? p + 1 : end;
}

/* Skips one JSON value (string, number, literal, object or array) starting at p. */
static const char *skip_value(const char *p, const char *end) {
    int depth = 0;
    while (p < end) {
        if (*p == '"') {
            p = skip_string(p, end);
            if (depth == 0) return p;
            continue;
        }
        if (*p == '{' || *p == '[') {
            ++depth;
        } else if (*p == '}' || *p == ']') {
            if (depth == 0) return p; /* the end of the enclosing object ends a number or literal */
            if (--depth == 0) return p + 1;
        } else if (depth == 0 && (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
            return p;
        }
        ++p;
    }
    return p;
}

/* Finds the value of the top-level member `key` (a plain ASCII key) of a JSON object.
 * On success [*value, *value_end) is the value's JSON text. */
static int find_member(const char *json, size_t len, const char *key, const char **value, const char **value_end) {
    const char *end = json + len;
    const char *p = skip_space(json, end);
    size_t key_len = strlen(key);
    if (p >= end || *p != '{') return 0;
    p = skip_space(p + 1, end);
    while (p < end && *p == '"') {
        const char *name = p + 1;
        const char *name_end = skip_string(p, end) - 1; /* at the closing quote */
        int match = (size_t)(name_end - name) == key_len && memcmp(name, key, key_len) == 0;
        p = skip_space(name_end + 1, end);
        if (p >= end || *p != ':') return 0;
        p = skip_space(p + 1, end);
        if (match) {
            *value = p;
            *value_end = skip_value(p, end);
            return 1;
        }
        p = skip_space(skip_value(p, end), end);
        if (p < end && *p == ',') p = skip_space(p + 1, end);
    }
    return 0;
}

/* A string member, as the JSON text between its quotes (escapes left as they are, which is
 * exactly what is needed to put it back into a JSON string). */
static int string_member(const char *json, size_t len, const char *key, const char **text, size_t *text_len) {
    const char *value, *value_end;
    if (!find_member(json, len, key, &value, &value_end) || *value != '"') return 0;
    *text = value + 1;
    *text_len = (size_t)(value_end - value) - 2;
    return 1;
}

/* An integer member in the range of int64_t (no fraction, no exponent). */
static int int64_member(const char *json, size_t len, const char *key, long long *out) {
    const char *value, *value_end;
    char digits[24];
    char *parsed_end;
    size_t n;
    if (!find_member(json, len, key, &value, &value_end)) return 0;
    n = (size_t)(value_end - value);
    if (n == 0 || n >= sizeof digits) return 0;
    memcpy(digits, value, n);
    digits[n] = '\0';
    errno = 0;
    *out = strtoll(digits, &parsed_end, 10);
    return errno == 0 && parsed_end == digits + n; /* strtoll sets ERANGE beyond 64 bits */
}

/* ------------------------------------------------------------------------ */
/* Commands                                                                   */

static void reject(ward_responder *responder, const char *message) {
    ward_responder_reject_message(responder, message, strlen(message));
}

static void greet(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    size_t args_len = 0, name_len = 0;
    const char *args = ward_invocation_args_json(inv, &args_len);
    const char *name;
    char *answer;
    int answer_len;
    (void)user_data;
    if (!string_member(args, args_len, "name", &name, &name_len)) {
        reject(responder, "greet needs a string argument `name`");
        return;
    }
    answer = (char *)malloc(name_len + 16);
    if (answer == NULL) {
        reject(responder, "out of memory");
        return;
    }
    answer_len = sprintf(answer, "\"Hello, %.*s!\"", (int)name_len, name);
    ward_responder_resolve_json(responder, answer, (size_t)answer_len);
    free(answer);
}

static void add(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    size_t args_len = 0;
    const char *args = ward_invocation_args_json(inv, &args_len);
    long long a, b;
    char answer[32];
    (void)user_data;
    if (!int64_member(args, args_len, "a", &a) || !int64_member(args, args_len, "b", &b)) {
        reject(responder, "add needs integer arguments `a` and `b`");
        return;
    }
    if ((b > 0 && a > LLONG_MAX - b) || (b < 0 && a < LLONG_MIN - b)) {
        reject(responder, "add overflows a 64-bit integer");
        return;
    }
    sprintf(answer, "%lld", a + b);
    ward_responder_resolve_json(responder, answer, strlen(answer));
}

/* The app's state: one counter shared by every invoke, on whatever thread it runs. */
typedef struct counter {
    pthread_mutex_t mutex;
    long value;
} counter;

static void free_counter(void *state) {
    counter *c = (counter *)state;
    pthread_mutex_destroy(&c->mutex);
    free(c);
}

static void increment(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    void *state = NULL;
    counter *c;
    long value;
    char answer[32];
    (void)user_data;
    /* Cannot fail: `increment` declares it needs "counter", so the app was only built with it. */
    if (ward_invocation_state(inv, "counter", strlen("counter"), &state) != WARD_OK) {
        reject(responder, "no counter");
        return;
    }
    c = (counter *)state;
    pthread_mutex_lock(&c->mutex);
    value = ++c->value;
    pthread_mutex_unlock(&c->mutex);
    sprintf(answer, "%ld", value);
    ward_responder_resolve_json(responder, answer, strlen(answer));
}

/* CRC-32 (IEEE 802.3, as zlib), bit by bit: small beats fast in an example. */
static uint32_t crc32(const uint8_t *data, size_t len) {
    uint32_t crc = 0xFFFFFFFFu;
    size_t i;
    int bit;
    for (i = 0; i < len; ++i) {
        crc ^= data[i];
        for (bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc ^ 0xFFFFFFFFu;
}

static void checksum(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    size_t len = 0;
    const uint8_t *body = ward_invocation_body(inv, &len); /* the page's bytes, not copied */
    uint32_t crc;
    uint8_t answer[4];
    (void)user_data;
    if (!ward_invocation_is_raw(inv)) {
        reject(responder, "checksum takes raw bytes (application/octet-stream)");
        return;
    }
    crc = crc32(body, len);
    answer[0] = (uint8_t)(crc >> 24);
    answer[1] = (uint8_t)(crc >> 16);
    answer[2] = (uint8_t)(crc >> 8);
    answer[3] = (uint8_t)crc;
    ward_responder_resolve_bytes(responder, answer, sizeof answer);
}

/* ------------------------------------------------------------------------ */
/* The host side                                                              */

/* Private details (which handler failed, and why) only ever reach this sink, never a page. */
static void log_to_stderr(ward_log_level level, ward_status code, const char *message, size_t message_len,
                          const char *detail, size_t detail_len, void *user_data) {
    static const char *const levels[] = {"debug", "info", "warn", "error"};
    (void)user_data;
    fprintf(stderr, "[ward %s] %s: %.*s%s%.*s\n", levels[level & 3], ward_status_name(code), (int)message_len, message,
            detail_len ? " - " : "", (int)detail_len, detail);
}

static void set_header(ward_header *header, const char *name, const char *value, size_t value_len) {
    header->name = name;
    header->name_len = strlen(name);
    header->value = value;
    header->value_len = value_len;
}

/* The page's side of the conversation: the invoke key the host injected into it. */
typedef struct page {
    ward_app *app;
    const char *key;
    size_t key_len;
    const char *window; /* the page's window and webview label */
} page;

/* Sends one request exactly as a Tauri v2 page does (a fetch to ipc://localhost/<command>).
 * Returns the response, or NULL if the call itself failed (bad C arguments), which never
 * happens for a well-formed request: failures of the command are error responses. */
static ward_response *send_request(const page *from, const char *command, const char *content_type,
                                   const void *body, size_t body_len) {
    char url[128];
    ward_header headers[4];
    ward_request request;
    ward_response *response = NULL;

    snprintf(url, sizeof url, "ipc://localhost/%s", command);
    set_header(&headers[0], "Content-Type", content_type, strlen(content_type));
    set_header(&headers[1], "Tauri-Callback", "3141", 4); /* ids the page's JS uses to route the answer */
    set_header(&headers[2], "Tauri-Error", "2718", 4);
    set_header(&headers[3], "Tauri-Invoke-Key", from->key, from->key_len);

    memset(&request, 0, sizeof request);
    request.struct_size = sizeof request;
    request.url = url;
    request.url_len = strlen(url);
    request.origin = "tauri://localhost";
    request.origin_len = strlen(request.origin);
    request.window = from->window;
    request.window_len = strlen(from->window);
    request.webview = from->window;
    request.webview_len = strlen(from->window);
    request.headers = headers;
    request.header_count = 4;
    request.body = (const uint8_t *)body;
    request.body_len = body_len;

    if (ward_app_invoke(from->app, &request, &response) != WARD_OK) {
        fprintf(stderr, "ward_app_invoke: %s\n", ward_last_error_message(NULL));
        return NULL;
    }
    return response;
}

/* Sends a request and prints it with its response, in the columns examples/cpp uses: what a host
 * sends back to the page is the status (the Tauri-Response header: ok / error), the content type
 * and the body. */
static int show(const page *from, const char *command, const char *content_type, const void *body, size_t body_len) {
    ward_response *response = send_request(from, command, content_type, body, body_len);
    char label[64];
    const uint8_t *answer;
    size_t answer_len = 0, i;
    if (response == NULL) return 0;

    if (strcmp(content_type, "application/octet-stream") == 0) {
        snprintf(label, sizeof label, "%s <\"%.*s\">", command, (int)body_len, (const char *)body);
    } else {
        snprintf(label, sizeof label, "%s %.*s", command, (int)body_len, (const char *)body);
    }
    printf("%-32s %s", label, ward_response_is_ok(response) ? "ok" : "error");
    if (!ward_response_is_ok(response)) printf(" %s", ward_status_name(ward_response_code(response)));
    answer = ward_response_body(response, &answer_len);
    if (ward_response_is_raw(response)) {
        printf(" %s [", ward_response_content_type(response));
        for (i = 0; i < answer_len; ++i) printf(" %02x", answer[i]);
        printf(" ]\n");
    } else {
        printf(" %.*s\n", (int)answer_len, (const char *)answer);
    }
    ward_response_free(response);
    return 1;
}

static int show_json(const page *from, const char *command, const char *json) {
    return show(from, command, "application/json", json, strlen(json));
}

/* Several pages (or one busy page) invoking at once: ward runs handlers on the callers' threads,
 * which is why the counter has a mutex. */
#define CLICKERS 4
#define CLICKS 25

static void *click_increment(void *arg) {
    const page *from = (const page *)arg;
    int i;
    for (i = 0; i < CLICKS; ++i) ward_response_free(send_request(from, "increment", "application/json", "{}", 2));
    return NULL;
}

static int increment_from_threads(const page *from) {
    pthread_t threads[CLICKERS];
    int started = 0, i;
    for (i = 0; i < CLICKERS; ++i) started += pthread_create(&threads[i], NULL, click_increment, (void *)from) == 0;
    for (i = 0; i < started; ++i) pthread_join(threads[i], NULL);
    printf("%d threads x %d increments\n", CLICKERS, CLICKS);
    return started == CLICKERS;
}

int main(void) {
    ward_builder_options options;
    ward_command_options needs_counter;
    const char *counter_name = "counter";
    size_t counter_name_len = strlen("counter");
    ward_builder *builder = NULL;
    ward_app *app = NULL;
    counter *count;
    page main_page, settings_page, stranger;
    static const char main_capability[] =
        "{\"identifier\": \"main\", \"windows\": [\"main\"],"
        " \"permissions\": [\"allow-greet\", \"allow-add\", \"allow-increment\", \"allow-checksum\"]}";
    static const char checksum_input[] = "123456789"; /* CRC-32 check value: cb f4 39 26 */
    int ok = 1;

    memset(&options, 0, sizeof options);
    options.struct_size = sizeof options;
    options.abi_version = WARD_ABI_VERSION;
    options.log = log_to_stderr;
    if (ward_builder_new(&options, &builder) != WARD_OK) {
        fprintf(stderr, "ward_builder_new: %s\n", ward_last_error_message(NULL));
        return 1;
    }

    count = (counter *)malloc(sizeof *count);
    if (count == NULL) {
        ward_builder_free(builder);
        return 1;
    }
    pthread_mutex_init(&count->mutex, NULL);
    count->value = 0;

    memset(&needs_counter, 0, sizeof needs_counter);
    needs_counter.struct_size = sizeof needs_counter;
    needs_counter.required_state = &counter_name;
    needs_counter.required_state_lens = &counter_name_len;
    needs_counter.required_state_count = 1;

    if (ward_builder_manage(builder, "counter", strlen("counter"), count, free_counter) != WARD_OK) {
        free_counter(count); /* not managed: still ours */
        ok = 0;
    }
    ok = ok && ward_builder_command(builder, "greet", 5, NULL, greet, NULL, NULL) == WARD_OK;
    ok = ok && ward_builder_command(builder, "add", 3, NULL, add, NULL, NULL) == WARD_OK;
    ok = ok && ward_builder_command(builder, "increment", 9, &needs_counter, increment, NULL, NULL) == WARD_OK;
    ok = ok && ward_builder_command(builder, "checksum", 8, NULL, checksum, NULL, NULL) == WARD_OK;
    if (!ok) {
        fprintf(stderr, "registering: %s\n", ward_last_error_message(NULL));
        ward_builder_free(builder);
        return 1;
    }
    /* ward denies every command no capability grants: this is the app's capabilities/main.json. */
    ok = ok && ward_builder_add_capability(builder, "capabilities/main.json", strlen("capabilities/main.json"),
                                           main_capability, strlen(main_capability), WARD_ACL_JSON) == WARD_OK;
    if (!ok) {
        fprintf(stderr, "capability: %s\n", ward_last_error_message(NULL));
        ward_builder_free(builder);
        return 1;
    }
    if (ward_builder_build(builder, &app) != WARD_OK) { /* consumes the builder either way */
        fprintf(stderr, "ward_builder_build: %s\n", ward_last_error_message(NULL));
        return 1;
    }

    main_page.app = app;
    main_page.key = ward_app_invoke_key(app, &main_page.key_len);
    main_page.window = "main";
    settings_page = main_page; /* a window no capability grants anything to */
    settings_page.window = "settings";
    stranger = main_page; /* a page the host never gave the key to */
    stranger.key = "not-the-key";
    stranger.key_len = strlen(stranger.key);

    ok = ok && show_json(&main_page, "greet", "{\"name\":\"ward\"}");
    ok = ok && show_json(&main_page, "greet", "{\"name\":\"\\\"C\\\" \\u00e9\"}");
    ok = ok && show_json(&main_page, "add", "{\"a\":2,\"b\":40}");
    ok = ok && show_json(&main_page, "add", "{ \"b\": -7, \"a\": 10 }");
    ok = ok && show_json(&main_page, "increment", "{}");
    ok = ok && show_json(&main_page, "increment", "{}");
    ok = ok && increment_from_threads(&main_page);
    ok = ok && show_json(&main_page, "increment", "{}");
    ok = ok && show(&main_page, "checksum", "application/octet-stream", checksum_input, strlen(checksum_input));
    ok = ok && show_json(&main_page, "add", "{\"a\":\"two\",\"b\":1}");
    ok = ok && show_json(&main_page, "nope", "{}");
    ok = ok && show_json(&stranger, "greet", "{\"name\":\"Mallory\"}");
    ok = ok && show_json(&settings_page, "greet", "{\"name\":\"settings\"}");

    ward_app_free(app); /* also runs free_counter */
    return ok ? 0 : 1;
}
