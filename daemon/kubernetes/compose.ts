/**
 * The running configuration = the file's configuration + what the Kubernetes API says. From
 * this node's Node: the router id (IPv4 InternalIP, or the rackroute.io/router-id annotation)
 * when the file leaves it unset, the AS (rackroute.io/asn), the pod CIDRs to originate and extra
 * peers (rackroute.io/peers). From the node list: the iBGP mesh or route-reflector sessions, and
 * the ownership table the route engine validates pod routes with. The file always wins: a
 * generated peer whose address the file already configures is left out.
 * Input: the file Config, NodeInfo list (node-info.ts), this node's name. Output: a Config that
 * goes through the same reload diff as a SIGHUP (daemon/speaker.ts), so a node joining or
 * leaving adds or removes one session and touches no other. Pure.
 */
import { matches, parseSelector, type Selector } from '../../config/selector.js';
import { PEER_DEFAULTS, type Config, type PeerConfig } from '../../config/schema.js';
import type { NodeInfo } from './node-info.js';
import type { OwnerNode, OwnershipSpec } from './ownership.js';

export interface Composed {
  config: Config;
  ownership: OwnershipSpec;
  /** False when the config cannot run yet (no router id: the Node is unknown or has no IPv4 InternalIP). */
  runnable: boolean;
  /** Why not runnable, and other things the operator should know (logged when they change). */
  notes: string[];
}

/** Peer names are at most 64 characters (config/values.ts readPeerName). */
export function peerName(node: string): string {
  return `k8s:${node}`.slice(0, 64);
}

function selector(text: string): Selector {
  const r = parseSelector(text);
  return r.ok ? r.selector : [];
}

function isV4(a: string): boolean {
  return !a.includes(':');
}

export function compose(file: Config, nodes: readonly NodeInfo[], ownName: string): Composed {
  const k = file.kubernetes;
  const notes: string[] = [];
  const own = nodes.find((n) => n.name === ownName);
  if (!own) notes.push(`Node ${ownName} is not in the node list`);
  for (const n of nodes) for (const p of n.problems) notes.push(`Node ${n.name}: ${p}`);
  const routerId = file.node.routerId || own?.routerId || own?.internalIps.find(isV4) || '';
  if (!routerId) notes.push(`no router id: set node.routerId, or give Node ${ownName} an IPv4 InternalIP or the rackroute.io/router-id annotation`);
  const asn = own?.asn ?? file.node.asn;
  const config: Config = { ...file, node: { ...file.node, routerId, asn }, originate: [...file.originate], peers: [...file.peers] };

  if (own && k.originatePodCidrs) {
    const have = new Set(file.originate.map((o) => o.prefix));
    for (const c of own.podCidrs) if (!have.has(c)) config.originate.push({ prefix: c, communities: [], largeCommunities: [] });
  }

  const taken = new Set(file.peers.map((p) => p.address));
  const names = new Set(file.peers.map((p) => p.name));
  const add = (p: PeerConfig): void => {
    if (taken.has(p.address) || names.has(p.name)) return;
    taken.add(p.address);
    names.add(p.name);
    config.peers.push(p);
  };
  if (own) {
    // The session runs between InternalIPs of one family: ours is its source, theirs its address.
    const local = own.internalIps[0];
    const generated = (n: NodeInfo, rrClient: boolean): PeerConfig | null => {
      const address = local === undefined ? undefined : n.internalIps.find((a) => isV4(a) === isV4(local));
      if (!address || !local) return null;
      return {
        ...PEER_DEFAULTS,
        families: [...PEER_DEFAULTS.families],
        gracefulRestart: { ...PEER_DEFAULTS.gracefulRestart },
        import: [...PEER_DEFAULTS.import],
        export: [...PEER_DEFAULTS.export],
        name: peerName(n.name),
        address,
        asn: n.asn ?? file.node.asn,
        localAddress: local,
        routeReflectorClient: rrClient,
        description: `Kubernetes node ${n.name}`,
      };
    };
    const members = nodes.filter((n) => n.name !== ownName && matches(selector(k.nodeSelector), n.labels));
    if (k.peering === 'mesh') {
      for (const n of members) {
        const p = generated(n, false);
        if (p) add(p);
      }
    } else if (k.peering === 'route-reflectors') {
      const rr = selector(k.routeReflectorSelector);
      const iAmRr = matches(rr, own.labels);
      for (const n of members) {
        const theyAreRr = matches(rr, n.labels);
        // RFC 4456 §2: a reflector peers with every client and every other reflector; a client only with the reflectors.
        if (!iAmRr && !theyAreRr) continue;
        const p = generated(n, iAmRr && !theyAreRr && (n.asn ?? file.node.asn) === asn);
        if (p) add(p);
      }
      if (!iAmRr && !members.some((n) => matches(rr, n.labels))) notes.push(`no node matches routeReflectorSelector '${k.routeReflectorSelector}'`);
      // A reflector re-advertises what it learns (the `defaults` export policy does so only with exportLearned).
      if (iAmRr) config.node = { ...config.node, exportLearned: true };
    }
    for (const e of own.extraPeers) {
      add({
        ...PEER_DEFAULTS,
        families: [...PEER_DEFAULTS.families],
        gracefulRestart: { ...PEER_DEFAULTS.gracefulRestart },
        import: [...PEER_DEFAULTS.import],
        export: [...PEER_DEFAULTS.export],
        name: e.name ?? `k8s-extra:${e.address}`.slice(0, 64),
        address: e.address,
        asn: e.asn,
        description: `from the rackroute.io/peers annotation of Node ${ownName}`,
      });
    }
  }

  const owners: OwnerNode[] = nodes.map((n) => {
    const routerIds = n.routerId ? [n.routerId] : n.internalIps.filter(isV4).slice(0, 1);
    return { name: n.name, podCidrs: n.podCidrs, addresses: n.internalIps, routerIds, ...(n.asn !== undefined ? { asn: n.asn } : {}) };
  });
  return {
    config,
    ownership: { mode: k.validation, nodes: owners, podNetworks: file.node.podNetworks },
    runnable: routerId !== '',
    notes,
  };
}
