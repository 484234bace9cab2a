/* sha256 digests: streaming equals one-shot, validation is strict. */
#include <criterion/criterion.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/digest.h"

Test(digest, known_vector_and_streaming)
{
	char one[HULL_DIGEST_BUF_LEN], two[HULL_DIGEST_BUF_LEN];
	hull_sha256_buffer("abc", 3, one);
	cr_expect_str_eq(one, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	struct hull_sha256 *h = hull_sha256_new();
	hull_sha256_update(h, "a", 1);
	hull_sha256_digest(h, two); /* a digest mid-way leaves the state usable */
	hull_sha256_update(h, "bc", 2);
	hull_sha256_digest(h, two);
	hull_sha256_free(h);
	cr_expect_str_eq(one, two);
}

Test(digest, validation)
{
	cr_expect_eq(hull_digest_validate("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", NULL), 0);
	cr_expect_lt(hull_digest_validate("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", NULL), 0);
	cr_expect_lt(hull_digest_validate("sha256:ba78", NULL), 0);
	cr_expect_lt(hull_digest_validate("sha512:ba78", NULL), 0);
	cr_expect_lt(hull_digest_validate("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", NULL), 0);
	cr_expect_lt(hull_digest_validate(NULL, NULL), 0);
}
