// SPDX-License-Identifier: GPL-2.0
/* test_peerdiff.c: peer sync's decisions (lib/model/peerdiff.c), without a
 * kernel: a wanted set against the current one gives the final set (ids,
 * out_spi, epochs carried), the counts added / changed / removed /
 * unchanged with --prune on and off, the plans of exactly the peers that
 * change (before and after), new ids in the gaps, an epoch change as a
 * change and an input without epochs as none, the retiring key for a new
 * peer during a rotation, and no free id as -ENOSPC. Which nodes sync
 * leaves out, and why: nodelist_parse's rejects (no InternalIP, IPv6
 * only, no pod cidr yet, a bad address, a name given twice: every
 * holder) beside the nodes it takes; sync_pick: a node overlapping a
 * local pod cidr, a new node clashing with a peer already peered (the
 * incumbent keeps its claim), two new nodes clashing (both left out), a
 * changed peer's new claim clashing (it stays as it was, also with
 * prune, and its old form then wins against a third), a parse reject of
 * a known peer kept with prune, and the counts of what is applied. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "converge.h"
#include "peerdiff.h"
#include "tap.h"

#define E1 0x1111111111111111ull
#define E2 0x2222222222222222ull

static struct node n;

/* A peer named name: node ip 10.0.0.<host>, pod cidr 10.<net>.0.0/24. */
static struct peer mk_at(const char *name, unsigned host, unsigned net)
{
	struct peer x = { 0 };

	snprintf(x.name, sizeof(x.name), "%s", name);
	x.node_ip = htonl(0x0a000000u | host);
	x.n_cidrs = 1;
	x.cidrs[0] = (struct cidr){ htonl(0x0a000000u | net << 16), 24 };
	return x;
}

/* The same in 10.<host>.0.0/24. */
static struct peer mk(const char *name, unsigned host)
{
	return mk_at(name, host, host);
}

static void set(struct peers *ps, const struct peer *v, size_t count)
{
	peers_free(ps);
	for (size_t i = 0; i < count; i++)
		*peers_add(ps) = v[i];
}

static size_t objects(const struct plan *p)
{
	return p->n_sas + p->n_pols + p->n_routes + p->n_rules + p->n_ipc;
}

/* Objects in the plans of these peers, as the node plans them. */
static size_t objects_of(const struct peer *const *v, size_t count)
{
	size_t sum = 0;

	for (size_t i = 0; i < count; i++) {
		struct plan p = { 0 };

		plan_peer(&n.cfg, &n.keys, v[i], n.ifindex, n.mtu, &p);
		sum += objects(&p);
		plan_free(&p);
	}
	return sum;
}

/* Does plan p hold an ipcache entry of peer id? */
static bool has_peer(const struct plan *p, uint16_t id)
{
	for (size_t i = 0; i < p->n_ipc; i++)
		if (p->ipc[i].val.peer_id == id)
			return true;
	return false;
}

static void counts_are(const struct sync_diff *d, size_t a, size_t c, size_t r, size_t u,
		       const char *what)
{
	const struct sync_counts *k = &d->n;
	bool same = k->added == a && k->changed == c && k->removed == r && k->unchanged == u;

	ok(same, "%s: %zu added, %zu changed, %zu removed, %zu unchanged", what, a, c, r, u);
	if (!same)
		printf("#   got %zu, %zu, %zu, %zu\n", k->added, k->changed, k->removed, k->unchanged);
}

static void setup(void)
{
	char err[128];

	n.enabled = true;
	n.cfg.encrypt = true;
	n.cfg.node_ip = htonl(0x0a000001);
	n.cfg.n_pod_cidrs = 1;
	n.cfg.pod_cidrs[0] = (struct cidr){ htonl(0x0a010000), 24 };
	n.ifindex = 2;
	n.mtu = 1500;
	n.keys.n = 1;
	n.keys.v[0].state = KEY_CURRENT;
	key_parse_line("3+ rfc4106(gcm(aes)) 0102030405060708090a0b0c0d0e0f1011121314 128", &n.keys.v[0].k,
		       err, sizeof(err));
}

/* The current set a(1), b(2), c(4) against a (same), b (a second cidr),
 * d, e (new): prune off and on. */
