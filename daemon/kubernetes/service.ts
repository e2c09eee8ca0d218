/**
 * Kubernetes, wired for main.ts: the node list in force (state file at start, then the API's),
 * the reflector that follows it (api.ts), saving it back to the state file, metrics, the
 * `rackroute status` section, and reporting NetworkUnavailable=False on this node once routes
 * are in place. When the API is unreachable nothing changes: the last list stays in force until
 * the API answers again. Input: the kubernetes config section and this node's name. Output: node
 * lists to the caller (who composes the running config, compose.ts). Edge: owns the reflector
 * and its timers.
 */
import os from 'node:os';
import type { KubernetesConfig } from '../../config/schema.js';
import type { Logger } from '../log.js';
import type { RackrouteMetrics } from '../metrics/registry.js';
import { NodeReflector, type ApiOptions } from './api.js';
import { nodeInfo, type NodeInfo } from './node-info.js';
import { readState, writeState } from './state-file.js';

/** NetworkUnavailable reason, as CNIs set it (Calico: CalicoIsUp, Cilium: CiliumIsUp). */
export const CONDITION_REASON = 'RackrouteIsUp';

export function nodeNameOf(cfg: KubernetesConfig): string {
  return cfg.nodeName ?? process.env['NODE_NAME'] ?? os.hostname().split('.')[0] ?? os.hostname();
}

export interface KubeStatus {
  nodeName: string;
  server: string;
  apiUp: boolean;
  lastError?: string;
  source: 'api' | 'state-file' | 'none';
  nodes: number;
  listedAt?: string;
  stateSavedAt?: string;
  validation: string;
  peering: string;
  conditionReported: boolean;
}

export class KubernetesService {
  readonly nodeName: string;
  private nodes: NodeInfo[] = [];
  private source: KubeStatus['source'] = 'none';
  private readonly reflector: NodeReflector;
  private apiUp = false;
  private lastError?: string;
  private listedAt?: string;
  private stateSavedAt?: string;
  private conditionReported = false;
  private listeners: ((nodes: NodeInfo[]) => void)[] = [];
  private saveTimer: NodeJS.Timeout | null = null;
  private conditionTimer: NodeJS.Timeout | null = null;
  private firstList: Promise<void>;
  private resolveFirst!: () => void;
  private lastProblems = '';

  constructor(
    private cfg: KubernetesConfig,
    private readonly log: Logger,
    private metrics: RackrouteMetrics | null,
    apiOpts: ApiOptions = {},
  ) {
    this.nodeName = nodeNameOf(cfg);
    this.firstList = new Promise((r) => (this.resolveFirst = r));
    this.reflector = new NodeReflector(
      {
        nodes: (m) => this.fromApi(m),
        apiState: (up, error) => this.apiState(up, error),
        relisted: (reason) => {
          this.metrics?.kubeRelists.inc({ reason });
          this.log.info({ event: 'kubernetes.list', reason }, `listed Nodes (${reason})`);
        },
        watchEvent: (type) => this.metrics?.kubeWatchEvents.inc({ type }),
      },
      { ...apiOpts, ...(cfg.kubeconfig ? { kubeconfig: cfg.kubeconfig } : {}) },
    );
  }

  /** New settings from a reload (the connection itself is kept: enabled/kubeconfig/nodeName need a restart). */
  setConfig(cfg: KubernetesConfig): void {
    this.cfg = cfg;
  }

  get current(): readonly NodeInfo[] {
    return this.nodes;
  }

  onNodes(fn: (nodes: NodeInfo[]) => void): void {
    this.listeners.push(fn);
  }

  /** The next node list that differs from the current one. */
  next(): Promise<NodeInfo[]> {
    return new Promise((resolve) => {
      const once = (nodes: NodeInfo[]): void => {
        this.listeners = this.listeners.filter((f) => f !== once);
        resolve(nodes);
      };
      this.listeners.push(once);
    });
  }

  /** The metrics registry exists only once the speaker does: from then on, events are counted. */
  attachMetrics(m: RackrouteMetrics): void {
    this.metrics = m;
    m.kubeApiUp.set(this.apiUp ? 1 : 0);
    m.kubeNodes.set(this.nodes.length);
  }

