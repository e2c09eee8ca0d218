/**
 * Kubernetes equality-based label selectors (`k=v`, `k==v`, `k!=v`, `k`, `!k`, joined by commas
 * meaning "and"), as kubectl -l and the API's labelSelector take them. Set-based forms
 * (`k in (a,b)`) are refused with a clear message. Input: the text of a config value. Output: a
 * parsed selector or an error text; `matches` evaluates it on a Node's labels. Pure.
 */

export interface Requirement {
  key: string;
  op: 'eq' | 'ne' | 'exists' | 'absent';
  value?: string;
}

export type Selector = readonly Requirement[];

// Label keys: optional DNS-subdomain prefix and '/', then a name of 1..63 [A-Za-z0-9._-]
// beginning and ending alphanumeric; values: '' or the same name form.
const NAME = '[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?';
const KEY = new RegExp(`^(?:[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?/)?${NAME}$`);
const VALUE = new RegExp(`^(?:${NAME})?$`);

export const SELECTOR_ALLOWED = 'comma-separated key=value, key!=value, key or !key (label keys and values as Kubernetes allows)';

export function parseSelector(text: string): { ok: true; selector: Selector } | { ok: false; error: string } {
  const out: Requirement[] = [];
  if (text.trim() === '') return { ok: true, selector: out };
  const set = /(\S+)\s+(in|notin)\s*\(/.exec(text);
  if (set) return { ok: false, error: `set-based requirement '${set[1] ?? ''} ${set[2] ?? ''} (...)' is not supported` };
  for (const raw of text.split(',')) {
    const part = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part))) {
      const [, key = '', op, value = ''] = m;
      if (!KEY.test(key)) return { ok: false, error: `'${key}' is not a label key` };
      if (!VALUE.test(value)) return { ok: false, error: `'${value}' is not a label value` };
      out.push({ key, op: op === '!=' ? 'ne' : 'eq', value });
    } else if ((m = /^!\s*(\S+)$/.exec(part))) {
      const key = m[1] ?? '';
      if (!KEY.test(key)) return { ok: false, error: `'${key}' is not a label key` };
      out.push({ key, op: 'absent' });
    } else if (KEY.test(part)) {
      out.push({ key: part, op: 'exists' });
    } else {
      return { ok: false, error: `'${part}' is not a requirement` };
    }
  }
  return { ok: true, selector: out };
}

export function matches(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
  for (const r of selector) {
    const v = labels[r.key];
    if (r.op === 'exists' && v === undefined) return false;
    if (r.op === 'absent' && v !== undefined) return false;
    if (r.op === 'eq' && v !== r.value) return false;
    // `k!=v` also matches nodes without the label, as in Kubernetes.
    if (r.op === 'ne' && v === r.value) return false;
  }
  return true;
}
