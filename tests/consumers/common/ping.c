/* A C consumer of libward.so: registers `ping`, invokes it as a Tauri v2 page would and checks
 * the answer. Exits nonzero on any mismatch. */
#include <ward.h>

#include <stdio.h>
#include <string.h>

/* Answers {"name":"consumer"} with "pong consumer"; any other args are rejected. */
static void ping(const ward_invocation *inv, ward_responder *responder, void *user_data) {
    size_t len = 0;
    const char *args = ward_invocation_args_json(inv, &len);
    static const char expected[] = "{\"name\":\"consumer\"}";
    static const char answer[] = "\"pong consumer\"";
    (void)user_data;
    if (len == strlen(expected) && memcmp(args, expected, len) == 0) {
        ward_responder_resolve_json(responder, answer, strlen(answer));
    } else {
        ward_responder_reject_message(responder, "unexpected args", strlen("unexpected args"));
    }
}

int main(void) {
    ward_builder *builder = NULL;
    static const char capability[] = "{\"identifier\":\"main\",\"windows\":[\"main\"],\"permissions\":[\"allow-ping\"]}";
    ward_app *app = NULL;
    ward_response *response = NULL;
    ward_header headers[4];
    ward_request request;
    const char *key;
    size_t key_len = 0, body_len = 0;
    const char *body_json = "{\"name\":\"consumer\"}";
    const uint8_t *body;
    int ok;

    if (ward_abi_version() != WARD_ABI_VERSION) {
        fprintf(stderr, "ABI %u, header %d\n", (unsigned)ward_abi_version(), WARD_ABI_VERSION);
        return 1;
    }
    if (ward_builder_new(NULL, &builder) != WARD_OK ||
        ward_builder_command(builder, "ping", 4, NULL, ping, NULL, NULL) != WARD_OK ||
        ward_builder_add_capability(builder, "main.json", 9, capability, strlen(capability), WARD_ACL_JSON) != WARD_OK ||
        ward_builder_build(builder, &app) != WARD_OK) {
        fprintf(stderr, "setup failed: %s\n", ward_last_error_message(NULL));
        return 1;
    }
    key = ward_app_invoke_key(app, &key_len);

    headers[0].name = "Content-Type";
    headers[0].name_len = strlen(headers[0].name);
    headers[0].value = "application/json";
    headers[0].value_len = strlen(headers[0].value);
    headers[1].name = "Tauri-Callback";
    headers[1].name_len = strlen(headers[1].name);
    headers[1].value = "1";
    headers[1].value_len = 1;
    headers[2].name = "Tauri-Error";
    headers[2].name_len = strlen(headers[2].name);
    headers[2].value = "2";
    headers[2].value_len = 1;
    headers[3].name = "Tauri-Invoke-Key";
    headers[3].name_len = strlen(headers[3].name);
    headers[3].value = key;
    headers[3].value_len = key_len;

    memset(&request, 0, sizeof request);
    request.struct_size = sizeof request;
    request.url = "ipc://localhost/ping";
    request.url_len = strlen(request.url);
    request.origin = "tauri://localhost";
    request.origin_len = strlen(request.origin);
    request.window = "main";
    request.window_len = 4;
    request.webview = "main";
    request.webview_len = 4;
    request.headers = headers;
    request.header_count = 4;
    request.body = (const uint8_t *)body_json;
    request.body_len = strlen(body_json);

    if (ward_app_invoke(app, &request, &response) != WARD_OK) {
        fprintf(stderr, "invoke failed: %s\n", ward_last_error_message(NULL));
        ward_app_free(app);
        return 1;
    }
    body = ward_response_body(response, &body_len);
    printf("ward %s (C): ping -> %.*s\n", ward_version_string(), (int)body_len, (const char *)body);
    ok = ward_response_is_ok(response) && body_len == strlen("\"pong consumer\"") &&
         memcmp(body, "\"pong consumer\"", body_len) == 0;
    ward_response_free(response);
    ward_app_free(app);
    return ok ? 0 : 1;
}