  /**
   * Starts following the API and returns the node list to start with: the state file's when
   * there is one (so an unreachable API does not hold routing back), otherwise the API's first
   * list, however long that takes.
   */
  async initial(): Promise<NodeInfo[]> {
    const { state, error } = await readState(this.cfg.stateFile);
    if (error) this.log.warn({ event: 'kubernetes.state', error }, `ignoring the state file: ${error}`);
    this.reflector.start();
    this.log.info({ event: 'kubernetes.start', server: this.reflector.server, node: this.nodeName }, `following Nodes at ${this.reflector.server} as ${this.nodeName}`);
    if (state && state.nodeName === this.nodeName) {
      this.nodes = state.nodes;
      this.source = 'state-file';
      this.stateSavedAt = state.savedAt;
      this.metrics?.kubeNodes.set(this.nodes.length);
      this.log.info({ event: 'kubernetes.state', nodes: state.nodes.length, savedAt: state.savedAt }, `starting from the saved node list (${state.nodes.length} nodes, saved ${state.savedAt}) until the API answers`);
      return this.nodes;
    }
    const waiting = setInterval(() => this.log.warn({ event: 'kubernetes.waiting', error: this.lastError }, `waiting for the Kubernetes API (no saved node list): ${this.lastError ?? 'no answer yet'}`), 10_000);
    try {
      await this.firstList;
    } finally {
      clearInterval(waiting);
    }
    return this.nodes;
  }

  stop(): void {
    this.reflector.stop();
    for (const t of [this.saveTimer, this.conditionTimer]) if (t) clearTimeout(t);
    this.saveTimer = this.conditionTimer = null;
  }

  private apiState(up: boolean, error?: string): void {
    this.apiUp = up;
    this.metrics?.kubeApiUp.set(up ? 1 : 0);
    if (up) {
      if (this.lastError) this.log.info({ event: 'kubernetes.api', up }, 'Kubernetes API reachable again');
      delete this.lastError;
      return;
    }
    this.metrics?.kubeApiErrors.inc();
    if (error !== this.lastError) this.log.warn({ event: 'kubernetes.api', up, error }, `Kubernetes API unreachable (${error ?? 'unknown'}): keeping the last known node list`);
    if (error !== undefined) this.lastError = error;
  }

  private fromApi(raw: ReadonlyMap<string, unknown>): void {
    const nodes: NodeInfo[] = [];
    for (const obj of raw.values()) {
      const n = nodeInfo(obj);
      if (n) nodes.push(n);
    }
    nodes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const problems = nodes.flatMap((n) => n.problems.map((p) => `${n.name}: ${p}`)).join('; ');
    if (problems && problems !== this.lastProblems) this.log.warn({ event: 'kubernetes.node.invalid', problems }, `ignored parts of Node objects: ${problems}`);
    this.lastProblems = problems;
    const changed = JSON.stringify(nodes) !== JSON.stringify(this.nodes);
    this.nodes = nodes;
    this.source = 'api';
    this.listedAt = new Date().toISOString();
    this.metrics?.kubeNodes.set(nodes.length);
    this.resolveFirst();
    if (!changed) return;
    this.scheduleSave();
    for (const fn of [...this.listeners]) fn(nodes);
  }

  private scheduleSave(): void {
    this.saveTimer ??= setTimeout(() => {
      this.saveTimer = null;
      writeState(this.cfg.stateFile, { nodeName: this.nodeName, nodes: this.nodes }).then(
        () => (this.stateSavedAt = new Date().toISOString()),
        (err: unknown) => this.log.error({ event: 'kubernetes.state', error: String(err) }, `cannot save the node list to ${this.cfg.stateFile}: ${String(err)}`),
      );
    }, 500);
    this.saveTimer.unref();
  }

  /**
   * Sets NetworkUnavailable=False on this node once `ready()` says routes are in place; retried
   * every `everyMs` until the API accepts it. Never sets it to True (a BGP hiccup must not make
   * the scheduler evict a node's pods).
   */
  reportCondition(ready: () => Promise<string | null>, everyMs = 2000): void {
    const tick = async (): Promise<void> => {
      this.conditionTimer = null;
      if (!this.cfg.reportCondition || this.conditionReported) return;
      const why = await ready();
      if (why !== null) {
        try {
          await this.reflector.setNetworkAvailable(this.nodeName, CONDITION_REASON, why);
          this.conditionReported = true;
          this.metrics?.kubeCondition.set(1);
          this.log.info({ event: 'kubernetes.condition', node: this.nodeName }, `set NetworkUnavailable=False on Node ${this.nodeName}: ${why}`);
          return;
        } catch (err) {
          this.metrics?.kubeApiErrors.inc();
          this.log.warn({ event: 'kubernetes.condition', error: String(err) }, `cannot set the NetworkUnavailable condition yet: ${String(err)}`);
        }
      }
      this.conditionTimer = setTimeout(() => void tick(), everyMs);
      this.conditionTimer.unref();
    };
    void tick();
  }

  status(): KubeStatus {
    return {
      nodeName: this.nodeName,
      server: this.reflector.server,
      apiUp: this.apiUp,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      source: this.source,
      nodes: this.nodes.length,
      ...(this.listedAt ? { listedAt: this.listedAt } : {}),
      ...(this.stateSavedAt ? { stateSavedAt: this.stateSavedAt } : {}),
      validation: this.cfg.validation,
      peering: this.cfg.peering,
      conditionReported: this.conditionReported,
    };
  }
}
