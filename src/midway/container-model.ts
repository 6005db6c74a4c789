import type { IObjectDefinition } from '@midwayjs/core';
import { midwayCoreMajor } from './core-major';

/** One injected property of a class: where it goes and the identifier it is resolved by. */
export interface Injection {
  readonly property: string;
  readonly id: string;
}

/**
 * How this Midway's container makes a request-scoped object, in the respects where Midway 3 and
 * Midway 4 differ: what request-scope.ts needs to make the same objects without the container.
 */
export interface ContainerModel {
  readonly major: 3 | 4;
  /**
   * The injected properties of `definition`, or undefined when one of them is of a kind only
   * Midway resolves (lazy, with arguments, or in a shape this model does not know).
   */
  injections(definition: IObjectDefinition): Injection[] | undefined;
  /**
   * Midway 4 looks an identifier up among the definitions before the objects registered on the
   * container; Midway 3 does so for request-scoped definitions only, and otherwise takes a
   * registered object first.
   */
  readonly definitionsFirst: boolean;
  /**
   * Midway 4 emits `afterObjectInit` once every object of one creation is made, each time with
   * the object that was asked for; Midway 3 right after each object, with that object.
   */
  readonly afterInitWithRequested: boolean;
}

/** Midway 3: `ObjectProperties` (a Map with `propertyKeys()`) of `{ type: 'ref', name }`. */
interface Midway3Properties {
  propertyKeys?(): unknown[];
  get(key: unknown): { type?: unknown; name?: unknown; args?: unknown } | undefined;
}

/** Midway 4: a Map of `{ id, name, isLazyInject, … }` (`PropertyInjectMetadata`). */
type Midway4Properties = Map<
  unknown,
  { id?: unknown; name?: unknown; args?: unknown; isLazyInject?: unknown } | undefined
>;

const MIDWAY_3: ContainerModel = {
  major: 3,
  definitionsFirst: false,
  afterInitWithRequested: false,
  injections(definition) {
    const properties = definition.properties as unknown as Midway3Properties;
    if (typeof properties?.propertyKeys !== 'function') return undefined;
    const injections: Injection[] = [];
    for (const key of properties.propertyKeys()) {
      const reference = properties.get(key);
      if (reference?.type !== 'ref' || typeof reference.name !== 'string') return undefined;
      if (reference.args !== undefined) return undefined;
      injections.push({ property: String(key), id: reference.name });
    }
    return injections;
  },
};

const MIDWAY_4: ContainerModel = {
  major: 4,
  definitionsFirst: true,
  afterInitWithRequested: true,
  injections(definition) {
    const properties = definition.properties as unknown as Midway4Properties;
    if (!(properties instanceof Map)) return undefined;
    const injections: Injection[] = [];
    for (const [key, reference] of properties) {
      // Midway resolves `id || name`; a function id is a lazy reference.
      const id = reference?.id || reference?.name;
      if (typeof id !== 'string' || reference?.isLazyInject || reference?.args !== undefined) {
        return undefined;
      }
      injections.push({ property: String(key), id });
    }
    return injections;
  },
};

/**
 * The model of the Midway this package runs with, or why there is none: then every
 * request-scoped object is made by Midway's own request container.
 */
export function detectContainerModel(): ContainerModel | string {
  const major = midwayCoreMajor();
  if (major === 3) return MIDWAY_3;
  if (major === 4) return MIDWAY_4;
  return major === undefined
    ? 'the version of @midwayjs/core could not be read from its package.json'
    : `@midwayjs/core ${major}.x is newer than this version of midway-kafka knows`;
}
