/* seccomp.c - linux.seccomp through libseccomp (OCI runtime-spec
 * config-linux.md#seccomp). The only file that includes seccomp.h. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/security.h"
#include "seccomp_internal.h"

#define WHERE "config.json"

static void ctx_releasep(scmp_filter_ctx *c)
{
	if (*c)
		seccomp_release(*c);
	*c = NULL;
}

/* An action name with its errnoRet (used by SCMP_ACT_ERRNO and _TRACE). */
static int parse_action(const char *name, json_t *errno_ret, bool has_errno, uint32_t *out, const char *field,
			struct hull_error **err)
{
	long long ret = has_errno ? json_integer_value(errno_ret) : EPERM;
	if (!strcmp(name, "SCMP_ACT_KILL") || !strcmp(name, "SCMP_ACT_KILL_THREAD"))
		*out = SCMP_ACT_KILL_THREAD;
	else if (!strcmp(name, "SCMP_ACT_KILL_PROCESS"))
		*out = SCMP_ACT_KILL_PROCESS;
	else if (!strcmp(name, "SCMP_ACT_TRAP"))
		*out = SCMP_ACT_TRAP;
	else if (!strcmp(name, "SCMP_ACT_ERRNO"))
		*out = SCMP_ACT_ERRNO((uint16_t)ret);
	else if (!strcmp(name, "SCMP_ACT_TRACE"))
		*out = SCMP_ACT_TRACE((uint16_t)(has_errno ? ret : 0));
	else if (!strcmp(name, "SCMP_ACT_ALLOW"))
		*out = SCMP_ACT_ALLOW;
	else if (!strcmp(name, "SCMP_ACT_LOG"))
		*out = SCMP_ACT_LOG;
	else if (!strcmp(name, "SCMP_ACT_NOTIFY"))
		*out = SCMP_ACT_NOTIFY;
	else
		return hull_error_msg(err, EINVAL, "%s: %s: unknown action \"%s\"", WHERE, field, name);
	return 0;
}

