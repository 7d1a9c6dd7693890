/**
 * Validation of wire messages. Each message type has one schema; `makeValidator` compiles it once
 * and returns a function that answers `{ ok, value } | { ok: false, error }` with an error that
 * names the offending field the way a person reads it (`accept.offer_ids[0].value`).
 */
import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A string enum as Mesos' JSON spells enums: by name. */
export function literals<const T extends readonly string[]>(
  values: T,
): TUnion<Mutable<{ [K in keyof T]: TLiteral<T[K]> }>> {
  return Type.Union(values.map((v) => Type.Literal(v))) as never;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Mesos' JSON parser treats an explicit `null` as an absent optional field; so do we, by dropping
 * null-valued keys before validation (client libraries commonly serialise unset fields as null).
 */
export function stripNulls(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = stripNulls(value[i]);
    return value;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (record[key] === null) delete record[key];
      else record[key] = stripNulls(record[key]);
    }
  }
  return value;
}

/** `/accept/offer_ids/0/value` → `accept.offer_ids[0].value`. */
export function readablePath(pointer: string, root = ''): string {
  let out = root;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(key)) out += `[${key}]`;
    else out += out.length > 0 ? `.${key}` : key;
  }
  return out;
}

function describeFailure(error: { path: string; message: string; value: unknown }, root: string): string {
  const path = readablePath(error.path, root);
  if (error.value === undefined) return `Expecting '${path}' to be present`;
  return `'${path}' is invalid: ${error.message.toLowerCase()}`;
}

/** Compiles a schema into a validator; `root` prefixes paths in messages (e.g. the call's body key). */
export function makeValidator<S extends TSchema>(schema: S, root = ''): (input: unknown) => Validation<Static<S>> {
  const compiled = TypeCompiler.Compile(schema);
  return (input: unknown) => {
    if (compiled.Check(input)) return { ok: true, value: input as Static<S> };
    const first = compiled.Errors(input).First();
    return { ok: false, error: first ? describeFailure(first, root) : 'invalid message' };
  };
}

/**
 * Validates a Mesos union message `{type: X, x: {...}}`: the type must be known, and the body
 * named after it must be present when the type carries one.
 */
export function makeUnionValidator<T extends { type: string }>(
  messageName: string,
  envelope: TSchema,
  bodyKeyOfType: Readonly<Record<string, string | null>>,
): (input: unknown) => Validation<T> {
  const checkEnvelope = makeValidator(envelope);
  return (input: unknown) => {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      return { ok: false, error: `Failed to validate ${messageName}: expecting a JSON object` };
    }
    const type = (input as { type?: unknown }).type;
    if (type === undefined) return { ok: false, error: `Failed to validate ${messageName}: Expecting 'type' to be present` };
    if (typeof type !== 'string' || !(type in bodyKeyOfType)) {
      return { ok: false, error: `Failed to validate ${messageName}: unknown 'type' ${JSON.stringify(type)}` };
    }
    const bodyKey = bodyKeyOfType[type];
    if (bodyKey && (input as Record<string, unknown>)[bodyKey] === undefined) {
      return { ok: false, error: `Failed to validate ${messageName}: Expecting '${bodyKey}' to be present` };
    }
    const checked = checkEnvelope(input);
    if (!checked.ok) return { ok: false, error: `Failed to validate ${messageName}: ${checked.error}` };
    return { ok: true, value: input as T };
  };
}

/** Parses a JSON body and validates it, folding both failures into one readable error. */
export function parseAndValidate<T>(body: string, validate: (input: unknown) => Validation<T>): Validation<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    return { ok: false, error: `Failed to parse body into JSON: ${(error as Error).message}` };
  }
  return validate(stripNulls(parsed));
}
