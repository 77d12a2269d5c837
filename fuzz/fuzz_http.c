/* libFuzzer target: HTTP response header blocks as libcurl hands them over, and challenges. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every kept value ends inside its field, and the media type lost its parameters. */
static void check(const struct kmend_http_response *r)
{
	if (strlen(r->content_type) >= sizeof(r->content_type) || strchr(r->content_type, ';') ||
	    strlen(r->location) >= sizeof(r->location) ||
	    strlen(r->www_authenticate) >= sizeof(r->www_authenticate) ||
	    strlen(r->docker_content_digest) >= sizeof(r->docker_content_digest) ||
	    r->retry_after < -1 || r->content_length < -1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"realm", "service", "scope", "error"};
	struct kmend_http_response resp;
	struct kmend_error err;
	char value[1024];
	char *text;
	int r;

	if (size == 0)
		return 0;
	r = kmend_http_read_header_block((const char *)data + 1, size - 1, data[0] & 1, &resp,
	                                 &err);
	if (r < -KMEND_E_LAST || r > 1)
		abort();
	check(&resp);
	/* The challenge as a server sent it, and the whole input as one. */
	if (!(text = malloc(size)))
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (kmend_http_challenge_param(resp.www_authenticate, keys[i], value,
		                               sizeof(value)) == 0 &&
		    strlen(value) >= sizeof(value))
			abort();
		(void)kmend_http_challenge_param(text, keys[i], value, sizeof(value));
	}
	free(text);
	return 0;
}
