import { ApiHideProperty } from '@nestjs/swagger';
import { Equals, ValidateIf } from 'class-validator';

export const PARTIAL_VOID_REFUSAL =
  'amount_in_cents is not supported: Wompi partial voids are unconfirmed, so only full voids are offered; send an empty body or {}';

/**
 * POST /v1/transactions/:id/void: a full void, so an empty body or `{}`. `amount_in_cents`
 * (Wompi's optional partial void, docs/wompi.md#void — unconfirmed: docs/wompi.md#uncertain-points-and-our-choices) gets its own 400 so a
 * caller never believes a partial void happened; any other field is refused by the global pipe.
 */
export class VoidTransactionDto {
  @ApiHideProperty()
  @ValidateIf((o: VoidTransactionDto) => o.amount_in_cents !== undefined)
  @Equals(undefined, { message: PARTIAL_VOID_REFUSAL })
  amount_in_cents?: never;
}
