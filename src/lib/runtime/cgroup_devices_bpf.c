/* cgroup_devices_bpf.c - the cgroup v2 device filter: cgroup2 has no
 * devices controller; access is decided by an eBPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup (kernel
 * Documentation/admin-guide/cgroup-v2.rst "Device controller").
 *
 * Semantics follow the v1 controller and runc: rules are read in order and
 * the last rule that matches decides; nothing matched means deny. The
 * program therefore tests the rules from last to first and returns the
 * first match's verdict. A rule matches when type, major and minor match
 * and the requested access is a subset of the rule's access. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "hull/cleanup.h"
#include "hull/fs.h"

/* offsets in struct bpf_cgroup_dev_ctx */
#define CTX_ACCESS_TYPE 0
#define CTX_MAJOR 4
#define CTX_MINOR 8

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

struct prog {
	struct bpf_insn *insns;
	size_t n;
};

static void emit(struct prog *p, struct bpf_insn insn)
{
	p->insns = hull_xrealloc(p->insns, (p->n + 1) * sizeof(*p->insns));
	p->insns[p->n++] = insn;
}

static unsigned access_bits(const char *access)
{
	return (strchr(access, 'm') ? BPF_DEVCG_ACC_MKNOD : 0) | (strchr(access, 'r') ? BPF_DEVCG_ACC_READ : 0) |
	       (strchr(access, 'w') ? BPF_DEVCG_ACC_WRITE : 0);
}

/* One rule: conditional jumps to the end of the block, then the verdict.
 * Registers: r3 type, r4 access, r5 major, r6 minor (loaded in the prologue). */
static void emit_rule(struct prog *p, const struct cg_device_rule *r)
{
	unsigned acc = access_bits(r->access);
	bool all_access = acc == (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE);
	size_t len = 2 + (r->type != 'a') + (all_access ? 0 : 3) + (r->major >= 0) + (r->minor >= 0);
	size_t end = p->n + len;
#define SKIP() ((short)(end - p->n - 1))
	if (r->type != 'a')
		emit(p, INSN(BPF_JMP | BPF_JNE | BPF_K, 3, 0, SKIP(),
			     r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK));
	if (!all_access) {
		emit(p, INSN(BPF_ALU64 | BPF_MOV | BPF_X, 7, 4, 0, 0));
		emit(p, INSN(BPF_ALU64 | BPF_AND | BPF_K, 7, 0, 0, (int)(~acc & 7)));
		emit(p, INSN(BPF_JMP | BPF_JNE | BPF_K, 7, 0, SKIP(), 0));
	}
	if (r->major >= 0)
		emit(p, INSN(BPF_JMP | BPF_JNE | BPF_K, 5, 0, SKIP(), (int)r->major));
	if (r->minor >= 0)
		emit(p, INSN(BPF_JMP | BPF_JNE | BPF_K, 6, 0, SKIP(), (int)r->minor));
#undef SKIP
	emit(p, INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, r->allow ? 1 : 0));
	emit(p, INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

int hull_cgroup_devices_program(json_t *devices, void **insns, size_t *n, struct hull_error **err)
{
	struct prog p = { 0 };
	size_t count = devices ? json_array_size(devices) : 0;
	_cleanup_free_ struct cg_device_rule *rules = hull_xcalloc(count ? count : 1, sizeof(*rules));
	for (size_t i = 0; i < count; i++) {
		int r = cg_device_rule_parse(json_array_get(devices, i), i, &rules[i], err);
		if (r < 0)
			return r;
	}
	/* prologue: r2 = access_type; r3 = type (low 16 bits); r4 = access
	 * (high 16 bits); r5 = major; r6 = minor */
	emit(&p, INSN(BPF_LDX | BPF_MEM | BPF_W, 2, 1, CTX_ACCESS_TYPE, 0));
	emit(&p, INSN(BPF_ALU64 | BPF_MOV | BPF_X, 3, 2, 0, 0));
	emit(&p, INSN(BPF_ALU64 | BPF_AND | BPF_K, 3, 0, 0, 0xffff));
	emit(&p, INSN(BPF_ALU64 | BPF_MOV | BPF_X, 4, 2, 0, 0));
	emit(&p, INSN(BPF_ALU64 | BPF_RSH | BPF_K, 4, 0, 0, 16));
	emit(&p, INSN(BPF_LDX | BPF_MEM | BPF_W, 5, 1, CTX_MAJOR, 0));
	emit(&p, INSN(BPF_LDX | BPF_MEM | BPF_W, 6, 1, CTX_MINOR, 0));
	bool decided = false;
	for (size_t i = count; i-- > 0 && !decided;) {
		emit_rule(&p, &rules[i]);
		/* a rule for every device and access always matches: the verifier
		 * rejects the unreachable code that would follow it */
		decided = rules[i].type == 'a' && rules[i].major < 0 && rules[i].minor < 0 &&
			  !strcmp(rules[i].access, "rwm");
	}
	if (!decided) { /* default: deny */
		emit(&p, INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0));
		emit(&p, INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	}
	*insns = p.insns;
	*n = p.n;
	return 0;
}

static int bpf_call(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int hull_cgroup_devices_v2(const char *dir, json_t *devices, struct hull_error **err)
{
	_cleanup_free_ void *insns = NULL;
	size_t n = 0;
	char log[4096] = "";
	int r = hull_cgroup_devices_program(devices, &insns, &n, err);
	if (r < 0)
		return r;
	union bpf_attr load = { 0 };
	load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	load.insns = (__u64)(unsigned long)insns;
	load.insn_cnt = (__u32)n;
	load.license = (__u64)(unsigned long)"Apache";
	_cleanup_close_ int prog = bpf_call(BPF_PROG_LOAD, &load);
	if (prog < 0 && errno != EPERM) {
		/* again with the verifier's log, for the message */
		int saved = errno;
		load.log_buf = (__u64)(unsigned long)log;
		load.log_size = sizeof(log);
		load.log_level = 1;
		prog = bpf_call(BPF_PROG_LOAD, &load);
		errno = prog < 0 ? errno : saved;
	}
	if (prog < 0)
		return hull_error_set(err, errno, "load the eBPF device filter (%zu instructions)%s%s", n,
				      *log ? ": verifier says: " : "", log);
	_cleanup_close_ int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return hull_error_set(err, errno, "open `%s`", dir);
	union bpf_attr attach = { 0 };
	attach.target_fd = (__u32)cgfd;
	attach.attach_bpf_fd = (__u32)prog;
	attach.attach_type = BPF_CGROUP_DEVICE;
	/* no flags: a single program per cgroup, so an update replaces it */
	attach.attach_flags = 0;
	if (bpf_call(BPF_PROG_ATTACH, &attach) < 0)
		return hull_error_set(err, errno, "attach the eBPF device filter to `%s`", dir);
	return 0;
}