static void test_mixed(void)
{
	struct peer cur[3] = { mk("a", 2), mk("b", 3), mk("c", 4) };
	struct peer in[4] = { mk("a", 2), mk("b", 3), mk("d", 5), mk("e", 6) };
	struct peers want = { 0 };
	struct sync_diff d;

	cur[0].id = 1, cur[1].id = 2, cur[2].id = 4;
	cur[0].out_spi = 3;
	set(&n.peers, cur, 3);
	in[1].cidrs[1] = (struct cidr){ htonl(0x0a030100), 24 };
	in[1].n_cidrs = 2;
	set(&want, in, 4);

	ok(sync_diff(&n, &want, NULL, false, &d) == 0, "mixed, no prune: diff");
	counts_are(&d, 2, 1, 0, 1, "mixed, no prune");
	is_int(d.fin.n, 5, "the final set: the input's four, then c kept");
	ok(!strcmp(d.fin.v[0].name, "a") && !strcmp(d.fin.v[2].name, "d") && !strcmp(d.fin.v[4].name, "c"),
	   "in the input's order, the kept one last");
	ok(d.fin.v[0].id == 1 && d.fin.v[1].id == 2 && d.fin.v[4].id == 4, "known peers keep their ids");
	ok(d.fin.v[2].id == 3 && d.fin.v[3].id == 5, "new peers: the lowest free ids (3 in the gap, then 5)");
	is_int(d.fin.v[0].out_spi, 3, "out_spi carried from the peer it was");
	is_int(d.fin.v[2].out_spi, 0, "a new peer outside a rotation: out_spi 0 (the current key)");
	{
		const struct peer *old[] = { &cur[1] }, *new[] = { &d.fin.v[1], &d.fin.v[2], &d.fin.v[3] };

		is_int(objects(&d.del), objects_of(old, 1), "del: b's old plan alone");
		is_int(objects(&d.add), objects_of(new, 3), "add: b's new plan, d's and e's");
	}
	ok(!has_peer(&d.add, 1) && !has_peer(&d.del, 1), "a, unchanged, in neither plan");
	ok(!has_peer(&d.del, 4), "c, kept without prune, not removed");
	sync_diff_free(&d);

	ok(sync_diff(&n, &want, NULL, true, &d) == 0, "mixed, prune: diff");
	counts_are(&d, 2, 1, 1, 1, "mixed, prune");
	is_int(d.fin.n, 4, "the final set: the input's four");
	{
		const struct peer *old[] = { &cur[1], &cur[2] };

		is_int(objects(&d.del), objects_of(old, 2), "del: b's old plan and c's");
	}
	ok(has_peer(&d.del, 4), "c's objects removed");
	sync_diff_free(&d);
	peers_free(&want);
}

/* One peer a (epoch E1) synced with an input whose a has epoch e. */
static void sync_epoch(uint64_t e, struct sync_diff *d)
{
	struct peer cur = mk("a", 2), in = mk("a", 2);
	struct peers want = { 0 };

	cur.id = 7;
	cur.epoch = E1;
	in.epoch = e;
	set(&n.peers, &cur, 1);
	set(&want, &in, 1);
	ok(sync_diff(&n, &want, NULL, true, d) == 0, "epoch %s: diff", e == 0 ? "none" : e == E1 ? "same" : "new");
	peers_free(&want);
}

static void test_epochs(void)
{
	struct sync_diff d;

	sync_epoch(0, &d);
	counts_are(&d, 0, 0, 0, 1, "an input without epochs");
	ok(d.fin.v[0].epoch == E1, "keeps the known epoch");
	is_int(objects(&d.add) + objects(&d.del), 0, "and changes nothing");
	sync_diff_free(&d);

	sync_epoch(E1, &d);
	counts_are(&d, 0, 0, 0, 1, "the same epoch");
	sync_diff_free(&d);

	sync_epoch(E2, &d);
	counts_are(&d, 0, 1, 0, 0, "a new epoch");
	ok(d.fin.v[0].epoch == E2 && d.fin.v[0].id == 7, "the new epoch, the same id");
	ok(d.del.n_sas > 0 && d.add.n_sas == d.del.n_sas, "its SAs in both plans (re-keyed)");
	ok(d.add.n_sas && (d.add.sas[0].src_epoch == E2 || d.add.sas[0].dst_epoch == E2) &&
	   (d.del.sas[0].src_epoch == E1 || d.del.sas[0].dst_epoch == E1),
	   "the new SAs' keys with the new epoch, the old ones' with the old");
	sync_diff_free(&d);
}

