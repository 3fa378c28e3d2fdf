/** Success envelope of the spec: {data, meta}. */
export const envelope = <T, M extends object>(data: T, meta: M) => ({ data, meta });
