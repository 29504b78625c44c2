/**
 * renal-core registers tfjs's chained tensor methods (`x.mul(y)`) at run time; this type-only import brings
 * their type declarations into scope for this package's sources and tests.
 */
import type {} from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