/* Only the advertised SPI differs: no kernel change, the SPI kept. */
static void test_spi_only(void)
{
	struct peer cur = mk("a", 2), in = mk("a", 2);
	struct peers want = { 0 };
	struct sync_diff d;

	cur.id = 1;
	cur.adv_spi = 3;
	cur.out_spi = 3;
	in.adv_spi = 4;
	set(&n.peers, &cur, 1);
	set(&want, &in, 1);
	ok(sync_diff(&n, &want, NULL, false, &d) == 0, "spi only: diff");
	counts_are(&d, 0, 0, 0, 1, "a new advertised spi alone");
	ok(d.fin.v[0].adv_spi == 4 && d.fin.v[0].out_spi == 3, "recorded; OUT stays on its spi");
	is_int(objects(&d.add) + objects(&d.del), 0, "no plan");
	sync_diff_free(&d);
	peers_free(&want);
}

/* A change of the IPv6 half alone (peer sync, and --watch through the
 * same diff) is a change: stored, and its plans, before and after, the
 * same objects, so the converge between them is empty. */
static void test_ipv6_only(void)
{
	struct peer cur = mk("a", 2), in = mk("a", 2);
	struct peers want = { 0 };
	struct change ch;
	struct sync_diff d;

	cur.id = 1;
	in.node_ip6[0] = 0xfd;
	in.node_ip6[15] = 2;
	set(&n.peers, &cur, 1);
	set(&want, &in, 1);
	ok(sync_diff(&n, &want, NULL, false, &d) == 0, "ipv6 only: diff");
	counts_are(&d, 0, 1, 0, 0, "a new IPv6 node ip alone");
	ok(d.fin.v[0].node_ip6[15] == 2 && d.fin.v[0].id == 1, "recorded, the id carried");
	ok(converge_compute(&d.add, &d.del, &ch) == 0 && converge_count(&ch) == 0 && objects(&d.add) == objects(&d.del),
	   "no kernel change between its plans");
	converge_free(&ch);
	sync_diff_free(&d);
	in.n_cidrs6 = 1;
	in.cidrs6[0] = (struct cidr6){ { 0xfd, 0x01, 0, 2 }, 64 };
	cur = in;
	cur.id = 1;
	in.cidrs6[0].len = 56;
	in.cidrs6[0].addr[3] = 0;
	set(&n.peers, &cur, 1);
	set(&want, &in, 1);
	ok(sync_diff(&n, &want, NULL, false, &d) == 0, "ipv6 cidr: diff");
	counts_are(&d, 0, 1, 0, 0, "a new IPv6 cidr alone");
	sync_diff_free(&d);
	set(&want, &cur, 1);
	ok(sync_diff(&n, &want, NULL, false, &d) == 0, "ipv6 same: diff");
	counts_are(&d, 0, 0, 0, 1, "the same IPv6 half");
	sync_diff_free(&d);
	peers_free(&want);
}

/* During a rotation (current 4, retiring 3), new peers start on the
 * retiring key unless they advertise the current one. */
static void test_rotation(void)
{
	struct peer in[2] = { mk("x", 8), mk("y", 9) };
	struct peers want = { 0 };
	struct sync_diff d;
	struct keyring keep = n.keys;
	char err[128];

	n.keys.v[0].state = KEY_RETIRING;
	n.keys.v[1].state = KEY_CURRENT;
	key_parse_line("4+ rfc4106(gcm(aes)) 1102030405060708090a0b0c0d0e0f1011121314 128", &n.keys.v[1].k,
		       err, sizeof(err));
	n.keys.n = 2;
	in[1].adv_spi = 4;
	set(&n.peers, NULL, 0);
	set(&want, in, 2);
	ok(sync_diff(&n, &want, NULL, false, &d) == 0, "rotation: diff");
	counts_are(&d, 2, 0, 0, 0, "rotation");
	is_int(d.fin.v[0].out_spi, 3, "a new peer without the current spi: the retiring key");
	is_int(d.fin.v[1].out_spi, 0, "one advertising the current spi: the current key");
	sync_diff_free(&d);
	peers_free(&want);
	n.keys = keep;
}

