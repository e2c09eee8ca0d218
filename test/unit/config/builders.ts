/** Config builders for the config unit tests: a valid base config and peers with defaults. */
import { BGP_DEFAULTS, DATAPATH_DEFAULTS, KERNEL_DEFAULTS, KUBERNETES_DEFAULTS, METRICS_DEFAULTS, PEER_DEFAULTS, type Config, type NodeConfig, type PeerConfig } from '../../../config/schema.js';

export function peer(fields: Partial<PeerConfig> & { address: string }): PeerConfig {
  return {
    name: fields.address,
    asn: 65001,
    ...PEER_DEFAULTS,
    families: [...PEER_DEFAULTS.families],
    gracefulRestart: { ...PEER_DEFAULTS.gracefulRestart },
    bfd: { ...PEER_DEFAULTS.bfd },
    import: [...PEER_DEFAULTS.import],
    export: [...PEER_DEFAULTS.export],
    ...fields,
  };
}

/** A node section with the defaults for everything not given. */
export function node(fields: Partial<NodeConfig> & Pick<NodeConfig, 'routerId' | 'asn'>): NodeConfig {
  return { podNetworks: [], exportLearned: false, ...fields };
}

export function config(fields: Partial<Config> = {}): Config {
  return {
    node: node({ routerId: '10.0.0.5', asn: 65000 }),
    originate: [{ prefix: '10.244.5.0/24', communities: [], largeCommunities: [] }],
    policies: [],
    peers: [peer({ address: '10.0.0.1', name: 'tor-a' })],
    bgp: { ...BGP_DEFAULTS, listenAddresses: [...BGP_DEFAULTS.listenAddresses] },
    kernel: { ...KERNEL_DEFAULTS },
    control: { socket: '/run/rackroute/rackroute.sock' },
    metrics: { ...METRICS_DEFAULTS },
    kubernetes: { ...KUBERNETES_DEFAULTS },
    datapath: { ...DATAPATH_DEFAULTS, podInterfaces: [...DATAPATH_DEFAULTS.podInterfaces] },
    log: { level: 'info' },
    ...fields,
  };
}
