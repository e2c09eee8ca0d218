/**
 * Config -> ready-to-run import and export policies per peer. Every named policy is compiled
 * once (prefix sets, communities, regexes); a peer's chain (`import: [a, b]`) becomes one
 * Policy whose rules are a's then b's, ending in reject; peers with the same chain share the
 * same Policy object, so the route engine can group them. `defaults` is the built-in policy
 * (defaults.ts). Input: a validated Config (parse.ts / validate.ts). Output: CompiledPolicies
 * for the route engine, rebuilt on every reload (config/diff.ts says which peers to re-run).
 * Pure: no I/O. Throws only on a config that validation would have refused.
 */
import { DEFAULT_POLICY, type Config, type PolicyConfig } from '../../config/schema.js';
import { compileThen } from './actions.js';
import { defaultExportPolicy, defaultImportPolicy } from './defaults.js';
import { compileMatch } from './match.js';
import { chainPolicies, makeRule, type Policy } from './policy.js';

export interface CompiledPolicies {
  /** The peer's import chain; the `defaults` import policy for a name not in the config. */
  import(peerName: string): Policy;
  /** The peer's export chain; the `defaults` export policy for a name not in the config. */
  export(peerName: string): Policy;
}

/** One named policy: its rules labelled "name rule N" (1-based), default reject. */
export function compilePolicy(p: PolicyConfig): Policy {
  return {
    name: p.name,
    rules: p.rules.map((r, i) => makeRule(`${p.name} rule ${i + 1}`, compileMatch(r.match), r.then.action, compileThen(r.then))),
    defaultAction: 'reject',
    defaultReason: `${p.name}: no rule matched: reject`,
  };
}

export function compilePolicies(config: Config): CompiledPolicies {
  const defaults = { podNetworks: config.node.podNetworks, exportLearned: config.node.exportLearned };
  const builtIn = { import: defaultImportPolicy(defaults), export: defaultExportPolicy(defaults) };
  const named = new Map(config.policies.map((p) => [p.name, compilePolicy(p)]));
  const chains = new Map<string, Policy>();
  const chain = (dir: 'import' | 'export', names: readonly string[]): Policy => {
    const key = `${dir}:${names.join(',')}`;
    let policy = chains.get(key);
    if (policy === undefined) {
      policy = names.length === 1 ? part(dir, names[0] ?? DEFAULT_POLICY) : chainPolicies(names.map((n) => part(dir, n)));
      chains.set(key, policy);
    }
    return policy;
  };
  const part = (dir: 'import' | 'export', name: string): Policy => {
    if (name === DEFAULT_POLICY) return builtIn[dir];
    const p = named.get(name);
    if (p === undefined) throw new Error(`${dir} policy ${name} is not defined`);
    return p;
  };
  const byPeer = new Map(config.peers.map((peer) => [peer.name, { import: chain('import', peer.import), export: chain('export', peer.export) }]));
  return {
    import: (peerName) => byPeer.get(peerName)?.import ?? builtIn.import,
    export: (peerName) => byPeer.get(peerName)?.export ?? builtIn.export,
  };
}
