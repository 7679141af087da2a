/* fleet_http.c — bounded conditional GET (see fleet_http.h). */
#include "fleet_http.h"

#include "cmdai/policy.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct sink {
    char *buf;
    size_t len, cap, max;
    bool too_big, nomem;
    char etag[256];
} sink;

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    sink *s = arg;
    size_t k = size * n;
    if (k > s->max - s->len) { /* the cap holds while downloading, not after */
        s->too_big = true;
        return 0;
    }
    if (s->len + k + 1 > s->cap) {
        size_t nc = s->cap ? s->cap : 4096;
        while (nc < s->len + k + 1)
            nc *= 2;
        char *nb = realloc(s->buf, nc);
        if (!nb) {
            s->nomem = true;
            return 0;
        }
        s->buf = nb;
        s->cap = nc;
    }
    memcpy(s->buf + s->len, p, k);
    s->len += k;
    s->buf[s->len] = '\0';
    return k;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    sink *s = arg;
    size_t k = size * n;
    if (k > 5 && !strncasecmp(p, "etag:", 5)) {
        size_t i = 5, j = k;
        while (i < j && (p[i] == ' ' || p[i] == '\t'))
            i++;
        while (j > i && (p[j - 1] == '\r' || p[j - 1] == '\n' || p[j - 1] == ' '))
            j--;
        if (j - i < sizeof s->etag) {
            memcpy(s->etag, p + i, j - i);
            s->etag[j - i] = '\0';
        }
    }
    return k;
}

static void init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

bool fetch_is_url(const char *s)
{
    return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

int fetch_get(const char *url, const char *etag, size_t max_bytes, long timeout_s, fetch_result *out, char *err,
              size_t errcap)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_once);
    memset(out, 0, sizeof *out);
    if (!fetch_is_url(url)) {
        snprintf(err, errcap, "%s: only http:// and https:// URLs are fetched", url);
        return -1;
    }
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, errcap, "cannot initialise libcurl");
        return -1;
    }
    sink s = {.max = max_bytes};
    struct curl_slist *h = NULL;
    char inm[300];
    if (etag && etag[0] && strlen(etag) < 256) {
        snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
        h = curl_slist_append(h, inm);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s > 0 ? timeout_s : 30L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_bytes); /* early refusal by Content-Length */
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &s);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "cmdai-policy/" CMDAI_VERSION);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (s.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
        free(s.buf);
        snprintf(err, errcap, "%s: response exceeds the limit of %zu bytes; refused", url, max_bytes);
        return -1;
    }
    if (s.nomem) {
        free(s.buf);
        snprintf(err, errcap, "%s: out of memory", url);
        return -1;
    }
    if (rc != CURLE_OK) {
        free(s.buf);
        snprintf(err, errcap, "%s: %s", url, curl_easy_strerror(rc));
        return -1;
    }
    out->status = code;
    snprintf(out->etag, sizeof out->etag, "%s", s.etag);
    if (code == 200) {
        if (!s.buf && !(s.buf = calloc(1, 1))) {
            snprintf(err, errcap, "%s: out of memory", url);
            return -1;
        }
        out->body = s.buf;
        out->len = s.len;
    } else {
        free(s.buf);
    }
    return 0;
}
