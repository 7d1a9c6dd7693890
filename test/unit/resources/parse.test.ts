/**
 * Goal: the agent's `--resources` and `--attributes` flags parse as Mesos parses them, in the text
 * form and (for resources) the JSON form, and bad input is refused with a message that quotes the
 * fragment at fault.
 * Method: example flag values, compared with the Resource and Attribute lists they must give.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../../src/common/errors.js';
import { parseAttributesText, parseResourcesText } from '../../../src/common/resources/parse.js';

test('the text form: scalars, ranges, sets and static reservations; empty entries vanish', () => {
  const parsed = parseResourcesText('cpus:4;mem:4096;ports:[31000-32000,33000-33010];disk(dev):100;gpus:0;zones:{a,b,c}');
  assert.deepEqual(parsed, [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 4 } },
    { name: 'mem', type: 'SCALAR', scalar: { value: 4096 } },
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }, { begin: 33000, end: 33010 }] } },
    { name: 'disk', type: 'SCALAR', scalar: { value: 100 }, reservations: [{ type: 'STATIC', role: 'dev' }] },
    // gpus:0 is gone: Mesos' Resources::parse drops empty resources.
    { name: 'zones', type: 'SET', set: { item: ['a', 'b', 'c'] } },
  ]);
});

test('whitespace, a trailing semicolon and an empty flag are accepted', () => {
  assert.deepEqual(parseResourcesText(' cpus : 1.5 ; ports:[ 1-2 , 4-5 ] ; '), [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 1.5 } },
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 2 }, { begin: 4, end: 5 }] } },
  ]);
  assert.deepEqual(parseResourcesText(''), []);
});

test('repeated names add up, as Mesos adds them; different roles stay apart', () => {
  assert.deepEqual(parseResourcesText('cpus:1;cpus:2.5;ports:[1-5];ports:[6-10];cpus(dev):1'), [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 3.5 } },
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 10 }] } },
    { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'STATIC', role: 'dev' }] },
  ]);
});

test('the default role reserves what names no role; an explicit * stays unreserved', () => {
  assert.deepEqual(parseResourcesText('cpus:2;mem(*):64', 'dev'), [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, reservations: [{ type: 'STATIC', role: 'dev' }] },
    { name: 'mem', type: 'SCALAR', scalar: { value: 64 } },
  ]);
});

test('the JSON form takes both reservation formats and merges like the text form', () => {
  const json = JSON.stringify([
    { name: 'cpus', type: 'SCALAR', scalar: { value: 2 } },
    { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'dev' },
    { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'STATIC', role: 'dev' }] },
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 3 }] }, set: null },
  ]);
  assert.deepEqual(parseResourcesText(json), [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 2 } },
    { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, reservations: [{ type: 'STATIC', role: 'dev' }] },
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 3 }] } },
  ]);
  assert.deepEqual(parseResourcesText('[{"name":"mem","type":"SCALAR","scalar":{"value":64}}]', 'ops'), [
    { name: 'mem', type: 'SCALAR', scalar: { value: 64 }, reservations: [{ type: 'STATIC', role: 'ops' }] },
  ]);
});

/** Asserts that parsing throws a ValidationError with exactly this message. */
function refuses(parse: () => unknown, message: string): void {
  assert.throws(parse, (error: unknown) => {
    assert.ok(error instanceof ValidationError, 'bad flags are a validation failure, not a crash');
    assert.equal(error.message, message);
    return true;
  });
}

test('bad text input is refused with a message that quotes the fragment', () => {
  const cases: Array<[string, string]> = [
    ['cpus:4;cpus:abc', `Invalid resource 'cpus:abc': 'abc' is not a number`],
    ['cpus:-1', `Invalid resource 'cpus:-1': -1 is negative`],
    ['ports:[32000-31000]', `Invalid resource 'ports:[32000-31000]': range [32000-31000] is reversed`],
    ['ports:[1-5,3-8]', `Invalid resource 'ports:[1-5,3-8]': ranges [1-5] and [3-8] overlap`],
    ['ports:[1-x]', `Invalid resource 'ports:[1-x]': '1-x' is not a range (expecting 'begin-end')`],
    ['ports:[1-2', `Invalid resource 'ports:[1-2': '[1-2' has no closing ']'`],
    ['zones:{a,a}', `Invalid resource 'zones:{a,a}': 'zones' has duplicate set items`],
    ['cpus:[1-2]', `Invalid resource 'cpus:[1-2]': 'cpus' must be of type SCALAR, not RANGES`],
    ['mem', `Invalid resource 'mem': expecting exactly one ':' between name and value`],
    ['mem:1:2', `Invalid resource 'mem:1:2': expecting exactly one ':' between name and value`],
    ['mem(dev:1', `Invalid resource 'mem(dev:1': mismatched parentheses`],
    ['mem():1', `Invalid resource 'mem():1': the role is empty`],
    [':1', `Invalid resource ':1': the name is empty`],
    ['mem:', `Invalid resource 'mem:': the value is empty`],
  ];
  for (const [text, message] of cases) refuses(() => parseResourcesText(text), message);
});

test('bad JSON input is refused naming the entry', () => {
  refuses(() => parseResourcesText('[{"name":"cpus"'), `Invalid resources JSON: ${jsonError('[{"name":"cpus"')}`);
  refuses(
    () => parseResourcesText('[{"name":"cpus","type":"SCALAR","scalar":{"value":1}},{"name":"mem","type":"SCALAR"}]'),
    `Invalid resource '[1] {"name":"mem","type":"SCALAR"}': 'mem' is SCALAR but has no 'scalar' value`,
  );
  refuses(
    () => parseResourcesText('[{"name":"cpus","type":"NUMBER"}]'),
    `Invalid resource '[0] {"name":"cpus","type":"NUMBER"}': 'type' is invalid: expected union value`,
  );
  refuses(
    () => parseResourcesText('[{"name":"cpus","type":"SCALAR","scalar":{"value":-2}}]'),
    `Invalid resource '[0] {"name":"cpus","type":"SCALAR","scalar":{"value":-2}}': 'cpus' has an invalid scalar value -2`,
  );
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected invalid JSON');
}

test('attributes: numbers are scalars, [..] ranges, {..} sets, anything else text', () => {
  assert.deepEqual(parseAttributesText('rack:r1;zone:a;level:3;ports:[1-10];os:{a,b};host:db-1:5050'), [
    { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
    { name: 'zone', type: 'TEXT', text: { value: 'a' } },
    { name: 'level', type: 'SCALAR', scalar: { value: 3 } },
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 10 }] } },
    { name: 'os', type: 'SET', set: { item: ['a', 'b'] } },
    // Only the first colon separates: the value keeps the rest, as in Mesos.
    { name: 'host', type: 'TEXT', text: { value: 'db-1:5050' } },
  ]);
  assert.deepEqual(parseAttributesText(''), []);
});

test('bad attributes are refused with a message that quotes the fragment', () => {
  refuses(() => parseAttributesText('rack:r1;zone'), `Invalid attribute 'zone': expecting 'name:value'`);
  refuses(() => parseAttributesText(':a'), `Invalid attribute ':a': the name is empty`);
  refuses(() => parseAttributesText('rack:'), `Invalid attribute 'rack:': the value is empty`);
  refuses(() => parseAttributesText('ports:[9-1]'), `Invalid attribute 'ports:[9-1]': range [9-1] is reversed`);
});
