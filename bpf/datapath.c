// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rackroute's tc datapath: BPF host routing for the pod CIDRs rackrouted manages.
 *
 * Attached at tc ingress (tcx, or clsact + cls_bpf) of the node's uplinks and pod-facing veths.
 * For an IPv4/IPv6 packet whose destination is in a prefix rackrouted put in rr_routes{4,6}
 * (learned pod CIDRs, this node's own pod CIDRs), it counts the packet against that route and
 * forwards it where the kernel FIB says — bpf_fib_lookup with the L4 ports (ECMP hashing),
 * then bpf_redirect_peer into a local pod, bpf_redirect to another device, or
 * bpf_redirect_neigh when the neighbour is not resolved yet — skipping the host stack. The FIB
 * that BGP fills stays the single source of truth: every case the program does not handle
 * (TTL/hop limit expiring, MTU exceeded, blackhole/unreachable/prohibit routes, local
 * destinations, IPv4 options, fragments, prefixes marked no-fastpath) goes back to the stack
 * with TC_ACT_OK, and the reason is counted in rr_stats.
 *
 * Input: packets; maps written by daemon/datapath/. Output: TC verdicts and counters.
 * Layout changes of a map need a new pin name (the _v1 suffix): daemon/datapath/layout.ts.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define AF_INET 2
#define AF_INET6 10
#define MAX_ROUTES 65536

/* Route flags (the LPM value). */
#define ROUTE_F_NO_FASTPATH 1 /* count, but leave forwarding to the stack (iptables policy, masquerade) */
#define ROUTE_F_LOCAL 2       /* one of this node's own pod CIDRs */

/* rr_stats indexes: outcomes. 16 + n: fell back because bpf_fib_lookup returned n. */
enum {
	ST_REDIRECT = 0,
	ST_REDIRECT_PEER = 1,
	ST_REDIRECT_NEIGH = 2,
	ST_NOT_MANAGED = 3,
	ST_NO_FASTPATH = 4,
	ST_TTL = 5,
	ST_IP_OPTIONS = 6,
	ST_FRAGMENT = 7,
	ST_MALFORMED = 8,
	ST_FIB_BASE = 16,
	ST_MAX = 32,
};

struct lpm4_key {
	__u32 prefixlen;
	__u32 addr;
};

struct lpm6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

struct route_val {
	__u32 route_id;
	__u32 flags;
};

struct counter {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MAX_ROUTES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm4_key);
	__type(value, struct route_val);
} rr_routes4_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MAX_ROUTES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm6_key);
	__type(value, struct route_val);
} rr_routes6_v1 SEC(".maps");

/* Per-CPU counters per route id: no cache line shared between CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_ROUTES);
	__type(key, __u32);
	__type(value, struct counter);
} rr_counters_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ST_MAX);
	__type(key, __u32);
	__type(value, __u64);
} rr_stats_v1 SEC(".maps");

/* Pod-facing veths (host side): a packet for them goes straight into the pod (redirect_peer). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} rr_pod_ifaces_v1 SEC(".maps");

static __always_inline int stat(__u32 i, int verdict)
{
	__u64 *v = bpf_map_lookup_elem(&rr_stats_v1, &i);
	if (v)
		*v += 1;
	return verdict;
}

static __always_inline void count(__u32 route_id, struct __sk_buff *skb)
{
	struct counter *c = bpf_map_lookup_elem(&rr_counters_v1, &route_id);
	if (!c)
		return;
	/* A GSO packet counts its segments; gso_segs may be 0 from some sources. */
	c->packets += skb->gso_segs ? skb->gso_segs : 1;
	c->bytes += skb->len;
}

/* Source and destination ports for the FIB's multipath hash (policy 1 hashes on L4). */
static __always_inline int ports(void *l4, void *data_end, __u8 proto, struct bpf_fib_lookup *p)
{
	if (proto == IPPROTO_TCP) {
		struct tcphdr *t = l4;
		if ((void *)(t + 1) > data_end)
			return -1;
		p->sport = t->source;
		p->dport = t->dest;
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *u = l4;
		if ((void *)(u + 1) > data_end)
			return -1;
		p->sport = u->source;
		p->dport = u->dest;
	}
	return 0;
}

/*
 * The FIB's answer for the packet (ingress device, L4 ports for the multipath hash, tot_len 0 so
 * the kernel checks the GSO packet against the egress MTU): SUCCESS or NO_NEIGH, or -1 after
 * counting why the stack gets the packet instead.
 */
