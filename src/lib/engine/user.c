/* user.c - resolve docker's -u USER[:GROUP] against the image's
 * /etc/passwd and /etc/group, as runc's libcontainer/user does.
 *
 * The files are opened with hull_open_in_root: an image whose
 * /etc/passwd is a symlink to /etc/shadow reads its own /etc/shadow, never
 * the host's. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/engine_spec.h"
#include "hull/fs.h"
#include "hull/inroot.h"

static FILE *open_in_root(const char *rootfs, const char *path)
{
	_cleanup_close_ int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return NULL;
	int fd = hull_open_in_root(root, path, O_RDONLY, 0);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "re");
	if (!f)
		close(fd);
	return f;
}

static bool parse_number(const char *s, unsigned long *out)
{
	char *end;
	if (!*s)
		return false;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (*end || errno || v > 0xfffffffeUL)
		return false;
	*out = v;
	return true;
}

/* Field k (0-based) of a colon-separated line, in place. */
static char *field(char *line, int k)
{
	for (int i = 0; i < k && line; i++) {
		line = strchr(line, ':');
		if (line)
			line++;
	}
	if (!line)
		return NULL;
	line[strcspn(line, ":\n")] = '\0';
	return line;
}

/* Find a passwd entry by name or uid; *found says if it was there. */
static void lookup_passwd(const char *rootfs, const char *name, unsigned long uid, bool by_uid, bool *found,
			  unsigned long *out_uid, unsigned long *out_gid, char **out_name)
{
	*found = false;
	_cleanup_fclose_ FILE *f = open_in_root(rootfs, "/etc/passwd");
	char line[1024];
	while (f && fgets(line, sizeof(line), f)) {
		char a[1024], b[1024], c[1024];
		strcpy(a, line);
		strcpy(b, line);
		strcpy(c, line);
		char *n = field(a, 0), *u = field(b, 2), *g = field(c, 3);
		unsigned long uv, gv;
		if (!n || !u || !g || !parse_number(u, &uv) || !parse_number(g, &gv))
			continue;
		if (by_uid ? uv == uid : !strcmp(n, name)) {
			*found = true;
			*out_uid = uv;
			*out_gid = gv;
			*out_name = hull_xstrdup(n);
			return;
		}
	}
}

static bool lookup_group(const char *rootfs, const char *name, unsigned long *gid)
{
	_cleanup_fclose_ FILE *f = open_in_root(rootfs, "/etc/group");
	char line[4096];
	while (f && fgets(line, sizeof(line), f)) {
		char a[4096], b[4096];
		strcpy(a, line);
		strcpy(b, line);
		char *n = field(a, 0), *g = field(b, 2);
		unsigned long gv;
		if (n && g && !strcmp(n, name) && parse_number(g, &gv)) {
			*gid = gv;
			return true;
		}
	}
	return false;
}

static void add_gid(gid_t **gids, size_t *n, gid_t g)
{
	for (size_t i = 0; i < *n; i++)
		if ((*gids)[i] == g)
			return;
	*gids = hull_xrealloc(*gids, (*n + 1) * sizeof(gid_t));
	(*gids)[(*n)++] = g;
}

/* Groups whose member list (field 4) names user. */
static void member_groups(const char *rootfs, const char *user, gid_t primary, gid_t **gids, size_t *n)
{
	_cleanup_fclose_ FILE *f = open_in_root(rootfs, "/etc/group");
	char line[4096];
	while (user && f && fgets(line, sizeof(line), f)) {
		char a[4096], b[4096];
		strcpy(a, line);
		strcpy(b, line);
		char *g = field(a, 2), *members = field(b, 3);
		unsigned long gv;
		if (!g || !members || !parse_number(g, &gv) || gv == primary)
			continue;
		for (char *save = NULL, *m = strtok_r(members, ",", &save); m; m = strtok_r(NULL, ",", &save))
			if (!strcmp(m, user))
				add_gid(gids, n, (gid_t)gv);
	}
}

int hull_engine_resolve_user(const char *rootfs, const char *user, json_t *group_add, uid_t *uid, gid_t *gid,
			     gid_t **gids, size_t *n_gids, struct hull_error **err)
{
	*gids = NULL;
	*n_gids = 0;
	_cleanup_free_ char *u = hull_xstrdup(user && *user ? user : "0");
	char *group = strchr(u, ':');
	if (group)
		*group++ = '\0';
	unsigned long uv = 0, gv = 0, num;
	bool found = false;
	_cleanup_free_ char *name = NULL;
	if (parse_number(u, &num)) {
		lookup_passwd(rootfs, NULL, num, true, &found, &uv, &gv, &name);
		uv = num; /* a numeric user need not exist in /etc/passwd (docker) */
		if (!found)
			gv = 0;
	} else {
		lookup_passwd(rootfs, u, 0, false, &found, &uv, &gv, &name);
		if (!found)
			return hull_error_msg(err, ENOENT, "unable to find user %s: no matching entries in passwd file", u);
	}
	if (group && *group) {
		if (parse_number(group, &num))
			gv = num;
		else if (!lookup_group(rootfs, group, &gv))
			return hull_error_msg(err, ENOENT, "unable to find group %s: no matching entries in group file",
					      group);
	}
	*uid = (uid_t)uv;
	*gid = (gid_t)gv;
	if (!group)
		member_groups(rootfs, name, *gid, gids, n_gids);
	size_t i;
	json_t *g;
	json_array_foreach(group_add, i, g)
	{
		const char *s = json_string_value(g);
		unsigned long v;
		if (!s)
			continue;
		if (!parse_number(s, &v) && !lookup_group(rootfs, s, &v)) {
			free(*gids);
			*gids = NULL;
			*n_gids = 0;
			return hull_error_msg(err, ENOENT, "--group-add: unable to find group %s in the image", s);
		}
		add_gid(gids, n_gids, (gid_t)v);
	}
	return 0;
}
