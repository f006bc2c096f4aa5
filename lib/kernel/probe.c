// SPDX-License-Identifier: GPL-2.0
/* probe.c: kernel feature probes (see probe.h). */
#include <errno.h>
#include <stdbool.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/if_alg.h>
#include <linux/xfrm.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>
#include "probe.h"

static const char *const names[FEAT__COUNT] = {
	[FEAT_BPF_TC] = "bpf_tc",
	[FEAT_BTF] = "btf",
	[FEAT_XFRM] = "xfrm",
	[FEAT_ESP] = "esp",
	[FEAT_AES_GCM] = "aes_gcm",
	[FEAT_KTLS] = "ktls",
};

const char *probe_name(enum probe_feature f) { return names[f]; }

const char *probe_result_str(enum probe_result r)
{
	return r == PROBE_YES ? "yes" : r == PROBE_NO ? "no" : "unknown";
}

static void set(struct probe *p, enum probe_result r, const char *fmt, const char *arg)
{
	p->result = r;
	snprintf(p->detail, sizeof(p->detail), fmt ? fmt : "", arg ? arg : "");
}

static void probe_bpf_tc(struct probe *p)
{
	int r = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SCHED_CLS, NULL);

	if (r == 1)
		set(p, PROBE_YES, NULL, NULL);
	else if (r == 0)
		set(p, PROBE_NO, "sched_cls programs not supported", NULL);
	else
		set(p, PROBE_UNKNOWN, "%s", strerror(-r));
}

static void probe_btf(struct probe *p)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0)
		set(p, PROBE_YES, NULL, NULL);
	else
		set(p, PROBE_NO, "no /sys/kernel/btf/vmlinux", NULL);
}

static void probe_xfrm(struct probe *p)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);

	if (fd >= 0) {
		close(fd);
		set(p, PROBE_YES, NULL, NULL);
	} else {
		set(p, PROBE_NO, "netlink xfrm: %s", strerror(errno));
	}
}

/* Ask for an ESP state with the null cipher (no crypto module involved),
 * else with AES-GCM. Returns 0 when added, else errno. */
static int esp_try(struct mnl_socket *nl, bool null_cipher)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_usersa_info *sa;
	int ret;

	nlh->nlmsg_type = XFRM_MSG_NEWSA;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	sa = mnl_nlmsg_put_extra_header(nlh, sizeof(*sa));
	sa->family = AF_INET;
	sa->id.proto = IPPROTO_ESP;
	sa->id.spi = htonl(null_cipher ? 0x100 : 0x101);
	inet_pton(AF_INET, "192.0.2.1", &sa->saddr.a4);
	inet_pton(AF_INET, "192.0.2.2", &sa->id.daddr.a4);
	sa->mode = XFRM_MODE_TUNNEL;
	sa->lft.soft_byte_limit = sa->lft.hard_byte_limit = XFRM_INF;
	sa->lft.soft_packet_limit = sa->lft.hard_packet_limit = XFRM_INF;
	if (null_cipher) {
		struct xfrm_algo alg = { .alg_name = "ecb(cipher_null)" };

		mnl_attr_put(nlh, XFRMA_ALG_CRYPT, sizeof(alg), &alg);
	} else {
		char a[sizeof(struct xfrm_algo_aead) + 20] = { 0 };
		struct xfrm_algo_aead *aead = (void *)a;

		strcpy(aead->alg_name, "rfc4106(gcm(aes))");
		aead->alg_key_len = 160;
		aead->alg_icv_len = 128;
		mnl_attr_put(nlh, XFRMA_ALG_AEAD, sizeof(a), a);
	}
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return errno;
	ret = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (ret < 0)
		return errno;
	ret = mnl_cb_run(buf, (size_t)ret, 1, mnl_socket_get_portid(nl), NULL, NULL);
	return ret < 0 ? errno : 0;
}

/* In a child in a fresh netns, so nothing visible changes. Exit codes:
 * 0 ESP works, 1 no ESP type, 3 other error, 4 cannot make a netns. */
static int esp_child(void)
{
	struct mnl_socket *nl;
	int err;

	if (unshare(CLONE_NEWNET))
		return 4;
	nl = mnl_socket_open(NETLINK_XFRM);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return 3;
	err = esp_try(nl, true);
	if (err && err != EPROTONOSUPPORT)
		err = esp_try(nl, false); /* no null cipher here: try the real one */
	mnl_socket_close(nl);
	return err == 0 ? 0 : err == EPROTONOSUPPORT ? 1 : 3;
}

static void probe_esp(struct probe *p)
{
	int st;
	pid_t pid = fork();

	if (pid == 0)
		_exit(esp_child());
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st)) {
		set(p, PROBE_UNKNOWN, "probe failed", NULL);
		return;
	}
	switch (WEXITSTATUS(st)) {
	case 0: set(p, PROBE_YES, NULL, NULL); break;
	case 1: set(p, PROBE_NO, "kernel has no ESP type (esp4)", NULL); break;
	case 4: set(p, PROBE_UNKNOWN, "needs CAP_SYS_ADMIN to probe in a scratch netns", NULL); break;
	default: set(p, PROBE_UNKNOWN, "xfrm request failed", NULL); break;
	}
}

/* AES-GCM in the kernel crypto API: bind an AF_ALG aead socket, else
 * look for an instance in /proc/crypto (which lists loaded ones). */
static void probe_gcm(struct probe *p)
{
	struct sockaddr_alg sa = { .salg_family = AF_ALG, .salg_type = "aead",
				   .salg_name = "gcm(aes)" };
	int fd = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	char line[256];
	FILE *f;

	if (fd >= 0) {
		int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));

		close(fd);
		if (r == 0) {
			set(p, PROBE_YES, NULL, NULL);
			return;
		}
	}
	f = fopen("/proc/crypto", "re");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, "name", 4) == 0 && strstr(line, "gcm(aes)")) {
				fclose(f);
				set(p, PROBE_YES, NULL, NULL);
				return;
			}
		}
		fclose(f);
	}
	set(p, PROBE_NO, "no gcm(aes) in the kernel crypto API", NULL);
}

/* kTLS: TCP_ULP "tls" on an unconnected socket gives ENOTCONN when the
 * ULP exists and ENOENT when it does not. */
static void probe_ktls(struct probe *p)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r;

	if (fd < 0) {
		set(p, PROBE_UNKNOWN, "%s", strerror(errno));
		return;
	}
	r = setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls"));
	close(fd);
	if (r == 0 || errno == ENOTCONN || errno == EEXIST)
		set(p, PROBE_YES, NULL, NULL);
	else if (errno == ENOENT)
		set(p, PROBE_NO, "no tls ULP", NULL);
	else
		set(p, PROBE_UNKNOWN, "%s", strerror(errno));
}

void probe_feature(enum probe_feature f, struct probe *out)
{
	memset(out, 0, sizeof(*out));
	switch (f) {
	case FEAT_BPF_TC: probe_bpf_tc(out); break;
	case FEAT_BTF: probe_btf(out); break;
	case FEAT_XFRM: probe_xfrm(out); break;
	case FEAT_ESP: probe_esp(out); break;
	case FEAT_AES_GCM: probe_gcm(out); break;
	case FEAT_KTLS: probe_ktls(out); break;
	default: set(out, PROBE_UNKNOWN, "no such probe", NULL);
	}
}