static __always_inline int fib(struct __sk_buff *skb, struct bpf_fib_lookup *p, void *l4, void *data_end, __u8 proto)
{
	p->tot_len = 0;
	p->ifindex = skb->ingress_ifindex;
	if (ports(l4, data_end, proto, p))
		return stat(ST_MALFORMED, -1);
	int rc = bpf_fib_lookup(skb, p, sizeof(*p), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return stat(ST_FIB_BASE + (rc & 15), -1);
	return rc;
}

static __always_inline int forward(struct __sk_buff *skb, struct bpf_fib_lookup *p, int rc)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		/* The kernel resolves the neighbour and sends it (RFC 4861 / ARP in the stack). */
		struct bpf_redir_neigh nh = {};
		nh.nh_family = p->family;
		if (p->family == AF_INET)
			nh.ipv4_nh = p->ipv4_dst;
		else
			__builtin_memcpy(nh.ipv6_nh, p->ipv6_dst, 16);
		return stat(ST_REDIRECT_NEIGH, bpf_redirect_neigh(p->ifindex, &nh, sizeof(nh), 0));
	}
	if ((void *)(eth + 1) > data_end)
		return stat(ST_MALFORMED, TC_ACT_OK);
	__builtin_memcpy(eth->h_dest, p->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, p->smac, ETH_ALEN);
	__u32 ifindex = p->ifindex;
	if (bpf_map_lookup_elem(&rr_pod_ifaces_v1, &ifindex))
		return stat(ST_REDIRECT_PEER, bpf_redirect_peer(ifindex, 0));
	return stat(ST_REDIRECT, bpf_redirect(ifindex, 0));
}

static __always_inline int ipv4(struct __sk_buff *skb, void *data, void *data_end)
{
	struct iphdr *ip = data + sizeof(struct ethhdr);
	if ((void *)(ip + 1) > data_end)
		return stat(ST_MALFORMED, TC_ACT_OK);
	struct lpm4_key key = { .prefixlen = 32, .addr = ip->daddr };
	struct route_val *r = bpf_map_lookup_elem(&rr_routes4_v1, &key);
	if (!r)
		return stat(ST_NOT_MANAGED, TC_ACT_OK);
	count(r->route_id, skb);
	if (r->flags & ROUTE_F_NO_FASTPATH)
		return stat(ST_NO_FASTPATH, TC_ACT_OK);
	if (ip->ihl != 5)
		return stat(ST_IP_OPTIONS, TC_ACT_OK);
	if (ip->frag_off & bpf_htons(0x3fff))
		return stat(ST_FRAGMENT, TC_ACT_OK);
	/* RFC 1812 §5.3.1: the stack sends ICMP Time Exceeded. */
	if (ip->ttl <= 1)
		return stat(ST_TTL, TC_ACT_OK);

	struct bpf_fib_lookup p = {};
	p.family = AF_INET;
	p.tos = ip->tos;
	p.l4_protocol = ip->protocol;
	p.ipv4_src = ip->saddr;
	p.ipv4_dst = ip->daddr;
	int rc = fib(skb, &p, ip + 1, data_end, ip->protocol);
	if (rc < 0)
		return TC_ACT_OK;
	/* Revalidate after the helper call, then decrement the TTL as ip_decrease_ttl does. */
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	ip = data + sizeof(struct ethhdr);
	if ((void *)(ip + 1) > data_end)
		return stat(ST_MALFORMED, TC_ACT_OK);
	__u32 check = ip->check;
	check += bpf_htons(0x0100);
	ip->check = (__u16)(check + (check >= 0xFFFF));
	ip->ttl--;
	return forward(skb, &p, rc);
}

static __always_inline int ipv6(struct __sk_buff *skb, void *data, void *data_end)
{
	struct ipv6hdr *ip6 = data + sizeof(struct ethhdr);
	if ((void *)(ip6 + 1) > data_end)
		return stat(ST_MALFORMED, TC_ACT_OK);
	struct lpm6_key key = { .prefixlen = 128 };
	__builtin_memcpy(key.addr, &ip6->daddr, 16);
	struct route_val *r = bpf_map_lookup_elem(&rr_routes6_v1, &key);
	if (!r)
		return stat(ST_NOT_MANAGED, TC_ACT_OK);
	count(r->route_id, skb);
	if (r->flags & ROUTE_F_NO_FASTPATH)
		return stat(ST_NO_FASTPATH, TC_ACT_OK);
	/* RFC 8200 §3: the stack sends ICMPv6 Time Exceeded. */
	if (ip6->hop_limit <= 1)
		return stat(ST_TTL, TC_ACT_OK);

	struct bpf_fib_lookup p = {};
	p.family = AF_INET6;
	p.flowinfo = *(__be32 *)ip6 & bpf_htonl(0x0FFFFFFF);
	p.l4_protocol = ip6->nexthdr;
	__builtin_memcpy(p.ipv6_src, &ip6->saddr, 16);
	__builtin_memcpy(p.ipv6_dst, &ip6->daddr, 16);
	int rc = fib(skb, &p, ip6 + 1, data_end, ip6->nexthdr);
	if (rc < 0)
		return TC_ACT_OK;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	ip6 = data + sizeof(struct ethhdr);
	if ((void *)(ip6 + 1) > data_end)
		return stat(ST_MALFORMED, TC_ACT_OK);
	ip6->hop_limit--;
	return forward(skb, &p, rc);
}

SEC("tc")
int rr_ingress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return TC_ACT_OK;
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return ipv4(skb, data, data_end);
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return ipv6(skb, data, data_end);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "Dual BSD/GPL";
