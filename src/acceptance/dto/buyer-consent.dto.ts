import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsJWT, MaxLength } from 'class-validator';

const TOKEN_DESCRIPTION =
  'from GET /v1/acceptance, after the buyer was shown and accepted the document behind its permalink (Habeas Data)';

/**
 * The buyer and the consent Wompi requires on every write that charges or stores a means of
 * payment (POST /transactions, POST /payment_sources): one declaration, one set of messages.
 */
export class BuyerConsentDto {
  @ApiProperty({ example: 'buyer@example.com' })
  @IsEmail({}, { message: 'customer_email must be an email address' })
  @MaxLength(320)
  customer_email: string;

  @ApiProperty({
    description: `END_USER_POLICY token, ${TOKEN_DESCRIPTION}`,
    example: 'eyJhbGciOiJIUzI1NiJ9.eyJjb250cmFjdF9pZCI6NTA3fQ.c2lnbmF0dXJl',
  })
  @IsJWT({ message: 'acceptance_token must be the JWT from GET /v1/acceptance' })
  acceptance_token: string;

  @ApiProperty({
    description: `PERSONAL_DATA_AUTH token, ${TOKEN_DESCRIPTION}`,
    example: 'eyJhbGciOiJIUzI1NiJ9.eyJjb250cmFjdF9pZCI6NDc0fQ.c2lnbmF0dXJl',
  })
  @IsJWT({ message: 'accept_personal_auth must be the JWT from GET /v1/acceptance' })
  accept_personal_auth: string;
}
