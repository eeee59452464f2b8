/*
 * ai_completion.c — ask an OpenAI-style chat completions API and return the
 * answer: POST {base}/chat/completions with a JSON body, the reply parsed
 * with the examples' small JSON reader (examples/include/ol_json.h).
 *
 * stdin: the prompt (text, at most 64 KiB).
 * env (secrets on a worker; --env with `outlayer run`):
 *   OPENAI_API_KEY   the API key, sent as "Authorization: Bearer ..." and
 *                    never printed (required)
 *   OPENAI_BASE_URL  default https://api.openai.com/v1 (must be on the
 *                    worker's --http-allow list)
 *   OPENAI_MODEL     default gpt-4o-mini
 * stdout: {"model":"...","answer":"...","finish_reason":"..."}; on failure,
 * exit 1 with the reason on stderr (the API's error message if it gave one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ol_json.h"
#include "outlayer.h"

#define MAX_PROMPT (64 * 1024)

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

/* The request body: {"model":M,"messages":[{"role":"user","content":PROMPT}]} */
static char *request_body(const char *model, const char *prompt, size_t *len)
{
    char *body = NULL;
    FILE *f = open_memstream(&body, len);
    if (!f)
        return NULL;
    fputs("{\"model\":", f);
    oj_print_string(f, model);
    fputs(",\"messages\":[{\"role\":\"user\",\"content\":", f);
    oj_print_string(f, prompt);
    fputs("}]}", f);
    if (fclose(f) != 0) {
        free(body);
        return NULL;
    }
    return body;
}

int main(void)
{
    size_t prompt_len = 0;
    char *prompt = ol_read_stdin(&prompt_len);
    if (!prompt || prompt_len == 0 || prompt_len > MAX_PROMPT || strlen(prompt) != prompt_len) {
        fprintf(stderr, "ai_completion: the prompt (stdin) must be 1..%d bytes of text\n", MAX_PROMPT);
        return 1;
    }
    while (prompt_len > 0 && (prompt[prompt_len - 1] == '\n' || prompt[prompt_len - 1] == '\r'))
        prompt[--prompt_len] = 0;
    const char *key = getenv("OPENAI_API_KEY");
    if (!key || !*key) {
        fprintf(stderr, "ai_completion: OPENAI_API_KEY is not set (store it as a secret)\n");
        return 1;
    }
    const char *base = env_or("OPENAI_BASE_URL", "https://api.openai.com/v1");
    const char *model = env_or("OPENAI_MODEL", "gpt-4o-mini");

    char url[1024], auth[1024];
    if ((size_t)snprintf(url, sizeof url, "%s/chat/completions", base) >= sizeof url ||
        (size_t)snprintf(auth, sizeof auth, "Authorization: Bearer %s", key) >= sizeof auth) {
        fprintf(stderr, "ai_completion: OPENAI_BASE_URL or OPENAI_API_KEY is too long\n");
        return 1;
    }
    size_t body_len = 0;
    char *body = request_body(model, prompt, &body_len);
    if (!body) {
        fprintf(stderr, "ai_completion: out of memory\n");
        return 1;
    }
    const char *headers[] = {"Content-Type: application/json", "Accept: application/json", auth};
    outlayer_response r;
    int e = outlayer_http_request("POST", url, headers, 3, body, (uint32_t)body_len, &r);
    memset(auth, 0, sizeof auth);
    free(body);
    if (e) {
        fprintf(stderr, "ai_completion: POST %s: %s (%d)\n", url, outlayer_strerror(e), e);
        return 1;
    }
    const char *reply = (const char *)r.body;
    if (strlen(reply) != r.body_len || !oj_valid(reply)) {
        fprintf(stderr, "ai_completion: %s answered %u with a body that is not JSON\n", url, (unsigned)r.status);
        outlayer_response_free(&r);
        return 1;
    }
    static char text[256 * 1024];
    if (r.status != 200) {
        /* OpenAI-style errors: {"error":{"message":"..."}} */
        const char *msg = oj_get(oj_get(reply, "error"), "message");
        fprintf(stderr, "ai_completion: %s answered %u: %s\n", url, (unsigned)r.status,
                msg && oj_string(msg, text, sizeof text) >= 0 ? text : "(no error message)");
        outlayer_response_free(&r);
        return 1;
    }
    const char *choice = oj_first(oj_get(reply, "choices"));
    const char *content = oj_get(oj_get(choice, "message"), "content");
    if (!content || oj_string(content, text, sizeof text) < 0) {
        fprintf(stderr, "ai_completion: no choices[0].message.content string in the reply\n");
        outlayer_response_free(&r);
        return 1;
    }
    static char used_model[256], finish[64];
    if (oj_string(oj_get(reply, "model"), used_model, sizeof used_model) < 0)
        snprintf(used_model, sizeof used_model, "%s", model);
    if (oj_string(oj_get(choice, "finish_reason"), finish, sizeof finish) < 0)
        finish[0] = 0;
    fputs("{\"model\":", stdout);
    oj_print_string(stdout, used_model);
    fputs(",\"answer\":", stdout);
    oj_print_string(stdout, text);
    fputs(",\"finish_reason\":", stdout);
    oj_print_string(stdout, finish);
    fputs("}\n", stdout);
    outlayer_response_free(&r);
    free(prompt);
    return 0;
}
