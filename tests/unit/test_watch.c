// SPDX-License-Identifier: GPL-2.0
/* test_watch.c: the watch stream parser (lib/model/watch.c) on a stream
 * in kubectl's exact form (pretty-printed objects one after another):
 * ADDED, MODIFIED, DELETED of an unknown node, BOOKMARK, ERROR, a node
 * with no InternalIP, an IPv6-only node, the local node (by its IPv4 and
 * by its IPv6 node ip), junk between
 * events, an object that is no JSON, an unfinished one at the end; the
 * same events whatever the chunking (1, 7, 4096 bytes, whole); 1 MiB of
 * garbage, then an event: the garbage one bad event, the event read. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "watch.h"

#define NODE_EV(type, name, addrs, spec) \
	"{\n    \"type\": \"" type "\",\n    \"object\": {\n        \"apiVersion\": \"v1\",\n" \
	"        \"kind\": \"Node\",\n        \"metadata\": {\n            \"name\": \"" name "\",\n" \
	"            \"annotations\": {\"tenc.io/spi\": \"3\", \"note\": \"a } and a \\\" {\"}\n" \
	"        },\n        \"spec\": {" spec "},\n        \"status\": {\n" \
	"            \"addresses\": [" addrs "]\n        }\n    }\n}\n"
#define IP(a) "{\"type\": \"InternalIP\", \"address\": \"" a "\"}, {\"type\": \"Hostname\", \"address\": \"h\"}"

static const char stream[] =
	NODE_EV("ADDED", "node2", IP("10.0.0.2"), "\"podCIDRs\": [\"10.1.2.0/24\", \"fd00:2::/64\"]")
	NODE_EV("ADDED", "node1", IP("10.0.0.1"), "\"podCIDRs\": [\"10.1.1.0/24\"]")
	NODE_EV("MODIFIED", "node2", IP("10.0.0.2"), "\"podCIDRs\": [\"10.1.2.0/24\", \"10.1.22.0/24\"]")
	"{\n    \"type\": \"BOOKMARK\",\n    \"object\": {\"kind\": \"Node\", \"metadata\": {\"resourceVersion\": \"12\"}}\n}\n"
	NODE_EV("DELETED", "ghost", IP("10.0.0.9"), "")
	"{\"type\": \"ERROR\", \"object\": {\"kind\": \"Status\", \"message\": \"too old resource version\"}}\n"
	NODE_EV("ADDED", "noip", "", "\"podCIDRs\": [\"10.1.4.0/24\"]")
	NODE_EV("ADDED", "v6", IP("fd00::5"), "\"podCIDRs\": [\"fd00:5::/64\"]")
	NODE_EV("ADDED", "self6", IP("fd00::1"), "\"podCIDRs\": [\"fd00:1::/64\"]")
	"garbage ]] here\n"
	"{\"type\": \"ADDED\", \"object\": {\"metadata\": {\"name\": \"x\"}, oops}}\n"
	"{\"type\": \"RENAMED\", \"object\": {}}\n"
	NODE_EV("ADDED", "node3", IP("10.0.0.3"), "\"podCIDR\": \"10.1.3.0/24\"")
	"{\"type\": \"ADDED\", \"object\": {\"metadata\": {";

struct want {
	enum watch_type type;
	const char *name;
	bool local, rejected;
	const char *err;	/* a part of it */
};

static const struct want wants[] = {
	{ WATCH_ADDED, "node2", false, false, NULL },
	{ WATCH_ADDED, "node1", true, false, NULL },
	{ WATCH_MODIFIED, "node2", false, false, NULL },
	{ WATCH_BOOKMARK, "", false, false, NULL },
	{ WATCH_DELETED, "ghost", false, false, NULL },
	{ WATCH_ERROR, "", false, false, "too old resource version" },
	{ WATCH_ADDED, "noip", false, true, "no InternalIP" },
	{ WATCH_ADDED, "v6", false, false, NULL },
	{ WATCH_ADDED, "self6", true, false, NULL },
	{ WATCH_BAD, "", false, false, "no JSON object" },
	{ WATCH_BAD, "", false, false, "not JSON" },
	{ WATCH_BAD, "", false, false, "no watch event type" },
	{ WATCH_ADDED, "node3", false, false, NULL },
	{ WATCH_BAD, "", false, false, "ends inside an event" },
};

#define N_WANT (sizeof(wants) / sizeof(wants[0]))

/* The stream fed in chunks of step bytes: the events, at most max. */
static size_t run(const char *text, size_t len, size_t step, struct watch_event *evs, size_t max)
{
	struct node_ips local = { .ip4 = htonl(0x0a000001) };
	struct watch_stream s;
	size_t k = 0;

	if (inet_pton(AF_INET6, "fd00::1", local.ip6) != 1)
		abort();
	watch_init(&s);
	for (size_t off = 0; off < len; off += step) {
		if (watch_feed(&s, text + off, len - off < step ? len - off : step))
			break;
		while (k < max && watch_next(&s, &local, &evs[k]) == 1)
			k++;
	}
	if (k < max && watch_finish(&s, &evs[k]))
		k++;
	watch_free(&s);
	return k;
}

