// SPDX-License-Identifier: GPL-2.0
/* ring.c: the questions asked of the keyring (see model.h): which SPI is
 * current, pending, retiring, advertised; and the names of key states and
 * modes. Pure. */
#include <openssl/crypto.h>
#include "model.h"

const char *mode_str(enum tenc_mode m)
{
	return m == MODE_SUBNET ? "subnet" : "endpoint";
}

const char *key_state_str(enum key_state s)
{
	return s == KEY_CURRENT ? "current" : s == KEY_PENDING ? "pending" : "retiring";
}

void keys_wipe(struct keyring *r)
{
	OPENSSL_cleanse(r, sizeof(*r));
}

int keys_spi(const struct keyring *r, enum key_state st)
{
	for (int i = 0; i < r->n; i++)
		if (r->v[i].state == st)
			return r->v[i].k.spi;
	return 0;
}

int keys_new_peer_out(const struct keyring *r, int adv)
{
	int old = keys_spi(r, KEY_RETIRING);

	return old && adv != keys_spi(r, KEY_CURRENT) ? old : 0;
}

int keys_advertise(const struct keyring *r)
{
	int spi = 0;

	for (int i = 0; i < r->n; i++) {
		if (r->v[i].state == KEY_PENDING)
			return r->v[i].k.spi;
		if (r->v[i].state == KEY_CURRENT)
			spi = r->v[i].k.spi;
	}
	return spi;
}

const struct tenc_key *keys_current(const struct keyring *r)
{
	for (int i = 0; i < r->n; i++)
		if (r->v[i].state == KEY_CURRENT)
			return &r->v[i].k;
	return NULL;
}
