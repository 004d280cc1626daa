import { ValueTransformer } from 'typeorm';

/** bigint columns hold integer cents (≤ 1e12, safely inside Number); pg returns them as strings. */
export const bigintAsNumber: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | null) => (v === null || v === undefined ? v : Number(v)),
};