/* Not enabled: the same decisions, no plans. */
static void test_not_enabled(void)
{
	struct peer cur = mk("a", 2), in = mk("b", 3);
	struct peers want = { 0 };
	struct sync_diff d;

	cur.id = 1;
	set(&n.peers, &cur, 1);
	set(&want, &in, 1);
	n.enabled = false;
	ok(sync_diff(&n, &want, NULL, true, &d) == 0, "not enabled: diff");
	counts_are(&d, 1, 0, 1, 0, "not enabled, prune");
	is_int(objects(&d.add) + objects(&d.del), 0, "no plans");
	ok(d.fin.n == 1 && d.fin.v[0].id == 2, "b gets id 2 (1 still in use while the sync decides)");
	sync_diff_free(&d);
	n.enabled = true;
	peers_free(&want);
}

/* Every id in use: a new peer is -ENOSPC, and nothing is left allocated. */
static void test_no_free_id(void)
{
	struct peer in = mk("new", 2);
	struct peers want = { 0 };
	struct sync_diff d;

	set(&n.peers, NULL, 0);
	for (uint32_t id = 1; id <= 65535; id++) {
		struct peer *x = peers_add(&n.peers);

		*x = mk("p", 0);
		snprintf(x->name, sizeof(x->name), "p%u", id);
		x->id = (uint16_t)id;
	}
	set(&want, &in, 1);
	n.enabled = false;
	is_int(sync_diff(&n, &want, NULL, false, &d), -ENOSPC, "65535 peers and one more: -ENOSPC");
	ok(d.fin.n == 0 && d.fin.v == NULL, "the diff freed");
	n.enabled = true;
	peers_free(&want);
}

static void test_carry(void)
{
	struct peer old = mk("a", 2), x = mk("a", 3);

	old.id = 9, old.out_spi = 5, old.epoch = E1;
	peer_carry(&x, &old);
	ok(x.id == 9 && x.out_spi == 5 && x.epoch == E1, "peer_carry: id, out_spi, the known epoch");
	x.epoch = E2;
	peer_carry(&x, &old);
	is_int(x.epoch == E2, 1, "peer_carry: a given epoch stays");
	ok(!peer_same_objects(&old, &x), "another node ip: other objects");
	x = old;
	x.adv_spi = 7;
	ok(peer_same_objects(&old, &x), "another advertised spi: the same objects");
	is_str(peer_result_str(PEER_ADDED), "added", "result names");
	is_str(peer_result_str(PEER_UNCHANGED), "unchanged", "result names");
}

/* The reason rej gives for name, or NULL. */
static const char *why(const struct node_rejects *rej, const char *name)
{
	for (size_t i = 0; i < rej->n; i++)
		if (!strcmp(rej->v[i].name, name))
			return rej->v[i].reason;
	return NULL;
}

static bool has(const char *s, const char *part)
{
	return s && strstr(s, part);
}

#define NODE(name, addrs, cidrs) \
	"{\"metadata\": {\"name\": \"" name "\"}, \"spec\": {" cidrs "}, \"status\": {\"addresses\": [" addrs "]}}"
#define IP(a) "{\"type\": \"InternalIP\", \"address\": \"" a "\"}"

