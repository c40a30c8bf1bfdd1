import { z } from 'zod';

/** The reason an officer gives for a review or a withdrawal, which the case timeline keeps. */
export const reasonSchema = z
  .string()
  .trim()
  .min(3, 'must say why, in at least 3 characters')
  .max(1000, 'must be at most 1000 characters');
