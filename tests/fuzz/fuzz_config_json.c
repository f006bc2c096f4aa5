// SPDX-License-Identifier: GPL-2.0
/* fuzz_config_json: config_parse (lib/state/store.h), config.json's reader.
 * Invariants:
 *  - on error: a non-empty, NUL-terminated message;
 *  - on success: every count is in range and every name passes
 *    ifname_check; config_save writes it, and config_load gives the same
 *    config back, every field (and the whole struct, byte for byte). */
#include "fuzz.h"
#include "names.h"
#include "store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	fuzz_state_dir();
	return 0;
}

static bool same_cidrs(const struct cidr *a, const struct cidr *b, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i].addr != b[i].addr || a[i].len != b[i].len)
			return false;
	return true;
}

/* NULL when equal, else the first field that differs. */
static const char *config_diff(const struct tenc_config *a, const struct tenc_config *b)
{
	if (a->encrypt != b->encrypt)
		return "encrypt";
	if (a->node_ip != b->node_ip)
		return "node_ip";
	if (a->n_pod_cidrs != b->n_pod_cidrs || !same_cidrs(a->pod_cidrs, b->pod_cidrs, a->n_pod_cidrs))
		return "pod_cidrs";
	if (a->n_devs != b->n_devs)
		return "n_devs";
	for (int i = 0; i < a->n_devs; i++)
		if (strcmp(a->devs[i], b->devs[i]) || a->dev_qdisc_created[i] != b->dev_qdisc_created[i])
			return "devs";
	if (strcmp(a->underlay, b->underlay))
		return "underlay";
	if (a->underlay_qdisc_created != b->underlay_qdisc_created)
		return "underlay_qdisc_created";
	if (a->mode != b->mode)
		return "mode";
	if (a->n_subnets != b->n_subnets || !same_cidrs(a->subnets, b->subnets, a->n_subnets))
		return "subnets";
	if (memcmp(a, b, sizeof(*a)))
		return "(the struct's bytes)";
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tenc_config c, d;
	char err[512], why[128];
	const char *f;
	int r;

	fuzz_err_fill(err, sizeof(err));
	r = config_parse((const char *)data, size, &c, err, sizeof(err));
	if (r) {
		FUZZ_CHECK(r == -1, "config_parse returned %d", r);
		FUZZ_CHECK_ERR(err, sizeof(err), "config_parse");
		return 0;
	}
	FUZZ_CHECK(c.n_pod_cidrs >= 1 && c.n_pod_cidrs <= MAX_POD_CIDRS, "n_pod_cidrs %d", c.n_pod_cidrs);
	FUZZ_CHECK(c.n_devs >= 0 && c.n_devs <= MAX_DEVS, "n_devs %d", c.n_devs);
	FUZZ_CHECK(c.n_subnets >= 0 && c.n_subnets <= MAX_SUBNETS, "n_subnets %d", c.n_subnets);
	FUZZ_CHECK(c.mode == MODE_ENDPOINT || c.mode == MODE_SUBNET, "mode %d", c.mode);
	for (int i = 0; i < c.n_devs; i++)
		FUZZ_CHECK(ifname_check(c.devs[i], why, sizeof(why)) == 0, "devs[%d] accepted: %s", i, why);
	FUZZ_CHECK(ifname_check(c.underlay, why, sizeof(why)) == 0, "underlay accepted: %s", why);
	FUZZ_CHECK(config_save(&c) == 0, "config_save refused what config_parse accepted");
	r = config_load(&d);
	FUZZ_CHECK(r == 0, "config_load refused what config_save wrote (%d)", r);
	FUZZ_CHECK(!(f = config_diff(&c, &d)), "save then load is not the identity: %s differs", f);
	return 0;
}