static void test_parse_rejects(void)
{
	static const char doc[] = "{\"items\": ["
		NODE("good", IP("10.0.0.2"), "\"podCIDRs\": [\"10.2.0.0/24\"]") ","
		NODE("noip", "{\"type\": \"Hostname\", \"address\": \"noip\"}", "\"podCIDRs\": [\"10.3.0.0/24\"]") ","
		NODE("v6only", IP("fd00::4"), "\"podCIDRs\": [\"fd00:4::/64\"]") ","
		NODE("nocidr", IP("10.0.0.5"), "") ","
		NODE("badip", IP("10.0.0.300"), "\"podCIDRs\": [\"10.6.0.0/24\"]") ","
		NODE("twice", IP("10.0.0.7"), "\"podCIDRs\": [\"10.7.0.0/24\"]") ","
		NODE("twice", IP("10.0.0.8"), "\"podCIDRs\": [\"10.8.0.0/24\"]") ","
		NODE("bad name", IP("10.0.0.9"), "\"podCIDRs\": [\"10.9.0.0/24\"]") ","
		NODE("self", IP("10.0.0.1"), "") ","
		NODE("self6", IP("fd00::1"), "") ","
		NODE("good2", IP("10.0.0.10"), "\"podCIDR\": \"10.10.0.0/24\"") "]}";
	struct node_rejects rej;
	struct peers out;
	char err[256];
	size_t twice = 0;
	struct node_ips local = { .ip4 = htonl(0x0a000001) };

	if (inet_pton(AF_INET6, "fd00::1", local.ip6) != 1)
		abort();
	is_int(nodelist_parse(doc, strlen(doc), &local, &out, &rej, err, sizeof(err)), 0,
	       "a list with bad nodes parses");
	is_int(out.n, 3, "the three good nodes taken");
	ok(out.n == 3 && !strcmp(out.v[0].name, "good") && !strcmp(out.v[1].name, "v6only") &&
	   !strcmp(out.v[2].name, "good2"), "good, v6only (an IPv6-only node), good2");
	is_int(rej.n, 6, "six rejects (the local node skipped, by either of its ips, not rejected)");
	ok(has(why(&rej, "noip"), "status.addresses: no InternalIP"), "noip: %s", why(&rej, "noip"));
	ok(has(why(&rej, "nocidr"), "spec.podCIDRs: none"), "nocidr: %s", why(&rej, "nocidr"));
	ok(has(why(&rej, "badip"), "not an IP address"), "badip: %s", why(&rej, "badip"));
	ok(has(why(&rej, "item 7"), "metadata.name"), "a bad name is item 7: %s", why(&rej, "item 7"));
	for (size_t i = 0; i < rej.n; i++)
		twice += !strcmp(rej.v[i].name, "twice") && has(rej.v[i].reason, "appears twice");
	is_int(twice, 2, "a name given twice: both holders rejected");
	ok(!why(&rej, "self") && !why(&rej, "self6"), "the local node is not a reject");
	peers_free(&out);
	rejects_free(&rej);

	is_int(nodelist_parse("{\"items\": 3}", 12, NULL, &out, &rej, err, sizeof(err)), -1,
	       "not a node list: the document refused");
	ok(out.n == 0 && rej.n == 0 && rej.v == NULL, "nothing kept");
	is_int(nodelist_parse("{\"items\": [", 11, NULL, &out, &rej, err, sizeof(err)), -1, "not JSON: refused");
}

/* Each peer of names is in fin, as given (node ip's last byte, cidr's
 * second byte). */
static bool fin_has(const struct sync_diff *d, const char *name, unsigned host, unsigned net)
{
	const struct peer *x = peers_find(&d->fin, name);

	return x && x->node_ip == htonl(0x0a000000u | host) && x->cidrs[0].addr == htonl(0x0a000000u | net << 16);
}

static void test_incumbent(void)
{
	struct peer cur[2] = { mk_at("a", 2, 2), mk_at("b", 3, 3) };
	struct peer in[5] = { mk_at("a", 2, 2), mk_at("b", 3, 3), mk_at("c", 4, 2), mk_at("d", 5, 1), mk_at("e", 3, 6) };
	struct node_rejects rej = { 0 };
	struct peers want = { 0 };
	struct sync_diff d;

	set(&n.peers, cur, 2);
	n.peers.v[0].id = 1, n.peers.v[1].id = 2;
	set(&want, in, 5);
	is_int(sync_pick(&n, &want, true, &rej, &d), 0, "incumbents: pick");
	ok(has(why(&rej, "c"), "overlaps peer 'a'"), "c (a's cidr) left out: %s", why(&rej, "c"));
	ok(has(why(&rej, "d"), "local pod cidr"), "d (the local pod cidr) left out: %s", why(&rej, "d"));
	ok(has(why(&rej, "e"), "peer 'b''s node ip"), "e (b's node ip) left out: %s", why(&rej, "e"));
	is_int(rej.n, 3, "three left out");
	ok(!why(&rej, "a") && !why(&rej, "b"), "the incumbents keep their claims");
	ok(d.fin.n == 2 && fin_has(&d, "a", 2, 2) && fin_has(&d, "b", 3, 3), "fin: a and b");
	ok(d.n.unchanged == 2 && d.n.added == 0 && d.n.removed == 0, "2 unchanged, nothing added");
	sync_diff_free(&d);
	rejects_free(&rej);
	peers_free(&want);
}

