/* Request headers through the C ABI at every size: none, the four a Tauri page sends, exactly as
 * many as libward keeps in place, and more (the heap fallback), with the Tauri headers last so
 * that ward must find them among the others. Strict C99, like test_capi.c. */
#include <ward.h>

#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(expr)                                                                   \
    do {                                                                              \
        if (!(expr)) {                                                                \
            ++failures;                                                               \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #expr); \
        }                                                                             \
    } while (0)

#define MAX_EXTRA 40

/* Answers with the JSON string value of header "X-Probe" (or null when it is missing). */
static void probe(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    char json[64];
    size_t len = 0;
    const char *value = ward_invocation_header(inv, "X-Probe", 7, &len);
    (void)user_data;
    if (value == NULL || len > 40) {
        ward_responder_resolve_json(responder, "null", 4);
        return;
    }
    json[0] = '"';
    memcpy(json + 1, value, len);
    json[len + 1] = '"';
    ward_responder_resolve_json(responder, json, len + 2);
}

typedef struct request_text {
    char names[MAX_EXTRA][32];
    char values[MAX_EXTRA][32];
    ward_header headers[MAX_EXTRA + 4];
    ward_request request;
} request_text;

static void set_header(ward_header *header, const char *name, const char *value) {
    header->name = name;
    header->name_len = strlen(name);
    header->value = value;
    header->value_len = strlen(value);
}

/* `extra` headers X-Extra-i (the last one named X-Probe), then the four Tauri headers. */
static ward_request *make_request(request_text *t, size_t extra, const char *key, size_t key_len) {
    size_t count = 0;
    size_t i;
    memset(t, 0, sizeof *t);
    for (i = 0; i < extra; ++i) {
        if (i + 1 == extra) snprintf(t->names[i], sizeof t->names[i], "X-Probe");
        else snprintf(t->names[i], sizeof t->names[i], "X-Extra-%lu", (unsigned long)i);
        snprintf(t->values[i], sizeof t->values[i], "v%lu", (unsigned long)i);
        set_header(&t->headers[count++], t->names[i], t->values[i]);
    }
    set_header(&t->headers[count++], "Content-Type", "application/json");
    set_header(&t->headers[count++], "Tauri-Callback", "11");
    set_header(&t->headers[count++], "Tauri-Error", "12");
    t->headers[count].name = "Tauri-Invoke-Key";
    t->headers[count].name_len = 16;
    t->headers[count].value = key;
    t->headers[count].value_len = key_len;
    ++count;
    t->request.struct_size = sizeof t->request;
    t->request.url = "ipc://localhost/probe";
    t->request.url_len = strlen(t->request.url);
    t->request.origin = "tauri://localhost";
    t->request.origin_len = strlen(t->request.origin);
    t->request.window = "main";
    t->request.window_len = 4;
    t->request.webview = "main";
    t->request.webview_len = 4;
    t->request.headers = t->headers;
    t->request.header_count = count;
    t->request.body = (const uint8_t *)"{}";
    t->request.body_len = 2;
    return &t->request;
}

static int body_is(const ward_response *response, const char *expected) {
    size_t len = 0;
    const uint8_t *body = ward_response_body(response, &len);
    return len == strlen(expected) && memcmp(body, expected, len) == 0;
}

int main(void) {
    static request_text t; /* large: not on the stack */
    static const size_t extras[] = {0, 1, 11, 12, 13, 20, MAX_EXTRA};
    const char *capability = "{\"identifier\":\"c\",\"windows\":[\"main\"],\"permissions\":[\"allow-probe\"]}";
    ward_builder *builder = NULL;
    ward_app *app = NULL;
    ward_response *response = NULL;
    const char *key;
    size_t key_len = 0;
    size_t i;

    CHECK(ward_builder_new(NULL, &builder) == WARD_OK);
    CHECK(ward_builder_command(builder, "probe", 5, NULL, probe, NULL, NULL) == WARD_OK);
    CHECK(ward_builder_add_capability(builder, "c.json", 6, capability, strlen(capability), WARD_ACL_JSON) == WARD_OK);
    CHECK(ward_builder_build(builder, &app) == WARD_OK);
    if (app == NULL) return 1;
    key = ward_app_invoke_key(app, &key_len);

    /* 4 + extra headers: 4, 5, 15, 16 (libward keeps 16 in place), 17, 24, 44. */
    for (i = 0; i < sizeof extras / sizeof extras[0]; ++i) {
        char expected[32];
        const size_t extra = extras[i];
        if (extra == 0) snprintf(expected, sizeof expected, "null");
        else snprintf(expected, sizeof expected, "\"v%lu\"", (unsigned long)(extra - 1));
        response = NULL;
        CHECK(ward_app_invoke(app, make_request(&t, extra, key, key_len), &response) == WARD_OK);
        CHECK(response != NULL);
        if (!response) continue;
        CHECK(ward_response_is_ok(response));
        CHECK(ward_response_callback_id(response) == 11);
        CHECK(ward_response_error_id(response) == 12);
        if (!body_is(response, expected)) {
            size_t len = 0;
            const uint8_t *body = ward_response_body(response, &len);
            fprintf(stderr, "%lu extra headers: expected %s, got %.*s\n", (unsigned long)extra, expected, (int)len,
                    (const char *)body);
            ++failures;
        }
        ward_response_free(response);
    }

    /* A NULL header with a non-zero length is refused wherever it is, in place or on the heap. */
    for (i = 0; i < 2; ++i) {
        const size_t bad = i == 0 ? 3 : 30;
        ward_request *request = make_request(&t, MAX_EXTRA, key, key_len);
        t.headers[bad].value = NULL;
        response = (ward_response *)&t; /* must be reset to NULL */
        CHECK(ward_app_invoke(app, request, &response) == WARD_ERR_INVALID_ARGUMENT);
        CHECK(response == NULL);
        CHECK(strstr(ward_last_error_message(NULL), "header") != NULL);
    }

    ward_app_free(app);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("c_api_headers: all checks passed\n");
    return 0;
}
