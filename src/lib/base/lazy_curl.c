/* lazy_curl.c - the libcurl functions hull calls, loading libcurl on first
 * use (see lazy.h). Variadic setopt/getinfo take exactly one argument after
 * the option (long, pointer, curl_off_t or function pointer: one integer
 * register each on the ABIs hull builds for), passed on as is. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <stdarg.h>

#include <stddef.h>

#include "lazy.h"

HULL_LAZY(HULL_LIB_CURL, CURLcode, curl_global_init, (long flags), (flags))
HULL_LAZY(HULL_LIB_CURL, CURL *, curl_easy_init, (void), ())
HULL_LAZY_VOID(HULL_LIB_CURL, curl_easy_cleanup, (CURL *h), (h))
HULL_LAZY(HULL_LIB_CURL, CURLcode, curl_easy_perform, (CURL *h), (h))
HULL_LAZY(HULL_LIB_CURL, const char *, curl_easy_strerror, (CURLcode c), (c))
HULL_LAZY(HULL_LIB_CURL, char *, curl_easy_escape, (CURL *h, const char *s, int n), (h, s, n))
HULL_LAZY_VOID(HULL_LIB_CURL, curl_free, (void *p), (p))
HULL_LAZY(HULL_LIB_CURL, CURLSH *, curl_share_init, (void), ())
HULL_LAZY(HULL_LIB_CURL, CURLSHcode, curl_share_cleanup, (CURLSH *s), (s))
HULL_LAZY(HULL_LIB_CURL, struct curl_slist *, curl_slist_append, (struct curl_slist *l, const char *s), (l, s))
HULL_LAZY_VOID(HULL_LIB_CURL, curl_slist_free_all, (struct curl_slist *l), (l))

HULL_LAZY_FN(HULL_LIB_CURL, curl_easy_setopt, (CURL * h, CURLoption o, ...))
CURLcode curl_easy_setopt(CURL *h, CURLoption o, ...)
{
	va_list ap;
	va_start(ap, o);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return lazy_curl_easy_setopt()(h, o, arg);
}

HULL_LAZY_FN(HULL_LIB_CURL, curl_easy_getinfo, (CURL * h, CURLINFO i, ...))
CURLcode curl_easy_getinfo(CURL *h, CURLINFO i, ...)
{
	va_list ap;
	va_start(ap, i);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return lazy_curl_easy_getinfo()(h, i, arg);
}

HULL_LAZY_FN(HULL_LIB_CURL, curl_share_setopt, (CURLSH * s, CURLSHoption o, ...))
CURLSHcode curl_share_setopt(CURLSH *s, CURLSHoption o, ...)
{
	va_list ap;
	va_start(ap, o);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return lazy_curl_share_setopt()(s, o, arg);
}
