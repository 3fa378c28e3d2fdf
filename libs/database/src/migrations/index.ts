import { InitialSchema1764000000000 } from './1764000000000-InitialSchema';

/** Every migration, in order. A new schema change adds its class here. */
export const MIGRATIONS = [InitialSchema1764000000000];
