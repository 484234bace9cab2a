/* create_config.h - docker's container config (the body of POST
 * /containers/create: Config members, HostConfig, NetworkingConfig) as
 * hull's run options. */
#ifndef HULL_CLI_API_CREATE_CONFIG_H
#define HULL_CLI_API_CREATE_CONFIG_H

#include <jansson.h>
#include <stdbool.h>

#include "hull/run_options.h"

struct api_response;

/* The options and the strings made for them, freed together. */
struct api_create {
	struct hull_run_options o;
	char ***strv; /* vectors made, each freed with hull_strv_free */
	size_t n_strv;
	char **str; /* strings made */
	size_t n_str;
	json_t *more_networks; /* {NAME: EndpointConfig} beyond the first: connected after create (borrowed) */
	const char *bad;       /* the first member of the wrong type */
};

/* api_create_from: fill c (zeroed by the caller) from body; strings are
 * borrowed from body or owned by c. false with a 400 in resp when a
 * member is malformed or asks what hull does not do. */
bool api_create_from(json_t *body, struct api_create *c, struct api_response *resp);

/* api_create_clear: free what api_create_from made. */
void api_create_clear(struct api_create *c);

#endif
