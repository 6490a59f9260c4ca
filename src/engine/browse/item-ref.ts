/**
 * `TYPE/ID` as users type it on the command line (`user/4a1c…`, `conditionalAccessPolicy/…`).
 *
 * Guarantees: the type is everything before the first `/` and must look like a resource-type
 * name; the ID is the rest, taken as is (Graph IDs never contain `/`, but nothing breaks if a
 * future type's IDs do). Anything else is a USAGE error with an example.
 */
import { TenantVaultError } from '../../errors/index.js';

export interface ItemRef {
  readonly type: string;
  readonly id: string;
}

const TYPE_NAME = /^[A-Za-z][\w.:@-]{0,127}$/;

export function parseItemRef(text: string): ItemRef {
  const slash = text.indexOf('/');
  const type = slash < 0 ? '' : text.slice(0, slash);
  const id = slash < 0 ? '' : text.slice(slash + 1);
  if (!TYPE_NAME.test(type) || id.length === 0) {
    throw new TenantVaultError('USAGE', `Expected TYPE/ID, got ${JSON.stringify(text)}`, {
      hint: 'Name an item by its resource type and Graph ID, e.g. user/4a1c9f0e-… (see `tenant-vault ls SNAPSHOT`).',
    });
  }
  return { type, id };
}

export function formatItemRef(item: ItemRef): string {
  return `${item.type}/${item.id}`;
}