static bool matches(const struct watch_event *e, const struct want *w)
{
	return e->type == w->type && !strcmp(e->name, w->name) && e->local == w->local &&
	       e->rejected == w->rejected && (!w->err || strstr(e->err, w->err));
}

static void test_stream(size_t step)
{
	struct watch_event evs[N_WANT + 4];
	size_t k = run(stream, sizeof(stream) - 1, step, evs, N_WANT + 4), good = 0;

	is_int(k, N_WANT, "chunks of %zu: %zu events", step, N_WANT);
	for (size_t i = 0; i < k && i < N_WANT; i++) {
		if (matches(&evs[i], &wants[i]))
			good++;
		else
			printf("# event %zu: %s '%s' local %d rejected %d: %s\n", i, watch_type_str(evs[i].type),
			       evs[i].name, evs[i].local, evs[i].rejected, evs[i].err);
	}
	is_int(good, N_WANT, "chunks of %zu: each event as kubectl meant it", step);
	if (k < 3)
		return;
	ok(evs[0].peer.node_ip == htonl(0x0a000002) && evs[0].peer.n_cidrs == 1 && evs[0].peer.adv_spi == 3,
	   "chunks of %zu: node2: its ip, its IPv4 cidr, its spi", step);
	ok(evs[2].peer.n_cidrs == 2 && evs[2].peer.cidrs[1].addr == htonl(0x0a011600),
	   "chunks of %zu: node2 modified: its two cidrs, sorted", step);
	ok(!strcmp(evs[4].peer.name, "ghost"), "chunks of %zu: a DELETED node's name", step);
}

/* 1 MiB of bytes that are no JSON (no '{'), then a whole event; then
 * 1 MiB of random bytes: no crash, and the next event is read. */
static void test_garbage(void)
{
	size_t n = 1u << 20, k;
	static const char ev[] = NODE_EV("ADDED", "node4", IP("10.0.0.4"), "\"podCIDRs\": [\"10.1.4.0/24\"]");
	char *text = malloc(2 * n + 2 * sizeof(ev));
	struct watch_event evs[64];
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		text[len++] = "abc ]\"\\\n"[i % 8];
	memcpy(text + len, ev, sizeof(ev) - 1);
	len += sizeof(ev) - 1;
	k = run(text, len, 4096, evs, 64);
	ok(k == 2 && evs[0].type == WATCH_BAD && strstr(evs[0].err, "1048576 bytes"), "1 MiB of garbage: one bad event");
	ok(k == 2 && evs[1].type == WATCH_ADDED && !strcmp(evs[1].name, "node4"), "then the event after it");
	srand(12);
	len = 0;
	for (size_t i = 0; i < n; i++)
		text[len++] = (char)(rand() & 0xff);
	text[len++] = '}'; /* close what the random bytes opened, now and then */
	memcpy(text + len, ev, sizeof(ev) - 1);
	len += sizeof(ev) - 1;
	k = run(text, len, 65536, evs, 64);
	ok(k >= 1 && k < 64, "1 MiB of random bytes: %zu events, no crash", k);
	free(text);
}

/* An event over WATCH_MAX_EVENT is one bad event, and the next is read. */
static void test_huge(void)
{
	static const char ev[] = NODE_EV("ADDED", "node5", IP("10.0.0.5"), "\"podCIDRs\": [\"10.1.5.0/24\"]");
	size_t n = WATCH_MAX_EVENT + 100, len = 0, k;
	char *text = malloc(n + sizeof(ev) + 64);
	struct watch_event evs[8];

	len += (size_t)sprintf(text, "{\"type\": \"ADDED\", \"object\": \"");
	memset(text + len, 'a', n);
	len += n;
	len += (size_t)sprintf(text + len, "\"}\n");
	memcpy(text + len, ev, sizeof(ev) - 1);
	len += sizeof(ev) - 1;
	k = run(text, len, 1u << 16, evs, 8);
	ok(k == 2 && evs[0].type == WATCH_BAD && strstr(evs[0].err, "an event over"), "an event over 4 MiB: bad");
	ok(k == 2 && evs[1].type == WATCH_ADDED && !strcmp(evs[1].name, "node5"), "then the next event");
	free(text);
}

int main(void)
{
	test_stream(1);
	test_stream(7);
	test_stream(4096);
	test_stream(sizeof(stream));
	test_garbage();
	test_huge();
	is_str(watch_type_str(WATCH_BOOKMARK), "BOOKMARK", "type names");
	return done_testing();
}
