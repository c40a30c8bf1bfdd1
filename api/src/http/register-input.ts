import { z } from 'zod';
import type { RegisterFilter } from '../repositories/public-register-repository.js';
import { parseOrThrow } from './validation.js';

const age = z.coerce.number().int('must be a whole number of years').min(0).max(17, 'must be 17 or less');
const day = z.iso.date('must be a date such as 2026-12-01');

const registerQuery = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').optional(),
    ageMin: age.optional(),
    ageMax: age.optional(),
    sex: z.enum(['female', 'male', 'other', 'unknown']).optional(),
    district: z
      .string()
      .trim()
      .regex(/^[A-Z0-9-]{2,80}$/, 'must be a district code such as PK-PB-LAHORE')
      .optional(),
    seenFrom: day.optional(),
    seenTo: day.optional(),
    page: z.coerce.number().int().min(1, 'must be 1 or more').max(1000, 'must be 1000 or less').default(1),
    pageSize: z.coerce.number().int().min(1).max(50, 'must be 50 or less').default(20),
  })
  .strict()
  .refine(
    (query) => query.ageMin === undefined || query.ageMax === undefined || query.ageMin <= query.ageMax,
    {
      message: 'must not be above ageMax',
      path: ['ageMin'],
    },
  )
  .refine((query) => !query.seenFrom || !query.seenTo || query.seenFrom <= query.seenTo, {
    message: 'must not be after seenTo',
    path: ['seenFrom'],
  });

/** Validates the register's query string, throwing INVALID_REGISTER_QUERY (400) naming the first bad parameter. */
export function parseRegisterQuery(query: unknown): RegisterFilter {
  return parseOrThrow(registerQuery, query, 'INVALID_REGISTER_QUERY');
}

/** A register public id: 32 lower-case hex characters. */
export const publicIdSchema = z
  .string()
  .regex(/^[0-9a-f]{32}$/, 'must be a register id of 32 hex characters');
