/* lazy_nftables.c - the libnftables functions hull calls (the engine's
 * port forwarding), loading libnftables (nftnl, xtables, gmp) on first
 * use (see lazy.h). */
#include <nftables/libnftables.h>
#include <stddef.h>

#include "lazy.h"

HULL_LAZY(HULL_LIB_NFTABLES, struct nft_ctx *, nft_ctx_new, (uint32_t flags), (flags))
HULL_LAZY_VOID(HULL_LIB_NFTABLES, nft_ctx_free, (struct nft_ctx *c), (c))
HULL_LAZY(HULL_LIB_NFTABLES, int, nft_ctx_buffer_output, (struct nft_ctx *c), (c))
HULL_LAZY(HULL_LIB_NFTABLES, int, nft_ctx_buffer_error, (struct nft_ctx *c), (c))
HULL_LAZY(HULL_LIB_NFTABLES, const char *, nft_ctx_get_error_buffer, (struct nft_ctx *c), (c))
HULL_LAZY(HULL_LIB_NFTABLES, int, nft_run_cmd_from_buffer, (struct nft_ctx *c, const char *buf), (c, buf))
HULL_LAZY_VOID(HULL_LIB_NFTABLES, nft_ctx_output_set_flags, (struct nft_ctx *c, unsigned int flags), (c, flags))
HULL_LAZY(HULL_LIB_NFTABLES, const char *, nft_ctx_get_output_buffer, (struct nft_ctx *c), (c))
