/* cgroup_detect.c - which cgroup hierarchies the host has (v1, v2, hybrid),
 * read from /proc/self/mountinfo and /proc/self/cgroup. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hull/cgroup.h"
#include "hull/cleanup.h"
#include "hull/fs.h"

void hull_cgroup_layout_free(struct hull_cgroup_layout *layout)
{
	if (!layout)
		return;
	for (size_t i = 0; i < layout->n_v1; i++) {
		free(layout->v1[i].mountpoint);
		free(layout->v1[i].controllers);
		free(layout->v1[i].own);
	}
	free(layout->v1);
	free(layout->unified);
	free(layout->unified_own);
	free(layout);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo octal. */
static char *unescape_octal(const char *s)
{
	char *out = hull_xmalloc(strlen(s) + 1), *o = out;
	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			*o++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

/* The controllers of a v1 mount, from its super options ("rw,cpu,cpuacct"),
 * in the order /proc/self/cgroup lists them (the kernel sorts by subsystem
 * id there; matching is done on the set, see find_own). */
static char *v1_controllers(const char *superopts)
{
	_cleanup_free_ char *copy = hull_xstrdup(superopts);
	char *out = hull_xcalloc(1, strlen(superopts) + 1), *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "rw") || !strcmp(t, "ro") || !strncmp(t, "release_agent=", 14) ||
		    !strcmp(t, "clone_children") || !strcmp(t, "noprefix") || !strcmp(t, "xattr") ||
		    !strcmp(t, "cpuset_v2_mode") || !strcmp(t, "favordynmods") || !strcmp(t, "nosuid"))
			continue;
		if (*out)
			strcat(out, ",");
		strcat(out, t);
	}
	return out;
}

/* Same comma-separated set, in any order? */
static bool same_set(const char *a, const char *b)
{
	_cleanup_free_ char *ca = hull_xstrdup(a);
	size_t na = 0, nb = 1;
	char *save = NULL;
	for (const char *p = b; *p; p++)
		nb += *p == ',';
	for (char *t = strtok_r(ca, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t len = strlen(t);
		const char *p = b;
		bool found = false;
		while (p && *p) {
			if (!strncmp(p, t, len) && (p[len] == ',' || p[len] == '\0')) {
				found = true;
				break;
			}
			p = strchr(p, ',');
			p = p ? p + 1 : NULL;
		}
		if (!found)
			return false;
		na++;
	}
	return na == nb;
}

/* This process's cgroup for a hierarchy ("" = the unified one), from the
 * text of /proc/self/cgroup ("ID:CONTROLLERS:PATH" lines). */
static char *find_own(const char *own, const char *controllers)
{
	if (!own)
		return hull_xstrdup("/");
	_cleanup_free_ char *copy = hull_xstrdup(own);
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c = strchr(line, ':');
		char *p = c ? strchr(c + 1, ':') : NULL;
		if (!p)
			continue;
		*p = '\0';
		c++;
		if ((!*controllers && !*c) || (*controllers && *c && same_set(controllers, c)))
			return hull_xstrdup(p + 1);
	}
	return hull_xstrdup("/");
}

/* Parse one mountinfo line; add a cgroup/cgroup2 mount to the layout.
 * Format (proc(5)): ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SOURCE SUPEROPTS */
static void add_mount(struct hull_cgroup_layout *l, char *line, const char *own)
{
	char *fields[6] = { 0 }, *save = NULL, *t;
	size_t n = 0;
	for (t = strtok_r(line, " ", &save); t && n < 6; t = strtok_r(NULL, " ", &save))
		fields[n++] = t;
	if (n < 6)
		return;
	while (t && strcmp(t, "-"))
		t = strtok_r(NULL, " ", &save);
	char *fstype = strtok_r(NULL, " ", &save);
	char *source = strtok_r(NULL, " ", &save);
	char *superopts = strtok_r(NULL, " ", &save);
	if (!fstype || !source || !superopts)
		return;
	if (!strcmp(fstype, "cgroup2")) {
		if (l->unified)
			return; /* the first one is the host's; later ones are bind copies */
		l->unified = unescape_octal(fields[4]);
		l->unified_own = find_own(own, "");
	} else if (!strcmp(fstype, "cgroup")) {
		_cleanup_free_ char *ctl = v1_controllers(superopts);
		for (size_t i = 0; i < l->n_v1; i++)
			if (!strcmp(l->v1[i].controllers, ctl))
				return;
		l->v1 = hull_xrealloc(l->v1, (l->n_v1 + 1) * sizeof(*l->v1));
		l->v1[l->n_v1].mountpoint = unescape_octal(fields[4]);
		l->v1[l->n_v1].own = find_own(own, ctl);
		l->v1[l->n_v1].controllers = steal_ptr(ctl);
		l->n_v1++;
	}
}

int hull_cgroup_layout_parse(const char *mountinfo, const char *own, struct hull_cgroup_layout **out,
			     struct hull_error **err)
{
	struct hull_cgroup_layout *l = hull_xcalloc(1, sizeof(*l));
	_cleanup_free_ char *copy = hull_xstrdup(mountinfo);
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		_cleanup_free_ char *one = hull_xstrdup(line);
		add_mount(l, one, own);
	}
	if (!l->unified && l->n_v1 == 0) {
		hull_cgroup_layout_free(l);
		return hull_error_msg(err, ENOENT,
				      "no cgroup mounted: found neither a cgroup2 mount nor a v1 hierarchy in "
				      "mountinfo; mount one (e.g. `mount -t cgroup2 none /sys/fs/cgroup`)");
	}
	l->mode = l->n_v1 == 0 ? HULL_CGROUP_V2 : l->unified ? HULL_CGROUP_HYBRID : HULL_CGROUP_V1;
	*out = l;
	return 0;
}

int hull_cgroup_layout_detect(struct hull_cgroup_layout **out, struct hull_error **err)
{
	_cleanup_free_ char *mountinfo = NULL, *own = NULL;
	int r = hull_read_file("/proc/self/mountinfo", &mountinfo, NULL, err);
	if (r < 0)
		return r;
	if (hull_read_file("/proc/self/cgroup", &own, NULL, NULL) < 0)
		own = NULL;
	return hull_cgroup_layout_parse(mountinfo, own, out, err);
}
