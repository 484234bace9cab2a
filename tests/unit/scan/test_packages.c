/* test_packages.c - package databases and OS detection. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../src/lib/scan/scan-internal.h"
#include "hull/fs.h"

static void clear(struct scan_packages *p)
{
	for (size_t i = 0; i < p->n; i++)
		scan_package_clear(&p->v[i]);
	free(p->v);
}

Test(packages, dpkg_status_source_fields)
{
	const char *status = "Package: bsdutils\n"
			     "Status: install ok installed\n"
			     "Architecture: amd64\n"
			     "Source: util-linux (2.38.1-5+deb12u3)\n"
			     "Version: 1:2.38.1-5+deb12u3\n"
			     "Description: basic utilities\n continuation line: Version: 9\n"
			     "\n"
			     "Package: removed\n"
			     "Status: deinstall ok config-files\n"
			     "Version: 1.0\n"
			     "\n"
			     "Package: zlib1g\n"
			     "Status: install ok installed\n"
			     "Version: 1:1.2.13.dfsg-1\n"
			     "Source: zlib\n";
	struct scan_packages p = { 0 };
	cr_assert_eq(scan_dpkg_parse(status, "status", &p, NULL), 0);
	cr_assert_eq(p.n, 2, "config-files-only packages are not installed");
	cr_expect_str_eq(p.v[0].name, "bsdutils");
	cr_expect_str_eq(p.v[0].version, "1:2.38.1-5+deb12u3");
	cr_expect_str_eq(p.v[0].source_name, "util-linux");
	cr_expect_str_eq(p.v[0].source_version, "2.38.1-5+deb12u3");
	cr_expect_str_eq(p.v[0].arch, "amd64");
	cr_expect_str_eq(p.v[1].source_name, "zlib");
	cr_expect_str_eq(p.v[1].source_version, "1:1.2.13.dfsg-1", "no (version): the binary's, with epoch");
	clear(&p);
}

Test(packages, dpkg_stanza_without_version_is_an_error)
{
	struct scan_packages p = { 0 };
	struct hull_error *err = NULL;
	cr_assert_lt(scan_dpkg_parse("Package: x\nStatus: install ok installed\n", "status.d/x", &p, &err), 0);
	cr_expect(strstr(err->msg, "status.d/x") && strstr(err->msg, "Version"), "%s", err->msg);
	hull_error_free(err);
	clear(&p);
}

Test(packages, apk_installed_origin)
{
	const char *db = "C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\no:musl\n\n"
			 "C:Q1def=\nP:libcrypto3\nV:3.1.4-r1\nA:x86_64\no:openssl\nF:lib\nR:libcrypto.so.3\n\n"
			 "P:busybox-binsh\nV:1.36.1-r15\no:busybox\n";
	struct scan_packages p = { 0 };
	cr_assert_eq(scan_apk_parse(db, "installed", &p, NULL), 0);
	cr_assert_eq(p.n, 3);
	cr_expect_str_eq(p.v[1].name, "libcrypto3");
	cr_expect_str_eq(p.v[1].source_name, "openssl");
	cr_expect_str_eq(p.v[1].source_version, "3.1.4-r1");
	cr_expect_str_eq(p.v[2].source_name, "busybox");
	clear(&p);
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

Test(packages, rpm_header_blob)
{
	/* il=4 entries: NAME, VERSION, RELEASE (strings), EPOCH (int32) + SOURCERPM */
	unsigned char blob[512] = { 0 };
	const char *strs[] = { "openssl-libs", "3.0.7", "27.el9", "openssl-3.0.7-27.el9.src.rpm" };
	uint32_t tags[] = { 1000, 1001, 1002, 1044 };
	uint32_t il = 5, off = 0;
	unsigned char *data = blob + 8 + 16 * il;
	for (int i = 0; i < 4; i++) {
		unsigned char *e = blob + 8 + 16 * i;
		put32(e, tags[i]);
		put32(e + 4, 6);
		put32(e + 8, off);
		put32(e + 12, 1);
		strcpy((char *)data + off, strs[i]);
		off += strlen(strs[i]) + 1;
	}
	off = (off + 3) & ~3u;
	unsigned char *e = blob + 8 + 16 * 4;
	put32(e, 1003);
	put32(e + 4, 4);
	put32(e + 8, off);
	put32(e + 12, 1);
	put32(data + off, 1);
	off += 4;
	put32(blob, il);
	put32(blob + 4, off);
	struct scan_packages p = { 0 };
	cr_assert_eq(scan_rpm_header_parse(blob, 8 + 16 * il + off, &p, NULL), 0);
	cr_assert_eq(p.n, 1);
	cr_expect_str_eq(p.v[0].name, "openssl-libs");
	cr_expect_str_eq(p.v[0].version, "1:3.0.7-27.el9");
	cr_expect_str_eq(p.v[0].source_name, "openssl");
	/* a header that claims more than it holds is refused, not read past */
	struct hull_error *err = NULL;
	put32(blob + 4, 100000);
	cr_expect_lt(scan_rpm_header_parse(blob, 8 + 16 * il + off, &p, &err), 0);
	hull_error_free(err);
	clear(&p);
}

Test(packages, osv_ecosystems)
{
	char *e;
	cr_expect_str_eq(e = scan_os_ecosystem("debian", NULL, "12", "12 (bookworm)"), "Debian:12");
	free(e);
	cr_expect_str_eq(e = scan_os_ecosystem("alpine", NULL, "3.19.1", NULL), "Alpine:v3.19");
	free(e);
	cr_expect_str_eq(e = scan_os_ecosystem("ubuntu", "debian", "22.04", "22.04.4 LTS (Jammy Jellyfish)"),
			 "Ubuntu:22.04:LTS");
	free(e);
	cr_expect_str_eq(e = scan_os_ecosystem("ubuntu", "debian", "23.10", "23.10 (Mantic Minotaur)"), "Ubuntu:23.10");
	free(e);
	cr_expect_str_eq(e = scan_os_ecosystem("rocky", "rhel centos fedora", "9.3", NULL), "Rocky Linux:9");
	free(e);
	cr_expect_null(scan_os_ecosystem("debian", NULL, NULL, NULL));
}
