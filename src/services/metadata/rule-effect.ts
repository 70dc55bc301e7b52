import { badRequest } from '../../errors';
import type { MetadataRule, RuleCondition } from './rule-definition';

/** An asset's metadata as stored: the strings of each field (a set has several). */
export type MetadataState = Map<string, string[]>;

function holds(c: RuleCondition, state: MetadataState): boolean {
  if ('and' in c) return c.and.every((x) => holds(x, state));
  if ('or' in c) return c.or.some((x) => holds(x, state));
  const values = state.get(c.metadata_field_id) ?? [];
  if ('populated' in c) return values.length > 0 === c.populated;
  if ('equals' in c) return values.length === 1 && values[0] === c.equals;
  return c.includes.every((v) => values.includes(v));
}

const label = (r: MetadataRule) => (r.name ? `${r.name} (${r.external_id})` : r.external_id);

/**
 * What the cloud's active rules make of an asset's metadata after a change:
 * `state` is the asset's values with `given` (the fields this call sets)
 * already applied. Rules run in creation order, each on the state as the
 * rules before it left it. When a rule's condition holds:
 * - `enable: false` refuses a value given for its field;
 * - `activate_values` narrows the datasource values a given value may use to
 *   the listed ones (`override`, the default) or adds them to those narrowed
 *   by earlier rules (`append`); `"all"` allows the whole datasource again;
 * - `apply_value` gives the field its value when it has none (`default`) or
 *   adds to a set field's values (`append`);
 * - `set_mandatory: true` makes the field required: it must end with a value.
 * Answers the fields to write (those given plus those a rule applied); a value
 * the rules refuse is a 400, so nothing is written.
 */
export function applyRules(rules: MetadataRule[], state: MetadataState, given: ReadonlySet<string>): MetadataState {
  const write: MetadataState = new Map([...given].map((f) => [f, state.get(f) ?? []]));
  const allowed = new Map<string, { ids: Set<string>; rule: MetadataRule } | null>();
  const mandatory = new Map<string, MetadataRule>();
  for (const rule of rules) {
    if (rule.state !== 'active' || !holds(rule.condition, state)) continue;
    const field = rule.metadata_field_id;
    for (const r of rule.result) {
      if (r.enable === false && given.has(field) && (state.get(field) ?? []).length)
        throw badRequest(`Metadata field ${field} is disabled by metadata rule ${label(rule)}`);
      if (r.activate_values === 'all') allowed.set(field, null);
      else if (r.activate_values) {
        const before = r.activate_values.mode === 'append' ? (allowed.get(field)?.ids ?? []) : [];
        allowed.set(field, { ids: new Set([...before, ...r.activate_values.external_ids]), rule });
      }
      if (r.apply_value) {
        const current = state.get(field) ?? [];
        const next =
          r.apply_value.mode === 'append'
            ? [...new Set([...current, ...r.apply_value.value])]
            : current.length
              ? current
              : r.apply_value.value;
        if (next !== current) {
          state.set(field, next);
          write.set(field, next);
        }
      }
      if (r.set_mandatory) mandatory.set(field, rule);
    }
  }
  for (const [field, limit] of allowed) {
    if (!limit || !given.has(field)) continue;
    const bad = (state.get(field) ?? []).find((v) => !limit.ids.has(v));
    if (bad !== undefined)
      throw badRequest(
        `Metadata field ${field}: value ${JSON.stringify(bad)} is invalid (not active under metadata rule ${label(limit.rule)})`,
      );
  }
  for (const [field, rule] of mandatory) {
    if (!(state.get(field) ?? []).length) throw badRequest(`Metadata field ${field} is mandatory under metadata rule ${label(rule)}`);
  }
  return write;
}
