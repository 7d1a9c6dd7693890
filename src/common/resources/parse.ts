/**
 * Parsers for the agent's `--resources` and `--attributes` flags, in Mesos' text forms:
 *
 *   resources:  `cpus:4;mem:4096;ports:[31000-32000,33000-33010];disk(dev):100;zones:{a,b,c}`
 *   attributes: `rack:r1;zone:a;level:3;ports:[1-10];os:{a,b}`
 *
 * `--resources` also takes Mesos' JSON form: an array of `Resource` objects.
 * Bad input throws an Error whose message quotes the fragment at fault, so an operator can find it
 * in a long flag value.
 */
import { makeValidator, stripNulls } from '../../api/schema.js';
import { ValidationError } from '../errors.js';
import { fromWireFormat, validateResources } from './resources.js';
import { Resource, type Attribute, type Range } from './wire.js';

/** A parsed value, shaped as the `scalar`/`ranges`/`set`/`text` fields of a Resource or Attribute. */
type ParsedValue =
  | { type: 'SCALAR'; scalar: { value: number } }
  | { type: 'RANGES'; ranges: { range: Range[] } }
  | { type: 'SET'; set: { item: string[] } }
  | { type: 'TEXT'; text: { value: string } };

// Decimal numbers as Mesos' `numify<double>` reads them; hex, `Infinity` and `NaN` are not numbers here.
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const RANGE = /^(\d+)\s*-\s*(\d+)$/;

/** Messages read `Invalid resource 'cpus:abc': 'abc' is not a number`. */
function invalid(kind: 'resource' | 'attribute', fragment: string, problem: string): ValidationError {
  return new ValidationError(`Invalid ${kind} '${fragment}': ${problem}`);
}

/** Splits a flag value on `;`, dropping empty tokens as Mesos' `strings::tokenize` does. */
function tokens(text: string): string[] {
  return text.split(/[;\n]/).map((token) => token.trim()).filter((token) => token.length > 0);
}

/** `[1-10, 20-30]` → ranges, `{a, b}` → set, a number → scalar, anything else → text. */
function parseValue(text: string): ParsedValue | string {
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) return `'${text}' has no closing ']'`;
    const range: Range[] = [];
    for (const part of listItems(text)) {
      const match = RANGE.exec(part);
      if (!match) return `'${part}' is not a range (expecting 'begin-end')`;
      range.push({ begin: Number(match[1]), end: Number(match[2]) });
    }
    return { type: 'RANGES', ranges: { range } };
  }
  if (text.startsWith('{')) {
    if (!text.endsWith('}')) return `'${text}' has no closing '}'`;
    return { type: 'SET', set: { item: listItems(text) } };
  }
  if (NUMBER.test(text)) return { type: 'SCALAR', scalar: { value: Number(text) } };
  return { type: 'TEXT', text: { value: text } };
}

/** The comma-separated items between the brackets of `[…]` or `{…}`, trimmed, empty ones dropped. */
function listItems(bracketed: string): string[] {
  return bracketed.slice(1, -1).split(',').map((item) => item.trim()).filter((item) => item.length > 0);
}

/** Checks Mesos' `Resources::validate` makes beyond `validateResources`: ranges must not overlap. */
function overlappingRanges(range: readonly Range[]): string | null {
  const sorted = [...range].sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1] as Range;
    const current = sorted[i] as Range;
    if (current.begin <= previous.end) return `ranges [${previous.begin}-${previous.end}] and [${current.begin}-${current.end}] overlap`;
  }
  return null;
}

/** `name(role)` → name and role; the role is `defaultRole` when not given. */
function parseNameAndRole(head: string, defaultRole: string): { name: string; role: string } | string {
  const open = head.indexOf('(');
  if (open < 0) return head.length > 0 ? { name: head, role: defaultRole } : 'the name is empty';
  const close = head.indexOf(')');
  if (close < open || close !== head.length - 1) return 'mismatched parentheses';
  const name = head.slice(0, open).trim();
  const role = head.slice(open + 1, close).trim();
  if (name.length === 0) return 'the name is empty';
  if (role.length === 0) return 'the role is empty';
  return { name, role };
}

