// SPDX-License-Identifier: GPL-2.0
/* scope6.c: the model's IPv6 prefixes, sorted (see scope6.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "scope6.h"

static int entry_cmp(const void *x, const void *y)
{
	return cidr6_cmp(&((const struct scope6_entry *)x)->c, &((const struct scope6_entry *)y)->c);
}

static int push(struct scope6 *s, const struct cidr6 *c, const struct peer *p)
{
	struct scope6_entry *v = realloc(s->v, (s->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	s->v = v;
	v[s->n++] = (struct scope6_entry){ *c, p };
	return 0;
}

int scope6_build(struct scope6 *s, const struct tenc_config *c, const struct peers *ps)
{
	int r = 0;

	memset(s, 0, sizeof(*s));
	for (int i = 0; !r && i < c->n_pod_cidrs6; i++)
		r = push(s, &c->pod_cidrs6[i], NULL);
	for (size_t k = 0; !r && k < ps->n; k++) {
		const struct peer *x = &ps->v[k];
		struct cidr6 ip = { .len = 128 };

		memcpy(ip.addr, x->node_ip6, 16);
		if (!ipv6_is_zero(x->node_ip6))
			r = push(s, &ip, x);
		for (int i = 0; !r && i < x->n_cidrs6; i++)
			r = push(s, &x->cidrs6[i], x);
	}
	if (r)
		scope6_free(s);
	else if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), entry_cmp);
	return r;
}

const struct scope6_entry *scope6_find(const struct scope6 *s, const uint8_t addr[16])
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) { /* the first prefix that starts after addr */
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(s->v[mid].c.addr, addr, 16) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && cidr6_contains(&s->v[lo - 1].c, addr) ? &s->v[lo - 1] : NULL;
}

void scope6_free(struct scope6 *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