static void test_both_new(void)
{
	struct peer cur[1] = { mk_at("a", 2, 2) };
	struct peer in[5] = { mk_at("a", 2, 2), mk_at("x", 4, 4), mk_at("y", 5, 4), mk_at("p", 6, 6), mk_at("q", 6, 7) };
	struct node_rejects rej = { 0 };
	struct peers want = { 0 };
	struct sync_diff d;

	set(&n.peers, cur, 1);
	n.peers.v[0].id = 1;
	in[3].cidrs[0].len = 16; /* p: 10.6.0.0/16 */
	set(&want, in, 5);
	is_int(sync_pick(&n, &want, false, &rej, &d), 0, "two new clashing: pick");
	ok(has(why(&rej, "x"), "overlaps peer 'y'"), "x left out: %s", why(&rej, "x"));
	ok(has(why(&rej, "y"), "overlaps peer 'x'"), "y left out: %s", why(&rej, "y"));
	ok(has(why(&rej, "p"), "peer 'q''s node ip"), "p left out: %s", why(&rej, "p"));
	ok(has(why(&rej, "q"), "peer 'p''s node ip"), "q left out: %s", why(&rej, "q"));
	is_int(rej.n, 4, "both of each pair left out");
	ok(d.fin.n == 1 && fin_has(&d, "a", 2, 2), "fin: a alone");
	sync_diff_free(&d);
	rejects_free(&rej);
	peers_free(&want);
}

/* a moves from 10.2/24 to 10.5/24, which new d claims too: both new
 * claims, both left out, a stays as it was, with prune too; its old
 * cidr then clashes with new c, which had taken it: c is left out in the
 * next round. A known peer the parse rejected stays with prune. */
static void test_changed_reverts(void)
{
	struct peer cur[3] = { mk_at("a", 2, 2), mk_at("b", 3, 3), mk_at("k", 9, 9) };
	struct peer in[4] = { mk_at("a", 2, 5), mk_at("b", 3, 3), mk_at("c", 4, 2), mk_at("d", 5, 5) };
	struct node_rejects rej = { 0 };
	struct peers want = { 0 };
	struct sync_diff d;

	set(&n.peers, cur, 3);
	for (size_t i = 0; i < 3; i++)
		n.peers.v[i].id = (uint16_t)(i + 1);
	set(&want, in, 4);
	rejects_add(&rej, "k", "spec.podCIDRs: none (not assigned yet)");
	is_int(sync_pick(&n, &want, true, &rej, &d), 0, "changed peer clashing: pick");
	ok(has(why(&rej, "a"), "overlaps peer 'd'"), "a's new claim left out: %s", why(&rej, "a"));
	ok(has(why(&rej, "d"), "overlaps peer 'a'"), "d left out: %s", why(&rej, "d"));
	ok(has(why(&rej, "c"), "overlaps peer 'a'"), "c left out against a's old form: %s", why(&rej, "c"));
	is_int(rej.n, 4, "k, a, d, c");
	ok(fin_has(&d, "a", 2, 2), "a stays as it was (prune does not remove it)");
	ok(fin_has(&d, "k", 9, 9), "k, rejected by the parse, stays (prune does not remove it)");
	ok(d.fin.n == 3 && fin_has(&d, "b", 3, 3), "fin: a, b, k");
	ok(d.n.added == 0 && d.n.changed == 0 && d.n.removed == 0 && d.n.unchanged == 1, "only b counted");
	sync_diff_free(&d);
	rejects_free(&rej);

	/* Nothing to leave out: the same as sync_diff. */
	set(&want, in, 2);
	want.v[0] = mk_at("a", 2, 5);
	is_int(sync_pick(&n, &want, true, &rej, &d), 0, "no clash: pick");
	ok(rej.n == 0 && d.n.changed == 1 && d.n.removed == 1 && d.n.unchanged == 1 && fin_has(&d, "a", 2, 5),
	   "a changed, k pruned, b unchanged, nothing left out");
	sync_diff_free(&d);
	rejects_free(&rej);
	peers_free(&want);
}

int main(void)
{
	setup();
	test_mixed();
	test_epochs();
	test_spi_only();
	test_ipv6_only();
	test_rotation();
	test_not_enabled();
	test_no_free_id();
	test_carry();
	n.enabled = false; /* the picks need no plans */
	test_parse_rejects();
	test_incumbent();
	test_both_new();
	test_changed_reverts();
	peers_free(&n.peers);
	return done_testing();
}