/** One `name(role):value` token of the text form. */
function parseResourceToken(token: string, defaultRole: string): Resource {
  const fail = (problem: string): never => { throw invalid('resource', token, problem); };
  const parts = token.split(':');
  if (parts.length !== 2) fail(`expecting exactly one ':' between name and value`);
  const head = parseNameAndRole((parts[0] as string).trim(), defaultRole);
  if (typeof head === 'string') return fail(head);
  const valueText = (parts[1] as string).trim();
  if (valueText.length === 0) fail('the value is empty');
  const value = parseValue(valueText);
  if (typeof value === 'string') return fail(value);
  if (value.type === 'TEXT') return fail(`'${valueText}' is not a number`);
  if (value.type === 'SCALAR' && value.scalar.value < 0) fail(`${valueText} is negative`);
  if (value.type === 'RANGES') {
    for (const { begin, end } of value.ranges.range) if (begin > end) fail(`range [${begin}-${end}] is reversed`);
    const overlap = overlappingRanges(value.ranges.range);
    if (overlap) fail(overlap);
  }
  // A role other than `*` is a static reservation (what `--resources` has always meant in Mesos).
  const reserved = head.role === '*' ? {} : { reservations: [{ type: 'STATIC' as const, role: head.role }] };
  const resource: Resource = { name: head.name, ...value, ...reserved };
  const problem = validateResources([resource]);
  return problem === null ? resource : fail(problem);
}

const validateResource = makeValidator(Resource);

/** The JSON form: an array of Mesos `Resource` objects, in either reservation format. */
function parseResourcesJson(text: string, defaultRole: string): Resource[] {
  let parsed: unknown;
  try {
    parsed = stripNulls(JSON.parse(text));
  } catch (error) {
    throw new ValidationError(`Invalid resources JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new ValidationError('Invalid resources JSON: expecting an array of Resource objects');
  return parsed.map((item: unknown, index) => {
    const fragment = `[${index}] ${JSON.stringify(item)}`;
    const checked = validateResource(item);
    if (!checked.ok) throw invalid('resource', fragment, checked.error);
    const resource = checked.value;
    const problem = validateResources([resource]) ?? (resource.type === 'RANGES' ? overlappingRanges(resource.ranges?.range ?? []) : null);
    if (problem !== null) throw invalid('resource', fragment, problem);
    // As Mesos' `Resources::fromJSON`: an entry with no role and no reservations gets the default role.
    return resource.role === undefined && resource.reservations === undefined ? { ...resource, role: defaultRole } : resource;
  });
}

/**
 * Parses an agent's `--resources`: Mesos' text form (`cpus:4;mem:4096;ports:[31000-32000];disk(dev):100`)
 * or its JSON form (text starting with `[`). A role other than `*` is a STATIC reservation.
 * Entries with the same name and role add up, and empty ones (`gpus:0`, `ports:[]`) vanish, as in
 * Mesos' `Resources::parse`. The result is in the refinement format.
 * @throws ValidationError naming the bad fragment, e.g. `Invalid resource 'cpus:abc': 'abc' is not a number`.
 */
export function parseResourcesText(text: string, defaultRole = '*'): Resource[] {
  const trimmed = text.trim();
  const list = trimmed.startsWith('[')
    ? parseResourcesJson(trimmed, defaultRole)
    : tokens(trimmed).map((token) => parseResourceToken(token, defaultRole));
  return fromWireFormat(list);
}

/** One `name:value` token; the value runs to the end of the token, so it may hold further colons. */
function parseAttributeToken(token: string): Attribute {
  const fail = (problem: string): never => { throw invalid('attribute', token, problem); };
  const colon = token.indexOf(':');
  if (colon < 0) fail(`expecting 'name:value'`);
  const name = token.slice(0, colon).trim();
  const valueText = token.slice(colon + 1).trim();
  if (name.length === 0) fail('the name is empty');
  if (valueText.length === 0) fail('the value is empty');
  const value = parseValue(valueText);
  if (typeof value === 'string') return fail(value);
  if (value.type === 'RANGES') {
    for (const { begin, end } of value.ranges.range) if (begin > end) fail(`range [${begin}-${end}] is reversed`);
  }
  return { name, ...value };
}

/**
 * Parses an agent's `--attributes` (`rack:r1;zone:a;level:3;ports:[1-10];os:{a,b}`): a number is a
 * SCALAR, `[…]` RANGES, `{…}` a SET, anything else TEXT. Order and repeated names are kept, as Mesos
 * keeps them.
 * @throws ValidationError naming the bad fragment, e.g. `Invalid attribute 'rack': expecting 'name:value'`.
 */
export function parseAttributesText(text: string): Attribute[] {
  return tokens(text).map(parseAttributeToken);
}
