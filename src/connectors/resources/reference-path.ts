/**
 * The little path language of reference declarations: `a.b[].c` — property names separated by
 * dots, `[]` after a name meaning "each element of this array". Parsing is strict so that a typo
 * in a declaration fails at start-up (in `defineResource`), not silently at restore time.
 */

export interface PathSegment {
  readonly name: string;
  /** The property holds an array and the path continues into each element. */
  readonly each: boolean;
}

const SEGMENT = /^([A-Za-z_$@][A-Za-z0-9_$@-]*)(\[\])?$/;

export function parseReferencePath(path: string): readonly PathSegment[] {
  if (path.length === 0) throw new Error('empty reference path');
  return path.split('.').map((part) => {
    const match = SEGMENT.exec(part);
    if (!match) throw new Error(`bad reference path "${path}" at "${part}"`);
    return { name: match[1] as string, each: match[2] !== undefined };
  });
}