static int parse_op(const char *name, enum scmp_compare *out)
{
	static const struct {
		const char *name;
		enum scmp_compare op;
	} ops[] = { { "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT }, { "SCMP_CMP_LE", SCMP_CMP_LE },
		    { "SCMP_CMP_EQ", SCMP_CMP_EQ }, { "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
		    { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ } };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(ops); i++)
		if (!strcmp(ops[i].name, name)) {
			*out = ops[i].op;
			return 0;
		}
	return -EINVAL;
}

static uint64_t json_u64(json_t *v)
{
	/* values above INT64_MAX arrive as reals from jansson */
	return json_is_integer(v) ? (uint64_t)json_integer_value(v) : (uint64_t)json_real_value(v);
}

static int parse_args(json_t *args, struct scmp_arg_cmp *out, size_t *n, const char *field, struct hull_error **err)
{
	json_t *a;
	size_t i;
	*n = 0;
	if (!args)
		return 0;
	if (!json_is_array(args) || json_array_size(args) > 6)
		return hull_error_msg(err, EINVAL, "%s: %s.args: must be an array of at most 6 conditions", WHERE,
				      field);
	json_array_foreach(args, i, a)
	{
		json_t *index = json_object_get(a, "index"), *value = json_object_get(a, "value");
		json_t *two = json_object_get(a, "valueTwo");
		const char *op = json_string_value(json_object_get(a, "op"));
		enum scmp_compare cmp;
		if (!json_is_integer(index) || json_integer_value(index) < 0 || json_integer_value(index) > 5 ||
		    !json_is_number(value) || (two && !json_is_number(two)) || !op || parse_op(op, &cmp) < 0)
			return hull_error_msg(err, EINVAL,
					      "%s: %s.args[%zu]: needs index 0..5, a numeric value and an op such as "
					      "SCMP_CMP_EQ",
					      WHERE, field, i);
		out[i] = (struct scmp_arg_cmp){ .arg = (unsigned)json_integer_value(index),
						.op = cmp,
						.datum_a = json_u64(value),
						.datum_b = two ? json_u64(two) : 0 };
		(*n)++;
	}
	return 0;
}

/* runc's rule: conditions on distinct arguments are ANDed in one rule; when
 * one argument has several conditions, each becomes a rule of its own (OR),
 * since the kernel filter cannot AND two tests of one argument. */
static bool repeated_index(const struct scmp_arg_cmp *args, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (args[i].arg == args[j].arg)
				return true;
	return false;
}

static int add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, const struct scmp_arg_cmp *args, size_t n)
{
	if (!repeated_index(args, n))
		return seccomp_rule_add_array(ctx, action, nr, (unsigned)n, args);
	for (size_t i = 0; i < n; i++) {
		int r = seccomp_rule_add_array(ctx, action, nr, 1, &args[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_syscalls(scmp_filter_ctx ctx, json_t *entry, size_t idx, uint32_t def, bool *notify,
			struct hull_error **err)
{
	_cleanup_free_ char *field = hull_strdup_printf("linux.seccomp.syscalls[%zu]", idx);
	const char *action_name = NULL;
	json_t *names = NULL, *name, *errno_ret = json_object_get(entry, "errnoRet");
	struct scmp_arg_cmp args[6];
	size_t n_args = 0, i;
	uint32_t action;
	int r;
	if ((r = hull_json_get_array(entry, "names", &names, true, WHERE, field, err)) < 0 ||
	    (r = hull_json_get_string(entry, "action", &action_name, true, WHERE, field, err)) < 0 ||
	    (r = parse_action(action_name, errno_ret, json_is_integer(errno_ret), &action, field, err)) < 0 ||
	    (r = parse_args(json_object_get(entry, "args"), args, &n_args, field, err)) < 0)
		return r;
	*notify |= action == SCMP_ACT_NOTIFY;
	/* the runtime itself writes to hand the fd over and report errors:
	 * notifying on write would deadlock it (runc refuses it too) */
	json_array_foreach(names, i, name)
	{
		if (action == SCMP_ACT_NOTIFY && json_is_string(name) && !strcmp(json_string_value(name), "write"))
			return hull_error_msg(err, EINVAL, "%s: %s: SCMP_ACT_NOTIFY cannot be used for the write syscall",
					      WHERE, field);
	}
	/* libseccomp refuses a rule that repeats the default action */
	if (action == def)
		return 0;
	json_array_foreach(names, i, name)
	{
		const char *s = json_string_value(name);
		if (!s)
			return hull_error_msg(err, EINVAL, "%s: %s.names[%zu]: must be a string", WHERE, field, i);
		int nr = seccomp_syscall_resolve_name(s);
		/* a syscall this libseccomp does not know: skipped, as runc does,
		 * so that one profile serves old and new kernels */
		if (nr == __NR_SCMP_ERROR)
			continue;
		if ((r = add_rule(ctx, action, nr, args, n_args)) < 0)
			return hull_error_set(err, -r, "%s: %s: add the rule for `%s`", WHERE, field, s);
	}
	return 0;
}

static int add_arches(scmp_filter_ctx ctx, json_t *arches, struct hull_error **err)
{
	json_t *a;
	size_t i;
	json_array_foreach(arches, i, a)
	{
		const char *name = json_string_value(a);
		char lower[32] = "";
		if (!name)
			return hull_error_msg(err, EINVAL, "%s: linux.seccomp.architectures[%zu]: must be a string", WHERE,
					      i);
		const char *base = strncmp(name, "SCMP_ARCH_", 10) ? name : name + 10;
		for (size_t k = 0; base[k] && k + 1 < sizeof(lower); k++)
			lower[k] = (char)tolower((unsigned char)base[k]);
		uint32_t arch = seccomp_arch_resolve_name(lower);
		if (!arch)
			return hull_error_msg(err, EINVAL, "%s: linux.seccomp.architectures[%zu]: unknown architecture "
							   "\"%s\"",
					      WHERE, i, name);
		int r = seccomp_arch_add(ctx, arch);
		if (r < 0 && r != -EEXIST)
			return hull_error_set(err, -r, "%s: linux.seccomp.architectures[%zu]: add %s", WHERE, i, name);
	}
	return 0;
}

static int set_flags(scmp_filter_ctx ctx, json_t *flags, struct hull_error **err)
{
	json_t *f;
	size_t i;
	json_array_foreach(flags, i, f)
	{
		const char *name = json_string_value(f);
		enum scmp_filter_attr attr;
		if (name && !strcmp(name, "SECCOMP_FILTER_FLAG_TSYNC"))
			attr = SCMP_FLTATR_CTL_TSYNC;
		else if (name && !strcmp(name, "SECCOMP_FILTER_FLAG_LOG"))
			attr = SCMP_FLTATR_CTL_LOG;
		else if (name && !strcmp(name, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"))
			attr = SCMP_FLTATR_CTL_SSB;
		else
			return hull_error_msg(err, EINVAL, "%s: linux.seccomp.flags[%zu]: unknown or unsupported flag \"%s\"",
					      WHERE, i, name ? name : "(not a string)");
		int r = seccomp_attr_set(ctx, attr, 1);
		if (r < 0)
			return hull_error_set(err, -r, "%s: linux.seccomp.flags[%zu]: set %s", WHERE, i, name);
	}
	return 0;
}

/* Build the filter; *notify says whether an SCMP_ACT_NOTIFY rule exists. */
static int build(json_t *sc, scmp_filter_ctx *out, bool *notify, struct hull_error **err)
{
	const char *def_name = NULL;
	json_t *arches = NULL, *flags = NULL, *syscalls = NULL, *entry;
	uint32_t def;
	size_t i;
	int r;
	*notify = false;
	if (!json_is_object(sc))
		return hull_error_msg(err, EINVAL, "%s: linux.seccomp: must be an object", WHERE);
	json_t *def_errno = json_object_get(sc, "defaultErrnoRet");
	if ((r = hull_json_get_string(sc, "defaultAction", &def_name, true, WHERE, "linux.seccomp.defaultAction", err)) < 0 ||
	    (r = parse_action(def_name, def_errno, json_is_integer(def_errno), &def, "linux.seccomp.defaultAction",
			      err)) < 0 ||
	    (r = hull_json_get_array(sc, "architectures", &arches, false, WHERE, "linux.seccomp.architectures",
				     err)) < 0 ||
	    (r = hull_json_get_array(sc, "flags", &flags, false, WHERE, "linux.seccomp.flags", err)) < 0 ||
	    (r = hull_json_get_array(sc, "syscalls", &syscalls, false, WHERE, "linux.seccomp.syscalls", err)) < 0)
		return r;
	if (def == SCMP_ACT_NOTIFY)
		return hull_error_msg(err, EINVAL, "%s: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the "
						   "default (the listener's own syscalls would wait on it)",
				      WHERE);
	_cleanup_(ctx_releasep) scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx)
		return hull_error_msg(err, ENOMEM, "seccomp_init failed");
	/* no_new_privs is process.noNewPrivileges' business, not libseccomp's */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if ((r = add_arches(ctx, arches, err)) < 0 || (r = set_flags(ctx, flags, err)) < 0)
		return r;
	json_array_foreach(syscalls, i, entry)
	{
		if ((r = add_syscalls(ctx, entry, i, def, notify, err)) < 0)
			return r;
	}
	if (*notify && !json_string_value(json_object_get(sc, "listenerPath")))
		return hull_error_msg(err, EINVAL,
				      "%s: linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY", WHERE);
	*out = steal_ptr(ctx);
	return 0;
}

int hull_seccomp_check(json_t *seccomp, struct hull_error **err)
{
	_cleanup_(ctx_releasep) scmp_filter_ctx ctx = NULL;
	bool notify;
	if (!seccomp || json_is_null(seccomp))
		return 0;
	return build(seccomp, &ctx, &notify, err);
}

bool hull_seccomp_uses_notify(json_t *seccomp)
{
	json_t *entry;
	size_t i;
	json_array_foreach(json_object_get(seccomp, "syscalls"), i, entry)
	{
		const char *a = json_string_value(json_object_get(entry, "action"));
		if (a && !strcmp(a, "SCMP_ACT_NOTIFY"))
			return true;
	}
	return false;
}

static bool has_flag(json_t *sc, const char *name)
{
	json_t *f;
	size_t i;
	json_array_foreach(json_object_get(sc, "flags"), i, f)
	{
		if (json_is_string(f) && !strcmp(json_string_value(f), name))
			return true;
	}
	return false;
}

/* The highest syscall number the profile names, for each arch of ctx. */
static size_t profile_maxima(scmp_filter_ctx ctx, json_t *sc, struct seccomp_enosys_arch *out, size_t cap)
{
	uint32_t arches[32];
	size_t n_arches = 0, n = 0;
	json_t *a, *entry, *name;
	size_t i, j;
	arches[n_arches++] = seccomp_arch_native();
	json_array_foreach(json_object_get(sc, "architectures"), i, a)
	{
		char lower[32] = "";
		const char *s = json_string_value(a), *base = s && !strncmp(s, "SCMP_ARCH_", 10) ? s + 10 : s;
		for (size_t k = 0; base && base[k] && k + 1 < sizeof(lower); k++)
			lower[k] = (char)tolower((unsigned char)base[k]);
		uint32_t arch = seccomp_arch_resolve_name(lower);
		if (arch && seccomp_arch_exist(ctx, arch) == 0 && n_arches < HULL_ARRAY_SIZE(arches))
			arches[n_arches++] = arch;
	}
	for (size_t k = 0; k < n_arches && n < cap; k++) {
		bool seen = false;
		for (size_t m = 0; m < n; m++)
			seen |= out[m].audit_arch == arches[k];
		/* x32 shares x86_64's audit arch: its numbers carry a bit of their own */
		if (seen || arches[k] == SCMP_ARCH_X32)
			continue;
		int max = -1;
		json_array_foreach(json_object_get(sc, "syscalls"), i, entry)
		{
			json_array_foreach(json_object_get(entry, "names"), j, name)
			{
				int nr = json_is_string(name)
						 ? seccomp_syscall_resolve_name_arch(arches[k], json_string_value(name))
						 : -1;
				if (nr > max)
					max = nr;
			}
		}
		if (max >= 0)
			out[n++] = (struct seccomp_enosys_arch){ .audit_arch = arches[k], .max_nr = (uint32_t)max };
	}
	return n;
}

/* ctx behind the ENOSYS stub (seccomp_enosys.c), ready for seccomp(2). */
static int compile_enosys(scmp_filter_ctx ctx, json_t *sc, bool notify, struct hull_seccomp_prog **out,
			  struct hull_error **err)
{
	struct seccomp_enosys_arch arches[8];
	size_t n = profile_maxima(ctx, sc, arches, HULL_ARRAY_SIZE(arches));
	_cleanup_close_ int mem = memfd_create("hull-seccomp", MFD_CLOEXEC);
	if (mem < 0)
		return hull_error_set(err, errno, "memfd_create");
	int r = seccomp_export_bpf(ctx, mem);
	if (r < 0)
		return hull_error_set(err, -r, "export the seccomp filter");
	_cleanup_free_ char *prog = NULL;
	size_t len = 0;
	if (lseek(mem, 0, SEEK_SET) < 0)
		return hull_error_set(err, errno, "read the exported seccomp filter");
	if ((r = hull_read_all(mem, &prog, &len)) < 0)
		return hull_error_set(err, -r, "read the exported seccomp filter");
	struct seccomp_enosys_flags fl = { .tsync = has_flag(sc, "SECCOMP_FILTER_FLAG_TSYNC"),
					   .log = has_flag(sc, "SECCOMP_FILTER_FLAG_LOG"),
					   .spec_allow = has_flag(sc, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"),
					   .notify = notify };
	return seccomp_enosys_build(arches, n, prog, len, &fl, out, err);
}

/* A default that refuses (errno, kill, trap) gets the ENOSYS stub, so that
 * syscalls newer than the profile read as missing (runc does so). */
static bool wants_enosys(scmp_filter_ctx ctx)
{
	uint32_t def = 0;
	seccomp_attr_get(ctx, SCMP_FLTATR_ACT_DEFAULT, &def);
	return def != SCMP_ACT_ALLOW && def != SCMP_ACT_LOG && def != SCMP_ACT_ERRNO(ENOSYS) &&
	       (def & SCMP_ACT_TRACE(0)) != SCMP_ACT_TRACE(0);
}

static int load_with_enosys(scmp_filter_ctx ctx, json_t *sc, bool notify, int *notify_fd, struct hull_error **err)
{
	_cleanup_(hull_seccomp_prog_freep) struct hull_seccomp_prog *p = NULL;
	int r = compile_enosys(ctx, sc, notify, &p, err);
	if (r < 0 || (r = seccomp_prog_load(p, notify_fd, err)) < 0)
		return r;
	if (*notify_fd >= 0)
		fcntl(*notify_fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

/* The cache key: everything the compiled program depends on, as text. The
 * profile is dumped with sorted keys, so that the same profile written in
 * another key order hits the same entry. */
static char *cache_key(json_t *sc)
{
	_cleanup_free_ char *text = json_dumps(sc, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return NULL;
	const struct scmp_version *v = seccomp_version();
	return hull_strdup_printf("hull seccomp cache 1\nlibseccomp %u.%u.%u\narch %u\n%s", v->major, v->minor,
				  v->micro, seccomp_arch_native(), text);
}

int hull_seccomp_prepare(json_t *seccomp, const char *cache_dir, struct hull_seccomp_prog **out,
			 struct hull_error **err)
{
	_cleanup_(ctx_releasep) scmp_filter_ctx ctx = NULL;
	bool notify = false;
	*out = NULL;
	/* a notify profile hands its listener fd over: it keeps the load path */
	if (!seccomp || json_is_null(seccomp) || hull_seccomp_uses_notify(seccomp))
		return 0;
	_cleanup_free_ char *key = cache_dir ? cache_key(seccomp) : NULL;
	if (key && seccomp_cache_read(cache_dir, key, strlen(key), out) == 0)
		return 0;
	int r = build(seccomp, &ctx, &notify, err);
	if (r < 0)
		return r;
	if (!wants_enosys(ctx))
		return 0;
	if ((r = compile_enosys(ctx, seccomp, notify, out, err)) < 0)
		return r;
	if (key)
		seccomp_cache_write(cache_dir, key, strlen(key), *out);
	return 0;
}

int hull_seccomp_load_prepared(const struct hull_seccomp_prog *prog, struct hull_error **err)
{
	int listener;
	return seccomp_prog_load(prog, &listener, err);
}

int hull_seccomp_load(json_t *seccomp, int *notify_fd, struct hull_error **err)
{
	_cleanup_(ctx_releasep) scmp_filter_ctx ctx = NULL;
	bool notify = false;
	*notify_fd = -1;
	if (!seccomp || json_is_null(seccomp))
		return 0;
	int r = build(seccomp, &ctx, &notify, err);
	if (r < 0)
		return r;
	if (wants_enosys(ctx))
		return load_with_enosys(ctx, seccomp, notify, notify_fd, err);
	if ((r = seccomp_load(ctx)) < 0)
		return hull_error_set(err, -r, "load the seccomp filter");
	if (notify) {
		int fd = seccomp_notify_fd(ctx);
		if (fd < 0)
			return hull_error_set(err, -fd, "get the seccomp notify fd");
		/* libseccomp never closes it and leaves it inheritable: it is ours,
		 * and must not reach hooks or the container's process */
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		*notify_fd = fd;
	}
	return 0;
}

int hull_fd_send(int sock, int fd, const void *data, size_t len, struct hull_error **err)
{
	char control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			      .msg_controllen = sizeof(control) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return hull_error_set(err, errno, "send an fd over a unix socket");
	return 0;
}

int hull_fd_recv(int sock, int *fd, void *data, size_t len, struct hull_error **err)
{
	char control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = data, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			      .msg_controllen = sizeof(control) };
	ssize_t n;
	*fd = -1;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return hull_error_set(err, errno, "receive an fd over a unix socket");
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return hull_error_msg(err, EBADMSG, "no fd came with the message");
	memcpy(fd, CMSG_DATA(c), sizeof(int));
	return (int)n;
}

int hull_seccomp_send_listener(json_t *seccomp, int notify_fd, pid_t pid, json_t *state, struct hull_error **err)
{
	const char *path = json_string_value(json_object_get(seccomp, "listenerPath"));
	const char *md = json_string_value(json_object_get(seccomp, "listenerMetadata"));
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (!path || strlen(path) >= sizeof(addr.sun_path))
		return hull_error_msg(err, EINVAL, "%s: linux.seccomp.listenerPath: must be a socket path", WHERE);
	strcpy(addr.sun_path, path);
	_cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return hull_error_set(err, errno, "failed to connect with seccomp agent at `%s`", path);
	/* config-linux.md#the-container-process-state */
	_cleanup_json_ json_t *msg = json_pack("{s:s,s:[s],s:i,s:s,s:O}", "ociVersion", "1.0.2", "fds", "seccompFd",
					       "pid", (int)pid, "metadata", md ? md : "", "state", state);
	_cleanup_free_ char *text = json_dumps(msg, JSON_COMPACT);
	int r = hull_fd_send(sock, notify_fd, text, strlen(text), err);
	return r < 0 ? hull_error_wrap(err, r, "send the seccomp fd to `%s`", path) : 0;
}

json_t *hull_seccomp_features(char *version, size_t len)
{
	static const char *const actions[] = { "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
					       "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
					       "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP" };
	static const char *const operators[] = { "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
						 "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE" };
	static const char *const archs[] = { "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_MIPS",
					     "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
					     "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
					     "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64",
					     "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_X32", "SCMP_ARCH_X86",
					     "SCMP_ARCH_X86_64" };
	json_t *o = json_object(), *a = json_array(), *op = json_array(), *ar = json_array();
	for (size_t i = 0; i < HULL_ARRAY_SIZE(actions); i++)
		json_array_append_new(a, json_string(actions[i]));
	for (size_t i = 0; i < HULL_ARRAY_SIZE(operators); i++)
		json_array_append_new(op, json_string(operators[i]));
	for (size_t i = 0; i < HULL_ARRAY_SIZE(archs); i++)
		json_array_append_new(ar, json_string(archs[i]));
	json_object_set_new(o, "enabled", json_true());
	json_object_set_new(o, "actions", a);
	json_object_set_new(o, "operators", op);
	json_object_set_new(o, "archs", ar);
	const struct scmp_version *v = seccomp_version();
	snprintf(version, len, "%u.%u.%u", v->major, v->minor, v->micro);
	return o;
}
