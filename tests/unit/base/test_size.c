/* Sizes as docker takes them (--log-opt max-size, --memory, --shm-size). */
#include <criterion/criterion.h>
#include <errno.h>

#include "hull/size.h"

Test(size, sizes_parse_like_docker)
{
	unsigned long long v;
	cr_assert_eq(hull_parse_size("10m", &v), 0);
	cr_assert_eq(v, 10ULL << 20);
	cr_assert_eq(hull_parse_size("1k", &v), 0);
	cr_assert_eq(v, 1024);
	cr_assert_eq(hull_parse_size("512", &v), 0);
	cr_assert_eq(v, 512);
	cr_assert_eq(hull_parse_size("2GiB", &v), 0);
	cr_assert_eq(v, 2ULL << 30);
	cr_assert_eq(hull_parse_size("1.5g", &v), 0);
	cr_assert_eq(v, 3ULL << 29);
	cr_assert_eq(hull_parse_size("ten", &v), -EINVAL);
	cr_assert_eq(hull_parse_size("10x", &v), -EINVAL);
}
